"""A consultation in progress: answers in order, the don't-knows, saved atomically after each one.

The session file is YAML. ``base`` is the situation the consultation started from (``--from``),
``steps`` every answer in the order given; the situation so far is rebuilt from both, and also
written out (``situation``) so the file reads on its own. Values are parsed from the user's
words by the fact's type (parse_answer) and validated by Situation.parse, so an answer is held
to exactly the rules of a situation file.
"""
from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import hashlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; consultations are not locked there
    fcntl = None  # type: ignore[assignment]

from expert.errors import ExpertError, InputFileError, Problem, SituationError, did_you_mean
from expert.knowledge import LANGS, FactSpec, KnowledgeBase
from expert.knowledge.facttypes import AnswerError, fact_type, words
from expert.model.situation import Situation, unwrap_scenario
from expert.yamlio import atomic_write_text, load_mapping_text, read_text, short_repr

__all__ = [
    "Session", "Step", "AnswerError", "parse_answer", "set_fact", "unset_fact", "knowledge_hash",
    "is_session", "load_source", "default_session_path", "saved_sessions", "resolve_fact", "words", "file_bool", "lock_session", "FORMAT", "VERSION",
]

FORMAT = "community-expert/session"
VERSION = 1

# --- answers: words to typed values (the fact-type registry does the reading) ----------------------

def parse_answer(kb: KnowledgeBase, fact: str, text: str, lang: str = "en") -> Any:
    """Turn the user's words into a value of the fact's type; raise AnswerError saying what fits."""
    spec = kb.facts[fact]
    return fact_type(spec).parse(kb, spec, text.strip(), lang)


def file_bool(kb: KnowledgeBase, value: Any, where: str, name: str, lang: str = "en") -> bool:
    """A true/false field of a file: a YAML boolean or true/false/yes/no/是/否 (not any non-empty text); empty is false."""
    if value is None or isinstance(value, bool):
        return bool(value)
    word = value.strip().lower() if isinstance(value, str) else None
    if word in words(kb, "file_true_words"):
        return True
    if word in words(kb, "file_false_words"):
        return False
    allowed = ", ".join(words(kb, "file_true_words", "file_false_words"))
    raise InputFileError(Problem(where, kb.message("session_not_bool", lang, field=name, value=short_repr(value)),
                                 kb.message("session_bool_allowed", lang, words=allowed)))


# --- nested situation data ------------------------------------------------------------------------

def resolve_fact(kb: KnowledgeBase, name: str, lang: str = "en") -> str:
    """A fact name given flat (activity_change_pct) or dotted (activity.activity_change_pct); the error in ``lang``."""
    flat = name.split(".", 1)[1] if "." in name else name
    group = name.split(".", 1)[0] if "." in name else None
    spec = kb.facts.get(flat)
    if spec is not None and (group is None or group == spec.group or (spec.scalar_group and group == flat)):
        return flat
    dotted = [f"{s.group}.{s.name}" for s in kb.facts.values()]
    guess = did_you_mean(name, dotted if "." in name else list(kb.facts))
    raise SituationError(Problem("", kb.message("err_unknown_fact", lang, fact=name),
                                 kb.message("err_did_you_mean", lang, guess=guess) if guess else
                                 kb.message("err_fact_names_hint", lang), field=name))


def set_fact(kb: KnowledgeBase, data: dict[str, Any], fact: str, value: Any) -> dict[str, Any]:
    """A copy of nested situation data with one fact set."""
    out = copy.deepcopy(data)
    spec = kb.facts[fact]
    if spec.scalar_group:
        out[fact] = value
    else:
        out.setdefault(spec.group, {})[fact] = value
    return out


def unset_fact(kb: KnowledgeBase, data: dict[str, Any], fact: str) -> dict[str, Any]:
    """A copy of nested situation data with one fact made unknown again."""
    out = copy.deepcopy(data)
    spec = kb.facts[fact]
    if spec.scalar_group:
        out.pop(fact, None)
    elif isinstance(out.get(spec.group), dict):
        out[spec.group].pop(fact, None)
        if not out[spec.group]:
            del out[spec.group]
    return out


