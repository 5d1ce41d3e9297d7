"""Listen first: the facts a person's own account of what is happening proposes, to be confirmed before they count.

The cues are knowledge (the `listen` list of knowledge/language.yaml): words that, mentioned and
not negated, propose facts (concerns, a stage, a mood, yes/no facts), and words beside which a
number is taken for a fact; a statement that proposes a tactic of the catalogue (tactics.yaml, read
by meaning) is proposed as a tactic, so a forbidden one is refused however it came up (a fall of 40 %, a target of +30 %, a deadline of 6 weeks). A number is
taken only when written with the fact's unit (a percentage for a change, weeks for a deadline),
the one nearest the cue word in the same statement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from expert.knowledge import KnowledgeBase
from expert.knowledge.facttypes import AnswerError, direction, fact_type, parse_quantity
from expert.knowledge.language import Cue, has_cjk, mention, normalise, tokens, vocabulary
from expert.model.tactics import read_tactic

__all__ = ["Proposal", "listen"]

TACTICS = "proposed_tactics"
_STATEMENT = re.compile(r"(?<!\d)[.,]|[.,](?!\d)|[;!?，。；！？、\n]+|\b(?:and|but|while|so)\b|但是|而且|并且|同时|可是")
_NUMBER = re.compile(r"[+\-−]?\d+(?:[.,]\d+)*\s*(?:%|%|[a-z]+|[\u4e00-\u9fff]{1,3})?"
                     r"|[零〇一二两三四五六七八九十百千万半]+\s*(?:%|成|[\u4e00-\u9fff]{1,3})?")


@dataclass(frozen=True)
class Proposal:
    """A fact the person's words suggest, with the words that suggested it."""

    fact: str
    value: Any
    because: str


def listen(kb: KnowledgeBase, text: str) -> list[Proposal]:
    """The facts a free-text account proposes, in cue order, each fact once (concerns gathered into one list)."""
    vocab = vocabulary(kb)
    statements = [s for s in _STATEMENT.split(normalise(text)) if s.strip()]
    found: dict[str, Proposal] = {}
    heard = _more_specific_wins([_heard(cue, statements, kb) for cue in vocab.listen],
                                [cue.number is None for cue in vocab.listen], vocab.filler)
    for cue, hits in zip(vocab.listen, heard, strict=True):
        if not hits:
            continue
        word = hits[0][1]
        if cue.number:
            value = next((v for w in cue.words if (v := _number_near(kb, cue, statements, w)) is not None), None)
            if value is not None and cue.number not in found:
                found[cue.number] = Proposal(cue.number, value, word)
            continue
        for fact, value in cue.propose:
            _add(kb, found, fact, value, word)
    _hear_tactics(kb, statements, found)
    return list(found.values())


def _hear_tactics(kb: KnowledgeBase, statements: list[str], found: dict[str, Proposal]) -> None:
    """Each statement that proposes a catalogue tactic (by meaning, not negated: "no sock puppets" is no
    proposal) becomes a proposed tactic in the person's own words, judged in the plan like any other."""
    for statement in statements:
        reading = read_tactic(kb, statement)
        if reading.proposed:
            _add(kb, found, TACTICS, statement.strip(), ", ".join(reading.proposed))  # because: the tactic ids


def _heard(cue: Cue, statements: list[str], kb: KnowledgeBase) -> list[tuple[int, str]]:
    """(statement, word) for each statement where a cue word is mentioned, not negated (the first such word)."""
    vocab = vocabulary(kb)
    hits = []
    for i, statement in enumerate(statements):
        for word in cue.words:
            seen = mention(statement, word, vocab)
            if seen is not None and not seen.negated:
                hits.append((i, word))
                break
    return hits


def _more_specific_wins(heard: list[list[tuple[int, str]]], proposing: list[bool],
                        filler: frozenset[str]) -> list[list[tuple[int, str]]]:
    """Drop a proposing cue's hit in a statement where another proposing cue heard a longer phrase holding it
    ('core people are leaving' is not also 'people are leaving'; 核心成员流失 is not also 成员流失), as tactics
    are read; a number cue's word only anchors its number and is never dropped."""
    def holds(longer: str, shorter: str) -> bool:
        if has_cjk(shorter):
            return len(longer) > len(shorter) and shorter in longer
        big, small = set(tokens(longer, filler)), set(tokens(shorter, filler))
        return small < big
    taken = [(i, w) for hits, kept in zip(heard, proposing, strict=True) if kept for i, w in hits]
    return [[(i, w) for i, w in hits if not (kept and any(j == i and holds(other, w) for j, other in taken))]
            for hits, kept in zip(heard, proposing, strict=True)]


def _add(kb: KnowledgeBase, found: dict[str, Proposal], fact: str, value: Any, word: str) -> None:
    """Record one proposed value; a list fact (concerns) gathers its values."""
    spec = kb.facts[fact]
    if spec.type == "list":
        old = found[fact].value if fact in found else []
        if value not in old:
            found[fact] = Proposal(fact, [*old, value], ", ".join(filter(None, [found[fact].because if fact in found else "", word])))
    elif fact not in found:
        found[fact] = Proposal(fact, value, word)


def _number_near(kb: KnowledgeBase, cue: Cue, statements: list[str], word: str) -> Any:
    """The number written with the fact's unit nearest the cue word, read as the fact holds it."""
    spec = kb.facts[cue.number or ""]
    vocab = vocabulary(kb)
    for statement in statements:
        seen = mention(statement, word, vocab)
        if seen is None or seen.negated:
            continue
        at = statement.find(word) if has_cjk(word) else statement.find(word.split()[0])
        snippets = [m.group(0) for m in sorted(_NUMBER.finditer(statement), key=lambda m: abs(m.start() - max(at, 0)))]
        for snippet in snippets + ([statement] if spec.unit == "%" else []):  # 'halved', 'doubled': no digits
            read = parse_quantity(kb, snippet, spec.unit)
            if read is None or not _has_unit(kb, spec.unit, snippet, read[1]):
                continue
            down = direction(kb, statement) < 0 or read[2] < 0
            value = -abs(read[0]) if cue.signed and down else read[0]
            try:
                return fact_type(spec).parse(kb, spec, str(value), "en")
            except AnswerError:
                continue
    return None


def _has_unit(kb: KnowledgeBase, unit: str | None, snippet: str, percent: bool) -> bool:
    """Is the number written in the fact's unit: a percentage for '%', a unit word for time, a plain
    number (not a percentage) for a count?"""
    if unit == "%":
        return percent
    if unit is None:
        return not percent
    rows = vocabulary(kb).units.get(unit or "", ())
    return any(w in snippet for _, words in rows for w in words if has_cjk(w)) or any(
        re.search(rf"\d\s*{re.escape(w)}\b", snippet) for _, words in rows for w in words if not has_cjk(w))
