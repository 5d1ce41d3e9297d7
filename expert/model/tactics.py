"""Proposed tactics read by meaning: the catalogue entries a phrase mentions, negated mentions, near misses.

A phrase mentions a tactic when it contains one of the tactic's names (id, labels, synonyms in
knowledge/tactics.yaml) as words (English: every word of the name, in any order and form;
Chinese: the name as a substring), so a forbidden tactic wrapped in other words is still found.
A mention after a negation word of knowledge/language.yaml ("no sock puppets", 不要水军) is not a
proposal. A phrase that mentions nothing gets the closest catalogue names as suggestions.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from expert.knowledge import KnowledgeBase, Memo
from expert.knowledge.language import has_cjk, mention, normalise, tokens, vocabulary

__all__ = ["TacticReading", "read_tactic", "suggest_tactics", "tactic_names"]


@dataclass(frozen=True)
class TacticReading:
    """What one proposed phrase says: the tactics it proposes, those it mentions negated, and near misses."""

    text: str
    proposed: tuple[str, ...]
    negated: tuple[str, ...]

    @property
    def unrecognised(self) -> bool:
        """True when the phrase mentions no catalogue tactic at all."""
        return not self.proposed and not self.negated


def tactic_names(kb: KnowledgeBase) -> tuple[tuple[str, str], ...]:
    """Every (tactic id, name) pair: its id in words, labels and synonyms in both languages."""
    return _NAMES.get(kb)


def _names(kb: KnowledgeBase) -> tuple[tuple[str, str], ...]:
    """The names of every tactic, in catalogue order."""
    out = []
    for t in kb.tactics.values():
        for name in (t.id.replace("_", " "), t.label.en, t.label.zh or "", *t.synonyms_en, *t.synonyms_zh):
            if name.strip():
                out.append((t.id, name))
    return tuple(dict.fromkeys(out))


_NAMES: Memo[tuple[tuple[str, str], ...]] = Memo("tactic names", _names)
SUGGEST_CHARS = 200  # how much of an unrecognised tactic the did-you-mean compares


READINGS_KEPT = 4096     # short tactic texts whose reading is remembered per knowledge base
READING_TEXT_MAX = 256   # longer texts are read afresh each time (so the memo stays small)
_READINGS: Memo[dict[str, TacticReading]] = Memo("tactics: the reading of each short text", lambda kb: {})


def read_tactic(kb: KnowledgeBase, text: str) -> TacticReading:
    """The catalogue tactics ``text`` proposes (forbidden ones always kept) and those it mentions negated;
    short texts are read once per knowledge base (a batch repeats the same few proposals)."""
    if len(text) > READING_TEXT_MAX:
        return _read(kb, text)
    memo = _READINGS.get(kb)
    reading = memo.get(text)
    if reading is None:
        if len(memo) >= READINGS_KEPT:
            memo.clear()
        reading = memo[text] = _read(kb, text)
    return reading


def _read(kb: KnowledgeBase, text: str) -> TacticReading:
    """Match ``text`` against every name of every tactic, keeping the most specific reading of each."""
    vocab = vocabulary(kb)
    found: dict[str, tuple[bool, frozenset[str]]] = {}
    for tid, name in tactic_names(kb):
        seen = mention(text, name, vocab)
        if seen is None:
            continue
        words = frozenset(tokens(name, vocab.filler)) if not has_cjk(name) else frozenset({normalise(name)})
        negated, known = seen.negated, found.get(tid)
        if known is None or (known[0] and not negated) or (known[0] == negated and len(words) > len(known[1])):
            found[tid] = (negated, words)
    forbidden_words = [w for tid, (neg, w) in found.items() if kb.tactics[tid].forbidden and not neg]
    proposed = [tid for tid, (neg, words) in found.items() if not neg and (
        kb.tactics[tid].forbidden or not any(words < fw for fw in forbidden_words))]
    refused = [tid for tid, (neg, _) in found.items() if neg and tid not in proposed]
    return TacticReading(text, tuple(proposed), tuple(refused))


def suggest_tactics(kb: KnowledgeBase, text: str, lang: str, limit: int = 3) -> tuple[str, ...]:
    """The labels (in ``lang``) of the catalogue tactics whose names come closest to ``text``."""
    vocab = vocabulary(kb)
    text = text[:SUGGEST_CHARS]  # a name is short: comparing pages of text costs seconds and suggests nothing
    words = set(tokens(text, vocab.filler))
    scores: dict[str, float] = {}
    for tid, name in tactic_names(kb):
        ratio = difflib.SequenceMatcher(None, normalise(text), normalise(name)).ratio()
        overlap = len(words & set(tokens(name, vocab.filler))) / max(1, len(set(tokens(name, vocab.filler))))
        scores[tid] = max(scores.get(tid, 0.0), ratio, overlap)
    best = sorted((s, tid) for tid, s in scores.items() if s >= 0.55)
    return tuple(kb.tactics[tid].label.get(lang) for _, tid in sorted(best, key=lambda p: (-p[0], p[1]))[:limit])
