"""Git repository reader: streams `git log --all` through a pipe, one commit per Event."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from .identity import Identities
from .model import Event, IngestError
from .timeparse import parse_iso

__all__ = ["read_git"]

_SEP = "\x1f"
_FORMAT = _SEP.join(("%H", "%aI", "%aE", "%aN")) + "%x1e"


def _git_command(path: Path) -> list[str]:
    """Build the git log command; author date/e-mail match the realdata derivation."""
    if shutil.which("git") is None:
        raise IngestError(path, "git is not installed", "install git or export the log as CSV")
    return ["git", "-C", str(path), "log", "--all", "--no-color", f"--format={_FORMAT}"]


def read_git(path, ids: Identities) -> Iterator[Event]:
    """Stream commits (author date, author e-mail as identity) without loading the log in memory."""
    path = Path(path)
    proc = subprocess.Popen(_git_command(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8", errors="replace")
    try:
        yield from _parse_stream(proc.stdout, ids)
    finally:
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        code = proc.wait()
    if code != 0 and "does not have any commits" not in err:
        raise IngestError(path, f"git log failed: {err.strip() or code}", "point at a git working tree or bare repo")


def _parse_stream(stream, ids: Identities) -> Iterator[Event]:
    """Split the record-separated log stream into commits."""
    for line in stream:
        line = line.strip("\x1e\n")
        if not line:
            continue
        sha, date, email, name = line.split(_SEP, 3)
        identity = email.strip() or f"name:{name}"
        pid, is_bot, is_staff = ids.resolve(identity, name)
        yield Event(parse_iso(date), pid, "commit", None, None, None, is_staff, is_bot, sha)
