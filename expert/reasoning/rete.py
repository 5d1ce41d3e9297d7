"""The only module that imports experta: compiled rule trees become a KnowledgeEngine class.

experta 1.9.4 has two import-time habits an embeddable library cannot pass on:
its pinned ``frozendict==1.2`` subclasses ``collections.Mapping`` (removed in Python 3.10),
and it calls ``logging.basicConfig()``, which would configure the host application's root
logger. ``_import_experta`` lends ``collections.Mapping`` for the duration of the import and
turns ``basicConfig`` into a no-op for that duration, then restores both, so after import the
standard library is exactly as it was.

experta also logs every fact, activation and firing through the ``experta`` logger (hundreds of
records per consultation, with the community's own words in them) into whatever handlers the
host configured. ``engine_logging`` keeps that chatter inside the library unless asked for:
off by default, on with ``engine_logging(True)`` or the environment variable
``EXPERT_DEBUG_ENGINE=1``. The root logger is never touched.
"""
from __future__ import annotations

import collections
import collections.abc
import contextlib
import importlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["engine_logging", "shimmed_import", "ENGINE_LOGGER", "DEBUG_ENV", "build_engine_class", "Datum", "datum", "Conclusion", "KnowledgeEngine", "P", "AND", "OR", "NOT"]

_MISSING = object()
ENGINE_LOGGER = "experta"  # parent of experta's watchers (experta.watchers.RULES, .FACTS, ...)
DEBUG_ENV = "EXPERT_DEBUG_ENGINE"
_QUIET = logging.NullHandler()


@contextlib.contextmanager
def _lent_stdlib() -> Iterator[None]:
    """Lend collections.Mapping and silence logging.basicConfig, then put both back."""
    saved_mapping = getattr(collections, "Mapping", _MISSING)
    saved_basic_config = logging.basicConfig
    if saved_mapping is _MISSING:
        collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
    logging.basicConfig = lambda *a, **k: None
    try:
        yield
    finally:
        logging.basicConfig = saved_basic_config
        if saved_mapping is _MISSING:
            del collections.Mapping  # type: ignore[attr-defined]


def _import_experta() -> Any:
    """Import experta inside the stdlib shim and return the module."""
    with _lent_stdlib():
        import experta  # noqa: PLC0415  (deliberately inside the shim)
        import experta.engine  # noqa: F401,PLC0415
        import experta.watchers  # noqa: F401,PLC0415
    return experta


def shimmed_import(name: str) -> Any:
    """An experta submodule (``"experta.matchers.rete.nodes"``), imported inside the stdlib shim."""
    with _lent_stdlib():
        return importlib.import_module(name)


def engine_logging(enabled: bool) -> None:
    """Let experta's records reach the host's handlers (True) or keep them inside (False, the
    default): above CRITICAL, not propagated, a NullHandler so logging's last resort stays silent."""
    logger = logging.getLogger(ENGINE_LOGGER)
    logger.setLevel(logging.NOTSET if enabled else logging.CRITICAL + 1)
    logger.propagate = enabled
    if enabled:
        logger.removeHandler(_QUIET)
    elif _QUIET not in logger.handlers:
        logger.addHandler(_QUIET)


_experta = _import_experta()
engine_logging(os.environ.get(DEBUG_ENV, "") == "1")
KnowledgeEngine = _experta.KnowledgeEngine
Fact = _experta.Fact
Rule = _experta.Rule
P = _experta.P
AND = _experta.AND
OR = _experta.OR
NOT = _experta.NOT


class Datum(Fact):  # type: ignore[misc,valid-type]  # experta is untyped
    """One known situation fact: ``Datum(name="activity_change_pct", value=-25)``."""


def datum(name: str, value: Any) -> Datum:
    """``Datum(name=name, value=value)`` without experta's per-key ``freeze`` dispatch (~10 % of a
    diagnosis): a hashable value is what ``freeze`` returns unchanged; anything else goes the slow way."""
    try:
        hash(value)
    except TypeError:
        return Datum(name=name, value=value)
    fact = Datum.__new__(Datum)
    dict.__setitem__(fact, "name", name)
    dict.__setitem__(fact, "value", value)
    fact._Fact__defaults = {}  # what Fact.__init__ sets besides the items
    return fact


class Conclusion(Fact):  # type: ignore[misc,valid-type]  # experta is untyped
    """A diagnosis reached so far, with its combined certainty: ``Conclusion(diag=..., cf=...)``."""


def build_engine_class(name: str, rules: dict[str, tuple[Any, int, Callable[..., None]]], base: type) -> type:
    """Make a subclass of ``base`` (a KnowledgeEngine) whose rules are (pattern, salience, action)."""
    namespace: dict[str, Any] = {}
    for rule_name, (pattern, salience, action) in rules.items():
        namespace[rule_name] = Rule(pattern, salience=salience)(action)
    return type(name, (base,), namespace)
