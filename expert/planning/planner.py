"""From reasoning to a Plan: report diagnoses, rank and phase actions, refuse, refer, ask next."""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from expert.knowledge import PHASES, TIERS, KnowledgeBase, Memo, RuleSpec, Text, fill
from expert.knowledge import conditions as C
from expert.knowledge.planning import Planning, planning_of
from expert.model.plan import DiagnosisResult, Differential, FiringRecord, MissingFact, Plan, PlannedAction
from expert.model.situation import Situation
from expert.model.tactics import suggest_tactics
from expert.reasoning.certainty import as_certainty
from expert.reasoning.compiler import Outcome, outcome_function
from expert.reasoning.engine import Firing, Reasoning

__all__ = ["make_plan", "reported", "missing_information", "rank_unknown_facts", "acknowledgement", "deciding_steps"]

MAX_MISSING = 8
OBJECTIVE_FACT = "objective_defined"  # derived fact (facts.yaml) recording whether the objective is given
NO_OBJECTIVE = "gap.no_objective"     # the spec's diagnosis id for it (KNOWLEDGE-SPEC §1, §2.6)
CLOSE_MARGIN = 0.2
ANTI_PATTERN = "anti_pattern"  # families (families.yaml) the plan lists apart from the findings
REFERRAL = "referral"


def reported(kb: KnowledgeBase, reasoning: Reasoning) -> list[str]:
    """Diagnosis ids whose combined certainty reaches their threshold, most urgent first."""
    ids = [d for d, cf in reasoning.cf.items() if d in kb.diagnoses and cf >= kb.diagnoses[d].threshold]
    return sorted(ids, key=lambda d: (kb.diagnoses[d].priority, -reasoning.cf[d], d))


@dataclass(frozen=True)
class _Shown:
    """How a fact's values read: numbers signed (a change in %) or as a percentage, and value labels."""

    number: str | None                  # "signed", "percent" or None (as given)
    labels: dict[str, Text] | None


def _number_style(spec: Any) -> str | None:
    """A change in % keeps its sign (+40); a 0..1 share and a ratio read as a percentage (60%)."""
    if getattr(spec, "unit", None) == "%":
        return "signed"
    if getattr(spec, "type", None) == "number" and spec.min == 0 and spec.max == 1:
        return "percent"
    if getattr(spec, "kind", None) == "ratio":
        return "percent"
    return None


def _shown_table(kb: KnowledgeBase) -> dict[str, _Shown]:
    """For every input and derived fact (an input fact's spec first), how its values read."""
    table = {}
    for name in {**kb.derived, **kb.facts}:
        spec = kb.facts.get(name) or kb.derived.get(name)
        table[name] = _Shown(_number_style(spec), getattr(spec, "value_labels", None))
    return table


_SHOWN: Memo[dict[str, _Shown]] = Memo("planner: how each fact's values read", _shown_table)


def _display_values(kb: KnowledgeBase, facts: dict[str, Any], lang: str) -> dict[str, Any]:
    """Fact values as a reader should see them: tactic ids become their labels in ``lang``, numbers lose float
    noise, values with labels read as their labels."""
    shown = dict(facts)
    for name in ("proposed_tactics", "forbidden_tactics"):
        if name in shown:
            shown[name] = [kb.tactics[t].label.get(lang) if t in kb.tactics else t for t in shown[name]]
    table = _SHOWN.get(kb)
    for name, value in facts.items():
        how = table.get(name)
        if how is None:
            continue
        if how.number is not None and not isinstance(value, bool) and isinstance(value, (int, float)):
            shown[name] = f"{value:+g}" if how.number == "signed" else f"{value * 100:.0f}%"
        labels = how.labels
        if not labels:
            continue
        if isinstance(value, str) and value in labels:
            shown[name] = labels[value].get(lang)
        elif isinstance(value, (list, tuple)):
            shown[name] = [labels[v].get(lang) if v in labels else v for v in value]
    return shown


def _by_diagnosis(reasoning: Reasoning) -> dict[str, list[Firing]]:
    """Each diagnosis's firings, strongest first (then by rule id): sorted once for the whole plan."""
    grouped: dict[str, list[Firing]] = {}
    for firing in sorted(reasoning.firings, key=lambda f: (-abs(f.cf), f.rule)):
        grouped.setdefault(firing.diagnosis, []).append(firing)
    return grouped


