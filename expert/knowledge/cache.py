"""The validated knowledge kept on disk as JSON, so a start-up need not parse and validate the YAML again.

One file per knowledge folder in the user's cache folder ($EXPERT_CACHE_DIR, else
$XDG_CACHE_HOME/community-expert, else ~/.cache/community-expert; EXPERT_NO_CACHE=1 turns it off).
Each file names the key it was built for: a digest of every knowledge file's name and bytes, of this
program's version, of the code that reads knowledge (loader, model, conditions, yamlio, this module),
of the cache format and of Python's, pydantic's and PyYAML's versions. A file whose key differs, or
that is truncated, corrupt, foreign or not ours, is ignored and rewritten; a folder that cannot be
written means no cache.

A file is two lines of JSON: a header (format, version, key, and the SHA-256 of the second line) and
the knowledge. It is data from outside like any other: the checksum catches a file damaged on disk,
then it is parsed as JSON (never pickle or eval) and every entry validated again by the same
pydantic models. Only files of this user's that no one else may write are read (the folder is made
0700); a checksum cannot stop someone who may write them, as nothing can stop someone who may edit
the knowledge itself. What cannot be written back exactly (a value JSON cannot hold) is not cached
at all. Deleting the folder is always safe.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pydantic
import yaml

from expert.knowledge import conditions as C
from expert.knowledge.model import (
    ActionSpec,
    DerivedSpec,
    DiagnosisSpec,
    FactSpec,
    FamilySpec,
    KnowledgeBase,
    RuleSpec,
    TacticSpec,
    Text,
)

__all__ = ["CACHE_FORMAT", "cache_dir", "cache_key", "read_cache", "write_cache", "encode", "decode", "same_knowledge"]

CACHE_FORMAT = 1  # raise when the layout of the file changes
_MAGIC = "community-expert knowledge cache"
_MAX_BYTES = 64 * 1024 * 1024  # far above any knowledge base (the bundled one: ~0.4 MB)
_STALE_SECONDS = 3600  # a temporary older than this was left by a writer that died
# The code whose behaviour the cached result depends on (under expert/): a change to any of it is a new key.
_CODE = ("knowledge/loader.py", "knowledge/model.py", "knowledge/conditions.py", "knowledge/cache.py", "yamlio.py")
_CATALOGUES: tuple[tuple[str, type[pydantic.BaseModel]], ...] = (
    ("facts", FactSpec), ("groups", Text), ("derived", DerivedSpec), ("diagnoses", DiagnosisSpec),
    ("actions", ActionSpec), ("tactics", TacticSpec), ("messages", Text), ("families", FamilySpec))


def cache_dir() -> Path | None:
    """Where cached knowledge lives, or None when caching is off (EXPERT_NO_CACHE) or no folder is known."""
    if os.environ.get("EXPERT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("EXPERT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "community-expert"
    try:
        return Path.home() / ".cache" / "community-expert"
    except (KeyError, RuntimeError):  # no home folder known
        return None


def _program_version() -> str:
    """This program's version from its package metadata ("0+unknown" from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("community-expert")
    except PackageNotFoundError:
        return "0+unknown"


def _file_bytes(path: Path) -> bytes | None:
    """A regular file's bytes, b"" marked apart when absent, None for what must not be read (a device, a folder,
    a file too large): then nothing is cached and the loader reports the problem."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return b"\0absent"
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
        return None
    try:
        return b"\0present" + path.read_bytes()
    except OSError:
        return None


def cache_key(root: Path, files: Iterable[Path]) -> str | None:
    """The digest that names one state of a knowledge folder and of the code reading it (None: do not cache)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent.parent
    parts: list[tuple[str, Path]] = [(f"code/{name}", package / name) for name in _CODE]
    parts += [(path.relative_to(root).as_posix(), path) for path in files]
    header = [_MAGIC, str(CACHE_FORMAT), _program_version(), sys.implementation.name, sys.version, pydantic.VERSION,
              yaml.__version__]
    digest.update(json.dumps(header).encode())
    for name, path in parts:
        data = _file_bytes(path)
        if data is None:
            return None
        digest.update(len(name).to_bytes(4, "big") + name.encode("utf-8", "surrogateescape"))
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _cache_file(folder: Path, root: Path) -> Path:
    """The one cache file of a knowledge folder (rewritten when the folder changes)."""
    try:
        where = str(root.resolve())
    except (OSError, RuntimeError):
        where = str(root.absolute())
    name = hashlib.sha256("\0".join([where, sys.version, _program_version()]).encode("utf-8", "surrogateescape"))
    return folder / f"knowledge-{name.hexdigest()[:32]}.json"


def read_cache(root: Path, key: str) -> KnowledgeBase | None:
    """The knowledge cached for ``root`` under ``key``, or None when absent, stale, damaged or not ours."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = _read_own_file(_cache_file(folder, root))
        if data is None:
            return None
        head, _, body = data.partition(b"\n")
        header = json.loads(head)
        if not (isinstance(header, dict) and header.get("format") == _MAGIC and header.get("version") == CACHE_FORMAT
                and header.get("key") == key and header.get("sha256") == hashlib.sha256(body).hexdigest()):
            return None
        return decode(json.loads(body), root)
    except Exception:  # noqa: BLE001 - whatever is wrong with a cache file (it is data from outside), it is a miss
        return None


def _read_own_file(path: Path) -> bytes | None:
    """The bytes of a regular file of this user's that no one else may write, else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES or info.st_mode & 0o022:
            return None
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            return None
        return handle.read(_MAX_BYTES + 1)


