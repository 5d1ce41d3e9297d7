"""Lint a knowledge folder: everything the loader finds, plus what only a whole-base view can see.

The loader (``load_knowledge_with_problems``) already reports schema errors, unknown facts,
references to missing diagnoses or actions, duplicate rule ids and thresholds without ``why``,
each located by file and line. This module adds:

* duplicate keys inside one YAML mapping (YAML itself silently keeps the last one);
* rules no valid situation can satisfy: type mismatches (a bool compared to a number, an enum
  value that is not allowed), thresholds outside a fact's declared range, contradictions inside
  one conjunction (``x < 5`` and ``x > 10``), conclusions that nothing can reach;
* diagnoses no rule concludes and actions no rule leads to;
* evidence placeholders that name no fact or may be unknown when the rule fires;
* missing Chinese translations, tactics without Chinese synonyms, synonyms shared by two tactics.

Nothing read from a file is ever evaluated: conditions are analysed as data.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import yaml

from expert.errors import InputFileError, KnowledgeError, Problem, did_you_mean
from expert.knowledge import KnowledgeBase, Text, default_knowledge_dir, load_knowledge_with_problems, normalise_name
from expert.knowledge import conditions as C
from expert.knowledge.planning import planning_of
from expert.yamlio import compose_yaml

__all__ = ["lint", "format_text", "format_json", "LEVELS"]

LEVELS = ("error", "warning")
_MAX_CONJUNCTS = 512
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Findings:
    """Collects findings with paths shown relative to the folder the user named."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[Problem] = []

    def path(self, rel: str) -> str:
        """The file's path under the folder the user named."""
        return str(self.root / rel)

    def add(self, rel: str, line: int, level: str, code: str, message: str, hint: str | None = None) -> None:
        """Record one finding."""
        self.items.append(Problem(self.path(rel), message, hint, code, line=int(line or 0), level=level))


def lint(root: Path | str | None = None) -> list[Problem]:
    """Every problem in a knowledge folder, errors and warnings, in file and line order."""
    root = Path(root) if root else default_knowledge_dir()
    out = _Findings(root)
    try:
        kb, problems = load_knowledge_with_problems(root)
    except InputFileError as exc:  # a file that is not YAML at all: nothing else can be checked
        for problem in exc.problems:
            out.add(_relative(root, problem.file), problem.line, "error", "syntax", problem.message, problem.hint)
        return sorted(set(out.items), key=_order)
    for problem in problems:
        out.add(_relative(root, problem.file), problem.line, "error", problem.code, problem.message, problem.hint)
    _duplicate_keys(root, out)
    satisfiable = _rules(kb, out)
    _reachability(kb, satisfiable, out)
    _translations(kb, root, out)
    _tactics(kb, out)
    return sorted(set(out.items), key=_order)


def _order(found: Problem) -> tuple[str, int, str, str, str]:
    """Findings in file and line order, then level, code and message (a stable listing)."""
    return found.file, found.line, found.level, found.code, found.message


def _relative(root: Path, file: str) -> str:
    """The loader's file path made relative to the knowledge folder (the file as given when it is outside)."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except (ValueError, OSError):
        pass
    for candidate in (root / path.name, root / "rules" / path.name):
        if candidate.exists():
            return str(candidate.relative_to(root))
    return file


# -- duplicate keys: YAML keeps the last of two equal keys without a word --------------------------

def _duplicate_keys(root: Path, out: _Findings) -> None:
    """Report keys given twice in one mapping of any knowledge file."""
    files = sorted(p for p in [*root.glob("*.yaml"), *(root / "rules").glob("*.yaml")] if p.is_file())
    for path in files:
        try:
            node = compose_yaml(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            continue  # the loader reports unreadable files
        for key, line, first in _walk_duplicates(node):
            out.add(str(path.relative_to(root)), line, "error", "duplicate-id",
                    f"duplicate key '{key}' (YAML keeps only the last one)", f"first defined on line {first}")


def _walk_duplicates(node: Any) -> Iterator[tuple[str, int, int]]:
    """(key, line, first line) of every repeated key in a composed YAML tree."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    yield key_node.value, line, seen[key_node.value]
                else:
                    seen[key_node.value] = line
            yield from _walk_duplicates(value_node)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk_duplicates(item)


