"""GitHub, Zulip and Matrix API pages, and bots recognised by name in every format that has names."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expert.cli import main
from expert.ingest import IngestError, analyze_export, detect_format, read_events
from expert.ingest.identity import BOT_RULES, Identities, bot_patterns, pseudonym

from .conftest import REALDATA, ROOT

FIX = ROOT / "tests" / "fixtures" / "ingest"
FORMATS = REALDATA / "formats"
UTC = UTC


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _read(path, **kw):
    """Events and the Identities that tagged them, so a test can ask which bots were excluded."""
    ids = Identities(kw.pop("bots", ()), kw.pop("staff", ()))
    return list(read_events(path, ids=ids, **kw)), ids


# ---- GitHub ----------------------------------------------------------------------------------------

def test_github_pages_become_threads_replies_and_close_events():
    assert detect_format(FIX / "github") == "github"
    events, _ = _read(FIX / "github")
    by_id = {e.msg_id: e for e in events}
    opened = by_id["acme/widget#1"]
    assert opened.kind == "issue" and opened.thread == "acme/widget#1" and opened.actor == pseudonym("alice")
    assert by_id["acme/widget#2"].kind == "pull_request"
    comment = by_id["acme/widget#1/c11"]
    assert comment.kind == "reply" and comment.reply_to == "acme/widget#1" and comment.is_staff  # MEMBER
    review = by_id["acme/widget#2/v21"]
    assert review.timestamp == _at(2024, 3, 2, 10) and review.thread == "acme/widget#2"
    assert "acme/widget#2/v22" not in by_id  # a pending review has no submitted_at yet
    assert by_id["acme/widget#3"].actor == pseudonym("ghost")  # deleted account
    closes = [e for e in events if e.kind == "close"]
    assert [(c.thread, c.timestamp, c.actor) for c in closes] == [("acme/widget#1", _at(2024, 3, 3, 10), pseudonym("bob"))]


def test_github_record_on_two_pages_counts_once(tmp_path):
    for name in ("issues_page_1.json", "issue_comments_page_1.json"):
        shutil.copy(FIX / "github" / name, tmp_path / name)
    shutil.copy(FIX / "github" / "issues_page_1.json", tmp_path / "issues_page_1_again.json")
    assert len(list(read_events(tmp_path))) == len(list(read_events(FIX / "github"))) - 1  # minus the review


# ---- Zulip -----------------------------------------------------------------------------------------

def test_zulip_overlapping_pages_topics_and_private_messages():
    assert detect_format(FIX / "zulip") == "zulip"
    events, ids = _read(FIX / "zulip")
    assert sorted(e.msg_id for e in events) == [f"zulip/{i}" for i in range(100, 106)]  # 101 is on both pages
    by_id = {e.msg_id: e for e in events}
    assert by_id["zulip/100"].kind == "message" and by_id["zulip/100"].thread == "general/install"
    assert by_id["zulip/101"].kind == "reply" and by_id["zulip/101"].reply_to == "general/install"
    assert by_id["zulip/103"].kind == "message" and by_id["zulip/104"].kind == "reply"
    assert by_id["zulip/105"].thread is None and by_id["zulip/105"].channel == "private"
    assert by_id["zulip/102"].is_bot  # notification-bot@...: caught by its e-mail's local part
    assert [(b.rule, b.pattern) for b in ids.excluded_bots()] == [("name", "*-bot")]


# ---- Matrix ----------------------------------------------------------------------------------------

def test_matrix_reply_chains_threads_edits_and_moderators():
    assert detect_format(FIX / "matrix") == "matrix"
    events, _ = _read(FIX / "matrix")
    by_id = {e.msg_id: e for e in events}
    assert set(by_id) == {"$a", "$b", "$c", "$f", "$t1", "$t2"}  # edit $d and membership $e are not conversation
    assert by_id["$a"].thread == "$a" and by_id["$a"].kind == "message"
    assert by_id["$c"].thread == "$a" and by_id["$c"].reply_to == "$b"  # a reply to a reply joins the first thread
    assert by_id["$b"].is_staff and not by_id["$c"].is_staff  # power level 100
    assert by_id["$f"].is_bot
    assert by_id["$t2"].thread == "$t1" and by_id["$t2"].channel == "!other:example.org"  # m.thread in /sync
    assert by_id["$a"].timestamp == _at(2024, 3, 1, 10)


# ---- Time to First Response, end to end ---------------------------------------------------------

THREADS = 9  # thread i: opened on day i; its author at +10 min, a bot at +5 min, someone else at +i hours
T0 = 1709287200  # 2024-03-01T10:00:00Z


def _github_threads(tmp: Path) -> Path:
    issues, comments = [], []
    for i in range(1, THREADS + 1):
        url = f"https://api.github.com/repos/o/r/issues/{i}"
        at = lambda minutes: datetime.fromtimestamp(T0 + i * 86400 + minutes * 60, UTC).isoformat()  # noqa: E731
        issues.append({"url": url, "number": i, "user": {"login": f"u{i}"}, "created_at": at(0)})
        comments += [{"id": i * 10 + k, "issue_url": url, "user": {"login": who, "type": kind}, "created_at": at(m)}
                     for k, (who, kind, m) in enumerate([(f"u{i}", "User", 10), ("stale[bot]", "Bot", 5),
                                                         ("helper", "User", i * 60)])]
    _write(tmp, "issues.json", issues)
    return _write(tmp, "comments.json", comments).parent


def _zulip_threads(tmp: Path) -> Path:
    messages = []
    for i in range(1, THREADS + 1):
        for k, (who, name, m) in enumerate([(i, "U", 0), (i, "U", 10), (99, "Stale Bot", 5), (50, "Helper", i * 60)]):
            messages.append({"id": i * 10 + k, "sender_id": who, "sender_full_name": name, "type": "stream",
                             "timestamp": T0 + i * 86400 + m * 60, "display_recipient": "s", "subject": f"t{i}"})
    return _write(tmp, "page.json", {"result": "success", "messages": messages})


def _matrix_threads(tmp: Path) -> Path:
    chunk = []
    for i in range(1, THREADS + 1):
        for k, (who, m) in enumerate([(f"@u{i}:x", 0), (f"@u{i}:x", 10), ("@stale-bot:x", 5), ("@helper:x", i * 60)]):
            rel = {"m.relates_to": {"rel_type": "m.thread", "event_id": f"${i}.0"}} if k else {}
            chunk.append({"type": "m.room.message", "event_id": f"${i}.{k}", "sender": who,
                          "origin_server_ts": (T0 + i * 86400 + m * 60) * 1000, "content": {"body": "x", **rel}})
    return _write(tmp, "messages.json", {"chunk": chunk})


@pytest.mark.parametrize("make", [_github_threads, _zulip_threads, _matrix_threads], ids=["github", "zulip", "matrix"])
def test_first_response_counts_someone_else_and_never_a_bot(tmp_path, make):
    """CHAOSS Time to First Response: the author's own follow-up and a bot's instant reply do not count."""
    a = analyze_export(make(tmp_path), until="2024-03-31")
    assert a.facts["activity"]["median_first_response_hours"] == float((THREADS + 1) // 2)


# ---- bad pages -------------------------------------------------------------------------------------

def _page(fmt: str) -> dict | list:
    """A valid one-record page of each kind, to be broken by the tests below."""
    if fmt == "github":
        return json.loads((FIX / "github" / "issues_page_1.json").read_text())[:1]
    if fmt == "zulip":
        doc = json.loads((FIX / "zulip" / "message_page_1").read_text())
        return {**doc, "messages": doc["messages"][:1]}
    return json.loads((FIX / "matrix" / "room_messages.json").read_text())


def _first(doc):
    """The first record of a page."""
    return doc[0] if isinstance(doc, list) else (doc.get("messages") or doc["chunk"])[0]


@pytest.mark.parametrize("fmt,breaker,expected", [
    ("github", lambda r: r.pop("created_at"), "record 1: field 'created_at' is missing"),
    ("github", lambda r: r.update(created_at="yesterday"), "record 1: field 'created_at' is 'yesterday'"),
    ("github", lambda r: r.update(user="alice"), "record 1: field 'user' is 'alice'; expected an object"),
    ("github", lambda r: r.update(url="https://example.org/x"), "record 1: field 'url' is"),
    ("zulip", lambda r: r.update(timestamp="soon"), "messages[1]: field 'timestamp' is 'soon'"),
    ("zulip", lambda r: r.pop("sender_id"), "messages[1]: field 'sender_id' is missing"),
    ("matrix", lambda r: r.update(origin_server_ts=[1]), "chunk[1]: field 'origin_server_ts' is a list"),
    ("matrix", lambda r: r.pop("sender"), "chunk[1]: field 'sender' is missing"),
    ("matrix", lambda r: r.update(event_id=["$x"]), "chunk[1]: field 'event_id' is a list"),  # was a TypeError
])
def test_bad_field_names_file_record_and_field(tmp_path, fmt, breaker, expected):
    doc = _page(fmt)
    breaker(_first(doc))
    path = tmp_path / f"{fmt}_page"
    path.write_text(json.dumps(doc))
    with pytest.raises(IngestError) as err:
        list(read_events(path, fmt=fmt))
    assert err.value.path == str(path) and expected in err.value.reason


@pytest.mark.parametrize("fmt", ["github", "zulip", "matrix"])
def test_truncated_page_is_an_input_error_at_the_cli(capsys, tmp_path, fmt):
    """A page cut off mid-download, alone or in a folder of good pages: exit 2, file named, no traceback."""
    src = {"github": FIX / "github" / "issues_page_1.json", "zulip": FIX / "zulip" / "message_page_1",
           "matrix": FIX / "matrix" / "room_messages.json"}[fmt]
    folder = tmp_path / fmt
    shutil.copytree(src.parent, folder)
    text = src.read_text()
    (folder / "zz_cut_page").write_text(text[: len(text) // 2])
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", str(folder)])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert "zz_cut_page" in err and "invalid JSON" in err


@pytest.mark.parametrize("fmt,doc,expected", [
    ("github", {"message": "API rate limit exceeded", "documentation_url": "https://docs.github.com"},
     "GitHub API error: 'API rate limit exceeded'"),
    ("github", [{"id": 1}], "record 1: not an issue, pull request, comment or review"),
    ("github", [1, 2], "record 1 is 1, expected an object"),
    ("zulip", {"result": "error", "msg": "Invalid API key", "messages": []}, "Zulip API error: 'Invalid API key'"),
    ("zulip", {"result": "success", "messages": {"id": 1}}, "field 'messages' is an object; expected a list"),
    ("matrix", {"errcode": "M_FORBIDDEN", "error": "not in room"}, "Matrix API error: 'not in room'"),
    ("matrix", {"chunk": "nothing"}, "field 'chunk' is 'nothing'; expected a list"),
])
def test_wrong_shapes_are_explained(tmp_path, fmt, doc, expected):
    path = tmp_path / "page.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(IngestError) as err:
        list(read_events(path, fmt=fmt))
    assert expected in err.value.reason


# ---- bots by name, across formats -------------------------------------------------------------------

def _git(tmp: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    repo = tmp / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for n, (name, email) in enumerate([("Ann", "ann@example.org"),
                                       ("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com")]):
        when = f"2024-05-0{n + 1}T10:00:00Z"
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        (repo / "f.txt").write_text(str(n))
        subprocess.run(["git", "-C", str(repo), "add", "f.txt"], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "-c", f"user.name={name}", "-c", f"user.email={email}",
                        "commit", "-q", "-m", f"c{n}"], check=True, env=env)
    return repo


def _write(tmp: Path, name: str, doc) -> Path:
    path = tmp / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _slack(tmp: Path) -> Path:
    (tmp / "general").mkdir()
    _write(tmp, "channels.json", [{"id": "C1", "name": "general"}])
    _write(tmp, "users.json", [{"id": "U1", "name": "ann"}, {"id": "U2", "name": "github-actions"}])
    _write(tmp / "general", "2024-05-01.json", [{"type": "message", "user": u, "ts": f"171455760{i}.000100",
                                                 "text": "x"} for i, u in enumerate(["U1", "U2"])])
    return tmp


SOURCES = {
    "csv": lambda t: _write(t, "log.csv", "timestamp,actor,name\n2024-05-01T10:00:00Z,u1,Ann\n"
                                          "2024-05-02T10:00:00Z,u2,Dependabot[bot]\n"),
    "jsonl": lambda t: _write(t, "log.jsonl", '{"timestamp": "2024-05-01T10:00:00Z", "actor": "u1"}\n'
                                              '{"timestamp": "2024-05-02T10:00:00Z", "actor": "pre-commit-ci"}\n'),
    "git": _git,
    "slack": _slack,
    "discord": lambda t: _write(t, "d.json", {"guild": {"id": "1"}, "channel": {"id": "9", "type": "GuildTextChat"},
                                              "messages": [{"id": str(i), "type": "Default",
                                                            "timestamp": f"2024-05-0{i}T10:00:00+00:00",
                                                            "author": {"id": str(i), "name": n, "isBot": False}}
                                                           for i, n in ((1, "ann"), (2, "Mergify"))]}),
    "zulip": lambda t: _write(t, "z.json", {"result": "success", "messages": [
        {"id": i, "sender_id": i, "sender_email": e, "sender_full_name": n, "timestamp": 1714557600 + i,
         "type": "stream", "display_recipient": "general", "subject": "t"}
        for i, n, e in ((1, "Ann", "ann@example.org"), (2, "Welcome Bot", "welcome-bot@example.org"))]}),
    "matrix": lambda t: _write(t, "m.json", {"chunk": [
        {"type": "m.room.message", "event_id": f"${i}", "sender": s, "origin_server_ts": 1714557600000 + i,
         "content": {"body": "x"}} for i, s in ((1, "@ann:example.org"), (2, "@imgbot:example.org"))]}),
    "github": lambda t: _write(t, "issues.json", [
        {"url": f"https://api.github.com/repos/o/r/issues/{i}", "number": i, "user": {"login": n, "type": "User"},
         "created_at": f"2024-05-0{i}T10:00:00Z"} for i, n in ((1, "ann"), (2, "allcontributors"))]),
}


@pytest.mark.parametrize("fmt", sorted(SOURCES))
def test_bots_are_recognised_by_name_in_every_format_with_names(tmp_path, fmt):
    path = SOURCES[fmt](tmp_path)
    events, ids = _read(path)
    assert sorted(e.is_bot for e in events) == [False, True]
    (match,) = ids.excluded_bots()
    bot = next(e for e in events if e.is_bot)
    assert match.pseudonym == bot.actor and match.rule == "name" and match.pattern in bot_patterns()


def test_bot_option_and_export_flag_are_told_apart_from_names():
    events, ids = _read(FIX / "discord.json", bots=["eli"])
    assert {b.rule for b in ids.excluded_bots()} == {"export", "option"}
    assert all(b.pattern == "" for b in ids.excluded_bots())  # the --bot value may be a real name: never echoed
    assert set(BOT_RULES) >= {b.rule for b in ids.excluded_bots()}


def test_every_bot_rule_has_english_and_chinese():
    import yaml
    texts = yaml.safe_load((ROOT / "knowledge" / "ingest.yaml").read_text(encoding="utf-8"))["bot_rules"]
    assert set(texts) == set(BOT_RULES)
    for rule in BOT_RULES:
        assert texts[rule]["en"].strip() and texts[rule]["zh"].strip()
        assert ("{pattern}" in texts[rule]["en"]) == ("{pattern}" in texts[rule]["zh"]) == (rule == "name")


@given(first=st.from_regex(r"[A-Z][a-z]{2,9}", fullmatch=True), last=st.from_regex(r"[A-Z][a-z]{2,12}", fullmatch=True))
def test_person_like_names_are_never_bots(first, last):
    """'First Last' names, however common (Travis, Abbot, Talbot), are people unless a word is 'bot'."""
    if {first.lower(), last.lower()} & {"bot", "robot"}:
        return
    ids = Identities(names=bot_patterns())
    assert ids.bot_rule(f"{first.lower()}@example.org", f"{first} {last}") is None


@given(name=st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_any_github_app_name_is_a_bot(name):
    ids = Identities()
    match = ids.bot_rule(f"{name}[bot]", f"{name}[bot]")
    assert match is not None and match.rule == "name"


# ---- real samples (skipped without ../shared/realdata) ----------------------------------------------

needs_samples = pytest.mark.skipif(not FORMATS.is_dir(), reason="shared realdata not available")


@needs_samples
@pytest.mark.parametrize("sample,fmt", [("github", "github"), ("github/github_issue_1", "github"),
                                        ("github/github_issue_comments_1", "github"),
                                        ("github/github_request_pull_request_1", "github"), ("zulip", "zulip"),
                                        ("matrix", "matrix"), ("matrix/sync.json", "matrix"),
                                        ("matrix/room_messages.json", "matrix"), ("matrix/context.json", "matrix")])
def test_real_samples_are_detected_and_read(sample, fmt):
    assert detect_format(FORMATS / sample) == fmt
    assert list(read_events(FORMATS / sample))


@needs_samples
def test_real_zulip_pages_overlap_and_their_sender_is_a_bot():
    raw = [m for p in sorted((FORMATS / "zulip").iterdir()) for m in json.loads(p.read_text())["messages"]]
    events, ids = _read(FORMATS / "zulip")
    assert len(events) == len({m["id"] for m in raw}) < len(raw)
    assert all(e.is_bot for e in events)  # sender "Bot" <bot@zulipchat.com>
    assert [(b.rule, b.pattern) for b in ids.excluded_bots()] == [("name", "bot")]


@needs_samples
def test_real_github_pull_request_close_matches_closed_at():
    raw = json.loads((FORMATS / "github" / "github_request_pull_request_1").read_text())
    events = list(read_events(FORMATS / "github" / "github_request_pull_request_1"))
    (close,) = [e for e in events if e.kind == "close"]
    assert close.timestamp == datetime.fromisoformat(raw["closed_at"].replace("Z", "+00:00"))
    assert close.thread == f"zhquan_example/repo#{raw['number']}"


@needs_samples
def test_real_matrix_messages_match_the_raw_chunk():
    raw = json.loads((FORMATS / "matrix" / "room_messages.json").read_text())["chunk"]
    events = list(read_events(FORMATS / "matrix" / "room_messages.json"))
    assert [e.msg_id for e in events] == [e["event_id"] for e in raw if e["type"] == "m.room.message"]
    assert {e.actor for e in events} == {pseudonym(e["sender"]) for e in raw if e["type"] == "m.room.message"}
