"""People's own words: the vocabulary of knowledge/language.yaml and the text matching built on it.

Matching is by meaning at word level, never by the whole string: Chinese (and any phrase holding
a CJK character) by substring containment in the text with spaces removed; English by
normalised tokens (case, punctuation, plurals and simple verb endings folded, filler words
dropped, word order free). No segmentation library is needed for that containment test.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from expert.errors import KnowledgeError, Problem
from expert.knowledge.model import LANGS, KnowledgeBase, Memo
from expert.yamlio import load_yaml_file

__all__ = ["Vocabulary", "Cue", "Mention", "vocabulary", "normalise", "stem", "tokens", "has_cjk", "clauses",
           "mention", "mentioned"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[+\-~≈%]")
_CLAUSE = re.compile(r"(?<!\d)[.,]|[.,](?!\d)|[;!?，。；！？、\n]+|\b(?:but|and then|however)\b|但是|可是|不过|而且")


@dataclass(frozen=True)
class Cue:
    """A listen-first cue: words that, mentioned, propose facts (or take the number written beside them)."""

    words: tuple[str, ...]
    propose: tuple[tuple[str, Any], ...] = ()
    number: str | None = None
    signed: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """The word lists of knowledge/language.yaml, both languages merged."""

    negation: tuple[str, ...]
    filler: frozenset[str]
    approx: tuple[str, ...]
    down: tuple[str, ...]
    up: tuple[str, ...]
    multipliers: dict[str, float]
    digits_zh: dict[str, float]
    tenths: tuple[str, ...]
    percent: tuple[str, ...]
    units: dict[str, tuple[tuple[float, tuple[str, ...]], ...]]
    changes: tuple[tuple[float, tuple[str, ...]], ...]  # (percent, words): 'halved' is -50, 'doubled' +100
    times: tuple[str, ...]  # '2x', '3 times': the words after a number that multiply
    choices: dict[str, dict[str, tuple[str, ...]]]
    listen: tuple[Cue, ...]


@dataclass(frozen=True)
class Mention:
    """Where a phrase is mentioned in a text: the clause, the position in it, and whether a negation precedes it."""

    clause: int
    position: int
    negated: bool


# --- normalising --------------------------------------------------------------------------------

def has_cjk(text: str) -> bool:
    """True when the text holds a Chinese character."""
    return bool(_CJK.search(text))


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, curly quotes straightened."""
    return unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")


def stem(word: str) -> str:
    """A crude English stem, the same for a word and its plural or -ing/-ed form (posts, posting, posted → post)."""
    word = word.removesuffix("'s")
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            if suffix == "es" and not re.search(r"(s|x|z|ch|sh)es$", word):
                continue
            word = word[: -len(suffix)] + keep
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # banned → ban, running → run
            break
    return word


def tokens(text: str, filler: frozenset[str] = frozenset()) -> list[str]:
    """The stemmed English words of a text, filler words left out."""
    return [stem(w) for w in _WORD.findall(normalise(text)) if w not in filler]


def clauses(text: str) -> list[str]:
    """A text split where one statement ends and another begins (punctuation, 'but', 但是)."""
    return [c for c in _CLAUSE.split(normalise(text)) if c and c.strip()]


def _negated_before(clause: str, position: int, vocab: Vocabulary, cjk: bool) -> bool:
    """Does a negation word come before ``position`` (a character index) in the clause?"""
    before = clause[:position]
    if cjk or has_cjk(before):  # a negation may end inside the match: 不找托儿 ("找托" is a synonym)
        if any(0 <= clause.find(n) < position for n in vocab.negation if has_cjk(n)):
            return True
    words = _WORD.findall(before)
    return any(w in vocab.negation for w in words) or any(
        " " in n and n in before for n in vocab.negation if not has_cjk(n))