# -- rules: types, ranges, contradictions ----------------------------------------------------------

@dataclass(frozen=True)
class _Type:
    kind: str  # number, integer, bool, enum, list, text
    lo: float | None = None
    hi: float | None = None
    values: tuple[str, ...] | None = None


def _fact_type(kb: KnowledgeBase, name: str) -> _Type | None:
    """What values a fact (input or derived) can take, for type and range checks."""
    spec = kb.facts.get(name)
    if spec is not None:
        values = tuple(kb.tactics) if spec.values_from == "tactics" else spec.values
        return _Type(spec.type, spec.min, spec.max, values)
    derived = kb.derived.get(name)
    if derived is None:
        return None
    if derived.kind in ("ratio", "norm_ratio"):
        return _Type("number", 0.0, None)
    if derived.kind == "weakest":
        return _Type("enum", values=tuple(derived.choices))
    if derived.kind == "defined":
        return _Type("bool")
    return _Type("list", values=tuple(kb.tactics))


_OPS_BY_KIND = {
    "number": {"lt", "le", "gt", "ge", "eq", "ne", "in", "not_in"},
    "integer": {"lt", "le", "gt", "ge", "eq", "ne", "in", "not_in"},
    "bool": {"is", "eq", "ne"},
    "enum": {"eq", "ne", "in", "not_in"},
    "text": {"eq", "ne", "in", "not_in", "nonempty"},
    "list": {"contains", "not_contains", "contains_any", "contains_none", "nonempty"},
}


