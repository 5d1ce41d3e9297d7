"""`History`: assessments, action follow-ups and members' notes in one SQLite file (WAL), safe across threads and processes.

Every call opens its own connection, so threads never share one; writes take the write lock at once
(BEGIN IMMEDIATE) and commit or roll back as a whole; in WAL mode readers are never blocked by the
writer. A file that is not ours, is damaged, or comes from a newer release is refused before anything
is written to it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expert.errors import InputFileError, OptionError, Problem, did_you_mean
from expert.history.schema import APPLICATION_ID, LATEST, MIGRATIONS
from expert.knowledge import KnowledgeBase, cached_knowledge
from expert.model.plan import Plan

__all__ = ["History", "Assessment", "FollowUp", "MemberNote", "Community", "default_path", "parse_date", "fingerprint",
           "STATUSES", "KINDS"]

STATUSES = ("started", "done", "dropped")
KINDS = ("diagnose", "analyze", "consult")
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another one before giving up
APP_DIR = "community-expert"
DB_NAME = "history.sqlite3"


def default_path() -> Path:
    """The history file in the user's data directory: $XDG_DATA_HOME (or ~/.local/share)/community-expert."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    if not base and os.name == "nt":
        base = os.environ.get("LOCALAPPDATA", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / APP_DIR / DB_NAME


def parse_date(value: str | dt.date | None, what: str = "--as-of", lang: str = "en") -> str:
    """A calendar date as YYYY-MM-DD (today when not given); anything else is an OptionError."""
    if value is None:
        return dt.date.today().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        kb = cached_knowledge()
        raise OptionError(Problem(what, kb.message("history_err_date", lang, value=str(value)[:60]),
                                  kb.message("history_hint_date", lang)), lang) from None


def fingerprint(path: Path, limit: int = 200_000) -> str:
    """SHA-256 of a file's bytes, or of a folder's listing (paths, sizes, mtimes): tells two exports apart."""
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return "sha256:" + digest.hexdigest()
    for count, item in enumerate(sorted(p for p in path.rglob("*") if p.is_file())):
        if count >= limit:
            break
        info = item.stat()
        digest.update(f"{item.relative_to(path).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return "listing-sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class Assessment:
    """One recorded diagnosis of a community on a date: the situation, the plan, and for analyze the metrics."""

    id: int
    community: str
    as_of: str
    kind: str
    recorded_at: str
    situation: dict[str, Any]
    plan: Plan
    metrics: list[dict[str, Any]] | None = None
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the plan as its JSON contract."""
        return {"id": self.id, "community": self.community, "as_of": self.as_of, "kind": self.kind,
                "recorded_at": self.recorded_at, "fingerprint": self.fingerprint, "situation": self.situation,
                "metrics": self.metrics, "plan": self.plan.model_dump(mode="json", by_alias=True)}


@dataclass(frozen=True)
class FollowUp:
    """A planned action marked started, done or dropped on a date, with a note."""

    action_id: str
    status: str
    note: str
    on_date: str
    assessment_id: int | None = None


@dataclass(frozen=True)
class MemberNote:
    """What members said (an interview note), on a date."""

    note: str
    on_date: str


@dataclass
class Community:
    """A community in the history: how many assessments, the first and the latest date."""

    name: str
    assessments: int
    first: str
    latest: str
    ids: list[int] = field(default_factory=list)


class History:
    """The history database at ``path`` (created on first write); raises InputFileError for a file not ours."""

    def __init__(self, path: str | Path | None = None, *, lang: str = "en",
                 knowledge: KnowledgeBase | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.lang = lang
        self._kb = knowledge
        self._ready = False

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base for messages and for diagnosing what is recorded without a plan."""
        if self._kb is None:
            self._kb = cached_knowledge()
        return self._kb

    # -- opening, checking, migrating ------------------------------------------------------------

    def _error(self, key: str, hint_key: str, **values: Any) -> InputFileError:
        """An InputFileError naming the database file, in the history's language."""
        say = self.kb.message
        return InputFileError(Problem(str(self.path), say(key, self.lang, **values), say(hint_key, self.lang)), self.lang)

    def _check_header(self) -> bool:
        """True when the file holds data; a file that is not SQLite at all is refused."""
        try:
            with self.path.open("rb") as stream:
                head = stream.read(len(SQLITE_HEADER))
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._error("history_err_unreadable", "history_hint_other_db", reason=exc.strerror or str(exc)) from None
        if not head:
            return False
        if head != SQLITE_HEADER:
            raise self._error("history_err_foreign", "history_hint_other_db")
        return True

    def _inspect(self) -> int:
        """The schema version of an existing file (0: an empty SQLite file), read without writing to it."""
        try:
            with contextlib.closing(sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                                    timeout=BUSY_TIMEOUT_S)) as con:
                app = con.execute("PRAGMA application_id").fetchone()[0]
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if app != APPLICATION_ID:
                    if app == 0 and not tables:
                        return 0
                    raise self._error("history_err_foreign", "history_hint_other_db")
                check = con.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise self._error("history_err_corrupt", "history_hint_corrupt", reason=str(check)[:200])
                if "schema_version" not in tables:
                    raise self._error("history_err_foreign", "history_hint_other_db")
                row = con.execute("SELECT version FROM schema_version").fetchone()
                return int(row[0]) if row else 0
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            raise self._error("history_err_corrupt", "history_hint_corrupt", reason=str(exc)[:200]) from None

    def _refuse_newer(self, version: int) -> None:
        """A file from a newer release is never migrated backwards."""
        if version > LATEST:
            raise self._error("history_err_newer", "history_hint_newer", found=version, latest=LATEST)

    def _open(self) -> None:
        """Check the file once, create it or bring its schema up to date (in one transaction)."""
        if self._ready:
            return
        version = self._inspect() if self._check_header() else 0
        self._refuse_newer(version)
        if version < LATEST:
            self._migrate()
        self._ready = True

    def _migrate(self) -> None:
        """Run the migrations after the file's version, all or none; another process may have done it first."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error("history_err_unreadable", "history_hint_other_db", reason=exc.strerror or str(exc)) from None
        with self._connection() as con:
            con.execute("BEGIN EXCLUSIVE")
            try:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                version = int(con.execute("SELECT version FROM schema_version").fetchone()[0]) \
                    if "schema_version" in tables else 0
                self._refuse_newer(version)
                for step in MIGRATIONS[version:]:
                    for statement in step:
                        con.execute(statement)
                con.execute("UPDATE schema_version SET version = ?", (LATEST,))
                con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection in WAL mode with a busy timeout, closed afterwards; SQLite errors become ours."""
        try:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error("history_err_unreadable", "history_hint_other_db", reason=str(exc)) from None
        try:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
            yield con
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise self._error("history_err_busy", "history_hint_busy") from None
            raise self._error("history_err_corrupt", "history_hint_corrupt", reason=str(exc)[:200]) from None
        finally:
            con.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: the write lock at once, committed whole or rolled back whole."""
        self._open()
        with self._connection() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        """A read connection (a consistent snapshot), or None when there is no database yet."""
        if not self.path.exists():
            yield None
            return
        self._open()
        with self._connection() as con:
            con.execute("BEGIN")
            try:
                yield con
            finally:
                con.execute("COMMIT")

    # -- writing -------------------------------------------------------------------------------------

    def record(self, situation: Mapping[str, Any] | Any, plan: Plan | None = None, *, kind: str = "diagnose",
               as_of: str | dt.date | None = None, metrics: list[dict[str, Any]] | None = None,
               fingerprint: str | None = None) -> Assessment:
        """Record an assessment (the plan is made from the situation when not given) and return it."""
        from expert.planning.pipeline import diagnose, load_situation

        if kind not in KINDS:
            raise OptionError(Problem("kind", f"unknown kind {kind!r}", f"allowed: {', '.join(KINDS)}"))
        date = parse_date(as_of, lang=self.lang)
        validated = load_situation(situation, self.kb, self.lang)
        plan = plan if plan is not None else diagnose(validated, lang=self.lang, knowledge=self.kb)
        data = validated.to_dict()
        recorded = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._write() as con:
            cursor = con.execute(
                "INSERT INTO assessment (community, as_of, kind, recorded_at, situation, plan, metrics, fingerprint) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (plan.community, date, kind, recorded, json.dumps(data, ensure_ascii=False, sort_keys=True),
                 plan.to_json(indent=None), None if metrics is None else json.dumps(metrics, ensure_ascii=False),
                 fingerprint))
            new_id = int(cursor.lastrowid or 0)
        return Assessment(new_id, plan.community, date, kind, recorded, data, plan, metrics, fingerprint)

    def follow_up(self, community: str, action_id: str, status: str, note: str = "",
                  on_date: str | dt.date | None = None) -> FollowUp:
        """Mark an action of the community's latest plan that holds it as started, done or dropped."""
        if status not in STATUSES:
            raise OptionError(Problem("status", f"unknown status {status!r}", f"allowed: {', '.join(STATUSES)}"))
        date = parse_date(on_date, "--date", self.lang)
        holder = next((a for a in reversed(self.assessments(community)) if any(x.id == action_id for x in a.plan.actions)),
                      None)
        if holder is None:
            planned = sorted({x.id for a in self.assessments(community) for x in a.plan.actions})
            guess = did_you_mean(action_id, planned)
            hint = (self.kb.message("err_did_you_mean", self.lang, guess=guess) if guess else
                    self.kb.message("err_allowed", self.lang, allowed=", ".join(planned) or "-"))
            raise OptionError(Problem(action_id, self.kb.message("history_err_no_action", self.lang, action=action_id,
                                                                 name=community), hint), self.lang)
        with self._write() as con:
            con.execute("INSERT INTO follow_up (community, action_id, status, note, on_date, assessment_id) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (holder.community, action_id, status, note, date, holder.id))
        return FollowUp(action_id, status, note, date, holder.id)

    def member_note(self, community: str, note: str, on_date: str | dt.date | None = None) -> MemberNote:
        """Keep what members said (an interview note) beside the numbers."""
        name = self.check_community(community)
        date = parse_date(on_date, "--date", self.lang)
        with self._write() as con:
            con.execute("INSERT INTO member_note (community, note, on_date) VALUES (?, ?, ?)", (name, note, date))
        return MemberNote(note, date)

    def delete(self, assessment_id: int) -> Assessment:
        """Delete one assessment (its follow-ups stay with the community) and return what was deleted."""
        gone = self.assessment(assessment_id)
        with self._write() as con:
            con.execute("DELETE FROM assessment WHERE id = ?", (assessment_id,))
        return gone

    # -- reading -------------------------------------------------------------------------------------

    def _row(self, row: tuple[Any, ...]) -> Assessment:
        """An assessment from its row."""
        ident, community, as_of, kind, recorded, situation, plan, metrics, print_ = row
        return Assessment(int(ident), community, as_of, kind, recorded, json.loads(situation),
                          Plan.model_validate_json(plan), json.loads(metrics) if metrics else None, print_)

    _COLUMNS = "id, community, as_of, kind, recorded_at, situation, plan, metrics, fingerprint"

    def assessments(self, community: str | None = None) -> list[Assessment]:
        """Every assessment (of one community), oldest first by date, then by recording order."""
        with self._read() as con:
            if con is None:
                rows: list[Any] = []
            elif community is None:
                rows = con.execute(f"SELECT {self._COLUMNS} FROM assessment ORDER BY community, as_of, id").fetchall()
            else:
                rows = con.execute(f"SELECT {self._COLUMNS} FROM assessment WHERE community = ? ORDER BY as_of, id",
                                   (community,)).fetchall()
        return [self._row(r) for r in rows]

    def assessment(self, assessment_id: int) -> Assessment:
        """One assessment by its number; an unknown number is an OptionError."""
        with self._read() as con:
            row = None if con is None else con.execute(
                f"SELECT {self._COLUMNS} FROM assessment WHERE id = ?", (assessment_id,)).fetchone()
        if row is None:
            raise OptionError(Problem(str(self.path), self.kb.message("history_err_no_assessment", self.lang,
                                                                      id=assessment_id),
                                      self.kb.message("history_hint_list", self.lang)), self.lang)
        return self._row(row)

    def communities(self) -> list[Community]:
        """Each community with its number of assessments and first and latest dates."""
        with self._read() as con:
            rows = [] if con is None else con.execute(
                "SELECT community, COUNT(*), MIN(as_of), MAX(as_of), GROUP_CONCAT(id) FROM assessment "
                "GROUP BY community ORDER BY community").fetchall()
        return [Community(r[0], r[1], r[2], r[3], sorted(int(i) for i in str(r[4]).split(","))) for r in rows]

    def check_community(self, name: str) -> str:
        """The community's name as recorded; an unknown one is an OptionError with a did-you-mean."""
        known = [c.name for c in self.communities()]
        if name in known:
            return name
        guess = did_you_mean(name, known)
        hint = (self.kb.message("err_did_you_mean", self.lang, guess=guess) if guess else
                self.kb.message("err_allowed", self.lang, allowed=", ".join(known) or "-"))
        raise OptionError(Problem(str(self.path), self.kb.message("history_err_no_community", self.lang,
                                                                  name=name), hint), self.lang)

    def follow_ups(self, community: str) -> list[FollowUp]:
        """Every follow-up of the community's actions, in the order they were given."""
        with self._read() as con:
            rows = [] if con is None else con.execute(
                "SELECT action_id, status, note, on_date, assessment_id FROM follow_up WHERE community = ? "
                "ORDER BY on_date, id", (community,)).fetchall()
        return [FollowUp(*r) for r in rows]

    def member_notes(self, community: str) -> list[MemberNote]:
        """What members said, oldest first."""
        with self._read() as con:
            rows = [] if con is None else con.execute(
                "SELECT note, on_date FROM member_note WHERE community = ? ORDER BY on_date, id", (community,)).fetchall()
        return [MemberNote(*r) for r in rows]

    def review(self, community: str, lang: str | None = None) -> Any:
        """The latest assessment against the previous one, with follow-ups, members' notes and the next plan."""
        from expert.history.review import build_review

        name = self.check_community(community)
        return build_review(self.kb, self.assessments(name), self.follow_ups(name), self.member_notes(name),
                            lang or self.lang)
