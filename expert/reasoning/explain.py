"""Explanations as data: how a conclusion holds, and why an unknown fact matters."""
from __future__ import annotations

from typing import Any

from expert.errors import ExpertError, Problem, did_you_mean
from expert.knowledge import KnowledgeBase, fill
from expert.knowledge import conditions as C
from expert.knowledge.describe import describe_condition, fact_name, range_bound, value_label
from expert.knowledge.model import DerivedSpec, FactSpec
from expert.reasoning.certainty import as_certainty
from expert.reasoning.engine import Reasoning
from expert.textsafe import terminal_text

__all__ = ["how", "how_in_words", "why_fact", "rules_reading", "explain_id", "known_ids"]


def how(kb: KnowledgeBase, reasoning: Reasoning, diagnosis_id: str, lang: str = "en") -> list[str]:
    """Lines saying why a conclusion holds so far: each firing, its tests and matched values."""
    return _how(kb, reasoning, diagnosis_id, lang, True)


def how_in_words(kb: KnowledgeBase, reasoning: Reasoning, diagnosis_id: str, lang: str = "en") -> list[str]:
    """Why a conclusion holds so far, in sentences: the evidence for and against, without rule ids or tests."""
    return _how(kb, reasoning, diagnosis_id, lang, False)


def _how(kb: KnowledgeBase, reasoning: Reasoning, diagnosis_id: str, lang: str, detail: bool) -> list[str]:
    """The lines of how / how_in_words."""
    spec = kb.diagnoses.get(diagnosis_id)
    if spec is None:
        return []
    rules = {r.id: r for r in kb.rules}
    cf = reasoning.cf.get(diagnosis_id)
    lines = [f"{spec.title.get(lang)} ({diagnosis_id}): {as_certainty(cf) if cf is not None else 0.0:.2f}"]
    for firing in sorted(reasoning.firings, key=lambda f: f.rule):
        if firing.diagnosis != diagnosis_id:
            continue
        sign = "+" if firing.cf > 0 else "-"
        evidence = terminal_text(fill(rules[firing.rule].evidence.get(lang), reasoning.facts))  # holds answers
        lines.append(f"  {sign}{abs(firing.cf):.2f} [{firing.rule}] {evidence}  ({'; '.join(firing.tests)})" if detail
                     else f"  {kb.message('how_for' if firing.cf > 0 else 'how_against', lang)} {evidence}")
    return lines


def rules_reading(kb: KnowledgeBase, fact: str) -> list[Any]:
    """Rules whose condition reads a fact directly or through a derived fact built from it."""
    names = {fact} | {d.name for d in kb.derived.values() if fact in d.inputs or fact in d.choices.values()}
    names |= {d.name for d in kb.derived.values() if set(d.choices.values()) & names}
    return [r for r in kb.rules if names & set(C.fact_names(r.when))]


def why_fact(kb: KnowledgeBase, reasoning: Reasoning, fact: str, lang: str = "en") -> list[str]:
    """Which conclusions an answer for ``fact`` could still change, in words."""
    out: dict[str, list[str]] = {}
    for rule in rules_reading(kb, fact):
        if C.evaluate(rule.when, reasoning.facts, reasoning.cf) is None:
            out.setdefault(rule.diagnosis, []).append(rule.id)
    return [f"{kb.diagnoses[d].title.get(lang)} ({d}): {', '.join(ids)}"
            for d, ids in sorted(out.items(), key=lambda kv: (kb.diagnoses[kv[0]].priority, kv[0]))]


# -- explaining the knowledge itself (expert explain ID, and the generated catalogue) --------------

def known_ids(kb: KnowledgeBase) -> list[str]:
    """Every id explain understands: rules, diagnoses, actions, facts, tactics."""
    ids = {r.id for r in kb.rules} | set(kb.diagnoses) | set(kb.actions) | set(kb.facts) | set(kb.derived) | set(kb.tactics)
    return sorted(ids)


def _heading(kb: KnowledgeBase, kind: str, ident: str, title: str, lang: str) -> str:
    """The first line of an explanation: kind, id and title."""
    return f"{kb.message('kind_' + kind, lang)} {ident} — {title}"


def _refs(kb: KnowledgeBase, refs: Any, lang: str) -> list[str]:
    """The references block (empty when there are none)."""
    refs = list(dict.fromkeys(refs))
    return [f"{kb.message('explain_references', lang)}:"] + [f"  - {r}" for r in refs] if refs else []


def _diag_ref(kb: KnowledgeBase, diag: str, lang: str) -> str:
    """A diagnosis as 'Title (id)'."""
    spec = kb.diagnoses.get(diag)
    return f"{spec.title.get(lang)} ({diag})" if spec else diag


