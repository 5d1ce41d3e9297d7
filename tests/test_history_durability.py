"""The history loses nothing: several processes and threads at once, kill -9 mid-write, a database of the first schema."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from expert.history.schema import APPLICATION_ID, LATEST
from expert.history.store import History

ROOT = Path(__file__).resolve().parents[1]
SITUATION = {"community": {"name": "Loop", "age_months": 20, "members": 900},
             "activity": {"activity_change_pct": -30}}
WRITER = """
import sys
from expert.history.store import History
history = History(sys.argv[1])
for n in range(int(sys.argv[3])):
    history.record({"community": {"name": sys.argv[2], "age_months": 20}, "activity": {"activity_change_pct": -n}},
                   as_of="2024-03-01")
    print(n, flush=True)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_several_processes_recording_at_once_lose_nothing(tmp_path):
    db = tmp_path / "shared.sqlite3"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), f"c{i}", "8"], env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    for w in writers:
        _, err = w.communicate(timeout=600)
        assert w.returncode == 0, err
    history = History(db)
    assert sorted((c.name, c.assessments) for c in history.communities()) == [(f"c{i}", 8) for i in range(4)]
    assert len({a.id for a in history.assessments()}) == 32


def test_threads_sharing_one_history_lose_nothing_and_readers_are_not_blocked(tmp_path, kb):
    history = History(tmp_path / "threads.sqlite3", knowledge=kb)
    history.record(SITUATION, as_of="2024-03-01")
    errors: list[BaseException] = []
    seen: list[int] = []

    def write(n: int) -> None:
        try:
            for i in range(5):
                history.record({**SITUATION, "community": {"name": f"t{n}"}}, as_of=f"2024-03-{i + 2:02d}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(10):
                seen.append(len(history.assessments()))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)] + [threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(history.assessments()) == 21 and all(1 <= n <= 21 for n in seen)


HOLDER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
for i in range(200):
    con.execute("INSERT INTO assessment (community, as_of, kind, recorded_at, situation, plan) "
                "VALUES ('half', '2024-03-01', 'diagnose', 'now', ?, '{}')", ("x" * 100000,))
print("inside", flush=True)
time.sleep(600)
"""


def test_kill_9_in_the_middle_of_a_write_leaves_the_last_committed_state(tmp_path, kb):
    db = tmp_path / "killed.sqlite3"
    history = History(db, knowledge=kb)
    history.record(SITUATION, as_of="2024-03-01")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "inside"
    assert len(History(db, knowledge=kb).assessments()) == 1  # a reader is not blocked by the open write
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    reopened = History(db, knowledge=kb)
    assert [a.community for a in reopened.assessments()] == ["Loop"]
    reopened.record(SITUATION, as_of="2024-04-01")
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert len(reopened.assessments()) == 2


def test_kill_9_of_a_process_recording_in_a_loop_leaves_a_consistent_database(tmp_path):
    db = tmp_path / "loop.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "k", "10000"], env=_env(),
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    for _ in range(5):
        writer.stdout.readline()
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    history = History(db)
    recorded = history.assessments("k")
    assert len(recorded) >= 5
    assert all(a.plan.community == "k" for a in recorded)  # every row whole: its plan parses
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


# The first schema exactly as release 1 wrote it (frozen here: the migration must keep reading such files).
FIRST_SCHEMA = [
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "INSERT INTO schema_version (version) VALUES (1)",
    """CREATE TABLE assessment (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        community TEXT NOT NULL,
        as_of TEXT NOT NULL,
        kind TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        situation TEXT NOT NULL,
        plan TEXT NOT NULL,
        metrics TEXT,
        fingerprint TEXT)""",
]


def test_a_database_made_by_the_first_schema_is_migrated_and_keeps_its_assessments(tmp_path, kb):
    import expert

    db = tmp_path / "v1.sqlite3"
    plan = expert.diagnose(SITUATION)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = WAL")
    for statement in FIRST_SCHEMA:
        con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("INSERT INTO assessment (community, as_of, kind, recorded_at, situation, plan, metrics, fingerprint) "
                "VALUES (?, '2024-03-31', 'analyze', '2024-03-31T10:00:00+00:00', ?, ?, ?, 'sha256:ab')",
                ("Loop", json.dumps(SITUATION), plan.to_json(), json.dumps([{"fact": "activity_change_pct"}])))
    con.commit()
    con.close()
    history = History(db, knowledge=kb)
    (old,) = history.assessments("Loop")
    assert (old.kind, old.fingerprint, old.metrics) == ("analyze", "sha256:ab", [{"fact": "activity_change_pct"}])
    history.follow_up("Loop", plan.actions[0].id, "started", "begun", "2024-04-02")  # a table the first schema lacked
    history.record({**SITUATION, "activity": {"activity_change_pct": 5}}, as_of="2024-04-30")
    review = history.review("Loop")
    assert review.before is not None and review.before.id == old.id
    assert next(a for a in review.actions if a.id == plan.actions[0].id).status == "started"
    con = sqlite3.connect(db)
    assert con.execute("SELECT version FROM schema_version").fetchone()[0] == LATEST
    con.close()
