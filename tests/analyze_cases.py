"""Export shapes the analyze golden and reader-equality tests share: fixtures, real data, generated logs.

The generated logs are built to be hard for a one-pass analysis: events on the very days and
seconds where the windows are cut (until minus 90, 180, 365, 455, 545 and 730 days, on both sides
of the cut), out of time order, staff flags that appear only late, replies to message ids seen
before and after them, issue closes, bots, and one event dated far in the future.
"""
from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
REALDATA = ROOT.parent / "shared" / "realdata"
COLUMNS = ["timestamp", "actor", "kind", "thread", "reply_to", "channel", "is_staff", "is_bot", "msg_id"]
# The depths (days before `until`) where the analysis cuts its windows with a 90-day window.
CUTS = (0, 90, 180, 365, 455, 545, 730, 810)
LATEST = datetime(2024, 6, 30, 15, 30, 45, 123456, tzinfo=UTC)


def generated_rows(seed: int, n: int = 1500, latest: datetime = LATEST, future: bool = True) -> list[dict]:
    """A shuffled event log crowded around the window cuts of `latest`, as CSV/JSONL field dicts."""
    rnd = random.Random(seed)
    rows: list[dict] = []
    msg_ids: list[str] = []
    for i in range(n):
        if rnd.random() < 0.5:  # near a cut: the same time of day as `latest`, give or take a few seconds
            t = latest - timedelta(days=rnd.choice(CUTS), seconds=rnd.choice((-2, -1, 0, 0, 1, 3)) * rnd.random() * 5)
        else:
            t = latest - timedelta(days=rnd.uniform(0, 1200))
        t = min(t, latest).replace(microsecond=rnd.choice((0, 123456, t.microsecond)))
        actor = f"user{int(rnd.paretovariate(1.2)) % 40}@example.org"
        kind = rnd.choice(("post", "reply", "reply", "message", "close" if rnd.random() < 0.2 else "reply"))
        thread = f"t{rnd.randrange(60)}" if rnd.random() < 0.8 else ""
        reply_to = ""
        if kind == "reply" and rnd.random() < 0.7:
            reply_to = rnd.choice(msg_ids) if msg_ids and rnd.random() < 0.6 else f"user{rnd.randrange(40)}@example.org"
        msg_id = f"m{i}" if rnd.random() < 0.7 else ""
        if msg_id:
            msg_ids.append(msg_id)
        staff = "true" if actor in ("user1@example.org", "user2@example.org") and i > n // 2 else ""
        bot = "1" if actor == "user7@example.org" else ""
        stamp = t.isoformat().replace("+00:00", "Z") if rnd.random() < 0.8 else t.isoformat()
        rows.append({"timestamp": stamp, "actor": actor if rnd.random() < 0.9 else actor.upper(), "kind": kind,
                     "thread": thread, "reply_to": reply_to, "channel": f"c{i % 3}", "is_staff": staff,
                     "is_bot": bot, "msg_id": msg_id})
    rnd.shuffle(rows)
    if future:
        rows.insert(n // 3, {**rows[0], "timestamp": "2099-01-01T00:00:00Z", "msg_id": ""})
    return rows


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Write rows as a CSV event log with a header."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=COLUMNS)
        out.writeheader()
        out.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as JSON lines, empty fields left out and flags as JSON booleans."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            rec = {k: v for k, v in row.items() if v and k not in ("is_staff", "is_bot")}
            rec.update({k: True for k in ("is_staff", "is_bot") if row[k]})
            fh.write(json.dumps(rec) + "\n")
    return path


def generated(folder: Path) -> dict[str, Path]:
    """The generated logs, written into `folder`: name -> path."""
    out = {}
    for seed in (1, 2, 3):
        rows = generated_rows(seed)
        out[f"generated/{seed}.csv"] = write_csv(folder / f"gen{seed}.csv", rows)
        out[f"generated/{seed}.jsonl"] = write_jsonl(folder / f"gen{seed}.jsonl", rows)
    return out


def fixture_inputs() -> dict[str, Path]:
    """The project's own fixtures and, when present, the shared real data: name -> path."""
    out = {f"fixtures/{p.name}": p for p in sorted(FIXTURES.iterdir()) if not p.name.startswith(".")}
    if (REALDATA / "git").is_dir():
        out.update({f"realdata/git/{p.name}": p for p in sorted((REALDATA / "git").glob("*.events.csv"))})
    formats = REALDATA / "formats"
    if formats.is_dir():
        for folder in sorted(p for p in formats.iterdir() if p.is_dir()):
            out[f"realdata/formats/{folder.name}"] = folder
            for p in sorted(folder.iterdir()):
                if p.is_file() and p.name not in ("channels.json",):
                    out[f"realdata/formats/{folder.name}/{p.name}"] = p
    return out


# Per input, extra option sets beside the default (no until): an until at an event's own time
# (two thirds into the history), a 30-day window, and a since.
UNTIL = {
    "fixtures/events.csv": "2024-05-02T10:00:00Z", "fixtures/events.jsonl": "2024-05-02T10:00:00Z",
    "fixtures/forum.csv": "2024-03-08T22:00:00Z", "fixtures/slack": "2024-05-02T08:53:20.000200Z",
    "realdata/git/astral-sh__rye.events.csv": "2024-02-20T11:00:14Z",
    "realdata/git/buguroo__pyknow.events.csv": "2017-03-27T14:51:14Z",
    "realdata/git/dominictarr__event-stream.events.csv": "2013-07-13T21:53:53Z",
    "realdata/git/nilp0inter__experta.events.csv": "2017-04-06T16:02:15Z",
    "realdata/git/nose-devs__nose.events.csv": "2012-09-25T12:45:41Z",
    "realdata/git/pallets__click.events.csv": "2022-12-29T18:25:24Z",
    "realdata/formats/discourse": "2016-02-16T10:51:47.250Z",
    "realdata/formats/slack/testarchive.zip": "2016-03-27T00:53:19.000009Z",
    "generated/1.csv": "2024-01-01T15:30:45.123456Z", "generated/2.csv": LATEST.isoformat(),
    "generated/1.jsonl": "2024-01-01T15:30:45.123456Z",
}
SINCE = {
    "fixtures/forum.csv": "2023-10-01", "realdata/git/pallets__click.events.csv": "2019-01-01",
    "realdata/git/nose-devs__nose.events.csv": "2009-06-01", "generated/3.csv": "2022-06-01T15:30:45.123456Z",
    "generated/3.jsonl": "2022-06-01T15:30:45.123456Z",
}


def option_sets(name: str) -> list[dict]:
    """The analyze options each input is run with."""
    sets: list[dict] = [{}]
    if name in UNTIL:
        sets += [{"until": UNTIL[name]}, {"until": UNTIL[name], "window_days": 30}]
    if name in SINCE:
        sets += [{"since": SINCE[name]}, {"since": SINCE[name], "window_days": 45}]
    if name.startswith(("generated/", "realdata/git/")) or name == "fixtures/forum.csv":
        sets += [{"window_days": 30}, {"window_days": 400}, {"staff": ["user3@example.org"], "bots": ["user4*"]}]
    return sets


def normalised(analysis) -> dict:
    """The whole Analysis as JSON data, with today's date (old_export, future events) masked."""
    data = analysis.model_dump(mode="json")
    for note in data["notes"]:
        for key in ("today", "days"):
            if key in note["values"] and note["key"] in ("old_export", "future_events_ignored"):
                note["values"][key] = "<today>"
    return data