def _explain_rule(kb: KnowledgeBase, rule: Any, lang: str) -> list[str]:
    """A rule: what it concludes, when, from which facts, and what follows."""
    lines = [_heading(kb, "rule", rule.id, _diag_ref(kb, rule.diagnosis, lang), lang),
             f"  {kb.message('explain_defined_in', lang, file=f'rules/{rule.file}:{rule.line}')}",
             f"{kb.message('explain_means', lang)}:",
             f"  {kb.message('explain_concludes', lang, diagnosis=_diag_ref(kb, rule.diagnosis, lang), cf=f'{rule.cf:+g}')}",
             f"  {kb.message('explain_evidence', lang)}: {rule.evidence.get(lang)}",
             f"{kb.message('explain_when', lang)}:"]
    lines += describe_condition(kb, rule.when, lang, indent=1)
    lines.append(f"{kb.message('explain_led_by', lang)}:")
    facts = C.fact_names(rule.when)
    lines += [f"  - {fact_name(kb, f, lang)}" for f in facts]
    lines += [f"  - {_diag_ref(kb, c, lang)}" for c in C.conclusion_ids(rule.when)]
    lines.append(f"{kb.message('explain_leads_to', lang)}:")
    diag = kb.diagnoses.get(rule.diagnosis)
    if rule.cf > 0 and diag is not None:
        lines += [f"  - {kb.actions[a].title.get(lang)} ({a})" for a in diag.actions if a in kb.actions]
    readers = [r for r in kb.rules if rule.diagnosis in C.conclusion_ids(r.when)]
    lines += [f"  - {kb.message('kind_rule', lang)} {r.id} → {_diag_ref(kb, r.diagnosis, lang)}" for r in readers]
    return lines + _refs(kb, rule.references, lang)


def _explain_diagnosis(kb: KnowledgeBase, diag: Any, lang: str) -> list[str]:
    """A diagnosis: what it means, the rules that lead to it, what it leads to."""
    lines = [_heading(kb, "diagnosis", diag.id, diag.title.get(lang), lang),
             f"  {kb.message('explain_diag_meta', lang, family=diag.family, priority=diag.priority, threshold=f'{diag.threshold:g}')}",
             f"{kb.message('explain_means', lang)}:", f"  {diag.summary.get(lang)}",
             f"{kb.message('explain_led_by', lang)}:"]
    producers = [r for r in kb.rules if r.diagnosis == diag.id]
    for rule in producers:
        lines.append(f"  {kb.message('kind_rule', lang)} {rule.id} ({rule.cf:+g}): {rule.evidence.get(lang)}")
        lines += describe_condition(kb, rule.when, lang, indent=2)
    if not producers:
        lines.append(f"  {kb.message('explain_none', lang)}")
    lines.append(f"{kb.message('explain_leads_to', lang)}:")
    lines += [f"  - {kb.actions[a].title.get(lang)} ({a})" for a in diag.actions if a in kb.actions]
    readers = [r for r in kb.rules if diag.id in C.conclusion_ids(r.when)]
    lines += [f"  - {kb.message('kind_rule', lang)} {r.id} → {_diag_ref(kb, r.diagnosis, lang)}" for r in readers]
    if not diag.actions and not readers:
        lines.append(f"  {kb.message('explain_none', lang)}")
    refs = list(diag.references) + [ref for r in producers for ref in r.references]
    return lines + _refs(kb, refs, lang)


def _explain_action(kb: KnowledgeBase, action: Any, lang: str) -> list[str]:
    """An action: what to do and measure, and the diagnoses and tactics that call for it."""
    details = kb.message("explain_details", lang, kind=action.kind, tier=kb.message(f"tier_{action.tier}", lang),
                         phase=kb.message(f"phase_{action.phase}", lang), effort=kb.message(f"effort_{action.effort}", lang),
                         review=kb.message("review_in_days", lang, days=action.review_after_days))
    lines = [_heading(kb, "action", action.id, action.title.get(lang), lang), f"  {details}",
             f"{kb.message('explain_means', lang)}:", f"  {action.description.get(lang)}",
             f"  {kb.message('col_behaviour', lang)}: {action.behaviour.get(lang)}",
             f"  {kb.message('col_success', lang)}: {action.success_metric.get(lang)}",
             f"  {kb.message('col_guardrail', lang)}: {action.guardrail_metric.get(lang)}",
             f"  {kb.message('col_owner', lang)}: {action.owner.get(lang)}",
             f"{kb.message('explain_led_by', lang)}:"]
    callers = [d for d in kb.diagnoses.values() if action.id in d.actions]
    for diag in callers:
        rules = [r.id for r in kb.rules if r.diagnosis == diag.id and r.cf > 0]
        lines.append(f"  - {_diag_ref(kb, diag.id, lang)} ← {', '.join(rules) or kb.message('explain_none', lang)}")
    lines += [f"  - {kb.message('kind_tactic', lang)} {t.id} ({t.label.get(lang)})" for t in kb.tactics.values() if t.action == action.id]
    if len(lines) and lines[-1].endswith(":"):
        lines.append(f"  {kb.message('explain_none', lang)}")
    return lines + _refs(kb, action.references, lang)


