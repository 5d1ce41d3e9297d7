"""Git repository reader: streams `git log --all` through a pipe, one commit per Event.

A repository handed over as a folder or an archive is untrusted: its own configuration could name
programs for git to run (gpg.program with log.showSignature, core.fsmonitor, pagers, external diff
and textconv drivers, hooks). git therefore runs with no system or global configuration, none of
the caller's GIT_* variables, and command-line settings that switch every such program off.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, Skipped, Text, printable
from expert.ingest.timeparse import from_epoch

__all__ = ["read_git", "git_dir", "GIT_SAFETY"]

_FIELDS = 4  # sha, author time (epoch seconds), author e-mail, author name
# NUL cannot occur inside a commit's header fields, so it separates fields and commits unambiguously.
_FORMAT = "%H%x00%at%x00%aE%x00%aN%x00"
_CHUNK = 1 << 16
_OFF = os.devnull
# Settings given on the command line win over the repository's own config.
GIT_SAFETY = (
    "log.showSignature=false", "gpg.program=false", "gpg.openpgp.program=false", "gpg.x509.program=false",
    "gpg.ssh.program=false", "core.fsmonitor=false", "core.hooksPath=" + _OFF, "core.pager=cat", "pager.log=false",
    "diff.external=", "core.sshCommand=false", "core.askPass=", "credential.helper=", "core.attributesFile=" + _OFF,
    "protocol.allow=never",
)


def _git_env() -> dict[str, str]:
    """The caller's environment without GIT_* variables (GIT_DIR, GIT_EXTERNAL_DIFF, ...) and without config files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=_OFF, GIT_CONFIG_SYSTEM=_OFF, GIT_TERMINAL_PROMPT="0",
               GIT_PAGER="cat", PAGER="cat", GIT_OPTIONAL_LOCKS="0", GIT_NO_REPLACE_OBJECTS="1", LC_ALL="C")
    return env


def git_dir(path: Path) -> Path:
    """The repository directory at `path`: a work tree's .git (folder or gitfile), or a bare repo / .git folder.

    A folder inside a repository is refused: git would silently read the enclosing repository.
    """
    if (path / ".git").exists():
        return path / ".git"
    if (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir():
        return path
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            top = printable(str(parent))
            raise IngestError(path, Text("git_not_top", {"top": top}), Text("hint_git_top", {"top": top}))
    raise IngestError(path, Text("git_not_repo"), Text("hint_git_repo"))


def _git_command(path: Path) -> list[str]:
    """Build the hardened git log command; author date/e-mail match the realdata derivation."""
    if shutil.which("git") is None:
        raise IngestError(path, Text("git_missing"), Text("hint_git_install"))
    safety = [arg for setting in GIT_SAFETY for arg in ("-c", setting)]
    # Absolute: git runs with cwd=path, where a relative --git-dir would be resolved a second time.
    return ["git", "--no-pager", f"--git-dir={git_dir(path).resolve()}", *safety, "log", "--all", "--no-color",
            "--no-show-signature", "--no-ext-diff", "--no-textconv", f"--format={_FORMAT}"]


def read_git(path: str | os.PathLike[str], ids: Identities) -> Iterator[Event]:
    """Stream commits (author date, author e-mail as identity) without loading the log in memory."""
    path = Path(path)
    command = _git_command(path)
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=_git_env(), cwd=path)
    except OSError as exc:
        raise IngestError(path, Text("git_cannot_run", {"detail": exc.strerror or str(exc)}),
                          Text("hint_git_installed")) from None
    stdout, stderr = proc.stdout, proc.stderr
    assert stdout is not None and stderr is not None  # both are PIPEs
    skipped = Skipped()
    try:
        yield from _parse_stream(path, stdout, ids, skipped)
    finally:
        stdout.close()
        err = stderr.read(_CHUNK).decode("utf-8", "replace")
        stderr.close()
        code = proc.wait()
    skipped.report("git_commits_skipped", path.name)
    if code != 0 and "does not have any commits" not in err:
        raise IngestError(path, Text("git_log_failed", {"detail": printable(err.strip()[:500]) or code}),
                          Text("hint_git_own"))


def _fields(stream: IO[bytes]) -> Iterator[list[bytes]]:
    """Split the NUL-separated stream into commits of _FIELDS fields, reading it in chunks."""
    rest = b""
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        for i in range(0, len(parts) - len(parts) % _FIELDS, _FIELDS):
            yield parts[i:i + _FIELDS]
        tail = len(parts) % _FIELDS
        if tail:
            rest = b"\0".join(parts[-tail:] + [rest])


def _parse_stream(path: Path, stream: IO[bytes], ids: Identities, skipped: Skipped) -> Iterator[Event]:
    """Turn each commit into an Event; commits without a valid date are counted, not fatal."""
    for raw_sha, when, email, name in _fields(stream):
        sha = raw_sha.strip().decode("ascii", "replace")
        if len(sha) not in (40, 64) or not sha.isalnum():
            raise IngestError(path, Text("git_unexpected", {"near": repr(printable(sha[:80]))}), Text("hint_git_fsck"))
        stamp = _time(when)
        if stamp is None:
            skipped.add(sha)
            continue
        email_s, name_s = email.decode("utf-8", "replace").strip(), name.decode("utf-8", "replace").strip()
        pid, is_bot, is_staff = ids.resolve(email_s or f"name:{name_s}", name_s)
        yield Event(stamp, pid, "commit", None, None, None, is_staff, is_bot, sha)


def _time(raw: bytes) -> datetime | None:
    """Author time from epoch seconds (immune to bogus time zones such as +9999); None when absent or out of range."""
    text = raw.strip()
    if not text or not text.lstrip(b"-").isdigit() or len(text) > 20:
        return None
    try:
        return from_epoch(int(text))
    except ValueError:
        return None