def mention(text: str, phrase: str, vocab: Vocabulary) -> Mention | None:
    """Where ``phrase`` is mentioned in ``text`` (first clause that holds it), or None."""
    phrase_n = normalise(phrase).strip()
    if not phrase_n:
        return None
    cjk = has_cjk(phrase_n)
    wanted = {w for w in tokens(phrase_n, vocab.filler) if w.isalnum()} or {w for w in tokens(phrase_n) if w.isalnum()}
    for i, clause in enumerate(clauses(text)):
        if cjk:
            compact, key = re.sub(r"\s+", "", clause), re.sub(r"\s+", "", phrase_n)
            single = len(key) == 1 and compact != key  # one character alone is too ambiguous inside a sentence
            at = -1 if single else _cjk_find(compact, key, vocab.filler)
            if at >= 0:
                return Mention(i, at, _negated_before(compact, at, vocab, True))
            continue
        if not wanted:
            continue
        words = _WORD.findall(clause)
        stems = [stem(w) for w in words]
        if wanted <= set(stems):
            first = min(stems.index(w) for w in wanted)
            at = _char_position(clause, words, first)
            return Mention(i, at, _negated_before(clause, at, vocab, False))
    return None


def _cjk_find(text: str, key: str, filler: frozenset[str]) -> int:
    """Where a Chinese phrase is in ``text``, also with one filler word inside it (买点粉 for 买粉,
    禁言那些批评者 for 禁言批评者); -1 when it is not."""
    at = text.find(key)
    if at >= 0 or len(key) < 2 or key[0] not in text or key[-1] not in text:
        return at
    found = _gapped(key, filler).search(text)
    return found.start() if found else -1


_GAPPED: dict[tuple[str, frozenset[str]], re.Pattern[str]] = {}


def _gapped(key: str, filler: frozenset[str]) -> re.Pattern[str]:
    """The phrase with one Chinese filler word allowed between any two of its characters (compiled once)."""
    pattern = _GAPPED.get((key, filler))
    if pattern is None:
        fillers = sorted((re.escape(w) for w in filler if has_cjk(w)), key=len, reverse=True)
        gap = "(?:" + "|".join(fillers) + ")" if fillers else "(?!)"
        pattern = re.compile("|".join(re.escape(key[:i]) + gap + re.escape(key[i:]) for i in range(1, len(key))))
        _GAPPED[(key, filler)] = pattern
    return pattern


def _char_position(clause: str, words: list[str], index: int) -> int:
    """The character index in the clause of its ``index``-th word."""
    at = 0
    for k, w in enumerate(words):
        at = clause.find(w, at)
        if k == index:
            return at
        at += len(w)
    return len(clause)


def mentioned(text: str, phrases: tuple[str, ...] | list[str], vocab: Vocabulary) -> bool:
    """True when any phrase is mentioned, not negated."""
    return any((m := mention(text, p, vocab)) is not None and not m.negated for p in phrases)


# --- the vocabulary file --------------------------------------------------------------------------

def vocabulary(kb: KnowledgeBase) -> Vocabulary:
    """The vocabulary of this knowledge base's language.yaml (built once, checked: KnowledgeError names the entry)."""
    return _VOCAB.get(kb)


def _words(data: Any, where: str, what: str, problems: list[Problem]) -> tuple[str, ...]:
    """An {en: [...], zh: [...]} entry as one tuple of words, both languages."""
    if not isinstance(data, dict) or set(data) - set(LANGS) or not all(isinstance(data.get(k, []), list) for k in LANGS):
        problems.append(Problem(where, f"{what}: expected {{en: [words], zh: [words]}}", "both languages, lists of words"))
        return ()
    return tuple(normalise(str(w)).strip() for lang in LANGS for w in data.get(lang) or () if str(w).strip())


def _line(node: Any, where: str) -> str:
    """The file location of a node that remembers its line."""
    line = getattr(node, "line", 0)
    return f"{where}:{line}" if line else where


def _mapping(data: Any, where: str, what: str, problems: list[Problem]) -> dict[str, Any]:
    """A mapping entry, or a problem."""
    if not isinstance(data, dict):
        problems.append(Problem(where, f"{what}: expected a mapping"))
        return {}
    return data


def _numbers(data: dict[str, Any], where: str, problems: list[Problem]) -> dict[str, Any]:
    """The numbers section: word lists and number tables."""
    out: dict[str, Any] = {k: _words(data.get(k), _line(data, where), f"numbers.{k}", problems)
                           for k in ("approx", "down", "up", "tenths", "percent")}
    multipliers = _mapping(data.get("multipliers"), where, "numbers.multipliers", problems)
    out["multipliers"] = {normalise(str(w)): float(v) for lang in LANGS
                          for w, v in _mapping(multipliers.get(lang, {}), where, "multipliers", problems).items()}
    out["digits_zh"] = {str(k): float(v) for k, v in _mapping(data.get("digits_zh"), where, "digits_zh", problems).items()}
    return out


