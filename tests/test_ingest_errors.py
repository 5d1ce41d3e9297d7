"""IngestError for unreadable, empty and unrecognised exports, and pseudonymisation of every output."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from expert.ingest import IngestError, analyze_export, detect_format, read_events

FIX = Path(__file__).parent / "fixtures" / "ingest"


def _raises(fn, path) -> IngestError:
    with pytest.raises(IngestError) as info:
        fn(path)
    err = info.value
    assert err.path == str(path) and str(path) in str(err) and err.reason and err.hint
    return err


def test_missing_path(tmp_path):
    err = _raises(detect_format, tmp_path / "nope.csv")
    assert "does not exist" in err.reason


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in _raises(detect_format, empty).reason
    assert "empty" in _raises(analyze_export, empty).reason


def test_unrecognised_text(tmp_path):
    odd = tmp_path / "notes.txt"
    odd.write_text("just some notes\nnothing to see\n")
    assert "unrecognised" in _raises(detect_format, odd).reason


def test_unrecognised_json(tmp_path):
    odd = tmp_path / "other.json"
    odd.write_text('{"kind": "something else"}')
    assert "unrecognised" in _raises(analyze_export, odd).reason


def test_zip_that_is_not_slack(tmp_path):
    import zipfile
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hi")
    assert "not a Slack export" in _raises(detect_format, z).reason


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    locked = tmp_path / "locked.csv"
    locked.write_text("timestamp,actor\n2024-01-01T00:00:00Z,a\n")
    locked.chmod(0)
    assert "not readable" in _raises(detect_format, locked).reason


def test_unreadable_is_reported_when_open_fails(tmp_path):
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    assert "no recognisable export" in _raises(detect_format, folder).reason


def test_bad_timestamp_names_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,actor\n2024-01-01T00:00:00Z,a\nyesterday,b\n")
    err = _raises(lambda p: list(read_events(p)), bad)
    assert "line 3" in err.reason


def test_csv_without_actor_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,actor_name\n2024-01-01T00:00:00Z,a\n")
    assert "unrecognised" in _raises(detect_format, bad).reason
    assert "actor" in _raises(lambda p: list(read_events(p, fmt="csv")), bad).reason


def test_truncated_json(tmp_path):
    bad = tmp_path / "cut.json"
    bad.write_text('{"guild": {"id": "1"}, "messages": [')
    assert detect_format(bad) == "discord"
    assert "invalid JSON" in _raises(lambda p: list(read_events(p)), bad).reason


def test_header_only_csv_has_no_events(tmp_path):
    only = tmp_path / "only.csv"
    only.write_text("timestamp,actor,kind\n")
    assert "no events" in _raises(analyze_export, only).reason


def test_unknown_fmt_argument():
    with pytest.raises(IngestError, match="unknown format"):
        read_events(FIX / "events.csv", fmt="myspace")


# ---- pseudonymisation ------------------------------------------------------------------------------

RAW = ["alice", "bob", "carol", "dave", "erin", "example.org", "Ann Admin", "ann", "ben", "dana", "eli",
       "Fay", "Gus", "Hal", "user501", "ivy", "kim", "jon_mod", "lena", "Lena Lists", "Mo Writer", "example.net",
       "example.com", "U1", "U2"]
FIXTURES = ["events.csv", "events.jsonl", "slack", "discord.json", "telegram_chat.json", "telegram_multi.json",
            "discourse_topic.json", "discourse_latest.json", "list.mbox"]


@pytest.mark.parametrize("name", FIXTURES)
def test_no_raw_identity_in_analysis_or_events(name):
    text = analyze_export(FIX / name).model_dump_json().replace(name, "")
    actors = " ".join(f"{e.actor} {e.reply_to} {e.msg_id}" for e in read_events(FIX / name))
    for raw in RAW:
        word = re.compile(rf"\b{re.escape(raw)}\b", re.IGNORECASE)
        assert not word.search(text), raw
        assert not word.search(actors), raw


def test_salt_changes_pseudonyms():
    plain = next(iter(read_events(FIX / "events.csv"))).actor
    salted = next(iter(read_events(FIX / "events.csv", salt="s3cret"))).actor
    assert plain != salted and len(salted) == 12
