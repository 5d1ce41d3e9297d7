"""Typed access to the fields of untrusted export records (chat messages, posts, users).

A wrong type, a missing or an out-of-range value becomes a FieldError naming the field, the value
and what is allowed; `records` turns it into an IngestError that also names the file and the record.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, overload

from expert.ingest.model import Event, IngestError, Text, printable
from expert.ingest.timeparse import from_epoch, parse_iso
from expert.yamlio import short_repr

__all__ = ["FieldError", "MISSING", "text", "required_text", "mapping", "sequence", "whole", "iso_time", "epoch_time",
           "records", "record_label"]

MISSING = object()  # a field absent from its record (unlike a null): "is missing" in a message


class FieldError(ValueError):
    """A record's field holds a value the reader cannot use."""

    def __init__(self, field: str, value, allowed: str | Text, shown: str | Text | None = None) -> None:
        """Keep the field name, the offending value (`shown` as the message names it) and what is allowed."""
        self.field, self.value, self.allowed = field, value, str(allowed)
        if value is MISSING:
            self.text = Text("field_missing", {"field": printable(field), "expected": allowed})
        else:
            shown = printable(short_repr(value)) if shown is None else shown
            self.text = Text("field_wrong", {"field": printable(field), "value": shown, "expected": allowed})
        super().__init__(str(self.text))


def text(rec: dict, key: str, field: str | None = None) -> str | None:
    """An optional text field: text or a whole number (ids often are numbers); None when absent or empty."""
    value = rec.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise FieldError(field or key, value, Text("expected_text_or_whole"))


def required_text(rec: dict, key: str, field: str | None = None) -> str:
    """A text field every record must have."""
    value = text(rec, key, field)
    if value is None:
        raise FieldError(field or key, rec.get(key, MISSING), Text("expected_required_text"))
    return value


def mapping(rec: dict, key: str, field: str | None = None) -> dict:
    """An optional object field; {} when absent or null."""
    value = rec.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise FieldError(field or key, value, Text("expected_object"))


def sequence(rec: dict, key: str, field: str | None = None) -> list:
    """An optional list field; [] when absent or null."""
    value = rec.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise FieldError(field or key, value, Text("expected_list"))


_LARGEST_WHOLE = 2 ** 53  # beyond it a JSON number is no longer an exact integer (1e308 "is" a whole number)


def _whole_or_none(value: Any) -> int | None:
    """The integer a JSON value spells (an int, an integral float, or digits as text), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    exact = isinstance(value, float) and value.is_integer()
    digits = isinstance(value, str) and len(value) < 30 and value.strip().lstrip("-").isdecimal()
    return int(value) if exact or digits else None


@overload
def whole(rec: dict, key: str, default: int, field: str | None = None) -> int: ...
@overload
def whole(rec: dict, key: str, default: None, field: str | None = None) -> int | None: ...
def whole(rec: dict, key: str, default: int | None, field: str | None = None) -> int | None:
    """An optional whole number (a number or digits as text, at most 2**53 either way: the integers JSON
    holds exactly); `default` when absent or null."""
    value = rec.get(key)
    if value is None or value == "":
        return default
    number = _whole_or_none(value)
    if number is None or abs(number) > _LARGEST_WHOLE:
        raise FieldError(field or key, value, Text("expected_whole", {"limit": str(_LARGEST_WHOLE)}))
    return number


def iso_time(rec: dict, key: str, field: str | None = None) -> datetime:
    """A required ISO 8601 date-time."""
    value = rec.get(key, MISSING)
    if isinstance(value, str) and len(value) <= 64:
        try:
            return parse_iso(value)
        except ValueError:
            pass
    raise FieldError(field or key, value, Text("expected_iso_time"))


def epoch_time(rec: dict, key: str, field: str | None = None) -> datetime:
    """A required time in epoch seconds, as a number or as numeric text (Slack's ts, Telegram's date)."""
    value = rec.get(key, MISSING)
    if isinstance(value, (int, float, str)) and not isinstance(value, bool) and len(str(value)) <= 64:
        try:
            return from_epoch(value)
        except ValueError:
            pass
    raise FieldError(field or key, value, Text("expected_epoch_seconds"))


def record_label(label: str, index: int, rec) -> str:
    """Where a record is: its list and index, plus its id when it has a short scalar one."""
    rid = rec.get("id") if isinstance(rec, dict) else None
    if isinstance(rid, (str, int)) and not isinstance(rid, bool):
        return f"{label}[{index}] (id {printable(short_repr(rid, 30))})"
    return f"{label}[{index}]"


def records(path, label: str, items: Iterable, convert: Callable[[dict], Event | None], hint: str | Text) -> Iterator[Event]:
    """Convert each record (skipping nulls and records convert maps to None), naming the record on a bad field."""
    for index, rec in enumerate(items):
        if rec is None:
            continue
        try:
            if not isinstance(rec, dict):
                raise FieldError(label, rec, Text("expected_each_object"))
            ev = convert(rec)
        except FieldError as exc:
            raise IngestError(path, Text("in_record", {"where": record_label(label, index, rec), "problem": exc.text}),
                              hint) from None
        if ev is not None:
            yield ev