def _plain(data: Any) -> Any:
    """Plain dicts, lists and scalars: yaml.safe_dump cannot write the loader's line-remembering
    subclasses (LineList, LineDict) or tuples, so every value read from a file passes through here."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(value) for value in data]
    return data


def knowledge_hash(kb: KnowledgeBase) -> str:
    """A short hash of every YAML file of the knowledge base, to notice when it changed."""
    digest = hashlib.sha256()
    for path in sorted(Path(kb.root).rglob("*.yaml")):
        digest.update(str(path.relative_to(kb.root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _located(problem: Problem, where: str) -> Problem:
    """A problem found while rebuilding a session, placed in the session file (once, not twice)."""
    if problem.file == where:
        return problem
    if problem.file in ("", "situation", "answer"):
        return problem.placed(where)
    return Problem(where, str(problem), problem.hint, problem.code, field=problem.field)


def is_session(data: Any) -> bool:
    """True for a session file's contents."""
    return isinstance(data, dict) and data.get("format") == FORMAT


def load_source(kb: KnowledgeBase, path: str | Path) -> tuple[dict[str, Any], Session | None]:
    """Situation data from a situation, scenario or session file (and the session, if it was one)."""
    path = Path(path)
    data = load_mapping_text(read_text(path), str(path))
    if is_session(data):
        session = Session.from_dict(kb, data, path)
        return session.situation_data(), session
    data = _plain(unwrap_scenario(data, str(path)))
    Situation.parse(data, kb, str(path))
    return data, None


def default_session_path(now: _dt.datetime | None = None, folder: Path = Path()) -> Path:
    """consult-<timestamp>-<random>.session.yaml in ``folder``, a name no file has yet.

    The random part keeps two consultations started in the same second (two terminals, a script)
    from sharing, and so overwriting, one session file.
    """
    import secrets

    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    while True:
        path = folder / f"consult-{stamp}-{secrets.token_hex(3)}.session.yaml"
        if not path.exists():
            return path


def saved_sessions(kb: KnowledgeBase, folder: Path = Path()) -> list[tuple[Path, Session | None]]:
    """The session files in ``folder`` (newest first), each with its session, or None when it cannot be read."""
    found: list[tuple[Path, Session | None]] = []
    paths = [p for p in folder.glob("*.session.yaml") if p.is_file()]
    for path in sorted(paths, key=lambda p: (-p.stat().st_mtime, p.name)):
        try:
            found.append((path, Session.load(kb, path)))
        except ExpertError:
            found.append((path, None))
    return found


def _check_version(kb: KnowledgeBase, value: Any, where: str, lang: str) -> None:
    """Refuse a session written by a newer (or unknown) format; the first release wrote no version."""
    if value is None or (type(value) is int and value == VERSION):
        return
    raise InputFileError(Problem(where, kb.message("session_version_unknown", lang, value=short_repr(value),
                                                   supported=VERSION), kb.message("session_version_hint", lang)))


# --- the session ------------------------------------------------------------------------------------

