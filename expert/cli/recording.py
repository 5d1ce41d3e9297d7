"""The options that record an assessment into the history (--record, --db/EXPERT_DB, --as-of) and the step that does it."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from expert.history.store import History
    from expert.knowledge import KnowledgeBase
    from expert.model.plan import Plan

__all__ = ["DB_OPTION", "record_options", "open_history", "record_assessment", "checked_date"]

F = TypeVar("F", bound=Callable[..., Any])

DB_OPTION = click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), envvar="EXPERT_DB",
                         default=None, help="History database (default: $EXPERT_DB, else the user's data directory; "
                                            "see `expert history path`).")


def record_options(command: F) -> F:
    """--record, --db and --as-of: record this run as an assessment (always when --db or EXPERT_DB is given)."""
    command = click.option("--as-of", "as_of", default=None,
                           help="Date of the assessment, YYYY-MM-DD (default: today).")(command)
    command = DB_OPTION(command)
    return click.option("--record", is_flag=True, default=False,
                        help="Record the situation and plan in the history, for `expert review`.")(command)


def open_history(db: Path | None, kb: KnowledgeBase, lang: str) -> History:
    """The history at --db / EXPERT_DB, or at the default location."""
    from expert.history.store import History

    return History(db, lang=lang, knowledge=kb)


def record_assessment(record: bool, db: Path | None, as_of: str | None, kb: KnowledgeBase, lang: str,
                      situation: dict[str, Any], plan: Plan, kind: str, **extra: Any) -> None:
    """Record when asked (--record, --db or EXPERT_DB) and say where on stderr."""
    if not (record or db is not None):
        return
    history = open_history(db, kb, lang)
    saved = history.record(situation, plan, kind=kind, as_of=as_of, **extra)
    click.echo(kb.message("history_recorded", lang, id=saved.id, name=saved.community, date=saved.as_of,
                          path=history.path), err=True)


def checked_date(as_of: str | None, lang: str, option: str = "--as-of") -> str | None:
    """--as-of (or another date option) checked before any work is done (None stays None: today, when recorded)."""
    if as_of is None:
        return None
    from expert.history.store import parse_date

    return parse_date(as_of, option, lang)
