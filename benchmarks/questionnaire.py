"""How many questions does `expert consult` need? Adaptive selection against a fixed order.

For every scenario in scenarios/, a simulated person answers from the scenario's own facts
(a fact the scenario does not give is answered "don't know", which counts as a question).
The opening question "what brings you here?" (the `concerns` fact) is answered the way a real
person knows their own problem: from the scenario's situation if it gives concerns, else
derived from the full-information plan's top diagnoses -> their families -> the topics that
cover those families (the `topics` mapping of knowledge/questions.yaml). An empty answer means
"nothing in particular": only general questions, and wherever the evidence leads.
We count the questions asked until the top diagnoses (reported, no anti-patterns, certainty
≥ 0.5, in rank order) equal those of the full-information plan and stay equal, for:

- adaptive: the questionnaire's own choice of question (expert.consult.questionnaire.next_question);
- fixed: every question of knowledge/questions.yaml in file order.

A second run ("concerns: don't know") repeats the adaptive one with the person answering
"what brings you here?" with don't know: the questionnaire then screens every area (each
topic's `screen` questions) and explores only the areas the answers open.

A third run ("listening", issue 10) has the person answer "in a sentence or two, what is
happening?", the first question, with one sentence built from the scenario's facts (benchmarks/sentences.yaml, in
English and in Chinese: a phrase per concern, how they feel, the stage as they see it, then
up to three facts they know); the expert
proposes what it understood and the person keeps, with one keystroke, what is right. The
story question and that confirmation count as two questions. In the other runs the person
skips the story (it is not counted), as before issue 10. The listening run is repeated with the
previous release's opening (the name first, then the story, objective, success metric, stage,
mood and concerns) to print the old figure beside the new, measured in the same run.

Counts include the opening questions (objective, success metric, stage, concerns, each skipped
when the story gave it), which both orders ask first; the name is asked last (it labels the
report and changes no conclusion). Also printed: how many questions the adaptive run asks
in all before it stops by itself. The questionnaire remembers each question's assessment per
set of known facts, so a don't-know (which leaves the facts unchanged) costs nothing to re-rank.
Run: .venv/bin/python benchmarks/questionnaire.py
"""
from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from expert.consult.listen import listen  # noqa: E402
from expert.consult.questionnaire import (  # noqa: E402
    CONCERNS,
    STORY,
    bears_on,
    load_questions,
    next_question,
    run,
    top_of,
    topics_for_families,
)
from expert.errors import ExpertError  # noqa: E402
from expert.knowledge import cached_knowledge  # noqa: E402
from expert.planning.pipeline import load_situation  # noqa: E402


def stated_concerns(kb, catalogue, full: dict, target: tuple[str, ...]) -> tuple[str, ...]:
    """What the person says brings them: the scenario's own concerns, else the topics of the top's families."""
    if full.get(CONCERNS) is not None:
        return tuple(full[CONCERNS])
    return topics_for_families(catalogue, {kb.diagnoses[d].family for d in target})


def settled_at(tops: list[tuple[str, ...]], target: tuple[str, ...]) -> int | None:
    """The number of questions after which the top equals the target for good (None: never)."""
    if not tops or tops[-1] != target:
        return None
    k = len(tops) - 1
    while k > 0 and tops[k - 1] == target:
        k -= 1
    return k


# The opening as the previous release asked it: the name first, mood always (issue 10's first figure).
PREVIOUS_OPENING = ("name", "story", "objective", "success_metric", "stage", "mood", "concerns")
SENTENCES = yaml.safe_load((ROOT / "benchmarks" / "sentences.yaml").read_text(encoding="utf-8"))


def _says(fact: str, value, spec: dict) -> str | None:
    """The template of a fact for this value, or None when the person would not mention it."""
    if "values" in spec:
        return spec["values"].get(value)
    when = spec.get("when")
    if when == "negative" and not (isinstance(value, (int, float)) and value < 0):
        return None
    if when is True and value is not True:
        return None
    return spec


def sentence(kb, full: dict, target: tuple[str, ...], lang: str) -> str:
    """One sentence a person would say: a phrase per concern, then up to three facts, those bearing on the top first."""
    parts = [SENTENCES["concerns"][c][lang] for c in full.get(CONCERNS) or () if c in SENTENCES["concerns"]]
    known = [(f, spec) for f, spec in SENTENCES["facts"].items() if full.get(f) is not None]
    said = [(f, t) for f, spec in known if (t := _says(f, full[f], spec))]
    said.sort(key=lambda ft: (ft[0] not in ("mood", "stage"), not bears_on(kb, ft[0]) & set(target)))
    for fact, template in said[:2 + 3]:
        value = full[fact]
        shown = f"{abs(value):g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        parts.append(template[lang].replace("{v}", str(shown)))
    return (", " if lang == "en" else ",").join(parts) + ("." if lang == "en" else "。")


def _right(full: dict, fact: str, value) -> bool:
    """Would the person keep this proposal: it says what their situation says."""
    if isinstance(value, list):
        return set(value) <= set(full.get(fact) or ())
    if isinstance(value, float) and isinstance(full.get(fact), (int, float)):
        return abs(full[fact] - value) < 1e-6
    return full.get(fact) == value


