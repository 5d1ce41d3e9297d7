"""What-if: change some facts of a situation and see how the diagnoses and the plan move."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from expert.consult.session import AnswerError, parse_answer, resolve_fact, set_fact, unset_fact, words
from expert.errors import Problem, SituationError
from expert.knowledge import KnowledgeBase
from expert.model.plan import Plan
from expert.planning.pipeline import diagnose
from expert.textsafe import markdown_text, terminal_text

__all__ = ["WhatIf", "parse_changes", "apply_changes", "compare", "render_whatif", "whatif_sections", "whatif_title"]


@dataclass
class WhatIf:
    """The difference between the plan as it is and the plan with the changed facts."""

    community: str
    lang: str
    changes: dict[str, Any]
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    actions_added: list[dict[str, Any]] = field(default_factory=list)
    actions_removed: list[dict[str, Any]] = field(default_factory=list)
    actions_moved: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing changes."""
        return not (self.added or self.removed or self.changed or self.actions_added
                    or self.actions_removed or self.actions_moved)


def parse_changes(kb: KnowledgeBase, items: tuple[str, ...] | list[str], lang: str = "en") -> dict[str, Any]:
    """Parse fact=value words (flat or dotted names; '?' makes a fact unknown); every bad one is reported."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            problems.append(Problem(item, "expected fact=value", "e.g. activity_change_pct=-30"))
            continue
        try:
            fact = resolve_fact(kb, name.strip(), lang)
            out[fact] = None if text.strip().lower() in words(kb, "whatif_unknown_words", "command_dont_know_words") else parse_answer(kb, fact, text, lang)
        except AnswerError as exc:
            problems += [Problem(f"{name.strip()}={text}", p.message, p.hint) for p in exc.problems]
        except SituationError as exc:
            problems += exc.problems
    if problems:
        raise SituationError(problems)
    return out


def apply_changes(kb: KnowledgeBase, data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Situation data with the changes applied (None makes a fact unknown)."""
    for fact, value in changes.items():
        data = unset_fact(kb, data, fact) if value is None else set_fact(kb, data, fact, value)
    return data


def _diff_diagnoses(before: Plan, after: Plan, result: WhatIf) -> None:
    """Diagnoses added, removed, or whose certainty changed."""
    old = {d.id: d for d in before.diagnoses}
    new = {d.id: d for d in after.diagnoses}
    result.added = [{"id": d, "title": new[d].title, "certainty": new[d].certainty} for d in new if d not in old]
    result.removed = [{"id": d, "title": old[d].title, "certainty": old[d].certainty} for d in old if d not in new]
    result.changed = [{"id": d, "title": new[d].title, "before": old[d].certainty, "after": new[d].certainty}
                      for d in new if d in old and old[d].certainty != new[d].certainty]


def _diff_actions(before: Plan, after: Plan, result: WhatIf) -> None:
    """Actions added, removed, or moved relative to the others kept."""
    old = {a.id: a for a in before.actions}
    new = {a.id: a for a in after.actions}
    result.actions_added = [{"id": a, "title": new[a].title, "rank": new[a].rank} for a in new if a not in old]
    result.actions_removed = [{"id": a, "title": old[a].title, "rank": old[a].rank} for a in old if a not in new]
    # re-ranked: the relative order among actions kept in both plans changed
    kept_old = [a.id for a in before.actions if a.id in new]
    kept_new = [a.id for a in after.actions if a.id in old]
    result.actions_moved = [{"id": a, "title": new[a].title, "before": old[a].rank, "after": new[a].rank}
                            for a in kept_new if kept_old.index(a) != kept_new.index(a)]


def compare(kb: KnowledgeBase, data: dict[str, Any], changes: dict[str, Any], lang: str = "en") -> WhatIf:
    """Diagnose the situation as it is and with the changes; report what moved."""
    before = diagnose(data, lang=lang, knowledge=kb)
    after = diagnose(apply_changes(kb, data, changes), lang=lang, knowledge=kb)
    result = WhatIf(community=before.community, lang=lang, changes=changes)
    _diff_diagnoses(before, after, result)
    _diff_actions(before, after, result)
    return result


def _change_words(kb: KnowledgeBase, changes: dict[str, Any]) -> str:
    """The changes as fact=value words for the title, values as typed (-5, not -5.0; true, not True)."""
    return ", ".join(f"{f}={_typed(v)}" for f, v in changes.items())


def _typed(value: Any) -> str:
    """A value as a person types it on the command line."""
    if value is None:
        return "?"
    if isinstance(value, list):
        return ",".join(_typed(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def whatif_sections(kb: KnowledgeBase, result: WhatIf, lang: str) -> list[tuple[str, list[str]]]:
    """Each non-empty section as a heading and its lines."""
    cert = lambda x: f"{x:.2f}"  # noqa: E731
    return [(kb.message(key, lang), lines) for key, lines in (
        ("whatif_diagnoses_added", [f"{d['title']} ({d['id']}): {cert(d['certainty'])}" for d in result.added]),
        ("whatif_diagnoses_removed", [f"{d['title']} ({d['id']}): {cert(d['certainty'])}" for d in result.removed]),
        ("whatif_certainty_changed", [f"{d['title']} ({d['id']}): {cert(d['before'])} → {cert(d['after'])}" for d in result.changed]),
        ("whatif_actions_added", [f"#{a['rank']} {a['title']} ({a['id']})" for a in result.actions_added]),
        ("whatif_actions_removed", [f"#{a['rank']} {a['title']} ({a['id']})" for a in result.actions_removed]),
        ("whatif_actions_moved", [f"#{a['before']} → #{a['after']} {a['title']} ({a['id']})" for a in result.actions_moved]),
    ) if lines]


def whatif_title(kb: KnowledgeBase, result: WhatIf, lang: str) -> str:
    """The comparison's title: the changes as given (they hold values from outside: escape on output)."""
    return kb.message("whatif_title", lang, changes=_change_words(kb, result.changes))


def render_whatif(result: WhatIf, fmt: str, kb: KnowledgeBase, lang: str = "en") -> str:
    """The comparison as terminal text, markdown or JSON."""
    if fmt == "json":
        return json.dumps(asdict(result), ensure_ascii=False, indent=2) + "\n"
    title = whatif_title(kb, result, lang)
    sections = whatif_sections(kb, result, lang)
    if fmt == "markdown":
        out = [f"# {markdown_text(title)}", ""]
        for heading, lines in sections:
            out += [f"## {heading}", ""] + [f"- {markdown_text(line)}" for line in lines] + [""]
        if result.empty:
            out += [kb.message("whatif_no_change", lang), ""]
        return "\n".join(out)
    title = terminal_text(title)
    out = [title, "=" * min(len(title), 78)]
    for heading, lines in sections:
        out += ["", heading] + [f"  • {line}" for line in lines]
    if result.empty:
        out += ["", kb.message("whatif_no_change", lang)]
    return "\n".join(out) + "\n"