@dataclass
class Step:
    """One turn: a fact answered with a value, or marked as not known."""

    fact: str
    value: Any = None
    dont_know: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The step as written in the session file."""
        return {"fact": self.fact, "dont_know": True} if self.dont_know else {"fact": self.fact, "value": self.value}


@dataclass
class Session:
    """Answers so far, on top of the situation the consultation started from."""

    kb: KnowledgeBase
    lang: str = "en"
    base: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    path: Path | None = None
    created: str = ""
    knowledge: str = ""
    finished: bool = False

    def __post_init__(self) -> None:
        """Stamp a new session with its creation time and the knowledge it was made with."""
        self.created = self.created or _dt.datetime.now().isoformat(timespec="seconds")
        self.knowledge = self.knowledge or knowledge_hash(self.kb)

    def situation_data(self) -> dict[str, Any]:
        """The nested situation so far: the base, then every answer in order."""
        data = copy.deepcopy(self.base)
        for step in self.steps:
            data = unset_fact(self.kb, data, step.fact) if step.dont_know else set_fact(self.kb, data, step.fact, step.value)
        return data

    def named_data(self, lang: str | None = None) -> dict[str, Any]:
        """The situation so far with a name for a plan: the name is asked last, so "your community"
        (in the given or the session's language) stands in until it is given."""
        data = self.situation_data()
        if not data.get("community", {}).get("name"):
            data.setdefault("community", {})["name"] = self.kb.message("consult_unnamed", lang or self.lang)
        return data

    def situation(self) -> Situation:
        """The validated situation so far."""
        return Situation.parse(self.situation_data(), self.kb, str(self.path or "session"))

    def facts(self) -> dict[str, Any]:
        """Known facts, flat (the engine's view); asked before every question, so the situation is rebuilt once."""
        data = self.situation_data()
        if not data.get("community", {}).get("name"):
            facts = Situation.parse(set_fact(self.kb, data, "name", "?"), self.kb).facts()
            facts.pop("name", None)
            return facts
        return Situation.parse(data, self.kb, str(self.path or "session")).facts()

    def skipped(self) -> set[str]:
        """Facts the user said they do not know (and has not answered since)."""
        last: dict[str, Step] = {}
        for step in self.steps:
            last[step.fact] = step
        return {f for f, s in last.items() if s.dont_know}

    def answered(self) -> list[str]:
        """Facts answered in this consultation, in order (latest answer counts)."""
        last: dict[str, Step] = {s.fact: s for s in self.steps}
        return [f for f in dict.fromkeys(s.fact for s in self.steps) if not last[f].dont_know]

    def answer(self, fact: str, value: Any) -> None:
        """Record an answer after validating the whole situation with it; AnswerError if it does not fit."""
        spec = self.kb.facts[fact]
        candidate = set_fact(self.kb, self.situation_data(), fact, value)
        if not candidate.get("community", {}).get("name"):
            candidate = set_fact(self.kb, candidate, "name", "?")
        self._check_at_most(spec, candidate)
        try:
            Situation.parse(candidate, self.kb, "answer")
        except SituationError as exc:
            raise AnswerError(exc.problems) from None
        self.steps.append(Step(fact, _plain(value)))

    def _check_at_most(self, spec: FactSpec, data: dict[str, Any]) -> None:
        """Cross-field limits (e.g. inactive core ≤ core total), said in the session's language."""
        flat = {**{k: v for g in data.values() if isinstance(g, dict) for k, v in g.items()}}
        for other in self.kb.facts.values():
            if other.at_most and flat.get(other.name) is not None and flat.get(other.at_most) is not None:
                if flat[other.name] > flat[other.at_most] and spec.name in (other.name, other.at_most):
                    raise AnswerError(Problem("", self.kb.message(
                        "answer_at_most", self.lang, fact=self.kb.fact_label(other.name, self.lang),
                        other=self.kb.fact_label(other.at_most, self.lang), value=flat[other.at_most]), field=spec.name))

    def dont_know(self, fact: str) -> None:
        """Record that the user does not know a fact: it stays unknown and is not asked again."""
        self.steps.append(Step(fact, dont_know=True))

    def back(self) -> Step | None:
        """Undo the last step; returns it (None when there is nothing to undo)."""
        return self.steps.pop() if self.steps else None

    def to_dict(self) -> dict[str, Any]:
        """The file's contents: metadata, base, steps, and the situation so far for reading."""
        return {
            "format": FORMAT, "version": VERSION, "lang": self.lang, "created": self.created,
            "knowledge_hash": self.knowledge, "finished": self.finished,
            "answered": self.answered(), "dont_know": sorted(self.skipped()),
            "situation": self.situation_data(), "base": self.base,
            "steps": [s.to_dict() for s in self.steps],
        }

    def save(self) -> None:
        """Write the session file atomically: a reader sees the previous version or this one."""
        if self.path is None:
            return
        header = "# expert consult session: every answer is saved as it is given. Resume with\n" \
                 f"#   expert consult --resume {self.path}\n"
        text = yaml.safe_dump(_plain(self.to_dict()), allow_unicode=True, sort_keys=False, width=100)
        atomic_write_text(self.path, header + text, "session file")

    @classmethod
    def from_dict(cls, kb: KnowledgeBase, data: dict[str, Any], path: Path | None = None) -> Session:
        """Rebuild a session from its file's contents; every step is checked against the facts."""
        where = str(path or "session")
        if not is_session(data):
            raise InputFileError(Problem(where, "not a session file", f"expected format: {FORMAT}"))
        lang: str = data["lang"] if data.get("lang") in LANGS else "en"
        _check_version(kb, data.get("version"), where, lang)
        expected = {"steps": (list, "a list of {fact: ..., value: ...}"), "base": (dict, "a mapping of groups"),
                    "lang": (str, "en or zh")}
        for key, (kind, allowed) in expected.items():
            value = data.get(key)
            if value is not None and (not isinstance(value, kind) or (key == "lang" and value not in LANGS)):
                raise InputFileError(Problem(where, f"field '{key}' has invalid value {short_repr(value)}",
                                             f"allowed: {allowed}"))
        finished = file_bool(kb, data.get("finished", False), where, "finished", lang)
        steps = []
        for number, raw in enumerate(data.get("steps") or [], 1):
            if not isinstance(raw, dict) or "fact" not in raw:
                raise InputFileError(Problem(where, f"malformed step {raw!r}", "each step is {fact: ..., value: ...}"))
            try:
                fact = resolve_fact(kb, str(raw["fact"]))
            except SituationError as exc:
                raise SituationError([_located(p, where) for p in exc.problems]) from None
            dont_know = file_bool(kb, raw.get("dont_know", False), f"{where}: step {number}", "dont_know", lang)
            steps.append(Step(fact, _plain(raw.get("value")), dont_know))
        session = cls(kb, lang=data.get("lang") or "en", base=_plain(data.get("base") or {}), steps=steps,
                      path=path, created=str(data.get("created", "")), knowledge=str(data.get("knowledge_hash", "")),
                      finished=finished)
        try:
            session.situation() if session.situation_data().get("community", {}).get("name") else session.facts()
        except SituationError as exc:
            raise SituationError([_located(p, where) for p in exc.problems]) from None
        return session

    @classmethod
    def load(cls, kb: KnowledgeBase, path: str | Path) -> Session:
        """Read a session file."""
        path = Path(path)
        data = load_mapping_text(read_text(path, "session file"), str(path), expected="a session file (a mapping with format: "
                                 f"{FORMAT})", hint="resume a file written by `expert consult`")
        return cls.from_dict(kb, data, path)


# --- one consultation per session file ------------------------------------------------------------

@contextlib.contextmanager
def lock_session(kb: KnowledgeBase, path: Path, lang: str = "en") -> Iterator[None]:
    """Hold an advisory lock on ``<session>.lock`` for the whole consultation, or refuse (exit 2) naming its holder.

    Two consultations writing one file would silently lose each other's answers. The lock is
    flock(2): the kernel releases it when the holder dies (kill -9), so a stale file never blocks.
    """
    if fcntl is None:
        yield
        return
    lock = Path(os.path.realpath(path) + ".lock")
    fd = _acquire(kb, lock, lang, str(path))
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)  # still held, so no one is waiting on this very file
        os.close(fd)