def adaptive(kb, catalogue, full: dict, story: str | None = None) -> tuple[list[tuple[str, ...]], list[str]]:
    """Tops after 0, 1, 2 ... questions chosen by the questionnaire, and the facts asked; with a story,
    the person answers the listening question with it and confirms what the expert understood."""
    facts: dict = {}
    skipped: set = set() if story else {STORY}
    tops, asked = [top_of(kb, run(kb, facts))], []
    while True:
        choice, _ = next_question(kb, catalogue, facts, skipped)
        if choice is None:
            return tops, asked
        asked.append(choice.fact)
        if choice.fact == STORY and story:
            facts[STORY] = story
            tops.append(top_of(kb, run(kb, facts)))
            proposals = listen(kb, story)
            if proposals:
                asked.append("(confirm)")
                facts.update({p.fact: tuple(p.value) if isinstance(p.value, list) else p.value
                              for p in proposals if _right(full, p.fact, p.value)})
                tops.append(top_of(kb, run(kb, facts)))
            continue
        if choice.fact in full:
            facts[choice.fact] = full[choice.fact]
        else:
            skipped.add(choice.fact)
        tops.append(top_of(kb, run(kb, facts)))


def fixed(kb, catalogue, full: dict) -> list[tuple[str, ...]]:
    """Tops after 0, 1, 2 ... questions asked in the catalogue's order."""
    facts: dict = {}
    tops = [top_of(kb, run(kb, facts))]
    for fact in catalogue.questions:
        if fact in full:
            facts[fact] = full[fact]
        tops.append(top_of(kb, run(kb, facts)))
    return tops


def main() -> int:
    """Print per-scenario counts, the median and max, and the fixed-order comparison."""
    kb = cached_knowledge()
    catalogue = load_questions(kb)
    previous = dataclasses.replace(catalogue, opening=PREVIOUS_OPENING, closing=())
    rows = []
    listened: dict[str, list[tuple[int | None, int]]] = {}
    started = time.perf_counter()
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        try:
            full = load_situation(path, kb).facts()
        except ExpertError as exc:
            print(f"{path.stem:45} skipped: {exc}")
            continue
        target = top_of(kb, run(kb, full))
        full = {**full, CONCERNS: stated_concerns(kb, catalogue, full, target)}
        tops, asked = adaptive(kb, catalogue, full)
        unsure, unsure_asked = adaptive(kb, catalogue, {k: v for k, v in full.items() if k != CONCERNS})
        rows.append((path.stem, settled_at(tops, target), len(asked), settled_at(fixed(kb, catalogue, full), target),
                     settled_at(unsure, target), len(unsure_asked)))
        for lang in ("en", "zh"):
            said = sentence(kb, full, target, lang)
            heard, heard_asked = adaptive(kb, catalogue, full, said)
            listened.setdefault(lang, []).append((settled_at(heard, target), len(heard_asked)))
            heard, heard_asked = adaptive(kb, previous, full, said)
            listened.setdefault(f"{lang}, previous release's opening", []).append(
                (settled_at(heard, target), len(heard_asked)))
    elapsed = time.perf_counter() - started
    print(f"{'scenario':45} {'adaptive':>8} {'asked':>6} {'fixed':>6} {'unsure':>6} {'asked':>6}")
    for name, a, total, f, u, u_total in rows:
        print(f"{name:45} {_n(a):>8} {total:>6} {_n(f):>6} {_n(u):>6} {u_total:>6}")
    done = [(a, f) for _, a, _, f, _, _ in rows if a is not None and f is not None]
    if not done:
        print("no scenario settled")
        return 1
    a_counts, f_counts = [a for a, _ in done], [f for _, f in done]
    never = sum(1 for _, a, *_ in rows if a is None)
    print()
    print(f"scenarios: {len(rows)} (adaptive never settled: {never}); questions in the catalogue: {len(catalogue.questions)}")
    opening = len(catalogue.opening) - 1  # the story is skipped here; the name comes last
    print(f"adaptive: median {statistics.median(a_counts):g}, max {max(a_counts)} questions "
          f"(after the {opening} opening ones: median {statistics.median(a_counts) - opening:g}, "
          f"max {max(a_counts) - opening})")
    print(f"fixed order: median {statistics.median(f_counts):g}, max {max(f_counts)} questions")
    print(f"ratio adaptive/fixed: median {statistics.median(a_counts) / statistics.median(f_counts):.2f}, "
          f"total {sum(a_counts) / sum(f_counts):.2f}")
    print(f"adaptive stops by itself after a median of {statistics.median(t for _, _, t, *_ in rows):g} questions "
          f"({elapsed:.1f} s for all scenarios, both runs)")
    _print_unsure(rows)
    _print_listening(listened, statistics.median(a_counts))
    return 0


def _print_listening(listened: dict[str, list[tuple[int | None, int]]], before: float) -> None:
    """The listening run's figures per language, beside the figure without the opening sentence."""
    print()
    for lang, results in listened.items():
        settled = [n for n, _ in results if n is not None]
        never = sum(1 for n, _ in results if n is None)
        print(f"listening ({lang}): median {statistics.median(settled):g}, max {max(settled)} questions until the top "
              f"equals the full-information plan's, the story and its confirmation included (without the sentence: "
              f"{before:g}); never settled: {never}; stops by itself after a median of "
              f"{statistics.median(t for _, t in results):g}")


def _n(count: int | None) -> str:
    """A count, or '-' for never settled."""
    return "-" if count is None else str(count)


def _print_unsure(rows: list[tuple]) -> None:
    """The second run's figures: concerns answered with don't know (screen, then explore what opens)."""
    settled = [u for *_, u, _ in rows if u is not None]
    never = sum(1 for *_, u, _ in rows if u is None)
    print()
    print(f"concerns: don't know (unsure): never settled: {never}")
    if settled:
        print(f"unsure: median {statistics.median(settled):g}, max {max(settled)} questions until the top "
              f"equals the full-information plan's")
    print(f"unsure stops by itself after a median of {statistics.median(t for *_, t in rows):g} questions "
          f"(max {max(t for *_, t in rows)})")


if __name__ == "__main__":
    sys.exit(main())
