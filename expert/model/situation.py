"""The input model: a strict pydantic model built from the fact vocabulary in knowledge/facts.yaml."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, TypedDict

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import ErrorDetails

from expert.errors import Problem, SituationError, did_you_mean
from expert.knowledge import FactSpec, KnowledgeBase, Memo, normalise_name
from expert.knowledge.facttypes import fact_type
from expert.model.scenario import check_scenario_keys, is_scenario
from expert.model.tactics import TacticReading, read_tactic
from expert.yamlio import line_of, load_mapping_text, read_text, short_repr

__all__ = ["Situation", "situation_model", "match_tactic", "unwrap_scenario"]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


def _field_type(spec: FactSpec, kb: KnowledgeBase) -> tuple[Any, Any]:
    """The pydantic type and Field of one fact, from the fact-type registry: ranges, allowed values, description."""
    annotation, limits = fact_type(spec).field(spec)
    if spec.required:
        return annotation, Field(description=spec.label.en, title=spec.label.en, **limits)
    return annotation, Field(default=None, description=spec.label.en, title=spec.label.en, **limits)


def situation_model(kb: KnowledgeBase) -> type[BaseModel]:
    """Build (once per knowledge base) the strict nested model: one sub-model per group."""
    return _MODEL.get(kb)


def _build_model(kb: KnowledgeBase) -> type[BaseModel]:
    """The strict nested situation model of this knowledge's vocabulary."""
    groups: dict[str, Any] = {}
    for group in kb.groups:
        specs = [s for s in kb.facts.values() if s.group == group]
        if len(specs) == 1 and specs[0].scalar_group:
            groups[group] = _field_type(specs[0], kb)
            continue
        fields: dict[str, Any] = {s.name: _field_type(s, kb) for s in specs}
        sub = create_model(f"{group.title()}Facts", __config__=_STRICT, **fields)
        sub.__doc__ = kb.groups[group].en
        required = any(s.required for s in specs)
        groups[group] = (sub, ...) if required else (Optional[sub], None)
    model = create_model("Situation", __config__=_STRICT, **groups)
    model.__doc__ = "A community's situation; every fact is optional except community.name. Absent = unknown."
    return model


_MODEL: Memo[type[BaseModel]] = Memo("situation model", _build_model)


def match_tactic(kb: KnowledgeBase, text: str) -> str | None:
    """The catalogue id for a tactic given exactly as an id, label or synonym, else the first one it mentions."""
    exact = _TACTICS.get(kb).get(normalise_name(text))
    return exact or next(iter(read_tactic(kb, text).proposed), None)


def _tactic_index(kb: KnowledgeBase) -> dict[str, str]:
    """Every normalised id, label and synonym of a tactic → its id."""
    index: dict[str, str] = {}
    for t in kb.tactics.values():
        for name in (t.id, t.label.en, t.label.zh or "", *t.synonyms_en, *t.synonyms_zh):
            if name:
                index.setdefault(normalise_name(name), t.id)
    return index


_TACTICS: Memo[dict[str, str]] = Memo("tactic index", _tactic_index)


def _allowed(spec: FactSpec | None, kb: KnowledgeBase, lang: str) -> str | None:
    """What a fact accepts, in words (the fact-type registry): a range, a list of values, or a type."""
    return None if spec is None else fact_type(spec).allowed(kb, spec, lang)


def _short(value: Any) -> str:
    """A value as it appears in a validation message (a little longer than elsewhere: it names the field too)."""
    return short_repr(value, 80)


def _fields_at(model: type[BaseModel], path: list[str]) -> list[str]:
    """The field names allowed inside the (sub-)model reached by ``path`` (group names at the top)."""
    parent = model
    for part in path:
        field = parent.model_fields.get(part)
        if field is None:
            break
        ann = field.annotation
        parent = next((a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)),
                      parent)
    return list(parent.model_fields)


class _Place(TypedDict):
    """Where a validation problem sits: the file's line (0 for a situation given as data) and the field."""

    line: int
    field: str | None


def _problem_for(err: ErrorDetails, model: type[BaseModel], data: dict[str, Any], where: str,
                 kb: KnowledgeBase, lang: str = "en") -> Problem:
    """Turn one pydantic error into a message naming field, value and what is allowed, in ``lang``."""
    raw_loc = tuple(err["loc"])
    loc = [str(p) for p in raw_loc if not isinstance(p, int)]
    field_name = ".".join(loc)
    line = line_of(data, raw_loc)
    at: _Place = {"line": line if where != "situation" else 0, "field": field_name or None}
    say = lambda key, **values: kb.message(key, lang, **values)  # noqa: E731
    if err["type"] == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        guess = did_you_mean(loc[-1], fields)
        hint = (say("err_did_you_mean", guess=".".join(loc[:-1] + [guess])) if guess
                else say("err_allowed_here", fields=", ".join(fields)))
        return Problem(where, say("err_unknown_field", field=field_name), hint, **at)
    if err["type"] == "invalid_key":
        parent = ".".join(loc)
        return Problem(where, f"key {_short(raw_loc[-1])}{f' in {parent!r}' if parent else ''} is not a field name",
                       say("err_allowed_here", fields=", ".join(_fields_at(model, loc))), **at)
    if err["type"] == "model_type":
        return Problem(where, say("err_invalid_value", field=field_name, value=_short(err.get("input")))
                       + ": " + say("err_not_mapping"), say("err_allowed", allowed=", ".join(_fields_at(model, loc))), **at)
    if err["type"] == "missing":
        return Problem(where, say("err_required", field=field_name), say("err_required_hint"), **at)
    allowed = _allowed(kb.facts.get(loc[-1]) if loc else None, kb, lang)
    message = say("err_invalid_value", field=field_name, value=_short(err.get("input")))
    if lang == "en":  # pydantic's own reason is English-only; the allowed range says it in every language
        message += ": " + err["msg"][0].lower() + err["msg"][1:]
    return Problem(where, message, say("err_allowed", allowed=allowed) if allowed else None,
                   value=_short(err.get("input")), expected=allowed, **at)