def _is_number(value: Any) -> bool:
    """True for ints and floats, not bools."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _leaf_type_problem(leaf: C.Leaf, t: _Type) -> tuple[str, str | None] | None:
    """A leaf that can never be evaluated meaningfully: wrong operator or wrong kind of value."""
    if leaf.op not in _OPS_BY_KIND[t.kind]:
        return (f"operator '{leaf.op}' does not apply to {t.kind} fact '{leaf.fact}'",
                f"use one of: {', '.join(sorted(_OPS_BY_KIND[t.kind]))}")
    values = list(leaf.value) if isinstance(leaf.value, tuple) else [leaf.value]
    if leaf.op in ("in", "not_in", "contains_any", "contains_none") and not isinstance(leaf.value, tuple):
        return f"'{leaf.op}' on '{leaf.fact}' needs a list of values, got {leaf.value!r}", None
    if t.kind == "bool" or leaf.op in ("is", "nonempty"):
        if not isinstance(leaf.value, bool):
            return f"fact '{leaf.fact}' is compared with {leaf.value!r}, which is not true/false", "write true or false"
        return None
    if t.kind in ("number", "integer"):
        bad = [v for v in values if not _is_number(v)]
        if bad:
            return f"number fact '{leaf.fact}' is compared with {bad[0]!r}, which is not a number", None
        return None
    if t.kind == "text":
        bad = [v for v in values if not isinstance(v, str)]
        return (f"text fact '{leaf.fact}' is compared with {bad[0]!r}", None) if bad else None
    if t.values is not None:
        bad = [v for v in values if v not in t.values]
        if bad:
            guess = did_you_mean(str(bad[0]), t.values)
            return (f"value {bad[0]!r} is not an allowed value of '{leaf.fact}'",
                    f"did you mean '{guess}'?" if guess else f"allowed: {', '.join(t.values)}")
    return None


class _Numeric:
    """An interval with open or closed ends, narrowed by each numeric test of a conjunction."""

    def __init__(self, t: _Type) -> None:
        self.integer = t.kind == "integer"
        self.lo, self.lo_open = (t.lo if t.lo is not None else -math.inf), False
        self.hi, self.hi_open = (t.hi if t.hi is not None else math.inf), False
        self.points: set[float] | None = None
        self.excluded: set[float] = set()

    def apply(self, op: str, value: Any) -> None:
        """Narrow the interval by one test."""
        if op in ("gt", "ge") and (value > self.lo or (value == self.lo and op == "gt")):
            self.lo, self.lo_open = value, op == "gt"
        elif op in ("lt", "le") and (value < self.hi or (value == self.hi and op == "lt")):
            self.hi, self.hi_open = value, op == "lt"
        elif op in ("eq", "in"):
            wanted = {value} if op == "eq" else set(value)
            self.points = wanted if self.points is None else self.points & wanted
        elif op in ("ne", "not_in"):
            self.excluded |= {value} if op == "ne" else set(value)

    def _inside(self, v: float) -> bool:
        """True when a value lies within the interval and is not excluded."""
        above = v > self.lo or (v == self.lo and not self.lo_open)
        below = v < self.hi or (v == self.hi and not self.hi_open)
        return above and below and (not self.integer or float(v).is_integer()) and v not in self.excluded

    def empty(self) -> bool:
        """True when no value satisfies every test applied."""
        if self.points is not None:
            return not any(self._inside(p) for p in self.points)
        if self.integer and math.isfinite(self.lo) and math.isfinite(self.hi):
            lo = math.floor(self.lo) + 1 if self.lo_open or not float(self.lo).is_integer() else self.lo
            hi = math.ceil(self.hi) - 1 if self.hi_open or not float(self.hi).is_integer() else self.hi
            return lo > hi
        if self.lo < self.hi:
            return False
        return not (self.lo == self.hi and not self.lo_open and not self.hi_open and self.lo not in self.excluded)


def _dnf(node: C.Node) -> list[list[C.Leaf | C.Concluded]] | None:
    """Disjunctive normal form of a negation-free tree (None when it would be too large)."""
    if isinstance(node, (C.Leaf, C.Concluded)):
        return [[node]]
    parts: list[list[list[C.Leaf | C.Concluded]]] = []
    for child in node.children:
        part = _dnf(child)
        if part is None:
            return None
        parts.append(part)
    if isinstance(node, C.Any_):
        out = [conj for part in parts for conj in part]
    else:
        size = math.prod(len(p) for p in parts)
        if size > _MAX_CONJUNCTS:
            return None
        out = [[leaf for conj in combo for leaf in conj] for combo in product(*parts)]
    return out if len(out) <= _MAX_CONJUNCTS else None


def _conjunct_problem(kb: KnowledgeBase, conj: list[C.Leaf | C.Concluded], concludable: set[str]) -> str | None:
    """Why no situation satisfies every test of one conjunction, or None if one can."""
    by_fact: dict[str, list[C.Leaf]] = {}
    concluded: dict[str, list[C.Concluded]] = {}
    for atom in conj:
        if isinstance(atom, C.Concluded):
            concluded.setdefault(atom.id, []).append(atom)
        else:
            by_fact.setdefault(atom.fact, []).append(atom)
    for cid, checks in concluded.items():
        needs = [c.min for c in checks if not c.negated]
        below = [c.min for c in checks if c.negated]
        if needs and cid not in concludable:
            return f"it needs conclusion '{cid}', which no rule can reach"
        if needs and below and max(needs) >= min(below):
            return f"it needs '{cid}' both concluded (>= {max(needs):g}) and not concluded (< {min(below):g})"
    for fact, tests in by_fact.items():
        t = _fact_type(kb, fact)
        if t is None or any(_leaf_type_problem(leaf, t) for leaf in tests):
            continue  # reported on its own
        described = " and ".join(leaf.describe() for leaf in tests)
        if t.kind in ("number", "integer"):
            interval = _Numeric(t)
            for leaf in tests:
                interval.apply(leaf.op, leaf.value)
            if interval.empty():
                bounds = f" (declared range {_show(t.lo)}..{_show(t.hi)})" if t.lo is not None or t.hi is not None else ""
                return f"no value of '{fact}' satisfies {described}{bounds}"
        elif t.kind == "bool":
            truths = {leaf.value if leaf.op in ("is", "eq") else not leaf.value for leaf in tests}
            if len(truths) > 1:
                return f"'{fact}' cannot be both true and false"
        elif t.kind in ("enum", "text"):
            allowed: set[str] | None = set(t.values) if t.values is not None else None
            excluded: set[str] = set()
            for leaf in tests:
                if leaf.op in ("eq", "in"):
                    wanted = {leaf.value} if leaf.op == "eq" else set(leaf.value)
                    allowed = wanted if allowed is None else allowed & wanted
                elif leaf.op in ("ne", "not_in"):
                    excluded |= {leaf.value} if leaf.op == "ne" else set(leaf.value)
            if allowed is not None and not (allowed - excluded):
                return f"no value of '{fact}' satisfies {described}"
        elif t.kind == "list":
            required, forbidden, some_of, must_be_empty = set(), set(), [], False
            for leaf in tests:
                if leaf.op == "contains":
                    required.add(leaf.value)
                elif leaf.op == "not_contains":
                    forbidden.add(leaf.value)
                elif leaf.op == "contains_none":
                    forbidden |= set(leaf.value)
                elif leaf.op == "contains_any":
                    some_of.append(set(leaf.value))
                elif leaf.op == "nonempty" and leaf.value is False:
                    must_be_empty = True
            if required & forbidden or any(not (s - forbidden) for s in some_of) or (must_be_empty and (required or some_of)):
                return f"no list of '{fact}' satisfies {described}"
    return None


def _show(value: float | None) -> str:
    """A range bound for a message (empty when open)."""
    return "" if value is None else f"{value:g}"


def _rules(kb: KnowledgeBase, out: _Findings) -> set[str]:
    """Check every rule's condition; return the ids of rules some situation can satisfy."""
    concludable = {r.diagnosis for r in kb.rules if r.cf > 0}
    satisfiable: set[str] = set()
    for rule in kb.rules:
        rel = f"rules/{rule.file}"
        broken = False
        for leaf in C.leaves(rule.when):
            if not isinstance(leaf, C.Leaf):
                continue
            t = _fact_type(kb, leaf.fact)
            if t is None:
                continue  # unknown fact: the loader reports it
            problem = _leaf_type_problem(leaf, t)
            if problem:
                broken = True
                out.add(rel, leaf.line or rule.line, "error", "type-mismatch", f"rule '{rule.id}': {problem[0]}", problem[1])
        if broken:
            continue
        conjuncts = _dnf(rule.when)
        if conjuncts is None:
            satisfiable.add(rule.id)
            continue
        reasons = [_conjunct_problem(kb, conj, concludable) for conj in conjuncts]
        live = [conj for conj, reason in zip(conjuncts, reasons) if reason is None]
        if not live:
            out.add(rel, rule.line, "error", "unsatisfiable", f"rule '{rule.id}' can never fire: {reasons[0]}",
                    "check the thresholds against facts.yaml and each other")
            continue
        satisfiable.add(rule.id)
        _placeholders(kb, rule, live, rel, out)
    return satisfiable