def _acquire(kb: KnowledgeBase, lock: Path, lang: str, shown: str) -> int:
    """Lock the lock file (retrying if a finishing holder removed it meanwhile) and write who holds it."""
    for _ in range(100):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise InputFileError(Problem(str(lock), f"cannot lock the session file: {exc.strerror or exc}",
                                         "check that the folder exists and is writable")) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise InputFileError(Problem(shown, kb.message("consult_locked", lang, **holder),
                                         kb.message("consult_locked_hint", lang))) from None
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                since = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"pid: {os.getpid()}\nhost: {socket.gethostname()}\nsince: {since}\n".encode(), 0)
                return fd
        os.close(fd)  # the file was removed by a holder that just finished: lock the new one
    raise InputFileError(Problem(str(lock), "cannot lock the session file: it keeps being removed",
                                 "check that no other program is cleaning this folder"))


def _holder(fd: int) -> dict[str, str]:
    """pid, host and since as the lock's holder wrote them; printable and short, '?' when missing."""
    try:
        text = os.pread(fd, 1024, 0).decode("utf-8", "replace")
    except OSError:
        text = ""
    found = dict(line.partition(": ")[::2] for line in text.splitlines())
    return {key: "".join(ch for ch in found.get(key, "") if ch.isprintable())[:64] or "?"
            for key in ("pid", "host", "since")}