def _explain_fact(kb: KnowledgeBase, name: str, lang: str) -> list[str]:
    """A fact: its type and range or values, what it is derived from, who reads it."""
    spec = kb.facts.get(name)
    entry: FactSpec | DerivedSpec = spec if spec is not None else kb.derived[name]  # caller checked known_fact
    lines = [_heading(kb, "fact" if spec else "derived", name, entry.label.get(lang), lang)]
    if spec is not None:
        lines.append(f"  {kb.message('explain_fact_meta', lang, group=spec.group, type=kb.message('type_' + spec.type, lang))}")
        if spec.min is not None or spec.max is not None:
            lines.append(f"  {kb.message('explain_range', lang, min=range_bound(spec.min), max=range_bound(spec.max))}")
        if spec.unit:
            lines.append(f"  {kb.message('explain_unit', lang, unit=spec.unit)}")
        values = list(kb.tactics) if spec.values_from == "tactics" else list(spec.values or ())
        if values:
            lines.append(f"  {kb.message('explain_values', lang)}:")
            lines += [f"    - {v}: {value_label(kb, name, v, lang)}" for v in values]
    elif isinstance(entry, DerivedSpec):
        inputs = list(entry.inputs) + list(entry.choices.values())
        lines.append(f"  {kb.message('explain_derived_from', lang, kind=entry.kind)}:")
        lines += [f"    - {fact_name(kb, i, lang)}" for i in inputs]
    lines.append(f"{kb.message('explain_read_by', lang)}:")
    readers = rules_reading(kb, name)
    lines += [f"  - {r.id} → {_diag_ref(kb, r.diagnosis, lang)}" for r in readers]
    users = [d for d in kb.derived.values() if name in d.inputs or name in d.choices.values()]
    lines += [f"  - {kb.message('kind_derived', lang)} {fact_name(kb, d.name, lang)}" for d in users]
    if not readers and not users:
        lines.append(f"  {kb.message('explain_none', lang)}")
    return lines


def _explain_tactic(kb: KnowledgeBase, tactic: Any, lang: str) -> list[str]:
    """A tactic: allowed or refused and why, and what it leads to."""
    lines = [_heading(kb, "tactic", tactic.id, tactic.label.get(lang), lang),
             f"{kb.message('explain_means', lang)}:",
             f"  {kb.message('explain_forbidden' if tactic.forbidden else 'explain_allowed', lang)}",
             f"  {tactic.why.get(lang)}",
             f"  {kb.message('explain_synonyms', lang)}: {', '.join([*tactic.synonyms_en, *tactic.synonyms_zh])}",
             f"{kb.message('explain_leads_to', lang)}:"]
    if tactic.forbidden:
        lines += [f"  - {r.id} → {_diag_ref(kb, r.diagnosis, lang)}" for r in rules_reading(kb, "proposed_tactics")
                  if "forbidden_tactics" in C.fact_names(r.when)]
    elif tactic.action:
        lines.append(f"  - {kb.actions[tactic.action].title.get(lang)} ({tactic.action})")
    readers = [r for r in kb.rules for leaf in C.leaves(r.when)
               if isinstance(leaf, C.Leaf) and leaf.fact == "proposed_tactics"
               and tactic.id in (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))]
    lines += [f"  - {r.id} → {_diag_ref(kb, r.diagnosis, lang)}" for r in readers]
    if lines[-1].endswith(":"):
        lines.append(f"  {kb.message('explain_none', lang)}")
    return lines


def explain_id(kb: KnowledgeBase, ident: str, lang: str = "en") -> list[str]:
    """Everything the knowledge base says about one id, in words; an id may name several things
    (a rule and a diagnosis can share a name): each gets its own section."""
    sections: list[list[str]] = []
    sections += [_explain_diagnosis(kb, kb.diagnoses[ident], lang)] if ident in kb.diagnoses else []
    sections += [_explain_rule(kb, r, lang) for r in kb.rules if r.id == ident]
    sections += [_explain_action(kb, kb.actions[ident], lang)] if ident in kb.actions else []
    sections += [_explain_fact(kb, ident, lang)] if kb.known_fact(ident) else []
    sections += [_explain_tactic(kb, kb.tactics[ident], lang)] if ident in kb.tactics else []
    if not sections:
        guess = did_you_mean(ident, known_ids(kb))
        raise ExpertError(Problem(ident, kb.message("explain_unknown_id", lang, id=ident),
                                  f"did you mean '{guess}'?" if guess else "run `expert knowledge docs` for the full catalogue"))
    out: list[str] = []
    for section in sections:
        out += section + [""]
    return out[:-1]
