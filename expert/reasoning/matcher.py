"""An indexed Rete matcher for experta, plugged in through experta's own ``__matcher__`` hook.

experta's ``ReteMatcher`` tests every fact against every alpha node below its type (no index
on the constant ``name == ...`` test), asks all conflict-set nodes for news after every
change, and walks the whole network on ``reset()``. This matcher keeps experta's nodes, checks,
beta network and agenda, and changes only the bookkeeping around them:

- the alpha network tests literal fields (``name``, ``diag``) right below the type test, always
  (experta orders checks by use count, breaking ties by hash, so a value test could come
  first), and facts are dispatched to those nodes by a dict lookup on (type, field, value);
- conflict-set nodes that received a token are marked dirty, and only those are asked for
  activations, in a fixed order;
- nodes with memory that received a token are remembered, and ``reset()`` clears only those.

The cost of a diagnosis therefore no longer grows with rules whose facts are not known. With
experta's MATCH watcher on (``engine_logging(True)``), facts are tested by experta's own checks,
which log each test.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from expert.reasoning.rete import shimmed_import

_nodes = shimmed_import("experta.matchers.rete.nodes")
_check = shimmed_import("experta.matchers.rete.check")
ConflictSetNode, FeatureTesterNode, NotNode, OrdinaryMatchNode, BusNode = (
    _nodes.ConflictSetNode, _nodes.FeatureTesterNode, _nodes.NotNode, _nodes.OrdinaryMatchNode, _nodes.BusNode)
FactCapture, FeatureCheck, TypeCheck = _check.FactCapture, _check.FeatureCheck, _check.TypeCheck
ReteMatcher = shimmed_import("experta.matchers.rete").ReteMatcher
Matcher = shimmed_import("experta.abstract").Matcher
L, P = shimmed_import("experta.fieldconstraint").L, shimmed_import("experta.fieldconstraint").P
ChildNode = shimmed_import("experta.matchers.rete.mixins").ChildNode
Token = shimmed_import("experta.matchers.rete.token").Token
_make_token = Token._make
generate_checks = shimmed_import("experta.matchers.rete.utils").generate_checks
Rule = shimmed_import("experta.rule").Rule
TEST = shimmed_import("experta.conditionalelement").TEST
Fact, InitialFact = shimmed_import("experta.fact").Fact, shimmed_import("experta.fact").InitialFact
AND, NOT = shimmed_import("experta.conditionalelement").AND, shimmed_import("experta.conditionalelement").NOT
dnf, unpack_exp = shimmed_import("experta.matchers.rete.dnf").dnf, shimmed_import("experta.matchers.rete.dnf").unpack_exp
prepare_rule, extract_facts = (shimmed_import("experta.matchers.rete.utils").prepare_rule,
                               shimmed_import("experta.matchers.rete.utils").extract_facts)

__all__ = ["IndexedMatcher"]

_MATCH_LOG = logging.getLogger("experta.watchers.MATCH")

_MEMORY_NODES = (ConflictSetNode, NotNode, OrdinaryMatchNode)


def _is_literal(check: Any) -> bool:
    """A constant-equality test on a named field (``name="x"``): the kind a dict can index."""
    return isinstance(check, FeatureCheck) and isinstance(check.how, L) and check.how.__bind__ is None \
        and isinstance(check.what, str)


def _check_order(checks: Iterable[Any]) -> list[Any]:
    """Type test first, then literal tests by field name, then the rest as written, the capture last."""
    checks = list(checks)
    types = [c for c in checks if isinstance(c, TypeCheck)]
    literals = sorted((c for c in checks if _is_literal(c)), key=lambda c: c.what)
    captures = [c for c in checks if isinstance(c, FactCapture)]
    rest = [c for c in checks if c not in types and c not in literals and c not in captures]
    return types + literals + rest + captures


def _patterns(rules: list[Any]) -> list[Any]:
    """Every fact pattern of the rules, in the order written, each once."""
    found: dict[Any, None] = {}

    def walk(element: Any) -> None:
        """Collect the Facts of one conditional element, depth first."""
        if isinstance(element, Fact):
            found.setdefault(element)
        elif not isinstance(element, TEST):
            for part in element:
                walk(part)

    for rule in rules:
        walk(rule)
    return list(found)


def _compiled(check: Any) -> Callable[[Any], Any]:
    """A check as a plain function with the same result: a predicate on a plain field reads the
    field and calls the predicate (FeatureCheck's logging and accessor parsing left out)."""
    how = getattr(check, "how", None)
    if isinstance(check, FeatureCheck) and isinstance(how, P) and how.__bind__ is None \
            and isinstance(check.what, str) and "__" not in check.what:
        field, match = check.what, how.match

        def predicate(fact: Any) -> bool:
            """The field's value passes the predicate (a missing field does not)."""
            try:
                value = fact[field]
            except (IndexError, KeyError, TypeError):
                return False
            return bool(match(value))
        return predicate
    return check


def _uncopied(node: Any, callback: Any) -> Any:
    """A beta node's activation without the defensive token copy: no beta node changes a token it
    receives (only alpha FeatureTesterNodes add to a context), so the copy is pure cost."""
    name = getattr(callback, "__name__", "")
    if name in ("activate", "activate_left", "activate_right") and getattr(callback, "__self__", None) is node:
        return getattr(node, "_" + name)
    return callback


class _Path(NamedTuple):
    """One fact pattern's alpha tests after its literal: plain predicates and the capture name when that
    is all there is (nearly always), else the checks to run as experta's nodes would."""

    test: Callable[[Any], bool] | None  # the predicates in one call (None: nothing to test)
    capture: str | None
    checks: list[Any] | None
    children: list[Any]
    logged: list[Any]  # experta's own checks, which log each test: used when engine logging is on


def _path(checks: list[Any], terminal: Any) -> _Path:
    """The fast form of a path when its checks are predicates then one capture, else the general one."""
    compiled = [_compiled(c) for c in checks]
    if compiled and isinstance(compiled[-1], FactCapture) and not any(
            isinstance(c, FactCapture) or hasattr(c, "what") for c in compiled[:-1]):
        return _Path(_joined(compiled[:-1]), compiled[-1].bind, None, terminal.children, checks)
    return _Path(None, None, compiled, terminal.children, checks)


def _joined(predicates: list[Callable[[Any], bool]]) -> Callable[[Any], bool] | None:
    """One callable for a path's predicates, in order (a lone one as it is: the common case, no loop)."""
    if not predicates:
        return None
    if len(predicates) == 1:
        return predicates[0]
    chain = tuple(predicates)
    return lambda fact: all(test(fact) for test in chain)


def _checked(fact: Any, checks: list[Any], context: dict[Any, Any]) -> bool:
    """Run checks in order, merging their bindings into the context; False at the first that fails."""
    for check in checks:
        match = check(fact)
        if not match or (isinstance(match, Mapping) and not _merge(context, match)):
            return False
    return True


def _merge(context: dict[Any, Any], match: Mapping[Any, Any]) -> bool:
    """Add a check's bindings to the context unless they contradict it (FeatureTesterNode's rule)."""
    for key, value in match.items():
        if isinstance(key, tuple):  # a negated binding
            if key[1] in context and context[key[1]] == value:
                return False
        elif context.get(key, value) != value or ((False, key) in context and context[(False, key)] == value):
            return False
    context.update(match)
    return True


def _dnf_conditions(conditions: tuple[Any, ...]) -> tuple[Any, ...]:
    """experta's ``dnf`` of a Rule, step for step, on its conditions alone: experta makes a new Rule at
    every rewriting step, and each one inspects the action's signature (a third of building the network)."""
    last, current = None, (AND(*[dnf(e) for e in conditions]),)
    while last != current:
        last, current = current, tuple(dnf(e) for e in current)
    return tuple(unpack_exp(current, AND))


def _prepared(rule: Any) -> Any:
    """experta's ``prepare_rule`` of a Rule (DNF, an InitialFact where the network needs one), the same
    conditions, salience and action, with one Rule made at the end (tests/test_startup.py compares them)."""
    conditions = tuple(prepare_rule(e) for e in _dnf_conditions(tuple(rule)))
    if not conditions:
        conditions = (InitialFact(),)
    elif isinstance(conditions[0], NOT) or not extract_facts(conditions):
        conditions = (InitialFact(), *conditions)
    else:
        conditions = _dnf_conditions(conditions)
    return rule.new_conditions(*conditions)


def _rule_name(rule: Any) -> str:
    """A rule's method name (the dummy InitialFact rule has none), to build the network in a fixed order."""
    return str(getattr(rule, "__name__", "") or "")


class IndexedMatcher(ReteMatcher):  # type: ignore[misc,valid-type]  # experta is untyped
    """experta's Rete network, with facts dispatched by hash and only changed nodes visited."""

    def __init__(self, engine: Any) -> None:
        self._dispatch: dict[type, tuple[dict[str, dict[Any, list[Any]]], list[Any]]] = {}
        self._dirty: set[int] = set()
        self._touched: set[Any] = set()
        self._csns: tuple[Any, ...] = ()
        Matcher.__init__(self, engine)
        self.root_node: Any = None
        self.build_network()

    def build_network(self) -> None:
        """Build the alpha part in a fixed check order, wire experta's beta part, then index it."""
        ruleset = sorted(self.prepare_ruleset(self.engine), key=_rule_name)
        terminals = self._build_alpha(ruleset)
        self.build_beta_part(ruleset, terminals)
        self._index()

    @staticmethod
    def prepare_ruleset(engine: Any) -> set[Any]:
        """The engine's rules as experta prepares them for the network (see ``_prepared``)."""
        return {_prepared(rule) for rule in engine.get_rules()}

    def _build_alpha(self, ruleset: list[Any]) -> dict[Any, Any]:
        """One chain of FeatureTesterNodes per fact pattern, shared where the checks are the same;
        each pattern's checks are also kept as a path, so a fact can be tested without walking nodes."""
        self.root_node = root = BusNode()
        terminals: dict[Any, Any] = {}
        self._paths: dict[int, tuple[list[Any], Any]] = {}
        for fact in _patterns([*ruleset, Rule(InitialFact())]):
            node = root
            checks = _check_order(generate_checks(fact))
            for check in checks:
                node = next((c.node for c in node.children if c.node.matcher is check), None) or \
                    self._new_child(node, check)
            terminals[fact] = node
            self._paths[id(node)] = (checks, node)
        return terminals

    @staticmethod
    def _new_child(parent: Any, check: Any) -> Any:
        """A FeatureTesterNode for ``check`` under ``parent``."""
        node = FeatureTesterNode(check)
        parent.add_child(node, node.activate)
        return node

    def _index(self) -> None:
        """Dispatch tables of alpha paths by (type, literal field, value); marks on every edge into a
        node with memory."""
        self._csns = tuple(self._get_conflict_set_nodes())
        position = {id(node): i for i, node in enumerate(self._csns)}
        self._mark_edges(self.root_node, position, set())
        for checks, terminal in self._paths.values():
            fact_type, rest = checks[0].fact_type, checks[1:]
            literal, others = self._dispatch.setdefault(fact_type, ({}, []))
            if rest and _is_literal(rest[0]):
                table = literal.setdefault(rest[0].what, {})
                table.setdefault(rest[0].how.value, []).append(_path(rest[1:], terminal))
            else:
                others.append(_path(rest, terminal))

    def _mark_edges(self, node: Any, position: dict[int, int], seen: set[int]) -> None:
        """Wrap every edge into a memory node so a token arriving there is remembered."""
        if id(node) in seen:
            return
        seen.add(id(node))
        for i, edge in enumerate(node.children):
            if isinstance(edge.node, _MEMORY_NODES):
                node.children[i] = ChildNode(edge.node, self._marking(edge.node, position.get(id(edge.node)),
                                                                      _uncopied(edge.node, edge.callback)))
            self._mark_edges(edge.node, position, seen)

    def _marking(self, node: Any, csn: int | None, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """``callback`` that first notes the node as touched (and, for a conflict-set node, dirty)."""
        touched, dirty = self._touched, self._dirty
        if csn is None:
            def touch(token: Any) -> None:
                touched.add(node)
                callback(token)
            return touch

        def touch_conflict_set(token: Any) -> None:
            touched.add(node)
            dirty.add(csn)
            callback(token)
        return touch_conflict_set

    def _send(self, fact: Any, tag: Any) -> None:
        """Test a fact only on the alpha paths whose literal test it passes; a match goes straight
        to the beta nodes below that path's last alpha node, as one token with the captured context."""
        entry = self._dispatch.get(type(fact))
        if entry is None:
            return
        literal, others = entry
        logged = _MATCH_LOG.isEnabledFor(logging.INFO)
        for field, table in literal.items():
            try:
                paths = table.get(fact.get(field), ())
            except TypeError:  # an unhashable value equals no literal
                paths = ()
            self._pass_all(fact, tag, paths, logged)
        self._pass_all(fact, tag, others, logged)

    @staticmethod
    def _pass_all(fact: Any, tag: Any, paths: Iterable[_Path], logged: bool) -> None:
        """Run each path's checks as its FeatureTesterNodes would; a match activates the beta nodes below."""
        for test, capture, checks, children, originals in paths:
            context: dict[Any, Any] = {}
            if logged:
                if not _checked(fact, originals, context):
                    continue
            elif checks is None:
                if test is not None and not test(fact):
                    continue
                context[capture] = fact
            elif not _checked(fact, checks, context):
                continue
            token = _make_token((tag, {fact}, context))  # what Token(tag, fact, context) makes, unchecked
            for edge in children:
                edge.callback(token)

    def changes(self, adding: Iterable[Any] | None = None, deleting: Iterable[Any] | None = None) -> tuple[list, list]:
        """Propagate retracted then declared facts; collect activations from the dirty conflict sets."""
        for fact in deleting or ():
            self._send(fact, Token.TagType.INVALID)
        for fact in adding or ():
            self._send(fact, Token.TagType.VALID)
        added: list[Any] = []
        removed: list[Any] = []
        for i in sorted(self._dirty):
            new, gone = self._csns[i].get_activations()
            added.extend(new)
            removed.extend(gone)
        self._dirty.clear()
        return added, removed

    def reset(self) -> None:
        """Wipe the memory of the nodes a token reached since the last reset (the others are empty)."""
        for node in self._touched:
            node._reset()
        for i in self._dirty:
            self._csns[i].get_activations()
        self._touched.clear()
        self._dirty.clear()