def _known_when(kb: KnowledgeBase, conj: list) -> set[str]:
    """Facts certainly known when this conjunction holds (a derived fact implies its inputs)."""
    known: set[str] = set()
    for leaf in conj:
        if isinstance(leaf, C.Leaf):
            known.add(leaf.fact)
            spec = kb.derived.get(leaf.fact)
            if spec is not None and spec.kind in ("ratio", "forbidden_tactics"):
                known |= set(spec.inputs)
            if spec is not None and spec.kind == "weakest" and leaf.op == "eq" and leaf.value in spec.choices:
                ratio = spec.choices[leaf.value]  # the weakest stage's own ratio is known
                known |= {ratio, *getattr(kb.derived.get(ratio), "inputs", ())}
    return known


def _placeholders(kb: KnowledgeBase, rule: Any, live: list, rel: str, out: _Findings) -> None:
    """Evidence placeholders must name facts that are known whenever the rule fires."""
    names = {lang: _PLACEHOLDER.findall(rule.evidence.get(lang)) for lang in ("en", "zh") if lang == "en" or rule.evidence.zh}
    always_known = set.intersection(*(_known_when(kb, conj) for conj in live))
    for name in sorted(set().union(*names.values())):
        if not kb.known_fact(name):
            guess = did_you_mean(name, list(kb.facts) + list(kb.derived))
            out.add(rel, rule.line, "error", "unknown-fact", f"rule '{rule.id}': evidence shows {{{name}}}, which is not a fact",
                    f"did you mean '{guess}'?" if guess else None)
        elif name not in always_known:
            out.add(rel, rule.line, "warning", "placeholder",
                    f"rule '{rule.id}': evidence shows {{{name}}}, which may be unknown when the rule fires",
                    "read the fact in every branch of the condition, or drop it from the evidence")
        elif (_fact_type(kb, name) or _Type("text")).kind == "bool":
            out.add(rel, rule.line, "warning", "placeholder",
                    f"rule '{rule.id}': evidence shows true/false fact {{{name}}}, which prints untranslated",
                    "say it in words instead")
    if "zh" in names and set(names["en"]) != set(names["zh"]):
        out.add(rel, rule.line, "warning", "placeholder",
                f"rule '{rule.id}': English and Chinese evidence show different facts",
                f"en: {sorted(set(names['en']))}, zh: {sorted(set(names['zh']))}")


