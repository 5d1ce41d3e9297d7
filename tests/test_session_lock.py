"""One consultation per session file: a second one is refused naming the holder; a dead holder never blocks."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import yaml

from .conftest import ROOT


def start(*args, cwd):
    """A real `expert consult` process reading its answers from a pipe."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "expert", "consult", "--no-color", *map(str, args)], cwd=cwd,
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_holder(lock, proc):
    """Wait (a minute at most) until ``proc`` has written itself into the lock file and saved the session."""
    session = lock.with_name(lock.name[: -len(".lock")])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if session.exists() and lock.exists() and f"pid: {proc.pid}\n" in lock.read_text(encoding="utf-8"):
            return
        time.sleep(0.05)
    raise AssertionError(f"consult never took the lock: {proc.communicate(timeout=60)}")


def test_second_consultation_on_one_session_is_refused_naming_the_holder(tmp_path):
    session, lock = tmp_path / "s.yaml", tmp_path / "s.yaml.lock"
    first = start("--session", session, cwd=tmp_path)
    try:
        wait_for_holder(lock, first)
        before = session.read_bytes()
        second = start("--resume", session, cwd=tmp_path)
        out, err = second.communicate("Other\n", timeout=120)
        assert second.returncode == 2, err
        assert "Traceback" not in err
        assert "s.yaml" in err and "in use by another consultation" in err and f"pid {first.pid} on " in err
        assert session.read_bytes() == before, "the refused consultation wrote the file"
        out, err = first.communicate("FirstHub\nquit\n", timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["steps"] == [{"fact": "story", "value": "FirstHub"}]
    assert not lock.exists()


def test_lock_left_by_a_killed_consultation_does_not_block_a_resume(tmp_path):
    session, lock = tmp_path / "s.yaml", tmp_path / "s.yaml.lock"
    first = start("--session", session, cwd=tmp_path)
    wait_for_holder(lock, first)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=60)
    assert lock.exists()
    second = start("--resume", session, cwd=tmp_path)
    out, err = second.communicate("Resumed\nquit\n", timeout=120)
    assert second.returncode == 0, err
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["steps"] == [{"fact": "story", "value": "Resumed"}]
    assert not lock.exists()
