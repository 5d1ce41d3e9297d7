"""Load knowledge/*.yaml into typed, validated objects; every problem names file, line and id."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from expert.errors import KnowledgeError, Problem, did_you_mean
from expert.knowledge import cache
from expert.knowledge import conditions as C
from expert.knowledge.conditions import parse_condition
from expert.knowledge.model import (
    ActionSpec,
    DerivedSpec,
    DiagnosisSpec,
    FactSpec,
    FamilySpec,
    KnowledgeBase,
    RuleSpec,
    TacticSpec,
    Text,
)
from expert.yamlio import LineDict, line_of, load_yaml_file

__all__ = ["load_knowledge", "load_knowledge_with_problems", "cached_knowledge", "default_knowledge_dir", "Collector"]


def default_knowledge_dir() -> Path:
    """The knowledge base: $EXPERT_KNOWLEDGE, the copy inside the wheel, or the repo's folder."""
    env = os.environ.get("EXPERT_KNOWLEDGE")
    if env:
        return Path(env)
    package = Path(__file__).parent.parent  # expert/
    packaged = package / "_knowledge"
    if packaged.is_dir():
        return packaged
    return package.resolve().parent / "knowledge"


class Collector:
    """Gathers problems while loading so one run reports them all."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, message: str, hint: str | None = None, code: str = "schema", *, line: int = 0) -> None:
        """Record one problem in ``file`` at ``line`` (0: the file as a whole)."""
        self.problems.append(Problem(file, message, hint, code, line=line))

    def validate(self, model: type[BaseModel], data: Any, where_file: str, what: str, extra: dict[str, Any]):
        """Validate one YAML entry; map pydantic errors back to file:line and field."""
        if not isinstance(data, dict):
            self.add(f"{where_file}", f"{what}: expected a mapping, got {type(data).__name__}", line=getattr(data, 'line', 0))
            return None
        try:
            return model.model_validate({**data, **extra})
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(err["loc"])
                field_name = ".".join(str(p) for p in loc)
                line = line_of(data, loc) or getattr(data, "line", 0)
                hint = None
                if err["type"] == "extra_forbidden":
                    guess = did_you_mean(str(loc[-1]), model.model_fields)
                    hint = f"did you mean '{guess}'?" if guess else f"allowed: {', '.join(model.model_fields)}"
                self.add(f"{where_file}", f"{what}, field '{field_name}': {err['msg']}", hint, line=line)
            return None


def _entries(data: Any, path: Path, col: Collector) -> list[tuple[str, Any]]:
    """Accept a mapping id → entry or a list of entries with an ``id``."""
    if data is None:
        return []
    if isinstance(data, dict):
        return [(str(k), v) for k, v in data.items()]
    if isinstance(data, list):
        out = []
        for item in data:
            if isinstance(item, dict) and "id" in item:
                out.append((str(item["id"]), LineDict({k: v for k, v in item.items() if k != "id"})))
                out[-1][1].line = getattr(item, "line", 0)
            else:
                col.add(f"{path}", "entry without an 'id'", "give every entry an id", line=getattr(item, 'line', 0))
        return out
    col.add(str(path), f"expected a mapping or list of entries, got {type(data).__name__}")
    return []


def _load_facts(path: Path, col: Collector) -> tuple[dict[str, FactSpec], dict[str, Text], dict[str, DerivedSpec]]:
    """facts.yaml: input facts by group (a group may be a single fact), and derived facts."""
    data = load_yaml_file(path) or {}
    facts: dict[str, FactSpec] = {}
    groups: dict[str, Text] = {}
    for group, body in (data.get("groups") or {}).items():
        if isinstance(body, dict) and "type" in body:  # a group that is a single fact
            spec = col.validate(FactSpec, body, str(path), f"fact '{group}'",
                                {"name": group, "group": group, "scalar_group": True, "line": line_of(body, ())})
            if spec:
                facts[group], groups[group] = spec, spec.label
            continue
        label = col.validate(Text, (body or {}).get("label", {}), str(path), f"group '{group}' label", {})
        if label:
            groups[group] = label
        for name, fbody in ((body or {}).get("facts") or {}).items():
            if name in facts:
                col.add(f"{path}", f"duplicate fact id '{name}'", "fact names are unique across groups", code="duplicate-id", line=getattr(fbody, 'line', 0))
                continue
            spec = col.validate(FactSpec, fbody, str(path), f"fact '{name}'",
                                {"name": name, "group": group, "line": getattr(fbody, "line", 0)})
            if spec:
                facts[name] = spec
    derived: dict[str, DerivedSpec] = {}
    for name, body in _entries(data.get("derived"), path, col):
        spec = col.validate(DerivedSpec, body, str(path), f"derived fact '{name}'",
                            {"name": name, "line": getattr(body, "line", 0)})
        if spec:
            derived[name] = spec
    return facts, groups, derived


def _rule_files(rule_dir: Path) -> list[Path]:
    """The rule files, in the order they are read."""
    return sorted(rule_dir.glob("*.yaml"))


def _source_files(root: Path) -> list[Path]:
    """Every file the loader reads from a knowledge folder (what the on-disk cache is keyed by)."""
    return [root / "facts.yaml", *_rule_files(root / "rules"),
            *(root / name for name in ("diagnoses.yaml", "actions.yaml", "tactics.yaml", "messages.yaml", "families.yaml"))]


def _load_rules(rule_dir: Path, col: Collector) -> list[RuleSpec]:
    """Every rules/*.yaml file, conditions parsed, each problem located."""
    rules: list[RuleSpec] = []
    for path in _rule_files(rule_dir):
        for rid, body in _entries(load_yaml_file(path), path, col):
            if not isinstance(body, dict):
                col.add(f"{path}", f"rule '{rid}': expected a mapping", line=getattr(body, 'line', 0))
                continue
            when = parse_condition(body.get("when"), str(path), col, rid)
            then = body.get("then") or {}
            fields = {k: v for k, v in body.items() if k not in ("when", "then")}
            if not isinstance(then, dict):
                col.add(f"{path}", f"rule '{rid}': 'then' must be {{diagnosis: id, cf: number}}", line=line_of(body, ()))
                continue
            extra = {"id": rid, "when": when, "file": str(path.name), "line": line_of(body, ()),
                     "diagnosis": then.get("diagnosis"), "cf": then.get("cf")}
            unknown_then = set(then) - {"diagnosis", "cf"}
            if unknown_then:
                col.add(f"{path}", f"rule '{rid}': unexpected keys {sorted(unknown_then)} under 'then'", "allowed: diagnosis, cf", line=line_of(then, ()))
            spec = col.validate(RuleSpec, fields, str(path), f"rule '{rid}'", extra)
            if spec and when is not None:
                rules.append(spec)
    return rules


def _load_catalogue(path: Path, model: type[BaseModel], what: str, col: Collector) -> dict[str, Any]:
    """One id -> entry catalogue (diagnoses, actions, tactics, families), validated."""
    out: dict[str, Any] = {}
    if not path.exists():
        col.add(str(path), f"missing {what} catalogue")
        return out
    for key, body in _entries(load_yaml_file(path), path, col):
        if key in out:
            col.add(f"{path}", f"duplicate {what} id '{key}'", code="duplicate-id", line=getattr(body, 'line', 0))
            continue
        spec = col.validate(model, body, str(path), f"{what} '{key}'", {"id": key, "line": getattr(body, "line", 0)})
        if spec:
            out[key] = spec
    return out


def _load_messages(path: Path, col: Collector) -> dict[str, Text]:
    """messages.yaml: UI strings in English and Chinese."""
    out = {}
    for key, body in ((load_yaml_file(path) or {}) if path.exists() else {}).items():
        spec = col.validate(Text, body, str(path), f"message '{key}'", {})
        if spec:
            out[key] = spec
    return out


def _assign_levels(rules: list[RuleSpec], col: Collector) -> list[RuleSpec]:
    """Stratify: a rule reading a conclusion runs after every rule that can produce it."""
    producers: dict[str, list[RuleSpec]] = {}
    for rule in rules:
        producers.setdefault(rule.diagnosis, []).append(rule)
    levels: dict[str, int] = {}
    visiting: set[str] = set()

    def level(rule: RuleSpec) -> int:
        """The rule's stratum: one more than the deepest rule producing a conclusion it reads."""
        if rule.id in levels:
            return levels[rule.id]
        if rule.id in visiting:
            col.add(f"{rule.file}", f"rule '{rule.id}': conclusions depend on each other in a cycle",
                    "break the cycle: a rule may not (indirectly) read its own diagnosis", code="cycle", line=rule.line)
            return 0
        visiting.add(rule.id)
        deps = [level(p) + 1 for cid in C.conclusion_ids(rule.when) for p in producers.get(cid, [])]
        visiting.discard(rule.id)
        levels[rule.id] = max(deps, default=0)
        return levels[rule.id]

    return [r.model_copy(update={"level": level(r)}) for r in rules]


def _cross_check(kb: KnowledgeBase, col: Collector) -> None:
    """References between files must resolve: facts, diagnoses, actions, tactics."""
    seen: dict[str, RuleSpec] = {}
    for rule in kb.rules:
        where = str(kb.root / 'rules' / rule.file)
        if rule.id in seen:
            col.add(where, f"duplicate rule id '{rule.id}'", f"first defined in {seen[rule.id].file}:{seen[rule.id].line}",
                    code="duplicate-id", line=rule.line)
        seen[rule.id] = rule
        if rule.diagnosis not in kb.diagnoses:
            guess = did_you_mean(rule.diagnosis, kb.diagnoses)
            col.add(where, f"rule '{rule.id}' concludes unknown diagnosis '{rule.diagnosis}'",
                    f"did you mean '{guess}'?" if guess else "add it to diagnoses.yaml", code="unknown-diagnosis",
                    line=rule.line)
        for leaf in C.leaves(rule.when):
            lline = leaf.line or rule.line
            if isinstance(leaf, C.Concluded):
                if leaf.id not in kb.diagnoses:
                    guess = did_you_mean(leaf.id, kb.diagnoses)
                    col.add(where, f"rule '{rule.id}' reads unknown conclusion '{leaf.id}'",
                            f"did you mean '{guess}'?" if guess else None, code="unknown-diagnosis", line=lline)
                continue
            if not kb.known_fact(leaf.fact):
                guess = did_you_mean(leaf.fact, list(kb.facts) + list(kb.derived))
                col.add(where, f"rule '{rule.id}' reads unknown fact '{leaf.fact}'",
                        f"did you mean '{guess}'?" if guess else "declare it in facts.yaml", code="unknown-fact",
                        line=lline)
    for diag in kb.diagnoses.values():
        if kb.families and diag.family not in kb.families:
            guess = did_you_mean(diag.family, kb.families)
            col.add(f"{kb.root / 'diagnoses.yaml'}", f"diagnosis '{diag.id}' has undeclared family '{diag.family}'",
                    f"did you mean '{guess}'?" if guess else "declare it in families.yaml", code="unknown-family", line=diag.line)
        for aid in diag.actions:
            if aid not in kb.actions:
                guess = did_you_mean(aid, kb.actions)
                col.add(f"{kb.root / 'diagnoses.yaml'}", f"diagnosis '{diag.id}' calls for unknown action '{aid}'",
                        f"did you mean '{guess}'?" if guess else "add it to actions.yaml", code="unknown-action", line=diag.line)
    for tactic in kb.tactics.values():
        if tactic.forbidden and tactic.action:
            col.add(f"{kb.root / 'tactics.yaml'}", f"forbidden tactic '{tactic.id}' may not lead to an action",
                    "remove 'action' or set forbidden: false", code="forbidden-action", line=tactic.line)
        if tactic.action and not tactic.serves:
            col.add(f"{kb.root / 'tactics.yaml'}", f"tactic '{tactic.id}' has an action but no 'serves'",
                    "name the diagnosis the action is planned for, e.g. serves: pressure.short_term_target", line=tactic.line)
        if tactic.serves and tactic.serves not in kb.diagnoses:
            col.add(f"{kb.root / 'tactics.yaml'}", f"tactic '{tactic.id}' serves unknown diagnosis '{tactic.serves}'",
                    code="unknown-diagnosis", line=tactic.line)
        if tactic.action and tactic.action not in kb.actions:
            col.add(f"{kb.root / 'tactics.yaml'}", f"tactic '{tactic.id}' names unknown action '{tactic.action}'", code="unknown-action", line=tactic.line)


def load_knowledge(root: Path | str | None = None) -> KnowledgeBase:
    """Load and validate a knowledge folder; raise KnowledgeError listing every problem.

    A folder that loads without a problem is kept in the on-disk cache (expert/knowledge/cache.py)
    and read from there while neither its files nor this program change.
    """
    root = Path(root) if root else default_knowledge_dir()
    key = cache.cache_key(root, _source_files(root)) if cache.cache_dir() and root.is_dir() else None
    cached = cache.read_cache(root, key) if key else None
    if cached is not None:
        return cached
    kb, problems = load_knowledge_with_problems(root)
    if problems:
        raise KnowledgeError(problems)
    if key and cache.cache_key(root, _source_files(root)) == key:  # unchanged while it was read
        cache.write_cache(root, key, kb)
    return kb


def load_knowledge_with_problems(root: Path | str | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Load what can be loaded and return it with the problems found (used by lint)."""
    root = Path(root) if root else default_knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError(Problem(str(root), "knowledge folder not found", "pass the folder that holds facts.yaml"))
    col = Collector()
    facts, groups, derived = _load_facts(root / "facts.yaml", col)
    rules = _assign_levels(_load_rules(root / "rules", col), col)
    kb = KnowledgeBase(
        root=root, facts=facts, groups=groups, derived=derived, rules=rules,
        diagnoses=_load_catalogue(root / "diagnoses.yaml", DiagnosisSpec, "diagnosis", col),
        actions=_load_catalogue(root / "actions.yaml", ActionSpec, "action", col),
        tactics=_load_catalogue(root / "tactics.yaml", TacticSpec, "tactic", col),
        messages=_load_messages(root / "messages.yaml", col),
        families=_load_catalogue(root / "families.yaml", FamilySpec, "family", col),
    )
    _cross_check(kb, col)
    return kb, col.problems


def cached_knowledge(root: str | None = None) -> KnowledgeBase:
    """Load a knowledge base once per folder and reuse it (engine classes are cached on it).

    The bundled folder asked for by None or by its path is one knowledge base, loaded once.
    """
    return _knowledge_of(str(Path(root) if root else default_knowledge_dir()))


@functools.lru_cache(maxsize=8)
def _knowledge_of(root: str) -> KnowledgeBase:
    """The knowledge base of one folder, loaded on first use."""
    return load_knowledge(root)