class Situation:
    """A validated situation: nested as written, flat for the engine, tactics matched."""

    def __init__(self, model: BaseModel, kb: KnowledgeBase, unrecognised_tactics: tuple[str, ...]) -> None:
        self.model, self.kb = model, kb
        self.unrecognised_tactics = unrecognised_tactics

    @classmethod
    def parse(cls, data: dict[str, Any], kb: KnowledgeBase, where: str = "situation", lang: str = "en") -> Situation:
        """Validate a mapping; raise SituationError naming every bad field, value and fix (in ``lang``)."""
        if not isinstance(data, dict):
            raise SituationError(Problem(where, f"expected a mapping of groups, got {type(data).__name__}"))
        model = situation_model(kb)
        data, unrecognised = cls._match_tactics(data, kb)
        try:
            instance = model.model_validate(data)
        except ValidationError as exc:
            raise SituationError([_problem_for(e, model, data, where, kb, lang) for e in exc.errors()], lang) from None
        cls._cross_check(instance, kb, where, lang)
        return cls(instance, kb, unrecognised)

    @classmethod
    def load(cls, source: str | Path, kb: KnowledgeBase, lang: str = "en") -> Situation:
        """Read a YAML or JSON situation from a path, or from stdin when the path is '-'."""
        where = "<stdin>" if str(source) == "-" else str(source)
        text = read_text(source, "situation file")
        return cls.parse(unwrap_scenario(load_mapping_text(text, where), where, kb, lang), kb, where, lang)

    @staticmethod
    def _match_tactics(data: dict[str, Any], kb: KnowledgeBase) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Proposed tactics matched to catalogue ids; the unmatched are kept apart for a warning."""
        pressure = data.get("pressure")
        if not isinstance(pressure, dict) or not isinstance(pressure.get("proposed_tactics"), list):
            return data, ()
        matched, unrecognised = [], []
        readings: dict[str, TacticReading] = {}  # each distinct text is read once, however often it is repeated
        for item in pressure["proposed_tactics"]:
            reading = None
            if isinstance(item, str):
                reading = readings.get(item)
                if reading is None:
                    reading = readings[item] = read_tactic(kb, item)
            if reading is None or reading.unrecognised:
                unrecognised.append(str(item))
                continue
            matched += [tid for tid in reading.proposed if tid not in matched]  # a negated mention is no proposal
        return {**data, "pressure": {**pressure, "proposed_tactics": matched}}, tuple(unrecognised)

    @staticmethod
    def _cross_check(instance: BaseModel, kb: KnowledgeBase, where: str, lang: str = "en") -> None:
        """Cross-field limits (at_most), e.g. inactive core members cannot exceed the core."""
        flat = _flatten(instance, kb)
        problems = []
        for spec in kb.facts.values():
            if spec.at_most and flat.get(spec.name) is not None and flat.get(spec.at_most) is not None:
                if flat[spec.name] > flat[spec.at_most]:
                    other = kb.facts[spec.at_most]
                    problems.append(Problem(
                        where, kb.message("err_exceeds", lang, field=f"{spec.group}.{spec.name}", value=flat[spec.name],
                                          other=f"{other.group}.{other.name}", limit=flat[spec.at_most]),
                        kb.message("err_exceeds_hint", lang, field=spec.name, other=spec.at_most)))
        if problems:
            raise SituationError(problems, lang)

    def __repr__(self) -> str:
        """A short summary for a console: the name and the known facts (the first few), not the pydantic tree."""
        known = {k: v for k, v in self.facts().items() if k != "name"}
        shown = ", ".join(f"{k}={short_repr(v, 30)}" for k, v in list(known.items())[:8])
        more = f", … {len(known) - 8} more" if len(known) > 8 else ""
        return f"Situation({self.name!r}, {len(known)} known facts: {shown}{more})"

    def facts(self) -> dict[str, Any]:
        """Flat mapping fact name → value, known facts only (unknown facts are absent)."""
        return _flatten(self.model, self.kb)

    def to_dict(self) -> dict[str, Any]:
        """The situation as a nested mapping, unknown facts left out (round-trips through parse)."""
        return self.model.model_dump(exclude_none=True)

    @property
    def name(self) -> str:
        """The community's name."""
        return self.facts()["name"]


def unwrap_scenario(data: dict[str, Any], where: str = "situation", kb: KnowledgeBase | None = None,
            lang: str = "en") -> dict[str, Any]:
    """A scenario file (situation + expect) is diagnosed as its situation; other top-level keys are refused."""
    if is_scenario(data):
        check_scenario_keys(data, where, kb, lang)
        inner = data["situation"]
        if not isinstance(inner, dict):
            line = line_of(data, ("situation",))
            raise SituationError(Problem(where, f"field 'situation' has invalid value {_short(inner)}: a scenario's "
                                         "situation must be a mapping of groups", "allowed: community, activity, ... "
                                         "under `situation:`", line=line, field="situation"))
        return inner
    return data


def _flatten(instance: BaseModel, kb: KnowledgeBase) -> dict[str, Any]:
    """Nested groups to a flat fact name -> value mapping, lists as tuples."""
    out: dict[str, Any] = {}
    for group in kb.groups:
        value = getattr(instance, group, None)
        if value is None:
            continue
        if isinstance(value, BaseModel):
            for name, fact_value in value.model_dump(exclude_none=True).items():
                out[name] = tuple(fact_value) if isinstance(fact_value, list) else fact_value
        else:
            out[group] = value
    return out