def _units(data: Any, where: str, problems: list[Problem]) -> dict[str, tuple[tuple[float, tuple[str, ...]], ...]]:
    """Unit of a fact → (factor, words) of every unit it can be given in."""
    out = {}
    for unit, entries in _mapping(data, where, "units", problems).items():
        rows = []
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, dict) or not isinstance(entry.get("factor"), (int, float)):
                problems.append(Problem(_line(entry, where), f"units.{unit}: expected {{factor: number, en: [...], zh: [...]}}"))
                continue
            rows.append((float(entry["factor"]), _words({k: entry.get(k, []) for k in LANGS}, _line(entry, where),
                                                        f"units.{unit}", problems)))
        out[str(unit)] = tuple(rows)
    return out


def _changes(data: Any, where: str, problems: list[Problem]) -> tuple[tuple[float, tuple[str, ...]], ...]:
    """(percent, words) of every change said as a proportion, longest words first when matched."""
    rows = []
    for entry in data if isinstance(data, list) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("percent"), (int, float)):
            problems.append(Problem(_line(entry, where), "changes: expected {percent: number, en: [...], zh: [...]}"))
            continue
        words = _words({k: entry.get(k, []) for k in LANGS}, _line(entry, where), "changes", problems)
        rows.append((float(entry["percent"]), words))
    return tuple(rows)


def _choices(kb: KnowledgeBase, data: Any, where: str, problems: list[Problem]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Fact → value → synonyms; the fact must be an enum or list with that value."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for fact, values in _mapping(data, where, "choices", problems).items():
        spec = kb.facts.get(str(fact))
        if spec is None or not spec.values:
            problems.append(Problem(_line(values, where), f"choices: '{fact}' is not an enum or list fact with values"))
            continue
        for value, synonyms in _mapping(values, where, f"choices.{fact}", problems).items():
            if value not in spec.values:
                problems.append(Problem(_line(synonyms, where), f"choices.{fact}: unknown value '{value}'",
                                        f"allowed: {', '.join(spec.values)}"))
                continue
            out.setdefault(str(fact), {})[str(value)] = _words(synonyms, _line(synonyms, where), f"choices.{fact}.{value}", problems)
    return out


def _cues(kb: KnowledgeBase, data: Any, where: str, problems: list[Problem]) -> tuple[Cue, ...]:
    """The listen-first cues; every fact they name must exist."""
    out = []
    for entry in data if isinstance(data, list) else ():
        loc = _line(entry, where)
        if not isinstance(entry, dict) or set(entry) - {"words", "propose", "number", "signed"}:
            problems.append(Problem(loc, "listen: expected {words: {en, zh}, propose: {fact: value}} or number: fact"))
            continue
        words = _words(entry.get("words"), loc, "listen.words", problems)
        propose = _mapping(entry.get("propose") or {}, loc, "listen.propose", problems)
        number = entry.get("number")
        for fact in [*propose, *([number] if number else [])]:
            if fact not in kb.facts:
                problems.append(Problem(loc, f"listen: unknown fact '{fact}'", "declare it in facts.yaml"))
        out.append(Cue(words, tuple((str(k), v) for k, v in propose.items()), str(number) if number else None,
                       bool(entry.get("signed"))))
    return tuple(out)


def _load(kb: KnowledgeBase) -> Vocabulary:
    """Read and check language.yaml; every problem at once."""
    path = kb.root / "language.yaml"
    where = str(path)
    if not path.exists():
        raise KnowledgeError(Problem(where, "missing vocabulary file", "add language.yaml to the knowledge folder"))
    problems: list[Problem] = []
    data = _mapping(load_yaml_file(path), where, "language.yaml", problems)
    numbers = _numbers(_mapping(data.get("numbers"), where, "numbers", problems), where, problems)
    vocab = Vocabulary(
        negation=_words(data.get("negation"), where, "negation", problems),
        filler=frozenset(_words(data.get("filler"), where, "filler", problems)),
        units=_units(data.get("units"), where, problems),
        changes=_changes(data.get("changes"), where, problems),
        times=_words(data.get("times"), where, "times", problems),
        choices=_choices(kb, data.get("choices"), where, problems),
        listen=_cues(kb, data.get("listen"), where, problems), **numbers)
    if problems:
        raise KnowledgeError(problems)
    return vocab


_VOCAB: Memo[Vocabulary] = Memo("vocabulary", _load)
