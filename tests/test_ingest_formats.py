"""Platform readers (Slack, Discord, Telegram, Discourse, mbox, git) on small hand-written fixtures."""
from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from expert.ingest import analyze_export, detect_format, read_events
from expert.ingest.identity import pseudonym

FIX = Path(__file__).parent / "fixtures" / "ingest"
UTC = UTC


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _small_samples_allowed(monkeypatch):
    """These fixtures check each reader's arithmetic on a handful of messages: lower the minimum evidence."""
    from .test_ingest import lower_minimums
    lower_minimums(monkeypatch)


# ---- Slack -----------------------------------------------------------------------------------------

def _zip_folder(src: Path, dest: Path) -> Path:
    """Pack the Slack fixture folder the way Slack ships exports (nested one level)."""
    with zipfile.ZipFile(dest, "w") as zf:
        for f in sorted(src.rglob("*.json")):
            zf.write(f, f"export/{f.relative_to(src).as_posix()}")
    return dest


def test_slack_folder_events():
    events = list(read_events(FIX / "slack"))
    assert detect_format(FIX / "slack") == "slack"
    assert len(events) == 6  # join and channel_purpose skipped
    root, reply = events[0], events[1]
    assert root.timestamp == _at(2024, 5, 1, 10, 0, 0, 200) and root.kind == "message"  # ts fraction kept
    assert root.thread == "general/1714557600.000200" and root.channel == "general"
    assert reply.kind == "reply" and reply.reply_to == root.msg_id and reply.is_staff  # U1 is_admin
    assert [e.is_bot for e in events] == [False, False, True, False, True, False]  # bot_message, users.json is_bot
    assert root.actor == pseudonym("U2")


def test_slack_zip_matches_folder(tmp_path):
    zipped = _zip_folder(FIX / "slack", tmp_path / "slack.zip")
    assert detect_format(zipped) == "slack"
    assert list(read_events(zipped)) == list(read_events(FIX / "slack"))


def test_slack_metrics():
    a = analyze_export(FIX / "slack")
    assert a.windows.current.end == _at(2024, 5, 2, 9, 0, 0, 300)
    assert a.facts["activity"] == {"median_first_response_hours": 2.0, "reply_coverage": 1.0,
                                   "admin_reply_share": 0.5, "member_to_member_reply_share": 0.5,
                                   "days_since_last_activity": 0.0, "response_rate": 1.0}
    assert a.facts["contributors"] == {"top_contributor_share": 0.5, "top10_share": 1.0, "bus_factor": 1}


# ---- Discord ---------------------------------------------------------------------------------------

def test_discord_events():
    assert detect_format(FIX / "discord.json") == "discord"
    events = list(read_events(FIX / "discord.json"))
    assert [e.msg_id for e in events] == ["1001", "1002", "1004"]  # duplicate and pin notice dropped
    assert events[1].kind == "reply" and events[1].reply_to == "1001"
    assert events[1].timestamp == _at(2024, 3, 1, 9, 30, 0, 500000)
    assert events[2].is_bot and events[0].channel == "help"


def test_discord_bots_and_staff_config():
    events = list(read_events(FIX / "discord.json", bots=["eli"], staff=["dan*"]))
    assert [e.is_bot for e in events] == [False, True, True]
    assert events[0].is_staff


# ---- Telegram --------------------------------------------------------------------------------------

def test_telegram_single_chat():
    assert detect_format(FIX / "telegram_chat.json") == "telegram"
    events = list(read_events(FIX / "telegram_chat.json"))
    assert len(events) == 3  # service message skipped
    assert events[0].timestamp == _at(2024, 1, 1, 9) and events[0].actor == pseudonym("user501")
    assert events[1].kind == "reply" and events[1].reply_to == "4242/2" == events[0].msg_id
    assert events[2].timestamp == _at(2024, 1, 2, 10)  # no date_unixtime: 'date' read as UTC


def test_telegram_multi_chat_layout():
    assert detect_format(FIX / "telegram_multi.json") == "telegram"
    events = list(read_events(FIX / "telegram_multi.json"))
    assert [e.channel for e in events] == ["601", "602", "602"]
    assert events[2].reply_to == "602/20" and events[2].actor == pseudonym("user501")


# ---- Discourse -------------------------------------------------------------------------------------

