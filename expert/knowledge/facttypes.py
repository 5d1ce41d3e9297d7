"""One registry of fact types: how a value of each kind is read from people's words, checked, shown and described.

Kinds: number (a count, an amount or a percentage change, with units), share (a 0..1 rate that
may be written as a percentage), yes/no, choice (one value), list (values, or free-text tactics),
text. The consultation, what-if, the situation model's messages and the questionnaire's prompts
all ask the registry (fact_type(spec)) instead of testing spec.type themselves.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Literal, Optional

from pydantic import StrictBool

from expert.errors import Problem, SituationError, did_you_mean
from expert.knowledge.language import Vocabulary, has_cjk, mention, normalise, vocabulary
from expert.knowledge.model import LANGS, FactSpec, KnowledgeBase

# The questionnaire's sampler of a numeric range: (min, max, integer) -> candidate values.
Sampler = Callable[[float | None, float | None, bool], tuple[Any, ...]]

__all__ = ["AnswerError", "FactType", "fact_type", "kind_of", "words", "parse_quantity", "direction", "bound_text", "KINDS",
           "says_none"]

_SPLIT = re.compile(r"\s*(?:[,,、;;]|\band\b|和|以及)\s*")
_ARABIC = re.compile(r"(?<![A-Za-z0-9_.])([+\-−]?)((?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?:e[+\-]?\d+)?)")
_ZH_NUM = re.compile(r"[零〇一二两俩三四五六七八九十百千万亿半]+")


class AnswerError(SituationError):
    """An answer that does not fit its fact: the message names the value and what is allowed."""


def words(kb: KnowledgeBase, *keys: str) -> tuple[str, ...]:
    """Word lists of messages.yaml (comma-separated), every language at once, lower-cased, in order."""
    found = (w.strip().lower() for key in keys for lang in LANGS for w in kb.message(key, lang).split(","))
    return tuple(dict.fromkeys(w for w in found if w))


def bound_text(bound: float | None) -> str:
    """A range bound as people write it: 0, 1, 0.5, 1000000000 (not 1e+09 or 1.0)."""
    if bound is None:
        return "…"
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


# --- numbers in words ---------------------------------------------------------------------------

def _zh_number(text: str, vocab: Vocabulary) -> float | None:
    """A Chinese numeral: 十二 12, 一万二 12000, 三千五 3500, 两万 20000, 1.5万 is handled with the Arabic digits."""
    total, section, digit, last_unit = 0.0, 0.0, None, 1.0
    for ch in text:
        if ch in vocab.digits_zh:
            digit = vocab.digits_zh[ch]
            continue
        unit = vocab.multipliers.get(ch)
        if unit is None:
            return None
        if unit >= 10000:
            total += (section + (digit or 0)) * unit
            section, digit, last_unit = 0.0, None, unit
        else:
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    if digit is not None:  # 一万二: a trailing digit counts in the next lower unit
        section += digit * (last_unit / 10 if last_unit >= 100 else 1)
    return total + section


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    """Is any phrase present: Chinese as a substring, English as whole words?"""
    plain = set(re.findall(r"[a-z']+", text))
    for p in phrases:
        if has_cjk(p) and p in text:
            return True
        if not has_cjk(p) and re.fullmatch(r"[a-z' ]+", p) and (p in plain if " " not in p else f" {p} " in f" {text} "):
            return True
    return False


def parse_quantity(kb: KnowledgeBase, text: str, unit: str | None = None) -> tuple[float, bool, int] | None:
    """(value, written as a percentage, sign from words: -1 down, +1 up, 0 none) of 'about 12k', '一万二',
    '4 years' (in ``unit``), 'down about 40%', '下降了四成'; None when there is no single number in it."""
    vocab = vocabulary(kb)
    t = normalise(text).replace("−", "-").replace("，", ",")
    if unit == "%" and "%" not in t:
        if _time_unit_after_number(t, vocab):
            return None  # '8 months old' answers another question, not a change in percent
        change = _proportion(kb, t)
        if change is not None:
            return change
    found = [(m.group(1), m.group(2), m.end()) for m in _ARABIC.finditer(t)]
    numbers: list[float] = []
    percents: list[float] = []  # the numbers written with a percent sign
    for sign, digits, end in found:
        value = float(digits.replace(",", ""))
        after = t[end:].lstrip()
        word = re.match(r"[a-z]+|[万千百亿]", after)
        if word and word.group(0) in vocab.multipliers:
            value *= vocab.multipliers[word.group(0)]
        numbers.append(-value if sign == "-" else value)
        if after.startswith(("%", "%")):
            percents.append(numbers[-1])
    if unit == "%" and len(numbers) > 1 and len(percents) == 1:
        numbers = percents  # 'down 30% in 2 months': the percentage is the answer
    if not numbers:
        for chunk in _ZH_NUM.findall(t):
            read = _zh_number(chunk, vocab)
            if read is not None and chunk not in ("万", "千", "百", "亿"):
                numbers.append(read)
    if len(numbers) != 1:
        return None
    value = numbers[0]
    percent = _has(t, tuple(p for p in vocab.percent if p != "%")) or "%" in t
    if not percent and any(re.search(r"[\d零〇一二两三四五六七八九十半]\s*" + re.escape(w), t) for w in vocab.tenths):
        value, percent = value * 10, True
    if unit and unit in vocab.units:
        for factor, names in sorted(vocab.units[unit], key=lambda row: -max(map(len, row[1]))):
            if _has(t, tuple(sorted(names, key=len, reverse=True))):
                value = round(value * factor, 2)  # 3 months is 13 weeks, not 12.9999
                break
    return value, percent, direction(kb, t)


def _time_unit_after_number(t: str, vocab: Vocabulary) -> bool:
    """Is a number in ``t`` followed by a unit of time (months, 年, weeks ...)?"""
    names = {w for rows in vocab.units.values() for _, words in rows for w in words}
    return any(re.search(rf"[\d零〇一二两三四五六七八九十半]\s*{re.escape(w)}" if has_cjk(w) else
                         rf"\d\s*{re.escape(w)}\b", t) for w in names)


def _proportion(kb: KnowledgeBase, t: str) -> tuple[float, bool, int] | None:
    """A change said as a proportion (language.yaml ``changes``): 'halved', '降了一半' is -50 %, 'doubled'
    +100 %, 'about the same' 0; down/up words beside it give the sign ('up by half' is +50 %)."""
    vocab = vocabulary(kb)
    said = direction(kb, t)
    for percent, words in vocab.changes:
        if _has(t, tuple(sorted(words, key=len, reverse=True))):
            return abs(percent), True, said or (-1 if percent < 0 else 1 if percent > 0 else 0)
    if vocab.times:
        many = re.fullmatch(r"[^\d]*?(\d+(?:\.\d+)?)\s*(?:" + "|".join(map(re.escape, vocab.times)) + r")\b\D*", t)
        if many and float(many.group(1)) >= 1:
            n = float(many.group(1))
            return (round((1 - 1 / n) * 100, 2), True, -1) if said < 0 else ((n - 1) * 100, True, 1)
    return None


def direction(kb: KnowledgeBase, text: str) -> int:
    """-1 when the words say down (fell, 下降), +1 when they say up, 0 when neither or both."""
    vocab, t = vocabulary(kb), normalise(text)
    down = _has(t, tuple(w for w in vocab.down if w not in ("-", "+")))
    up = _has(t, tuple(w for w in vocab.up if w not in ("-", "+")))
    return -1 if down and not up else 1 if up and not down else 0


def _leading(text: str, vocabulary_words: tuple[str, ...]) -> str | None:
    """The longest of the words that ``text`` begins with, followed by a comma or (English) a space."""
    for w in sorted(vocabulary_words, key=len, reverse=True):
        if (len(w) > 1 or has_cjk(w)) and text.startswith(w) and re.match(r"[,,;;.。!!]" if has_cjk(w) else r"[\s,;.!]", text[len(w):]):
            return w
    return None


def says_none(kb: KnowledgeBase, text: str) -> bool:
    """True when an answer only says there is none ('none yet', 'nope', 还没有吧): no value to keep."""
    word = _bare(text)
    return any(word in words(kb, key) for key in ("answer_none_yet_words", "answer_none_words", "answer_no_words"))


def _bare(text: str) -> str:
    """Normalised words without surrounding spaces, end punctuation and Chinese sentence-final particles
    ('Nope.' → 'nope', 没有吧 → 没有)."""
    bare = re.sub(r"^[\s.!?。!?]+|[\s.!?。!?]+$", "", normalise(text))
    return re.sub(r"(?<=[\u4e00-\u9fff])[吧吗呢啊呀啦哦]+$", "", bare) or bare


# --- the registry -------------------------------------------------------------------------------

class FactType:
    """How one kind of fact is read, checked, shown and described; subclasses per kind."""

    kind = "text"

    def parse(self, kb: KnowledgeBase, spec: FactSpec, text: str, lang: str) -> Any:
        """The value of the person's words; AnswerError saying what fits otherwise."""
        if not text.strip():
            raise AnswerError(Problem(spec.name, kb.message("answer_empty", lang)))
        return text.strip()

    def prompt(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """What an answer may be, for the question's hint, in ``lang`` (labels, never ids)."""
        return kb.message("consult_allowed_text", lang)

    def allowed(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """What a situation file may hold for the fact, for validation messages."""
        return kb.message("allowed_text", lang)

    def display(self, kb: KnowledgeBase, spec: FactSpec, value: Any, lang: str) -> str:
        """A value as a reader should see it."""
        return str(value)

    def field(self, spec: FactSpec) -> tuple[Any, dict[str, Any]]:
        """The pydantic annotation of the fact in a situation, and the Field limits that validate it."""
        if spec.required:
            return str, {"min_length": 1}
        return Optional[str], {}

    def candidates(self, kb: KnowledgeBase, spec: FactSpec, sample: Sampler) -> tuple[Any, ...]:
        """Answers the questionnaire tries when it weighs asking for this fact."""
        return ("", "x")


class NumberType(FactType):
    """Counts, amounts and percentage changes, written with words and units."""

    kind = "number"

    def parse(self, kb: KnowledgeBase, spec: FactSpec, text: str, lang: str) -> Any:
        """A finite number within range: 'about 12k', '一万二', '4 years', 'down about 40%'."""
        bounds = {"min": bound_text(spec.min), "max": bound_text(spec.max)}
        read = parse_quantity(kb, text, spec.unit)
        if read is None or not math.isfinite(read[0]):
            raise AnswerError(Problem(spec.name, kb.message("answer_not_number", lang, value=text, **bounds)))
        value = self.scale(read[0], read[1])
        if read[2] < 0 and value > 0 and (spec.min or 0) < 0:
            value = -value  # 'down 40 %' for a change
        if spec.type == "integer":
            if value != int(value):
                raise AnswerError(Problem(spec.name, kb.message("answer_not_integer", lang, value=text, **bounds)))
            value = int(value)
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            raise AnswerError(Problem(spec.name, kb.message("answer_out_of_range", lang, value=text, **bounds)))
        return value

    def scale(self, value: float, percent: bool) -> float:
        """A number as the fact holds it (a plain number keeps its value, '%' included)."""
        return value

    def prompt(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'a number from 0 to 600 months'."""
        key = "consult_allowed_integer" if spec.type == "integer" else "consult_allowed_number"
        text = kb.message(key, lang, min=bound_text(spec.min), max=bound_text(spec.max))
        return f"{text} {spec.unit}" if spec.unit and (spec.unit == "%" or lang == "en") else text

    def allowed(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'a number from -100 to 100000 (%)'."""
        unit = f" ({spec.unit})" if spec.unit else ""
        return kb.message(f"allowed_{spec.type}", lang, min=bound_text(spec.min), max=bound_text(spec.max), unit=unit)

    def display(self, kb: KnowledgeBase, spec: FactSpec, value: Any, lang: str) -> str:
        """'-40 %', '48 months' (a unit word only in English, as in the prompt)."""
        unit = f" {spec.unit}" if spec.unit and (spec.unit == "%" or lang == "en") else ""
        return f"{bound_text(value)}{unit}"


    def field(self, spec: FactSpec) -> tuple[Any, dict[str, Any]]:
        """A float (an int for integer facts) within the fact's range, never NaN or infinite."""
        base = int if spec.type == "integer" else float
        return Optional[base], {"ge": spec.min, "le": spec.max, "allow_inf_nan": False}

    def candidates(self, kb: KnowledgeBase, spec: FactSpec, sample: Sampler) -> tuple[Any, ...]:
        """Values spread over the fact's range, from the questionnaire's sampler."""
        return sample(spec.min, spec.max, spec.type == "integer")


class ShareType(NumberType):
    """A 0..1 rate: '0.6', '60%' and '六成' are the same answer."""

    kind = "share"

    def scale(self, value: float, percent: bool) -> float:
        """A percentage becomes a share."""
        return value / 100 if percent else value

    def prompt(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'a share from 0 to 1, or a percentage'."""
        return kb.message("consult_allowed_share", lang)

    def display(self, kb: KnowledgeBase, spec: FactSpec, value: Any, lang: str) -> str:
        """'60 %'."""
        return f"{bound_text(round(value * 100, 1))} %"


class BoolType(FactType):
    """Yes/no in either language, with the common ways of saying it."""

    kind = "bool"

    def parse(self, kb: KnowledgeBase, spec: FactSpec, text: str, lang: str) -> Any:
        """'nope', 'not really', '没有', '不是' are no; 'yeah', '是的', '有' are yes."""
        word = _bare(text)
        yes, no = words(kb, "answer_yes_words"), words(kb, "answer_no_words")
        if word in yes or word in no:
            return word in yes
        lead = _leading(word, (*yes, *no))  # 'yes, two of them', 'yeah pretty much', '是的,两个'
        if lead is not None:
            return lead in yes
        raise AnswerError(Problem(spec.name, kb.message("answer_not_bool", lang, value=text)))

    def prompt(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'yes or no'."""
        return kb.message("consult_allowed_bool", lang)

    def allowed(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'true or false'."""
        return kb.message("allowed_bool", lang)

    def display(self, kb: KnowledgeBase, spec: FactSpec, value: Any, lang: str) -> str:
        """'yes' or 'no' in ``lang``."""
        return kb.message("value_true" if value else "value_false", lang)


    def field(self, spec: FactSpec) -> tuple[Any, dict[str, Any]]:
        """Only true or false (strict: 'yes' in a file is text, not a boolean)."""
        return Optional[StrictBool], {}

    def candidates(self, kb: KnowledgeBase, spec: FactSpec, sample: Sampler) -> tuple[Any, ...]:
        """Yes and no."""
        return (True, False)


class ChoiceType(FactType):
    """One value of a list, by number, id, label in either language, or a common synonym."""

    kind = "choice"
    prompt_key, allowed_key = "consult_allowed_enum", "allowed_one_of"  # messages.yaml keys of the hints

    def parse(self, kb: KnowledgeBase, spec: FactSpec, text: str, lang: str) -> Any:
        """The value the words name; the error lists the labels in ``lang``."""
        return self.one(kb, spec, text, lang)

    def one(self, kb: KnowledgeBase, spec: FactSpec, text: str, lang: str) -> str:
        """One value: exact names first, then the value whose names the words mention (only one may be)."""
        values = list(spec.values or ())
        word = _bare(text)
        if word.isdigit() and 1 <= int(word) <= len(values):
            return values[int(word) - 1]
        names = {v: self.names(kb, spec, v) for v in values}
        for value in values:
            if word in names[value] or word.replace("_", " ") in names[value]:
                return value
        vocab = vocabulary(kb)
        hits = [v for v in values if any((m := mention(word, n, vocab)) and not m.negated for n in names[v])]
        if len(hits) == 1:
            return hits[0]
        labels = self.labels(kb, spec, lang)
        guess = did_you_mean(word, [labels[v] for v in values] + values)
        raise AnswerError(Problem(spec.name, kb.message("answer_not_allowed", lang, value=text,
                                                        allowed=", ".join(labels[v] for v in values)),
                                  f"{labels.get(guess, guess)}?" if guess else None))

    @staticmethod
    def names(kb: KnowledgeBase, spec: FactSpec, value: str) -> set[str]:
        """Every way of naming a value: id, labels in both languages, synonyms of language.yaml."""
        label = (spec.value_labels or {}).get(value)
        found = {value, value.replace("_", " "), *(vocabulary(kb).choices.get(spec.name, {}).get(value, ()))}
        if label:
            found |= {label.en, label.zh or ""}
        return {normalise(n).strip() for n in found if n}

    @staticmethod
    def labels(kb: KnowledgeBase, spec: FactSpec, lang: str) -> dict[str, str]:
        """Value → its label in ``lang`` (the id only when it has none)."""
        labels = spec.value_labels or {}
        return {v: labels[v].get(lang) if v in labels else v.replace("_", " ") for v in spec.values or ()}

    def prompt(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'one of: 1. cold start, 2. growth ... (or its number)'; a list says 'any of'."""
        shown = ", ".join(f"{i}. {label}" for i, label in enumerate(self.labels(kb, spec, lang).values(), 1))
        return kb.message(self.prompt_key, lang, values=shown)

    def allowed(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'one of cold_start, growth, ...' (a file holds ids); a list says 'a list of'."""
        return kb.message(self.allowed_key, lang, values=", ".join(spec.values or ()))

    def display(self, kb: KnowledgeBase, spec: FactSpec, value: Any, lang: str) -> str:
        """The value's label."""
        return self.labels(kb, spec, lang).get(value, str(value))

    def field(self, spec: FactSpec) -> tuple[Any, dict[str, Any]]:
        """One of the fact's values."""
        return Optional[Literal[tuple(spec.values or ())]], {}

    def candidates(self, kb: KnowledgeBase, spec: FactSpec, sample: Sampler) -> tuple[Any, ...]:
        """Each value."""
        return tuple(spec.values or ())


class ListType(ChoiceType):
    """Several values, separated by commas (or 'and', 、); 'none' is the empty list."""

    kind = "list"
    prompt_key, allowed_key = "consult_allowed_list", "allowed_list_of"

    def parse(self, kb: KnowledgeBase, spec: FactSpec, text: str, lang: str) -> Any:
        """Each item read as a choice; a whole sentence naming several values gives them all."""
        if normalise(text).strip() in words(kb, "answer_none_words"):
            return []
        items = [i for i in _SPLIT.split(text.strip()) if i]
        try:
            return list(dict.fromkeys(self.one(kb, spec, item, lang) for item in items))
        except AnswerError:
            vocab = vocabulary(kb)
            hits = [v for v in spec.values or () if any((m := mention(text, n, vocab)) and not m.negated
                                                        for n in self.names(kb, spec, v))]
            if hits:
                return hits
            raise

    def display(self, kb: KnowledgeBase, spec: FactSpec, value: Any, lang: str) -> str:
        """The labels, comma-separated."""
        labels = self.labels(kb, spec, lang)
        return ", ".join(labels.get(v, str(v)) for v in value)


    def field(self, spec: FactSpec) -> tuple[Any, dict[str, Any]]:
        """A list of the fact's values."""
        return Optional[list[Literal[tuple(spec.values or ())]]], {}  # type: ignore[misc]

    def candidates(self, kb: KnowledgeBase, spec: FactSpec, sample: Sampler) -> tuple[Any, ...]:
        """Nothing, or each value alone."""
        return ((),) + tuple((v,) for v in spec.values or ())


class TacticsType(FactType):
    """Tactics in the person's own words; matched to the catalogue when the situation is validated."""

    kind = "tactics"

    def parse(self, kb: KnowledgeBase, spec: FactSpec, text: str, lang: str) -> Any:
        """The phrases as written (commas, 、 or ; between them); 'none' is no tactic."""
        if normalise(text).strip() in words(kb, "answer_none_words"):
            return []
        return [i for i in re.split(r"\s*[,,、;;]\s*", text.strip()) if i]

    def prompt(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'in your own words ...'."""
        return kb.message("consult_allowed_tactics", lang)

    def allowed(self, kb: KnowledgeBase, spec: FactSpec, lang: str) -> str:
        """'a list of tactic names'."""
        return kb.message("allowed_tactics", lang)

    def display(self, kb: KnowledgeBase, spec: FactSpec, value: Any, lang: str) -> str:
        """Catalogue labels where known."""
        return ", ".join(kb.tactics[t].label.get(lang) if t in kb.tactics else str(t) for t in value)

    def field(self, spec: FactSpec) -> tuple[Any, dict[str, Any]]:
        """Free text allowed: it is matched to the catalogue after validation."""
        return Optional[list[str]], {}

    def candidates(self, kb: KnowledgeBase, spec: FactSpec, sample: Sampler) -> tuple[Any, ...]:
        """Nothing, or each catalogue tactic alone."""
        return ((),) + tuple((v,) for v in sorted(kb.tactics))


KINDS: dict[str, FactType] = {t.kind: t for t in (NumberType(), ShareType(), BoolType(), ChoiceType(), ListType(),
                                                  TacticsType(), FactType())}


def kind_of(spec: FactSpec) -> str:
    """The registry kind of a fact spec (the one place that reads spec.type)."""
    if spec.type in ("number", "integer"):
        return "share" if spec.type == "number" and spec.min == 0 and spec.max == 1 else "number"
    if spec.type == "list":
        return "tactics" if spec.values_from == "tactics" else "list"
    return {"bool": "bool", "enum": "choice"}.get(spec.type, "text")


def fact_type(spec: FactSpec) -> FactType:
    """The registry entry for a fact."""
    return KINDS[kind_of(spec)]

