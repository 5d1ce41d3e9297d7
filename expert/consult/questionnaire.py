"""Question selection for `expert consult`: which unknown fact to ask next, and why.

Pure functions over (knowledge, known facts, skipped facts); no I/O. The catalogue of
questions lives in knowledge/questions.yaml and is bound to facts.yaml by fact name.

Method (value of information, deterministic): for every unknown askable fact, try a few
candidate answers (each side of every threshold the rules test, the range ends, every enum
value, true/false), re-run the plain evaluator and measure how much the reported diagnoses
would change, weighted toward the current conclusions. A rule that needs several unknown
facts at once is tried with a completion of the others that makes it fire, and the fact is
credited only with its marginal effect, discounted per extra fact assumed. The fact with the
biggest possible change is asked; ties go to the catalogue order. A fact that can change
nothing is never asked, and the questionnaire ends when no fact can change the top.

Focus (the presenting concern): the opening ends with "what brings you here?" (the `concerns`
fact). After it, a question is eligible when one of its topics is a named concern or
`general`, or when it bears on a diagnosis the evidence has already opened (live_diagnoses),
so evidence can still lead into another area. Concerns not known ("don't know"): the expert
screens instead of filling a form. First the screening questions of every topic (its `screen`
list), in catalogue order, skipping those that can change nothing; then a topic counts as opened
when a diagnosis of one of its families is live, and eligibility is as if the person had named
the opened topics. Topics, their families and screens are knowledge (questions.yaml), not code.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expert.errors import KnowledgeError, Problem, did_you_mean
from expert.knowledge import FactSpec, KnowledgeBase, Memo, Text
from expert.knowledge import conditions as C
from expert.knowledge.facttypes import fact_type
from expert.planning.planner import reported
from expert.reasoning.certainty import as_certainty, combine
from expert.reasoning.derive import derive
from expert.reasoning.engine import Reasoning, reason_plain
from expert.yamlio import load_yaml_file

__all__ = [
    "Question", "Catalogue", "Choice", "load_questions", "check_questions", "run", "top_of",
    "profile", "next_question", "rank_questions", "candidates", "TOP_CERTAINTY", "focus", "eligible",
    "bears_on", "live_diagnoses", "background_facts", "topics_for_families", "GENERAL", "CONCERNS",
    "screening", "opened_topics", "STORY", "Reason", "why_asked", "closing_questions",
]

TOP_CERTAINTY = 0.5
CONCERNS = "concerns"
STORY = "story"
GENERAL = "general"
_ASSESS_CACHE_SIZE = 20000
_ASSESSED: Memo[dict[tuple[Any, str], Choice]] = Memo("assessed questions", lambda kb: {})
EXTRA_FACT_DISCOUNT = 0.5
SOLVE_DEPTH = 2
_EPS = 1e-9


@dataclass(frozen=True)
class Question:
    """One question: the fact it fills, its wording and help text, the fact's spec, its topics."""

    fact: str
    ask: Text
    help: Text
    spec: FactSpec
    topics: tuple[str, ...] = (GENERAL,)
    why: Text | None = None  # the purpose, in words, of a question no diagnosis waits on


@dataclass(frozen=True)
class Catalogue:
    """The questions in tie-break order, the opening ones asked first and the closing ones last,
    topic → families and topic → screen."""

    opening: tuple[str, ...]
    questions: dict[str, Question]
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    screens: dict[str, tuple[str, ...]] = field(default_factory=dict)
    closing: tuple[str, ...] = ()

    def fixed(self, fact: str) -> bool:
        """True for an opening or closing question: asked at its set place, never ranked."""
        return fact in self.opening or fact in self.closing

    def order(self, fact: str) -> int:
        """The position of a fact's question (ties go to the earlier one)."""
        return list(self.questions).index(fact)


@dataclass(frozen=True)
class Choice:
    """A candidate question with how much its answer could change the conclusions."""

    fact: str
    score: float
    changes_top: bool
    concerns: tuple[str, ...]
    opening: bool = False
    live_score: float = 0.0


# --- the catalogue -------------------------------------------------------------------------

Place = tuple[str, int]  # a file and a line in it (0: the file as a whole)


def _problem(place: Place, message: str, hint: str | None = None) -> Problem:
    """A problem at a place in questions.yaml, its file and line kept apart."""
    return Problem(place[0], message, hint, line=place[1])