def test_discourse_topic_events():
    assert detect_format(FIX / "discourse_topic.json") == "discourse"
    events = list(read_events(FIX / "discourse_topic.json"))
    assert [e.kind for e in events] == ["post", "reply", "reply", "reply", "reply"]
    assert events[1].is_staff and events[1].reply_to == "topic/77#1"
    assert events[2].reply_to == "topic/77#1" and events[3].reply_to == "topic/77#3"
    assert events[4].is_bot  # the 'system' account
    assert {e.thread for e in events} == {"topic/77"} and events[0].channel == "5"


def test_discourse_metrics():
    a = analyze_export(FIX / "discourse_topic.json")
    assert a.facts["activity"] == {"reply_coverage": 1.0, "median_first_response_hours": 2.0,
                                   "admin_reply_share": 0.333, "member_to_member_reply_share": 0.667,
                                   "days_since_last_activity": 8.0,  # the latest post is the system account's
                                   "response_rate": 1.0}


def test_discourse_topic_list_uses_same_pseudonyms():
    events = list(read_events(FIX / "discourse_latest.json"))
    assert [e.kind for e in events] == ["topic", "topic"]
    assert events[0].actor == pseudonym("ivy") == next(iter(read_events(FIX / "discourse_topic.json"))).actor
    assert events[1].timestamp == _at(2024, 4, 3, 12)


# ---- mbox ------------------------------------------------------------------------------------------

def test_mbox_events_and_threads():
    assert detect_format(FIX / "list.mbox") == "mbox"
    events = list(read_events(FIX / "list.mbox"))
    assert len(events) == 3  # message without Date skipped
    root, r1, r2 = events
    assert root.timestamp == _at(2024, 4, 1, 10) and root.kind == "post"
    assert r1.actor == pseudonym("mo@example.com")  # pipermail "at" obfuscation undone
    assert r2.actor == root.actor == pseudonym("lena@example.net")
    assert r1.thread == r2.thread == root.thread == root.msg_id
    assert r1.reply_to == root.msg_id and r2.reply_to == r1.msg_id
    assert "@" not in (root.msg_id or "")  # message ids are hashed too


def test_mbox_first_response():
    a = analyze_export(FIX / "list.mbox")
    assert a.facts["activity"]["median_first_response_hours"] == 4.0
    assert "no_staff" in [n.key for n in a.notes]


# ---- git -------------------------------------------------------------------------------------------

def _commit(repo: Path, name: str, email: str, when: str, n: int) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    (repo / "f.txt").write_text(str(n))
    subprocess.run(["git", "-C", str(repo), "add", "f.txt"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "-c", f"user.name={name}", "-c", f"user.email={email}",
                    "commit", "-q", "-m", f"c{n}", f"--date={when}"], check=True, env=env)


@pytest.fixture
def git_repo(tmp_path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    plan = [("Ann", "Ann@Example.org", "2024-01-10T12:00:00+02:00"), ("Ann", "ann@example.org", "2024-01-20T10:00:00Z"),
            ("Bo", "bo@example.org", "2024-05-01T10:00:00Z"), ("dependabot[bot]", "bot@users.noreply", "2024-05-02T10:00:00Z"),
            ("Ann", "ann@example.org", "2024-05-03T10:00:00Z"), ("Bo", "bo@example.org", "2024-05-04T10:00:00Z")]
    for n, (name, email, when) in enumerate(plan):
        _commit(repo, name, email, when, n)
    return repo


def test_git_events(git_repo):
    assert detect_format(git_repo) == "git"
    events = sorted(read_events(git_repo), key=lambda e: e.timestamp)
    assert len(events) == 6 and {e.kind for e in events} == {"commit"}
    assert events[0].timestamp == _at(2024, 1, 10, 10)  # +02:00 author date in UTC
    assert events[0].actor == events[1].actor == pseudonym("ann@example.org")
    assert [e.is_bot for e in events] == [False, False, False, True, False, False]


def test_git_metrics(git_repo):
    a = analyze_export(git_repo, until="2024-05-05T00:00:00Z")
    # Four months of history hold no complete window before the current one: no change is computed.
    assert a.facts["activity"] == {"days_since_last_activity": 0.6, "returning_member_share": 0.5}
    assert {"no_baseline_events", "no_rhythm"} <= {n.key for n in a.notes}
    assert a.facts["contributors"]["bus_factor"] == 1 and a.facts["contributors"]["core_total"] == 0
    assert a.facts["lifecycle"] == {"joined": 1, "activated": 1, "newcomer_activation_rate": 1.0}


def test_git_error_for_plain_folder(tmp_path):
    from expert.ingest import IngestError
    with pytest.raises(IngestError) as err:
        list(read_events(tmp_path, fmt="git"))
    assert str(tmp_path) in str(err.value) and "not a git repository" in err.value.reason