# -- reachability ----------------------------------------------------------------------------------

def _reconciled_actions(kb: KnowledgeBase, out: _Findings) -> set[str]:
    """Actions planning.yaml adds when it reconciles a plan (its problems are reported as errors)."""
    try:
        return {a for entry in planning_of(kb).reconcile for a in entry.add}
    except KnowledgeError as err:
        for problem in err.problems:
            out.add("planning.yaml", 0, "error", problem.code, f"{problem.where}: {problem.message}", problem.hint)
        return set()


def _reachability(kb: KnowledgeBase, satisfiable: set[str], out: _Findings) -> None:
    """Warn about diagnoses no satisfiable rule concludes and actions nothing leads to."""
    concluded = {r.diagnosis for r in kb.rules if r.cf > 0 and r.id in satisfiable}
    for diag in kb.diagnoses.values():
        if diag.id not in concluded:
            out.add("diagnoses.yaml", diag.line, "warning", "unreachable-diagnosis",
                    f"no rule concludes diagnosis '{diag.id}'", "add a rule with then: {diagnosis: " + diag.id + ", cf: ...}")
    reached = {a for d in concluded if d in kb.diagnoses for a in kb.diagnoses[d].actions}
    reached |= {t.action for t in kb.tactics.values() if t.action and not t.forbidden}
    reached |= _reconciled_actions(kb, out)
    for action in kb.actions.values():
        if action.id not in reached:
            out.add("actions.yaml", action.line, "warning", "unreachable-action",
                    f"no rule leads to action '{action.id}'", "list it under a diagnosis's actions")


# -- translations ----------------------------------------------------------------------------------

def _texts(kb: KnowledgeBase) -> Iterator[tuple[str, int, str, Any]]:
    """Every user-facing text: (file, line, what, Text or why-mapping)."""
    for spec in kb.facts.values():
        yield "facts.yaml", spec.line, f"fact '{spec.name}' label", spec.label
        for value, text in (spec.value_labels or {}).items():
            yield "facts.yaml", spec.line, f"fact '{spec.name}' value '{value}'", text
    for group, text in kb.groups.items():
        yield "facts.yaml", 0, f"group '{group}' label", text
    for derived in kb.derived.values():
        yield "facts.yaml", derived.line, f"derived fact '{derived.name}' label", derived.label
        for value, text in (derived.value_labels or {}).items():
            yield "facts.yaml", derived.line, f"derived fact '{derived.name}' value '{value}'", text
    for rule in kb.rules:
        yield f"rules/{rule.file}", rule.line, f"rule '{rule.id}' evidence", rule.evidence
        for leaf in C.leaves(rule.when):
            if isinstance(leaf, C.Leaf) and leaf.why is not None:
                yield f"rules/{rule.file}", leaf.line or rule.line, f"rule '{rule.id}' why on '{leaf.fact}'", leaf.why
    for diag in kb.diagnoses.values():
        yield "diagnoses.yaml", diag.line, f"diagnosis '{diag.id}' title", diag.title
        yield "diagnoses.yaml", diag.line, f"diagnosis '{diag.id}' summary", diag.summary
    for action in kb.actions.values():
        for name in ("title", "description", "behaviour", "success_metric", "guardrail_metric", "owner"):
            yield "actions.yaml", action.line, f"action '{action.id}' {name}", getattr(action, name)
    for tactic in kb.tactics.values():
        yield "tactics.yaml", tactic.line, f"tactic '{tactic.id}' label", tactic.label
        yield "tactics.yaml", tactic.line, f"tactic '{tactic.id}' why", tactic.why
    for key, text in kb.messages.items():
        yield "messages.yaml", 0, f"message '{key}'", text