def write_cache(root: Path, key: str, kb: KnowledgeBase) -> bool:
    """Keep ``kb`` for later runs, atomically; False (and nothing written) when it cannot be done exactly."""
    folder = cache_dir()
    if folder is None:
        return False
    try:
        body = encode(kb)
        if not same_knowledge(decode(json.loads(json.dumps(body)), kb.root), kb):  # JSON must carry it exactly
            return False
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        header = {"format": _MAGIC, "version": CACHE_FORMAT, "key": key, "sha256": hashlib.sha256(data).hexdigest()}
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _replace(_cache_file(folder, root), json.dumps(header).encode() + b"\n" + data)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, never an error
        return False
    return True


def _replace(path: Path, data: bytes) -> None:
    """Write a temporary file beside ``path`` then rename it over ``path``: readers see a whole file or none.

    The rename replaces a symlink at ``path`` rather than following it. No fsync: a file cut short by a
    crash is damaged data, which the reader ignores.
    """
    _remove_stale_temps(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".knowledge-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_stale_temps(folder: Path) -> None:
    """Delete temporaries of ours that a killed writer left (older than any write could take)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(".knowledge-") and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > _STALE_SECONDS:
                        os.unlink(entry.path)


def encode(kb: KnowledgeBase) -> dict[str, Any]:
    """A knowledge base as JSON data: each spec as pydantic dumps it, each rule's condition as a tagged list."""
    body: dict[str, Any] = {name: {key: spec.model_dump(mode="json") for key, spec in getattr(kb, name).items()}
                            for name, _ in _CATALOGUES}
    body["rules"] = [{**rule.model_dump(mode="json", exclude={"when"}), "when": _encode_node(rule.when)}
                     for rule in kb.rules]
    return body


def decode(body: Any, root: Path) -> KnowledgeBase:
    """The knowledge base from JSON data made by :func:`encode`, every entry validated again (raises ValueError,
    TypeError or pydantic's ValidationError on anything else)."""
    if not isinstance(body, dict):
        raise TypeError("knowledge: expected an object")
    parts: dict[str, Any] = {}
    for name, model in _CATALOGUES:
        entries = _mapping(body[name], name)
        parts[name] = {_text(key): model.model_validate(value) for key, value in entries.items()}
    rules = []
    for value in _sequence(body["rules"], "rules"):
        entry = dict(_mapping(value, "rule"))
        entry["when"] = _decode_node(entry.get("when"))
        rules.append(RuleSpec.model_validate(entry))
    return KnowledgeBase(root=root, rules=rules, **parts)


def same_knowledge(one: KnowledgeBase, other: KnowledgeBase) -> bool:
    """True when two knowledge bases hold equal entries in the same order (their folders may differ)."""
    names = [name for name, _ in _CATALOGUES]
    return one.rules == other.rules and all(
        list(getattr(one, name).items()) == list(getattr(other, name).items()) for name in names)


def _encode_node(node: Any) -> list[Any]:
    """One condition node as ``[kind, ...fields]``; a tuple threshold is marked so it comes back a tuple."""
    if isinstance(node, C.Leaf):
        value = ["tuple", list(node.value)] if isinstance(node.value, tuple) else ["plain", node.value]
        return ["leaf", node.fact, node.op, value, node.why, node.line]
    if isinstance(node, C.Concluded):
        return ["concluded", node.id, node.min, node.negated, node.line]
    if isinstance(node, (C.All, C.Any_)):
        return ["all" if isinstance(node, C.All) else "any", [_encode_node(child) for child in node.children]]
    raise TypeError(f"not a condition node: {type(node).__name__}")


def _decode_node(data: Any) -> C.Node:
    """A condition node from its tagged list, its fields checked for type."""
    items = _sequence(data, "condition")
    kind = items[0] if items else None
    if kind == "leaf" and len(items) == 6:
        _, fact, op, (how, value), why, line = items
        if op not in C.COMPARATORS or how not in ("tuple", "plain") or not (why is None or isinstance(why, dict)):
            raise ValueError("condition: malformed fact test")
        return C.Leaf(_text(fact), op, tuple(_sequence(value, "values")) if how == "tuple" else value, why, _int(line))
    if kind == "concluded" and len(items) == 5:
        _, ident, minimum, negated, line = items
        if not isinstance(minimum, (int, float)) or isinstance(minimum, bool) or not isinstance(negated, bool):
            raise ValueError("condition: malformed conclusion test")
        return C.Concluded(_text(ident), float(minimum), negated, _int(line))
    if kind in ("all", "any") and len(items) == 2:
        branch: Callable[[tuple[C.Node, ...]], C.Node] = C.All if kind == "all" else C.Any_
        return branch(tuple(_decode_node(child) for child in _sequence(items[1], "children")))
    raise ValueError("condition: unknown node")


def _mapping(value: Any, what: str) -> dict[str, Any]:
    """``value`` when it is a JSON object, else a TypeError naming ``what``."""
    if not isinstance(value, dict):
        raise TypeError(f"{what}: expected an object")
    return value


def _sequence(value: Any, what: str) -> list[Any]:
    """``value`` when it is a JSON array, else a TypeError naming ``what``."""
    if not isinstance(value, list):
        raise TypeError(f"{what}: expected an array")
    return value


def _text(value: Any) -> str:
    """``value`` when it is a string, else a TypeError."""
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: Any) -> int:
    """``value`` when it is an integer (not a bool), else a TypeError."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value