def _evidence(kb: KnowledgeBase, firings: list[Firing], lang: str,
              values: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """The evidence texts for and against one diagnosis (its ``firings``), strongest first, and the rules behind them."""
    rules = _rules_by_id(kb)
    pro: list[str] = []
    con: list[str] = []
    ids: list[str] = []
    for firing in firings:
        text = fill(rules[firing.rule].evidence.get(lang), values)
        side = pro if firing.cf > 0 else con
        if text not in side:  # two rules reading one signal say it once
            side.append(text)
        ids.append(firing.rule)
    return pro, con, ids


def _rules_by_id(kb: KnowledgeBase) -> dict[str, Any]:
    """Rule id → rule, built once per knowledge base."""
    return kb.rules_by_id


def _diagnoses(kb: KnowledgeBase, reasoning: Reasoning, ids: list[str], lang: str,
               values: dict[str, Any], grouped: dict[str, list[Firing]]) -> list[DiagnosisResult]:
    """The reported diagnoses with certainty, summary and evidence, in ``lang`` (``values``: the facts as shown,
    ``grouped``: the firings by diagnosis)."""
    planning = planning_of(kb)
    out = []
    for diag in ids:
        spec = kb.diagnoses[diag]
        pro, con, rule_ids = _evidence(kb, grouped.get(diag, []), lang, values)
        stated = _stated(kb, grouped.get(diag, []))
        out.append(DiagnosisResult(
            id=diag, title=spec.title.get(lang), family=spec.family, certainty=as_certainty(reasoning.cf[diag]),
            certainty_word=planning.text("stated", lang) if stated else planning.certainty_word(reasoning.cf[diag], lang),
            basis="stated" if stated else "inferred", confirmed=_confirmed(kb, planning, reasoning, diag, stated),
            summary=spec.summary.get(lang), evidence_for=pro, evidence_against=con, rules=rule_ids,
            references=list(spec.references)))
    return out


def _stated(kb: KnowledgeBase, firings: list[Firing]) -> bool:
    """True when every finding for a diagnosis (its ``firings``) is something the person stated, not an inference."""
    basis = [kb.rules_by_id[f.rule].basis for f in firings if f.cf > 0]
    return bool(basis) and all(b == "stated" for b in basis)


def _confirmed(kb: KnowledgeBase, planning: Planning, reasoning: Reasoning, diag: str, stated: bool) -> bool:
    """Established enough to treat: at the confirmation threshold, stated, or of a family acted on as given."""
    return (reasoning.cf[diag] >= planning.confirm_at - 1e-9 or kb.diagnoses[diag].family in planning.ungated_families
            or stated)


def deciding_steps(kb: KnowledgeBase, diag: str) -> tuple[str, ...]:
    """The steps that confirm or rule out a diagnosis: its ``decide`` list, else its deciding-kind actions."""
    spec = kb.diagnoses[diag]
    if spec.decide:
        return spec.decide
    kinds = planning_of(kb).deciding_kinds
    return tuple(a for a in spec.actions if kb.actions[a].kind in kinds)


def _action_sources(kb: KnowledgeBase, situation_facts: dict[str, Any], ids: list[str],
                    confirmed: set[str] | None = None) -> dict[str, list[str]]:
    """Action id → the reported diagnoses calling for it; allowed proposed tactics add theirs.

    A diagnosis not in ``confirmed`` brings only its deciding steps (distinguish before acting)."""
    sources: dict[str, list[str]] = {}
    for diag in ids:
        steps = kb.diagnoses[diag].actions if confirmed is None or diag in confirmed else deciding_steps(kb, diag)
        for action in steps:
            sources.setdefault(action, []).append(diag)
    for tactic_id in situation_facts.get("proposed_tactics", ()):
        tactic = kb.tactics.get(tactic_id)
        if tactic and not tactic.forbidden and tactic.action and tactic.serves in ids and \
                (confirmed is None or tactic.serves in confirmed):
            if tactic.serves not in sources.setdefault(tactic.action, []):
                sources[tactic.action].append(tactic.serves)
    return sources


def _support(grouped: dict[str, list[Firing]], diagnoses: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The rules that argued for these diagnoses and the fact values they matched (one fact, one value)."""
    rules, facts = set(), {}
    for diag in diagnoses:
        for firing in grouped.get(diag, ()):
            if firing.cf > 0:
                rules.add(firing.rule)
                facts.update(firing.matched)
    return sorted(rules), dict(sorted(facts.items()))


def _reconcile(kb: KnowledgeBase, reasoning: Reasoning, ids: list[str], sources: dict[str, list[str]],
               lang: str) -> list[str]:
    """Drop steps that contradict a diagnosis in the same plan and add the right ones (planning.yaml)."""
    notes = []
    for entry in planning_of(kb).reconcile:
        if entry.for_diagnosis not in ids or C.evaluate(entry.when, reasoning.facts, reasoning.cf) is not True:
            continue
        dropped = [a for a in entry.drop if sources.pop(a, None) is not None]
        for action in entry.add:
            if entry.for_diagnosis not in sources.setdefault(action, []):
                sources[action].append(entry.for_diagnosis)
        if dropped or entry.add:
            notes.append(entry.note.get(lang))
    return notes


def _platform(kb: KnowledgeBase, facts: dict[str, Any], sources: dict[str, list[str]], lang: str) -> list[str]:
    """The platform shapes the levers: drop what it cannot do and say what it offers instead."""
    name = str(facts.get("platform") or "").lower()
    for platform in planning_of(kb).platforms if name else ():
        if any(word.lower() in name for word in platform.match):
            for action in platform.drop:
                sources.pop(action, None)
            return [platform.note.get(lang)]
    return []


def _filled(template: Any, values: dict[str, Any], lang: str) -> str | None:
    """A template in ``lang`` with every placeholder known, else None (no half-filled targets)."""
    if template is None:
        return None
    text = template.get(lang)
    names = re.findall(r"{(\w+)}", text)
    return fill(text, values) if all(values.get(n) is not None for n in names) else None


def _actions(kb: KnowledgeBase, reasoning: Reasoning, ids: list[str], diags: list[DiagnosisResult], lang: str,
             values: dict[str, Any], grouped: dict[str, list[Firing]], today: dt.date | None = None,
             notes: list[str] | None = None) -> list[PlannedAction]:
    """The actions the reported diagnoses call for (deciding steps only for unconfirmed causes), reconciled,
    fitted to platform and team, ranked; the main plan (now, this week) first, the rest later in phase order.
    ``values`` are the facts as shown, ``grouped`` the firings by diagnosis."""
    planning = planning_of(kb)
    certainty = {d.id: d.certainty for d in diags}
    confirmed = {d.id for d in diags if d.confirmed}
    sources = _action_sources(kb, reasoning.facts, ids, confirmed)
    shaped = _reconcile(kb, reasoning, ids, sources, lang) + _platform(kb, reasoning.facts, sources, lang)
    if notes is not None:
        notes.extend(shaped)
    team = reasoning.facts.get("team_size")

    def key(action_id: str) -> tuple:
        """Rank: tier, phase, the author's order, then the most certain diagnosis calling for it."""
        spec = kb.actions[action_id]
        best = max(certainty[d] for d in sources[action_id])
        return (TIERS.index(spec.tier), PHASES.index(spec.phase), spec.order, -best, action_id)

    def deferred(action_id: str) -> bool:
        """Later: not for now or this week, or a high-effort step a small team cannot carry yet."""
        spec = kb.actions[action_id]
        small = team is not None and team <= planning.small_team_max and spec.effort == "high"
        return spec.phase not in planning.main_phases or small

    keys = {a: key(a) for a in sources}
    ranked = sorted(sources, key=keys.__getitem__)
    waits = {a for a in ranked if deferred(a)}
    main = [a for a in ranked if a not in waits]
    later = main[planning.main_max:] + [a for a in ranked if a in waits]
    main = main[:planning.main_max]
    later.sort(key=lambda a: (PHASES.index(kb.actions[a].phase),) + keys[a])
    out = []
    for rank, action_id in enumerate(main + later, start=1):
        spec = kb.actions[action_id]
        because, matched = _support(grouped, sources[action_id])
        unconfirmed = [d for d in sources[action_id] if d not in confirmed]
        note = planning.text("deciding", lang).replace("{certainty}", ", ".join(
            f"{kb.diagnoses[d].title.get(lang)} {certainty[d]:.2f}" for d in unconfirmed)) if unconfirmed else None
        if team is not None and team <= planning.small_team_max and spec.effort == "high":
            note = fill(planning.text("deferred_small_team", lang), {"team_size": team})
        out.append(PlannedAction(
            id=action_id, rank=rank, phase=spec.phase, tier=spec.tier, kind=spec.kind,
            for_=sorted(set(sources[action_id]), key=ids.index), title=spec.title.get(lang),
            description=spec.description.get(lang), behaviour=spec.behaviour.get(lang),
            success_metric=spec.success_metric.get(lang), guardrail_metric=spec.guardrail_metric.get(lang),
            owner=_owner(planning, spec.owner.get(lang), team, lang), effort=spec.effort,
            review_after_days=spec.review_after_days,
            review_on=(today + dt.timedelta(days=spec.review_after_days)).isoformat() if today else None,
            horizon="main" if action_id in main else "later", target=_filled(spec.target, values, lang),
            note=note, hedged=spec.hedged.get(lang) if spec.hedged else None,
            because=because, facts=matched, references=list(spec.references)))
    return out


def _owner(planning: Planning, owner: str, team: int | None, lang: str) -> str:
    """Who owns a step, given the team's size: the only operator, or one named person in a small team."""
    if team is None or team > planning.small_team_max:
        return owner
    if team <= planning.solo_max:
        return planning.text("solo_owner", lang)
    return fill(planning.text("small_team_owner", lang), {"owner": owner, "team_size": team})


def _stop_doing(kb: KnowledgeBase, reasoning: Reasoning, lang: str, values: dict[str, Any]) -> list[str]:
    """Busywork the facts show, each with the figure behind it (``values``: the facts as shown)."""
    return [fill(entry.text.get(lang), values) for entry in planning_of(kb).stop_doing
            if C.evaluate(entry.when, reasoning.facts, reasoning.cf) is True]


def _funnel_note(kb: KnowledgeBase, facts: dict[str, Any], lang: str) -> list[str]:
    """When funnel conversions were judged, say against which stage's norms and on what source."""
    spec = kb.derived.get("weakest_funnel_stage")
    if spec is None or spec.source is None or facts.get("weakest_funnel_vs_norm") is None:
        return []
    stage = facts.get(spec.norm_by or "") if spec.norm_by else None
    row = stage if stage in spec.norms else "default"
    norms = ", ".join(f"{kb.derived[spec.choices[c]].label.get(lang)} {v * 100:.0f}%" for c, v in spec.norms[row].items())
    shown = _display_values(kb, {"stage": stage}, lang).get("stage") if row != "default" else None
    return [fill(planning_of(kb).text("funnel_norms", lang), {"stage": shown or planning_of(kb).text("stage_default", lang),
                                                           "norms": norms, "source": spec.source.get(lang)})]


def _headline(kb: KnowledgeBase, actions: list[PlannedAction], lang: str) -> tuple[str | None, list[str]]:
    """At most a few first moves, from the top of the main plan."""
    first = [a for a in actions if a.horizon == "main"][:planning_of(kb).headline_max]
    if not first:
        return None, []
    moves = "; ".join(f"{i}) {a.title}" for i, a in enumerate(first, start=1))
    return fill(planning_of(kb).text("headline", lang), {"moves": moves}), [a.id for a in first]


@dataclass(frozen=True)
class _RuleLeaves:
    """What ranking needs of one rule, worked out once per knowledge base."""

    rule: RuleSpec
    reads: frozenset[str]                     # the facts its leaves test
    inputs: tuple[str, ...]                   # the input facts behind each leaf, in leaf order, repeats kept
    preconditions: tuple[C.Concluded, ...]    # its tests of earlier conclusions holding (not negated)
    family: str                               # its diagnosis's family
    outcome: Outcome                          # its condition, compiled: what C.evaluate gives


def _expanded(kb: KnowledgeBase, name: str) -> list[str]:
    """The input facts behind a fact: itself for an input fact, a derived fact's inputs and choices, recursively."""
    if name in kb.facts:
        return [name]
    spec = kb.derived.get(name)
    if spec is None:
        return []
    return [n for inner in (*spec.inputs, *spec.choices.values()) for n in _expanded(kb, inner)]


def _rule_leaves(kb: KnowledgeBase) -> tuple[_RuleLeaves, ...]:
    """Every rule's leaves, input facts and preconditions, in catalogue order."""
    table = []
    for rule in kb.rules:
        tested = list(C.leaves(rule.when))
        facts = [leaf.fact for leaf in tested if isinstance(leaf, C.Leaf)]
        table.append(_RuleLeaves(
            rule=rule, reads=frozenset(facts), inputs=tuple(n for fact in facts for n in _expanded(kb, fact)),
            preconditions=tuple(leaf for leaf in tested if isinstance(leaf, C.Concluded) and not leaf.negated),
            family=kb.diagnoses[rule.diagnosis].family, outcome=outcome_function(rule.when)))
    return tuple(table)


_RULE_LEAVES: Memo[tuple[_RuleLeaves, ...]] = Memo("planner: each rule's leaves and input facts", _rule_leaves)


def _known(value: Any) -> bool:
    """A value a leaf can test (C.evaluate leaves None and NaN undecided)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _undecided(kb: KnowledgeBase, reasoning: Reasoning) -> list[_RuleLeaves]:
    """The rules the facts leave undecided, in catalogue order: as the reasoning pass found them when it
    evaluated every rule; else worked out here, where a rule that fired or reads only known facts is decided."""
    table = _RULE_LEAVES.get(kb)
    if reasoning.undecided is not None:
        return [entry for entry in table if entry.rule.id in reasoning.undecided]
    facts, cf = reasoning.facts, reasoning.cf
    fired = {firing.rule for firing in reasoning.firings}
    known = {name for name, value in facts.items() if _known(value)}
    return [entry for entry in table if entry.rule.id not in fired and not entry.reads <= known
            and entry.outcome(facts, cf) is None]


def rank_unknown_facts(kb: KnowledgeBase, reasoning: Reasoning, ids: list[str]) -> list[tuple[str, list[str]]]:
    """Unknown input facts, most consequential first, each with the diagnoses it bears on."""
    facts, cf = reasoning.facts, reasoning.cf
    best: dict[str, float] = {}   # the strongest reason counts most; many weak reasons add a little
    total: dict[str, float] = {}
    concerns: dict[str, list[str]] = {}
    in_close = {d for pair in _close_pairs(kb, ids, cf) for d in pair}
    live_families = {kb.diagnoses[d].family for d in ids}
    for entry in _undecided(kb, reasoning):
        weight = _relevance(entry, live_families, in_close, cf)
        diagnosis = entry.rule.diagnosis
        for name in entry.inputs:
            if facts.get(name) is not None:
                continue
            if name in best:
                if weight > best[name]:
                    best[name] = weight
                total[name] += weight
                if diagnosis not in concerns[name]:
                    concerns[name].append(diagnosis)
            else:
                best[name] = weight if weight > 0.0 else 0.0
                total[name] = 0.0 + weight
                concerns[name] = [diagnosis]
    final = {n: best[n] + 0.1 * total[n] for n in best}
    return [(name, concerns[name]) for name in sorted(final, key=lambda n: (-final[n], n))]


def missing_information(kb: KnowledgeBase, reasoning: Reasoning, ids: list[str], lang: str,
                        ranked: list[tuple[str, list[str]]] | None = None) -> list[MissingFact]:
    """Unknown facts ranked by how much they could change the conclusions, each with a reason.

    ``ranked`` is rank_unknown_facts for the same reasoning, when the caller already has it."""
    close = _close_pairs(kb, ids, reasoning.cf)
    if ranked is None:
        ranked = rank_unknown_facts(kb, reasoning, ids)
    objective = kb.derived.get(OBJECTIVE_FACT)
    if objective is not None and reasoning.facts.get(OBJECTIVE_FACT) is False:  # §1: objective first
        first = [(n, [NO_OBJECTIVE]) for n in objective.inputs if reasoning.facts.get(n) in (None, "")]
        ranked = first + [item for item in ranked if item[0] not in dict(first)]
    ranked = ranked[:MAX_MISSING]
    return [_missing(kb, name, diags, close, lang) for name, diags in ranked]


def _relevance(entry: _RuleLeaves, live_families: set[str], in_close: set[str], cf: dict[str, float]) -> float:
    """How much settling this undecided rule matters: more when it bears on a live conclusion,
    on a close differential, or when its preconditions (earlier conclusions) already hold.
    The base is how far the rule could still move its diagnosis (MYCIN): a finding for a
    conclusion that is already near-certain, or against one nobody holds, changes little."""
    rule = entry.rule
    current = max(0.0, cf.get(rule.diagnosis, 0.0))
    weight = abs(rule.cf) * ((1.0 - current) if rule.cf > 0 else current)
    preconditions_hold = bool(entry.preconditions) and any(leaf.test(cf.get(leaf.id)) for leaf in entry.preconditions)
    # a rule on a live line of reasoning settles it; any other rule would only open a new one
    weight *= 2.0 if entry.family in live_families or preconditions_hold else 0.5
    if rule.diagnosis in in_close:
        weight *= 2.0
    if preconditions_hold:
        weight *= 1.5
    return weight


def _close(leading: float, runner_up: float) -> bool:
    """Two certainties too close to call (a hair of tolerance: 0.55 - 0.35 is not exactly 0.2 in floats)."""
    return leading - runner_up <= CLOSE_MARGIN + 1e-9


def _close_pairs(kb: KnowledgeBase, ids: list[str], cf: dict[str, float]) -> list[tuple[str, str]]:
    """Pairs of competing causes (same family) whose certainties are within CLOSE_MARGIN."""
    pairs = []
    families: dict[str, list[str]] = {}
    for diag in ids:
        family = kb.families.get(kb.diagnoses[diag].family)
        if family is not None and family.competing:
            families.setdefault(family.id, []).append(diag)
    for members in families.values():
        top = sorted(members, key=lambda d: (-cf[d], d))[:2]
        if len(top) == 2 and _close(cf[top[0]], cf[top[1]]):
            pairs.append((top[0], top[1]))
    return pairs


def _missing(kb: KnowledgeBase, name: str, diags: list[str], close: list[tuple[str, str]], lang: str) -> MissingFact:
    """One unknown fact with why it matters: it defines the objective, separates two close causes, or confirms."""
    spec = kb.facts[name]
    title = lambda d: kb.diagnoses[d].title.get(lang)  # noqa: E731
    pair = next((p for p in close if p[0] in diags and p[1] in diags), None)
    if diags == [NO_OBJECTIVE]:
        why = kb.message("missing_objective", lang)
    elif pair:
        why = kb.message("missing_separates", lang, a=title(pair[0]), b=title(pair[1]))
    else:
        why = kb.message("missing_confirms", lang, diagnoses="; ".join(title(d) for d in diags[:3]))
    return MissingFact(fact=name, group=spec.group, label=spec.label.get(lang), why=why)


def _differentials(kb: KnowledgeBase, reasoning: Reasoning, ids: list[str], lang: str,
                   ranked: list[tuple[str, list[str]]]) -> list[Differential]:
    """For each family of competing causes with evidence: standings, what is ruled out, what settles it."""
    out = []
    for family in sorted(f for f, spec in kb.families.items() if spec.competing):
        weighed = {d: cf for d, cf in reasoning.cf.items() if d in kb.diagnoses and kb.diagnoses[d].family == family}
        if not weighed:
            continue
        standing = [d for d in sorted(weighed, key=lambda d: (-weighed[d], d)) if d in ids]
        ruled_out = sorted(d for d, cf in weighed.items() if cf < 0)
        settle, note = None, None
        if len(standing) >= 2 and _close(weighed[standing[0]], weighed[standing[1]]):
            a, b = standing[:2]
            settle = next((f for f, ds in ranked if a in ds and b in ds), None) or \
                next((f for f, ds in ranked if a in ds or b in ds), None)
            if settle:
                note = kb.message("differential_close", lang, a=kb.diagnoses[a].title.get(lang),
                                  b=kb.diagnoses[b].title.get(lang), fact=kb.fact_label(settle, lang))
        out.append(Differential(family=family, candidates={d: as_certainty(weighed[d]) for d in standing},
                                ruled_out=ruled_out, settle_with=settle, note=note))
    return out


def _warnings(kb: KnowledgeBase, situation: Situation, facts: dict[str, Any], lang: str) -> list[str]:
    """Refused tactics with the reason, and proposed tactics the catalogue does not know."""
    out = []
    for tactic_id in facts.get("forbidden_tactics", ()):
        tactic = kb.tactics[tactic_id]
        out.append(kb.message("refused_tactic", lang, tactic=tactic.label.get(lang), why=tactic.why.get(lang)))
    for tactic_id in facts.get("proposed_tactics", ()):
        proposed = kb.tactics.get(tactic_id)
        if proposed is not None and not proposed.forbidden:
            guard = proposed.guardrails.get(lang) if proposed.guardrails else proposed.why.get(lang)
            out.append(kb.message("allowed_tactic", lang, tactic=proposed.label.get(lang), guardrails=guard))
    guessed: dict[str, tuple[str, ...]] = {}  # a pasted list repeats itself: each distinct text is compared once
    for text in situation.unrecognised_tactics:
        guesses = guessed.get(text)
        if guesses is None:
            guesses = guessed[text] = _suggestions(kb, text, lang)
        out.append(kb.message("unrecognised_tactic_guess" if guesses else "unrecognised_tactic", lang, tactic=text,
                              guesses="; ".join(guesses)))
    return out


GUESSES_KEPT = 1024     # unrecognised tactic texts whose did-you-mean is remembered per knowledge base
GUESS_TEXT_MAX = 256    # longer texts are compared afresh each time (so the memo stays small)
_GUESSES: Memo[dict[tuple[str, str], tuple[str, ...]]] = Memo("planner: did-you-mean per tactic text", lambda kb: {})


def _suggestions(kb: KnowledgeBase, text: str, lang: str) -> tuple[str, ...]:
    """suggest_tactics, remembered per knowledge base for short texts: many communities of a batch propose
    the same phrasings, and each comparison reads the whole catalogue (~10 ms)."""
    if len(text) > GUESS_TEXT_MAX:
        return suggest_tactics(kb, text, lang)
    memo = _GUESSES.get(kb)
    found = memo.get((text, lang))
    if found is None:
        if len(memo) >= GUESSES_KEPT:
            memo.clear()  # simpler than an LRU, and safe between threads: a race only compares again
        found = memo[(text, lang)] = suggest_tactics(kb, text, lang)
    return found


def acknowledgement(kb: KnowledgeBase, mood: str | None, lang: str) -> str | None:
    """A word for how the person feels: messages.yaml's ``acknowledge_<mood>``, for the moods that have one."""
    key = f"acknowledge_{mood}"
    return kb.message(key, lang) if mood and key in kb.messages else None


def make_plan(kb: KnowledgeBase, situation: Situation, reasoning: Reasoning, lang: str = "en",
              today: dt.date | None = None) -> Plan:
    """Assemble the Plan from one reasoning run, in one language; review dates count from ``today``."""
    ids = reported(kb, reasoning)
    values = _display_values(kb, reasoning.facts, lang)
    grouped = _by_diagnosis(reasoning)
    diags = _diagnoses(kb, reasoning, ids, lang, values, grouped)
    notes: list[str] = []
    actions = _actions(kb, reasoning, ids, diags, lang, values, grouped, today, notes)
    headline, first_moves = _headline(kb, actions, lang)
    problems = [d for d in ids if kb.diagnoses[d].family not in (ANTI_PATTERN, "objective")]
    ranked = rank_unknown_facts(kb, reasoning, ids)
    missing = missing_information(kb, reasoning, ids, lang, ranked)
    return Plan(
        community=situation.name, lang=lang,
        acknowledgement=acknowledgement(kb, reasoning.facts.get("mood"), lang),
        provisional=reasoning.facts.get(OBJECTIVE_FACT) is False,
        headline=headline if problems else kb.message("no_findings", lang), first_moves=first_moves if problems else [],
        diagnoses=diags, differentials=_differentials(kb, reasoning, ids, lang, ranked), actions=actions,
        stop_doing=_stop_doing(kb, reasoning, lang, values), notes=notes + _funnel_note(kb, reasoning.facts, lang),
        anti_patterns=[d for d in ids if kb.diagnoses[d].family == ANTI_PATTERN],
        referrals=[d for d in ids if kb.diagnoses[d].family == REFERRAL],
        warnings=_warnings(kb, situation, reasoning.facts, lang),
        missing_information=missing,
        unrecognised_tactics=list(situation.unrecognised_tactics),
        trace=[FiringRecord(rule=f.rule, diagnosis=f.diagnosis, cf=f.cf, matched=f.matched, tests=list(f.tests))
               for f in sorted(reasoning.firings, key=lambda f: f.rule)],
    )