def _text(data: Any, where: Place, what: str, problems: list[Problem]) -> Text | None:
    """A bilingual string; both languages are required for questions."""
    if not isinstance(data, dict) or not data.get("en") or not data.get("zh"):
        problems.append(_problem(where, f"{what} needs both en and zh text", "write {en: ..., zh: ...}"))
        return None
    extra = set(data) - {"en", "zh"}
    if extra:
        problems.append(_problem(where, f"{what} has unexpected keys {sorted(extra)}", "allowed: en, zh"))
    return Text(en=str(data["en"]), zh=str(data["zh"]))


def _names(data: Any, where: Place, what: str, known: Any, problems: list[Problem]) -> tuple[str, ...]:
    """A non-empty list of ids drawn from ``known``; each unknown one is a problem with a suggestion."""
    if not isinstance(data, list) or not data:
        problems.append(_problem(where, f"{what} needs a non-empty list"))
        return ()
    out = []
    for item in map(str, data):
        if item in known:
            out.append(item)
            continue
        guess = did_you_mean(item, known)
        problems.append(_problem(where, f"{what}: unknown '{item}'", f"did you mean '{guess}'?" if guess else
                                f"known: {', '.join(sorted(known))}"))
    return tuple(out)


def _check_topics(kb: KnowledgeBase, data: Any, where: str, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """Topic → the diagnosis families it covers; topics other than general are concern values."""
    if not isinstance(data, dict) or not data:
        problems.append(Problem(where, "expected a 'topics' mapping: topic id -> {families: [...]}"))
        return {GENERAL: ()}
    spec = kb.facts.get(CONCERNS)
    values = tuple(spec.values or ()) if spec else ()
    topics: dict[str, tuple[str, ...]] = {}
    for topic, body in data.items():
        loc = (where, getattr(body, 'line', 0) or getattr(data, 'line', 0))
        if values and topic != GENERAL and topic not in values:
            guess = did_you_mean(str(topic), (*values, GENERAL))
            problems.append(_problem(loc, f"topic '{topic}' is not a value of the '{CONCERNS}' fact",
                                    f"did you mean '{guess}'?" if guess else f"add it to {CONCERNS} in facts.yaml"))
            continue
        if not isinstance(body, dict) or "families" not in body or set(body) - {"families", "screen"}:
            problems.append(_problem(loc, f"topic '{topic}': expected {{families: [...], screen: [...]}}",
                                    "screen (the first questions to ask about the topic) is optional"))
            continue
        topics[str(topic)] = _names(body["families"], loc, f"topic '{topic}' families", kb.families or {}, problems)
    for value in values:
        if value not in topics:
            problems.append(Problem(where, f"concern '{value}' has no topic", "add it under topics"))
    topics.setdefault(GENERAL, ())
    return topics


def _check_screens(data: Any, topics: dict[str, tuple[str, ...]], questions: dict[str, Question], where: str,
                   problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """Topic → its screening facts; each must be a question of that topic (or a general one)."""
    screens: dict[str, tuple[str, ...]] = {}
    for topic, body in (data.items() if isinstance(data, dict) else ()):
        if topic not in topics or not isinstance(body, dict) or "screen" not in body:
            continue
        loc = (where, getattr(body['screen'], 'line', 0) or getattr(body, 'line', 0))
        own = [f for f, q in questions.items() if topic in q.topics or GENERAL in q.topics]
        screens[str(topic)] = _names(body["screen"], loc, f"topic '{topic}' screen", own, problems)
    return screens


def _check_question(kb: KnowledgeBase, fact: str, body: Any, where: str, topics: dict[str, tuple[str, ...]],
                    problems: list[Problem]) -> Question | None:
    """One question entry: ask and help in both languages, and known topics."""
    loc = (where, getattr(body, 'line', 0))
    if not isinstance(body, dict):
        problems.append(_problem(loc, f"question '{fact}': expected a mapping with ask, help and topics"))
        return None
    extra = set(body) - {"ask", "help", "topics", "why"}
    if extra:
        problems.append(_problem(loc, f"question '{fact}': unexpected keys {sorted(extra)}",
                                 "allowed: ask, help, topics, why"))
    ask = _text(body.get("ask"), loc, f"question '{fact}' ask", problems)
    help_ = _text(body.get("help"), loc, f"question '{fact}' help", problems)
    why = _text(body["why"], loc, f"question '{fact}' why", problems) if "why" in body else None
    topics_loc = (where, getattr(body.get('topics'), 'line', 0) or getattr(body, 'line', 0))
    found = _names(body.get("topics"), topics_loc, f"question '{fact}' topics", topics, problems)
    return Question(fact, ask, help_, kb.facts[fact], found, why) if ask and help_ and found else None


def check_questions(kb: KnowledgeBase, data: Any, where: str) -> tuple[Catalogue, list[Problem]]:
    """Validate questions data against the facts and families; return what loads and every problem found."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return Catalogue((), {}), [Problem(where, "expected a mapping with 'opening', 'topics' and 'questions'")]
    unknown_keys = set(data) - {"opening", "closing", "topics", "questions"}
    if unknown_keys:
        problems.append(Problem(where, f"unexpected keys {sorted(unknown_keys)}",
                                "allowed: opening, closing, topics, questions"))
    topics = _check_topics(kb, data.get("topics"), where, problems)
    questions: dict[str, Question] = {}
    for fact, body in (data.get("questions") or {}).items():
        loc = (where, getattr(body, 'line', 0))
        if fact not in kb.facts:
            guess = did_you_mean(str(fact), kb.facts)
            problems.append(_problem(loc, f"question for unknown fact '{fact}'",
                                    f"did you mean '{guess}'?" if guess else "declare the fact in facts.yaml"))
            continue
        question = _check_question(kb, str(fact), body, where, topics, problems)
        if question:
            questions[str(fact)] = question
    screens = _check_screens(data.get("topics"), topics, questions, where, problems)
    opening = _placed(data, "opening", questions, where, problems)
    closing = _placed(data, "closing", questions, where, problems)
    return Catalogue(opening, questions, topics, screens, closing), problems


def _placed(data: dict, key: str, questions: dict[str, Question], where: str, problems: list[Problem]) -> tuple[str, ...]:
    """The opening or closing questions, in order; each must have an entry under questions."""
    listed = tuple(str(f) for f in (data.get(key) or ()))
    for fact in listed:
        if fact not in questions:
            problems.append(Problem(where, f"{key} question '{fact}' has no entry under questions"))
    return tuple(f for f in listed if f in questions)


def load_questions(kb: KnowledgeBase, path: Path | None = None) -> Catalogue:
    """The validated catalogue of knowledge/questions.yaml (cached on the knowledge base)."""
    if path is None:
        return _QUESTIONS.get(kb)
    return _load_catalogue(kb, Path(path))


def _load_catalogue(kb: KnowledgeBase, path: Path) -> Catalogue:
    """Read and check a questions catalogue; KnowledgeError listing every problem."""
    if not path.exists():
        raise KnowledgeError(Problem(str(path), "missing questions catalogue", "add questions.yaml to the knowledge folder"))
    catalogue, problems = check_questions(kb, load_yaml_file(path), str(path))
    if problems:
        raise KnowledgeError(problems)
    return catalogue


_QUESTIONS: Memo[Catalogue] = Memo("questions catalogue", lambda kb: _load_catalogue(kb, kb.root / "questions.yaml"))


# --- running the rules on a hypothetical world ------------------------------------------------

def run(kb: KnowledgeBase, facts: Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> Reasoning:
    """Reason (plain evaluator) over input facts plus overrides; overrides may set derived facts."""
    overrides = overrides or {}
    given = {k: v for k, v in {**facts, **overrides}.items() if k in kb.facts and v is not None}
    full = derive(kb, given)
    full.update({k: v for k, v in overrides.items() if k in kb.derived})
    return reason_plain(kb, full)


def profile(kb: KnowledgeBase, reasoning: Reasoning) -> dict[str, float]:
    """Reported diagnoses (anti-patterns left out) and their certainties."""
    return {d: as_certainty(reasoning.cf[d]) for d in reported(kb, reasoning)
            if kb.diagnoses[d].family != "anti_pattern"}


def top_of(kb: KnowledgeBase, reasoning: Reasoning) -> tuple[str, ...]:
    """The top: reported diagnoses (no anti-patterns) with certainty ≥ TOP_CERTAINTY, in rank order."""
    return tuple(d for d, c in profile(kb, reasoning).items() if c >= TOP_CERTAINTY)


def _change(base: dict[str, float], other: dict[str, float]) -> float:
    """How far two profiles differ; changes to current conclusions weigh triple."""
    return sum((3.0 if d in base else 1.0) * abs(base.get(d, 0.0) - other.get(d, 0.0))
               for d in sorted(set(base) | set(other)))


def _top(prof: dict[str, float]) -> tuple[str, ...]:
    """The diagnoses of a profile at or above TOP_CERTAINTY."""
    return tuple(d for d, c in prof.items() if c >= TOP_CERTAINTY)


# --- candidate answers -------------------------------------------------------------------------

def _leaves_on(kb: KnowledgeBase, name: str) -> list[C.Leaf]:
    """Every rule leaf that tests one fact (input or derived)."""
    return _LEAVES.get(kb).get(name, [])


def _leaf_index(kb: KnowledgeBase) -> dict[str, list[C.Leaf]]:
    """Fact name → every rule leaf testing it."""
    index: dict[str, list[C.Leaf]] = {}
    for rule in kb.rules:
        for leaf in C.leaves(rule.when):
            if isinstance(leaf, C.Leaf):
                index.setdefault(leaf.fact, []).append(leaf)
    return index


_LEAVES: Memo[dict[str, list[C.Leaf]]] = Memo("leaves by fact", _leaf_index)
_CANDIDATES: Memo[dict[str, tuple[Any, ...]]] = Memo("candidate answers", lambda kb: {})
_BEARS_ON: Memo[dict[str, frozenset[str]]] = Memo("diagnoses an answer moves", lambda kb: {})


def _numbers(kb: KnowledgeBase, name: str, lo: float | None, hi: float | None, integer: bool) -> tuple[Any, ...]:
    """Values just either side of every threshold tested on a number, plus the range ends."""
    values: set[float] = set()
    for leaf in _leaves_on(kb, name):
        points = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        for t in points:
            if isinstance(t, (int, float)) and not isinstance(t, bool):
                step = 1 if integer else max(abs(t) * 1e-3, 1e-3)
                values.update((t - step, t, t + step))
    values.update(v for v in (lo, hi) if v is not None)
    out = sorted(v for v in values if (lo is None or v >= lo) and (hi is None or v <= hi))
    return tuple(dict.fromkeys(int(round(v)) if integer else float(v) for v in out))


def candidates(kb: KnowledgeBase, name: str) -> tuple[Any, ...]:
    """A small set of answers for a fact that covers every outcome the rules distinguish."""
    cache = _CANDIDATES.get(kb)
    if name not in cache:
        cache[name] = _candidates(kb, name)
    return cache[name]


def _candidates(kb: KnowledgeBase, name: str) -> tuple[Any, ...]:
    """Candidate answers, from the fact-type registry (uncached; see candidates)."""
    spec = kb.facts.get(name)
    if spec is None:
        return _derived_candidates(kb, name)
    return fact_type(spec).candidates(kb, spec, lambda lo, hi, integer: _numbers(kb, name, lo, hi, integer))


def _derived_candidates(kb: KnowledgeBase, name: str) -> tuple[Any, ...]:
    """Candidate values of a derived fact, by its kind."""
    spec = kb.derived.get(name)
    if spec is None:
        return ()
    if spec.kind == "ratio":
        return _numbers(kb, name, 0.0, None, False) or (0.0, 1.0)
    if spec.kind == "weakest":
        return tuple(spec.choices)
    if spec.kind == "defined":
        return (True, False)
    return ((),) + tuple((t,) for t in sorted(kb.tactics) if kb.tactics[t].forbidden)


def _derived_of(kb: KnowledgeBase, name: str) -> tuple[str, ...]:
    """Derived facts that depend, directly or through others, on a fact."""
    out: list[str] = []
    names = {name}
    for spec in kb.derived.values():  # catalogue order: later ones may use earlier ones
        if names & (set(spec.inputs) | set(spec.choices.values())):
            out.append(spec.name)
            names.add(spec.name)
    return tuple(out)


def _rules_reading(kb: KnowledgeBase, name: str) -> list[Any]:
    """Rules whose condition reads a fact or a derived fact built from it."""
    names = {name, *_derived_of(kb, name)}
    return [r for r in kb.rules if names & set(C.fact_names(r.when))]


# --- completing a rule: values of the other unknown facts that make it fire ---------------------

def _solve(kb: KnowledgeBase, node: C.Node, known: Mapping[str, Any], assign: dict[str, Any],
           cf: Mapping[str, float], depth: int) -> dict[str, Any] | None:
    """An assignment of unknown facts (extending ``assign``) under which ``node`` holds, or None."""
    if isinstance(node, C.Leaf):
        value = assign.get(node.fact, known.get(node.fact))
        if value is not None:
            return assign if node.test(value) else None
        for candidate in candidates(kb, node.fact):
            if node.test(candidate):
                return {**assign, node.fact: candidate}
        return None
    if isinstance(node, C.Concluded):
        if node.test(cf.get(node.id)):
            return assign
        if node.negated or depth <= 0:
            return None
        for rule in kb.rules:
            if rule.diagnosis == node.id and rule.cf >= node.min:
                found = _solve(kb, rule.when, known, assign, cf, depth - 1)
                if found is not None:
                    return found
        return None
    if isinstance(node, C.All):
        for child in node.children:
            step = _solve(kb, child, known, assign, cf, depth)
            if step is None:
                return None
            assign = step
        return assign
    for child in node.children:
        found = _solve(kb, child, known, assign, cf, depth)
        if found is not None:
            return found
    return None


# --- value of information ----------------------------------------------------------------------

def _worlds(kb: KnowledgeBase, facts: Mapping[str, Any], base: Reasoning, name: str) -> Iterator[tuple[dict, dict, int]]:
    """Hypothetical worlds for one fact: (assignment with it, assignment without it, extra facts)."""
    for value in candidates(kb, name):
        yield {name: value}, {}, 0
    probe = derive(kb, {**facts, name: candidates(kb, name)[0]}) if candidates(kb, name) else {}
    for derived in _derived_of(kb, name):
        if probe.get(derived) is None:  # still unknown: a partner fact is missing too
            for value in candidates(kb, derived):
                yield {derived: value}, {}, 1
    seen: set = set()
    for rule in _rules_reading(kb, name):
        if C.evaluate(rule.when, base.facts, base.cf) is not None:
            continue
        for value in candidates(kb, name):
            known = derive(kb, {**facts, name: value})
            found = _solve(kb, rule.when, known, {}, base.cf, SOLVE_DEPTH)
            if not found:
                continue
            key = (value, tuple(sorted((k, repr(v)) for k, v in found.items())))
            if key not in seen:
                seen.add(key)
                yield {name: value, **found}, dict(found), len(found)


def live_diagnoses(kb: KnowledgeBase, reasoning: Reasoning, background: frozenset[str] = frozenset()) -> frozenset[str]:
    """The open differential: reported conclusions, those whose rules build on them, and those whose
    undecided rules already have a condition met by a fact outside ``background``."""
    held = set(profile(kb, reasoning))
    opened = {r.diagnosis for r in kb.rules
              if any(isinstance(leaf, C.Concluded) and not leaf.negated and leaf.id in held for leaf in C.leaves(r.when))}
    started = {r.diagnosis for r in kb.rules if C.evaluate(r.when, reasoning.facts, reasoning.cf) is None
               and any(isinstance(leaf, C.Leaf) and leaf.fact not in background and reasoning.facts.get(leaf.fact) is not None
                       and leaf.test(reasoning.facts[leaf.fact]) for leaf in C.leaves(r.when))}
    return frozenset(d for d in held | opened | started if kb.diagnoses[d].family != "anti_pattern")


def potentials(kb: KnowledgeBase, reasoning: Reasoning) -> tuple[dict[str, float], dict[str, float]]:
    """Per diagnosis, the highest and lowest certainty its still-undecided rules could lead to together."""
    up = dict(reasoning.cf)
    down = dict(up)
    for rule in kb.rules:
        if C.evaluate(rule.when, reasoning.facts, reasoning.cf) is None:
            side = up if rule.cf > 0 else down
            side[rule.diagnosis] = combine(side.get(rule.diagnosis, 0.0), rule.cf)
    return up, down


def _reaches_top(before: dict[str, float], after: dict[str, float], potential: tuple[dict, dict]) -> bool:
    """Could a move like this one, added to the other undecided evidence, cross the top line?"""
    up, down = potential
    for d in set(before) | set(after):
        b, a = before.get(d, 0.0), after.get(d, 0.0)
        if a > b and b < TOP_CERTAINTY <= as_certainty(up.get(d, 0.0)):
            return True
        if a < b and b >= TOP_CERTAINTY > as_certainty(down.get(d, 0.0)):
            return True
    return False


def _assess(kb: KnowledgeBase, facts: Mapping[str, Any], base: Reasoning, name: str,
            live: frozenset[str] = frozenset(), potential: tuple[dict, dict] = ({}, {})) -> Choice:
    """The biggest change an answer for ``name`` could make, and whether it could change the top."""
    base_prof = profile(kb, base)
    base_top = _top(base_prof)
    best, best_live, changes_top = 0.0, 0.0, False
    concerns: set[str] = set()
    memo: dict[str, dict[str, float]] = {}

    def prof_of(assign: dict) -> dict[str, float]:
        """The profile of one hypothetical world, memoised within this assessment."""
        key = repr(sorted((k, repr(v)) for k, v in assign.items()))
        if key not in memo:
            memo[key] = base_prof if not assign else profile(kb, run(kb, facts, assign))
        return memo[key]

    for with_it, without_it, extra in _worlds(kb, facts, base, name):
        after, before = prof_of(with_it), prof_of(without_it)
        delta = _change(before, after)
        if delta <= _EPS:
            continue
        discount = EXTRA_FACT_DISCOUNT ** extra
        best = max(best, delta * discount)
        live_delta = _change({d: c for d, c in before.items() if d in live}, {d: c for d, c in after.items() if d in live})
        best_live = max(best_live, live_delta * discount)
        changes_top = (changes_top or _top(after) != _top(before) or (extra == 0 and _top(after) != base_top)
                       or _reaches_top(before, after, potential))
        concerns.update(d for d in set(before) | set(after) if abs(before.get(d, 0.0) - after.get(d, 0.0)) > _EPS)
    ordered = tuple(sorted(concerns, key=lambda d: (kb.diagnoses[d].priority, d)))
    return Choice(name, round(best, 6), changes_top, ordered, live_score=round(best_live, 6))


# --- focus: the presenting concern, and where the evidence leads ------------------------------

def focus(facts: Mapping[str, Any]) -> frozenset[str] | None:
    """The topics in focus: the named concerns and general; None (everything) while concerns are unknown."""
    concerns = facts.get(CONCERNS)
    return None if concerns is None else frozenset(concerns) | {GENERAL}


def bears_on(kb: KnowledgeBase, name: str) -> frozenset[str]:
    """Diagnoses an answer to a fact can move: those its rules conclude, and those built on them."""
    cache = _BEARS_ON.get(kb)
    if name not in cache:
        found = {r.diagnosis for r in _rules_reading(kb, name)}
        grown = True
        while grown:
            more = {r.diagnosis for r in kb.rules if r.diagnosis not in found and any(
                isinstance(leaf, C.Concluded) and not leaf.negated and leaf.id in found for leaf in C.leaves(r.when))}
            found |= more
            grown = bool(more)
        cache[name] = frozenset(found)
    return cache[name]


def eligible(kb: KnowledgeBase, question: Question, topics: frozenset[str] | None, live: frozenset[str]) -> bool:
    """May be asked: no focus yet, a topic in focus, or the answer bears on a live diagnosis."""
    return topics is None or bool(topics & set(question.topics)) or bool(bears_on(kb, question.fact) & live)


def background_facts(kb: KnowledgeBase, catalogue: Catalogue) -> frozenset[str]:
    """Facts of general-only questions and facts derived only from them: size or age points to no area."""
    names = {f for f, q in catalogue.questions.items() if set(q.topics) == {GENERAL}}
    for spec in kb.derived.values():  # catalogue order: later ones may use earlier ones
        inputs = set(spec.inputs) | set(spec.choices.values())
        if inputs and inputs <= names:
            names.add(spec.name)
    return frozenset(names)


def screening(catalogue: Catalogue) -> tuple[str, ...]:
    """The screening questions of every topic, in catalogue order, each once."""
    return tuple(dict.fromkeys(f for facts in catalogue.screens.values() for f in facts))


def opened_topics(kb: KnowledgeBase, catalogue: Catalogue, live: frozenset[str]) -> frozenset[str]:
    """The topics the evidence has opened (a live diagnosis in one of their families), plus general."""
    return frozenset(topics_for_families(catalogue, {kb.diagnoses[d].family for d in live})) | {GENERAL}


def _gate(kb: KnowledgeBase, catalogue: Catalogue, facts: Mapping[str, Any],
          base: Reasoning) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(topics in focus, live evidence, screening questions): the named concerns, or when they are
    unknown the topics the evidence has opened plus the screening questions (whose answers are evidence)."""
    topics = focus(facts)
    if topics is not None:
        return topics, live_diagnoses(kb, base, background_facts(kb, catalogue)), ()
    screen = screening(catalogue)
    evidence = live_diagnoses(kb, base, background_facts(kb, catalogue) - set(screen))
    return opened_topics(kb, catalogue, evidence), evidence, screen


def topics_for_families(catalogue: Catalogue, families: Any) -> tuple[str, ...]:
    """The concern topics (not general) that cover any of the families, in catalogue order."""
    wanted = set(families)
    return tuple(t for t, fams in catalogue.topics.items() if t != GENERAL and wanted & set(fams))


def _facts_key(facts: Mapping[str, Any]) -> tuple:
    """A hashable key for a set of known facts."""
    return tuple(sorted((k, repr(v)) for k, v in facts.items() if v is not None))


def _assess_cached(kb: KnowledgeBase, facts: Mapping[str, Any], base: Reasoning, name: str,
                   live: frozenset[str], potential: tuple[dict, dict]) -> Choice:
    """_assess, remembered per (facts, question): a don't-know leaves the facts and every answer unchanged."""
    cache = _ASSESSED.get(kb)
    key = (_facts_key(facts), name)
    if key not in cache:
        if len(cache) >= _ASSESS_CACHE_SIZE:
            cache.clear()
        cache[key] = _assess(kb, facts, base, name, live, potential)
    return cache[key]


def rank_questions(kb: KnowledgeBase, catalogue: Catalogue, facts: Mapping[str, Any],
                   skipped: frozenset[str] | set[str] = frozenset()) -> list[Choice]:
    """Every unknown, unskipped, eligible question that could change something, best first."""
    base = run(kb, facts)
    live = live_diagnoses(kb, base)
    potential = potentials(kb, base)
    topics, evidence, screen = _gate(kb, catalogue, facts, base)
    out = []
    for name, question in catalogue.questions.items():
        if facts.get(name) is not None or name in skipped or catalogue.fixed(name):
            continue
        if name not in screen and not eligible(kb, question, topics, evidence):
            continue
        choice = _assess_cached(kb, facts, base, name, live, potential)
        if choice.score > _EPS:
            out.append(choice)
    return sorted(out, key=lambda c: _priority(c, catalogue))


def _priority(choice: Choice, catalogue: Catalogue) -> tuple:
    """Sort key: can change the top first; then refining the open differential, biggest change
    first (to one decimal); then questions that would open a new line of enquiry, in the
    catalogue's order, which is the expert's default sequence."""
    return (not choice.changes_top, -round(choice.live_score, 1), catalogue.order(choice.fact))


def next_question(kb: KnowledgeBase, catalogue: Catalogue, facts: Mapping[str, Any],
                  skipped: frozenset[str] | set[str] = frozenset()) -> tuple[Choice | None, int]:
    """The next question (opening ones first, in order; then, concerns unknown, the screening
    ones; then those that could change the top; the closing ones last) and how many could still
    change the top or are still to screen, the opening ones still to ask included (not the closing
    ones: the name changes no conclusion)."""
    ranked = rank_questions(kb, catalogue, facts, skipped)
    screen = _screening_left(catalogue, facts, ranked) or _named_screens(catalogue, facts, ranked)
    opening = _unasked(catalogue.opening, facts, skipped)
    left = len(screen) + sum(1 for c in ranked if c.changes_top and c not in screen) + len(opening)
    if opening:
        return Choice(opening[0], 0.0, True, (), opening=True), left
    if screen:
        return screen[0], left
    named = _named_topics(facts)
    top = sorted((c for c in ranked if c.changes_top),
                 key=lambda c: not named & set(catalogue.questions[c.fact].topics))  # stable: the area named first
    if top:
        return top[0], left
    closing = _unasked(catalogue.closing, facts, skipped)
    return (Choice(closing[0], 0.0, False, (), opening=True), left) if closing else (None, 0)


def closing_questions(catalogue: Catalogue, facts: Mapping[str, Any],
                      skipped: frozenset[str] | set[str] = frozenset()) -> tuple[str, ...]:
    """The closing questions still to ask (the name, for the report) when the person stops early."""
    return _unasked(catalogue.closing, facts, skipped)


def _unasked(names: tuple[str, ...], facts: Mapping[str, Any], skipped: frozenset[str] | set[str]) -> tuple[str, ...]:
    """The fixed-place questions among ``names`` still unanswered, not skipped, and not made moot by the story."""
    return tuple(n for n in names if facts.get(n) is None and n not in skipped and not _heard_enough(n, facts))


def _heard_enough(name: str, facts: Mapping[str, Any]) -> bool:
    """The person's own account is asked for only while nothing but the name is known (not after --from)."""
    return name == STORY and any(v is not None for k, v in facts.items() if k not in ("name", STORY))


def _named_topics(facts: Mapping[str, Any]) -> frozenset[str]:
    """The concerns the person named (confirmed from their account or chosen), without general."""
    return frozenset(facts.get(CONCERNS) or ())


def _named_screens(catalogue: Catalogue, facts: Mapping[str, Any], ranked: list[Choice]) -> list[Choice]:
    """The named concerns' screening questions first (a named conflict is first asked how severe it is),
    those that can still change something, in the order the concerns were named."""
    by_fact = {c.fact: c for c in ranked}
    wanted = [f for topic in facts.get(CONCERNS) or () for f in catalogue.screens.get(topic, ())]
    return [by_fact[f] for f in dict.fromkeys(wanted) if f in by_fact]


def _screening_left(catalogue: Catalogue, facts: Mapping[str, Any], ranked: list[Choice]) -> list[Choice]:
    """While concerns are unknown: the ranked screening questions (those that can change something), in screening order."""
    if focus(facts) is not None:
        return []
    by_fact = {c.fact: c for c in ranked}
    return [by_fact[f] for f in screening(catalogue) if f in by_fact]


# --- why a question is asked, in sentences ------------------------------------------------------

@dataclass(frozen=True)
class Reason:
    """Why a question is asked: the conclusions it tells apart, and which answers would move each."""

    apart: tuple[str, ...]
    moves: tuple[tuple[Any, str, float, float], ...]  # (answer, diagnosis, certainty now, certainty then)
    rules: tuple[str, ...]


def why_asked(kb: KnowledgeBase, facts: Mapping[str, Any], fact: str, limit: int = 3) -> Reason:
    """The diagnoses an answer to ``fact`` would move most, and for each the answer that moves it most."""
    base = run(kb, facts)
    now = profile(kb, base)
    best: dict[str, tuple[float, Any, float]] = {}
    for value in candidates(kb, fact):
        after = profile(kb, run(kb, facts, {fact: value}))
        for d in set(now) | set(after):
            delta = after.get(d, 0.0) - now.get(d, 0.0)
            if abs(delta) > _EPS and abs(delta) > abs(best.get(d, (0.0, None, 0.0))[0]):
                best[d] = (delta, value, after.get(d, 0.0))
    ranked = sorted(best, key=lambda d: (-abs(best[d][0]), kb.diagnoses[d].priority, d))[:limit]
    waiting = [r for r in _rules_reading(kb, fact) if C.evaluate(r.when, base.facts, base.cf) is None]
    if not ranked:  # no answer alone moves a conclusion: name those it could move together with others
        together = sorted({r.diagnosis for r in waiting if kb.diagnoses[r.diagnosis].family != "anti_pattern"},
                          key=lambda d: (kb.diagnoses[d].priority, d))
        return Reason(tuple(together[:limit]), (), tuple(r.id for r in waiting))
    return Reason(tuple(ranked), tuple((best[d][1], d, now.get(d, 0.0), best[d][2]) for d in ranked),
                  tuple(r.id for r in waiting))