def _translations(kb: KnowledgeBase, root: Path, out: _Findings) -> None:
    """Warn about every user-facing text without Chinese."""
    message_lines = _top_level_lines(root / "messages.yaml")
    group_lines = _group_lines(root / "facts.yaml")
    for file, line, what, text in _texts(kb):
        zh = text.zh if isinstance(text, Text) else text.get("zh")
        if not (zh or "").strip():
            if file == "messages.yaml":
                line = message_lines.get(what.split("'")[1], 0)
            elif what.startswith("group "):
                line = group_lines.get(what.split("'")[1], 0)
            out.add(file, line, "warning", "missing-translation", f"{what} has no Chinese (zh) text", "add zh: ...")


def _top_level_lines(path: Path) -> dict[str, int]:
    """Line of each top-level key of a YAML file (messages.yaml has no line per entry)."""
    try:
        node = compose_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _group_lines(path: Path) -> dict[str, int]:
    """Line of each group under `groups:` in facts.yaml."""
    try:
        node = compose_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return {}
    for key, value in (node.value if isinstance(node, yaml.MappingNode) else []):
        if getattr(key, "value", None) == "groups" and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value if isinstance(k, yaml.ScalarNode)}
    return {}


def _tactics(kb: KnowledgeBase, out: _Findings) -> None:
    """Warn about tactics without Chinese synonyms; refuse a name shared by two tactics."""
    owner: dict[str, str] = {}
    for tactic in kb.tactics.values():
        if not tactic.synonyms_zh:
            out.add("tactics.yaml", tactic.line, "warning", "missing-translation",
                    f"tactic '{tactic.id}' has no Chinese synonyms", "add synonyms_zh: [...] so Chinese free text matches")
        for name in (tactic.id, tactic.label.en, tactic.label.zh or "", *tactic.synonyms_en, *tactic.synonyms_zh):
            key = normalise_name(name) if name else ""
            if not key:
                continue
            if key in owner and owner[key] != tactic.id:
                out.add("tactics.yaml", tactic.line, "error", "synonym-clash",
                        f"'{name}' names both tactic '{owner[key]}' and tactic '{tactic.id}'",
                        f"free text '{name}' would always match '{owner[key]}'")
            owner.setdefault(key, tactic.id)


# -- output ----------------------------------------------------------------------------------------

def counts(findings: Iterable[Problem], strict: bool = False) -> tuple[int, int]:
    """(errors, warnings); with ``strict`` every warning counts as an error."""
    findings = list(findings)
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    return (errors + warnings, 0) if strict else (errors, warnings)


def _as_error(found: Problem, strict: bool) -> Problem:
    """With --strict a warning is reported as an error."""
    return dataclasses.replace(found, level="error") if strict else found


def _line(found: Problem) -> str:
    """``file:line: level: message (hint)``."""
    text = f"{found.file}:{found.line}: {found.level}: {found.message}"
    return f"{text} ({found.hint})" if found.hint else text


def format_text(findings: list[Problem], root: Path, strict: bool = False) -> str:
    """One line per finding, then a summary line."""
    lines = [_line(_as_error(f, strict)) for f in findings]
    errors, warnings = counts(findings, strict)
    lines.append(f"{root}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return "\n".join(lines) + "\n"


def format_json(findings: list[Problem], root: Path, strict: bool = False) -> str:
    """The findings and counts as JSON (stable key order)."""
    errors, warnings = counts(findings, strict)
    items = [_as_error(f, strict).to_dict() for f in findings]
    return json.dumps({"root": str(root), "errors": errors, "warnings": warnings, "problems": items},
                      ensure_ascii=False, indent=2) + "\n"
