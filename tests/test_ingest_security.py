"""Hostile and malformed exports: no code from a repository runs, no zip bomb takes the memory,
no malformed record ends in a traceback, and no silent wrong answer (future dates, runaway quotes)."""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expert.cli import main
from expert.errors import InputFileError
from expert.ingest import IngestError, analyze_export, read_events
from expert.ingest.jsonfile import MIB, load_json
from expert.ingest.model import collecting
from expert.ingest.slack import MAX_DAY_BYTES

FIX = Path(__file__).parent / "fixtures" / "ingest"
ROOT = Path(__file__).resolve().parents[1]
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def _git(repo: Path, *args: str, env: dict | None = None) -> str:
    """Run git in `repo` with a fixed identity, returning its output."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    base.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, **(env or {}))
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                          check=True, capture_output=True, text=True, env=base).stdout.strip()


def _commit_object(repo: Path, header: str, message: str) -> str:
    """Write a raw commit object (to craft what `git commit` refuses) and return its id."""
    tree = _git(repo, "write-tree")
    raw = repo / ".raw-commit"
    raw.write_bytes(f"tree {tree}\n{header}\n\n{message}\n".encode())
    return _git(repo, "hash-object", "-t", "commit", "-w", "--literally", str(raw))


@pytest.fixture
def hostile_repo(tmp_path) -> tuple[Path, Path]:
    """A repository whose config would run a marker script through every program git may start."""
    marker, script = tmp_path / "MARKER", tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\ncat > /dev/null\nexit 0\n")
    script.chmod(0o755)
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "f.txt").write_text("x\n")
    _git(repo, "add", "f.txt")
    _git(repo, "commit", "-q", "-m", "one")
    signed = _commit_object(repo, f"parent {_git(repo, 'rev-parse', 'HEAD')}\n"
                                  "author Mallory <m@example.org> 1714564800 +0000\n"
                                  "committer Mallory <m@example.org> 1714564800 +0000\n"
                                  "gpgsig -----BEGIN PGP SIGNATURE-----\n abc\n -----END PGP SIGNATURE-----", "signed")
    _git(repo, "update-ref", "refs/heads/signed", signed)
    for key in ("gpg.program", "gpg.openpgp.program", "gpg.ssh.program", "core.fsmonitor", "core.pager",
                "pager.log", "diff.external", "core.sshCommand", "diff.evil.textconv"):
        _git(repo, "config", key, str(script))
    _git(repo, "config", "log.showSignature", "true")
    _git(repo, "config", "core.hooksPath", str(tmp_path))
    (repo / ".gitattributes").write_text("* diff=evil\n")
    return repo, marker


@needs_git
def test_hostile_repository_config_runs_no_program(hostile_repo, monkeypatch):
    repo, marker = hostile_repo
    # The caller's own GIT_* variables must not reach git either (they could name programs or another repo).
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(marker.parent / "evil.sh"))
    monkeypatch.setenv("GIT_PAGER", str(marker.parent / "evil.sh"))
    monkeypatch.setenv("GIT_DIR", str(marker.parent / "elsewhere"))
    events = list(read_events(repo, fmt="git"))
    assert len(events) == 2
    assert not marker.exists(), marker.read_text()


@needs_git
def test_git_subfolder_of_a_repository_is_refused(tmp_path):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    with pytest.raises(IngestError) as err:
        list(read_events(repo / "src", fmt="git"))
    assert "not the top level" in err.value.reason and str(repo) in err.value.hint
    assert len(list(read_events(repo / ".git", fmt="git"))) == 1


@needs_git
def test_git_commits_with_cr_in_author_bogus_zone_or_no_date(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    head = _git(repo, "rev-parse", "HEAD")
    odd = _commit_object(repo, f"parent {head}\nauthor Ev\ril <e@example.org> 1714564800 +9999\n"
                               "committer C <c@example.org> 1714564800 +0000", "odd")
    dateless = _commit_object(repo, f"parent {odd}\nauthor Nodate <n@example.org>\n"
                                    "committer C <c@example.org> 1714564800 +0000", "dateless")
    _git(repo, "update-ref", "refs/heads/main2", dateless)
    with collecting() as found:
        events = list(read_events(repo, fmt="git"))
    assert len(events) == 2
    assert datetime(2024, 5, 1, 12, tzinfo=UTC) in {e.timestamp for e in events}
    assert [(w.key, w.values["count"], w.values["first"]) for w in found] == [("git_commits_skipped", 1, dateless)]


def _bomb(path: Path, size: int) -> None:
    """A Slack-looking ZIP whose one day file unpacks to `size` bytes of spaces (valid JSON padding)."""
    chunk = b" " * MIB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("channels.json", "[]")
        with zf.open("general/2024-05-01.json", "w", force_zip64=True) as fh:
            for _ in range(size // MIB):
                fh.write(chunk)


def test_zip_bomb_is_refused_within_a_memory_ceiling(tmp_path):
    bomb = tmp_path / "slack.zip"
    _bomb(bomb, 1024 * MIB)
    assert bomb.stat().st_size < 8 * MIB
    # Generous ceiling: the interpreter and the knowledge base fit easily, one GiB member would not.
    limit = 900 * MIB
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (%d, %d)); "
            "from expert.cli import main; main(['analyze', sys.argv[1]])" % (limit, limit))
    proc = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "general/2024-05-01.json" in proc.stderr and "1,024.0 MiB" in proc.stderr
    assert f"{MAX_DAY_BYTES // MIB} MiB limit" in proc.stderr


def test_zip_with_a_dense_member_just_under_the_cap_stays_within_memory(tmp_path):
    """Guards: a member just under the cap, full of real messages, is decoded within a memory ceiling."""
    message = b'{"type":"message","user":"U1","text":"hi","ts":"1714557600.000100"},'
    bomb = tmp_path / "dense.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("channels.json", '[{"id":"C1","name":"general"}]')
        with zf.open("general/2024-05-01.json", "w") as fh:
            fh.write(b"[")
            for _ in range((MAX_DAY_BYTES - MIB) // len(message)):
                fh.write(message)
            fh.write(b'{"type":"message","user":"U2","text":"x","ts":"1714557601.0"}]')
    limit = 1200 * MIB
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (%d, %d)); "
            "from expert.cli import main; main(['analyze', sys.argv[1], '--format', 'json'])" % (limit, limit))
    proc = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_json_file_over_the_cap_names_size_and_cap(tmp_path):
    big = tmp_path / "discord.json"
    big.write_text(json.dumps({"messages": [], "pad": " " * (2 * MIB)}))
    with pytest.raises(IngestError) as err:
        load_json(big, cap=MIB)
    assert "2.0 MiB" in err.value.reason and "1 MiB limit" in err.value.reason


# ---- malformed records through the CLI ---------------------------------------------------------------

def _analyze(capsys, *args) -> tuple[int, str]:
    """Run `expert analyze ARGS` through the console entry point; return (exit code, stderr).

    Any exception other than SystemExit (a user's traceback) propagates and fails the test."""
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", *map(str, args)])
    return exit_info.value.code, capsys.readouterr().err


def _fixture(name: str):
    return json.loads((FIX / name).read_text())


def _with(name: str, change) -> object:
    """A copy of a JSON fixture with `change` applied."""
    doc = copy.deepcopy(_fixture(name))
    change(doc)
    return doc


def _set(obj, path: tuple, value):
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


MALFORMED = {
    # name: (file name, content, field named in the message)
    "discord author as a string": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("messages", 0, "author"), "bob")), "author"),
    "discord author id as a list": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("messages", 2, "author", "id"), [1])), "author.id"),
    "discord timestamp garbage": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("messages", 0, "timestamp"), "soon")), "timestamp"),
    "discord year 1 with an offset": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("messages", 0, "timestamp"), "0001-01-01T00:00:00+05:00")), "timestamp"),
    "discord year 9999 with an offset": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("messages", 0, "timestamp"), "9999-12-31T23:00:00-05:00")), "timestamp"),
    "discord reference as a number": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("messages", 2, "reference"), 7)), "reference"),
    "discord channel as a list": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("channel",), [])), "channel"),
    "discord message as a number": ("d.json", lambda: _with("discord.json", lambda d: _set(d, ("messages", 1), 5)), "messages"),
    "discourse post number as text": ("t.json", lambda: _with("discourse_topic.json", lambda d: _set(d, ("post_stream", "posts", 1, "post_number"), "two")), "post_number"),
    "discourse post number zero": ("t.json", lambda: _with("discourse_topic.json", lambda d: _set(d, ("post_stream", "posts", 1, "post_number"), -3)), "post_number"),
    "discourse post number 1e308": ("t.json", lambda: _with("discourse_topic.json", lambda d: _set(d, ("post_stream", "posts", 1, "post_number"), 1e308)), "post_number"),
    "discourse user id of 40 digits": ("t.json", lambda: _with("discourse_topic.json", lambda d: _set(d, ("post_stream", "posts", 1, "user_id"), 10 ** 40)), "user_id"),
    "discourse reply_to as an object": ("t.json", lambda: _with("discourse_topic.json", lambda d: _set(d, ("post_stream", "posts", 1, "reply_to_post_number"), {})), "reply_to_post_number"),
    "discourse created_at missing": ("t.json", lambda: _with("discourse_topic.json", lambda d: d["post_stream"]["posts"][0].pop("created_at")), "created_at"),
    "discourse user_id as text": ("t.json", lambda: _with("discourse_topic.json", lambda d: _set(d, ("post_stream", "posts", 0, "user_id"), "x")), "user_id"),
    "discourse posts as an object": ("t.json", lambda: _with("discourse_topic.json", lambda d: _set(d, ("post_stream", "posts"), {})), "post_stream.posts"),
    "discourse topic list posters as text": ("l.json", lambda: _with("discourse_latest.json", lambda d: _set(d, ("topic_list", "topics", 0, "posters"), "op")), "posters"),
    "telegram message without a date": ("c.json", lambda: _with("telegram_chat.json", lambda d: d["messages"][3].pop("date")), "date"),
    "telegram unixtime garbage": ("c.json", lambda: _with("telegram_chat.json", lambda d: _set(d, ("messages", 1, "date_unixtime"), "noon")), "date_unixtime"),
    "telegram unixtime infinite": ("c.json", lambda: _with("telegram_chat.json", lambda d: _set(d, ("messages", 1, "date_unixtime"), "1e400")), "date_unixtime"),
    "telegram from_id as an object": ("c.json", lambda: _with("telegram_chat.json", lambda d: _set(d, ("messages", 1, "from_id"), {"a": 1})), "from_id"),
    "telegram chat id as a list": ("c.json", lambda: _with("telegram_chat.json", lambda d: _set(d, ("id",), [1])), "'id'"),
    "deeply nested json": ("d.json", lambda: None, "nested too deeply"),
}


def _write(path: Path, content) -> None:
    if content is None:
        path.write_text('{"guild": 1, "messages": ' + "[" * 200_000 + "]" * 200_000 + "}")
    else:
        path.write_text(json.dumps(content))


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_record_is_a_clear_error_naming_file_and_field(case, tmp_path, capsys):
    name, make, field = MALFORMED[case]
    path = tmp_path / name
    _write(path, make())
    code, err = _analyze(capsys, path)
    assert code == 2, err
    assert str(path) in err and field in err


def _slack_folder(tmp_path: Path, day: list) -> Path:
    root = tmp_path / "slack"
    shutil.copytree(FIX / "slack", root)
    (root / "general" / "2024-05-01.json").write_text(json.dumps(day))
    return root


@pytest.mark.parametrize("ts", ["soon", "1e400", "nan", True, [1]])
def test_slack_ts_garbage_names_day_file_and_field(ts, tmp_path, capsys):
    root = _slack_folder(tmp_path, [{"type": "message", "user": "U1", "ts": ts, "text": "hi"}])
    code, err = _analyze(capsys, root)
    assert code == 2, err
    assert "2024-05-01.json" in err and "messages[0]" in err and "'ts'" in err


@pytest.mark.parametrize("line", [
    '{"timestamp": "2024-01-01T00:00:00Z"}',
    '{"actor": "a"}',
    '{"actor": "a", "timestamp": "0001-01-01T00:00:00+01:00"}',
    '{"actor": "a", "timestamp": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '[1, 2]',
])
def test_malformed_jsonl_line_names_file_and_line(line, tmp_path, capsys):
    path = tmp_path / "log.jsonl"
    path.write_text('{"timestamp": "2024-01-01T00:00:00Z", "actor": "a"}\n' + line + "\n")
    code, err = _analyze(capsys, path, "--input-format", "jsonl")
    assert code == 2, err
    assert str(path) in err and "line 2" in err


# ---- silent wrong answers ----------------------------------------------------------------------------

def test_unterminated_csv_quote_is_an_error_naming_its_line(tmp_path):
    rows = "".join(f"2024-01-02T00:{i // 60 % 60:02d}:{i % 60:02d}Z,user{i}\n" for i in range(500))
    path = tmp_path / "log.csv"
    path.write_text('timestamp,actor\n2024-01-01T00:00:00Z,a\n2024-01-01T00:00:01Z,"b\n' + rows)
    with pytest.raises(IngestError) as err:
        list(read_events(path))
    assert "unterminated quote starting at line 3" in err.value.reason


def test_quoted_multiline_cells_of_normal_length_are_read(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('timestamp,actor,thread\n2024-01-01T00:00:00Z,a,"two\nlines"\n2024-01-01T00:00:01Z,b,t\n')
    assert [e.thread for e in read_events(path)] == ["two\nlines", "t"]


def test_future_dated_events_do_not_become_now(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("timestamp,actor\n2024-01-01T00:00:00Z,a\n2099-01-01T00:00:00Z,b\n"
                    "2024-02-01T00:00:00Z,c\n2098-01-01T00:00:00Z,d\n")
    result = analyze_export(path)
    assert result.windows.current.end == datetime(2024, 2, 1, tzinfo=UTC)
    assert result.events_read == 4
    [note] = [n for n in result.notes if n.section == "warnings"]
    assert note.key == "future_events_ignored"
    assert {k: note.values[k] for k in ("count", "first")} == {"count": 2, "first": "log.csv line 3"}
    assert note.values["today"] == datetime.now(UTC).date().isoformat()


def test_future_dated_message_in_a_json_export_is_located(tmp_path):
    doc = _with("discord.json", lambda d: _set(d, ("messages", 4, "timestamp"), "2099-01-01T00:00:00Z"))
    path = tmp_path / "d.json"
    path.write_text(json.dumps(doc))
    result = analyze_export(path, fmt="discord")
    assert result.windows.current.end.year == 2024
    assert [n.values["first"] for n in result.notes if n.key == "future_events_ignored"] == ["d.json event 3 (id 1004)"]


def test_a_future_event_in_a_folder_is_named_by_its_file_and_number_there(tmp_path):
    for name, stamp in (("a.jsonl", "2024-01-01T00:00:00Z"), ("b.jsonl", "2099-01-01T00:00:00Z")):
        (tmp_path / name).write_text(f'{{"timestamp": "2024-01-01T00:00:00Z", "actor": "x"}}\n'
                                     f'{{"timestamp": "{stamp}", "actor": "y", "msg_id": "m"}}\n')
    result = analyze_export(tmp_path, fmt="jsonl")
    [note] = [n for n in result.notes if n.key == "future_events_ignored"]
    assert note.values["first"].startswith("b.jsonl event 2 (id ")
    assert result.events_read == 4


def test_an_export_of_only_future_events_has_no_events(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("timestamp,actor\n2099-01-01T00:00:00Z,b\n")
    with pytest.raises(IngestError, match="no events found"):
        analyze_export(path)
    assert analyze_export(path, until="2100-01-01").events_read == 1


# ---- fuzzing: any JSON value at any field gives events or our error, never another exception -----------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10 ** 20), max_value=10 ** 20)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
    | st.sampled_from(["", "0", "-1", "1e400", "2024-05-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "1714564800.5"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _paths(node, prefix=()):
    """Every key/index path in a JSON document."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield prefix + (key,)
        yield from _paths(value, prefix + (key,))


FUZZ = {"discord.json": "discord", "discourse_topic.json": "discourse", "discourse_latest.json": "discourse",
        "telegram_chat.json": "telegram", "telegram_multi.json": "telegram", "slack/general/2024-05-01.json": "slack",
        "slack/users.json": "slack"}


@pytest.mark.parametrize("name", sorted(FUZZ))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_at_any_field_gives_events_or_a_clear_error(name, data, tmp_path):
    doc = json.loads((FIX / name).read_text())
    where = data.draw(st.sampled_from(list(_paths(doc))))
    _set(doc, where, data.draw(JSON_VALUES))
    if FUZZ[name] == "slack":
        root = tmp_path / "slack"
        if not root.exists():
            shutil.copytree(FIX / "slack", root)
        target = root / name.split("/", 1)[1]
    else:
        target = tmp_path / Path(name).name
    target.write_text(json.dumps(doc))
    try:
        list(read_events(root if FUZZ[name] == "slack" else target, fmt=FUZZ[name]))
    except (IngestError, InputFileError) as exc:
        assert str(exc)


# --- Found by the adversarial review of issue 8 ----------------------------------------------------

@needs_git
def test_git_repository_given_as_a_relative_path_or_dot_is_read(tmp_path, monkeypatch, capsys):
    """Guards: a relative --git-dir was resolved twice (git runs inside the repo); `.` gave an empty name."""
    repo = tmp_path / "proj"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    monkeypatch.chdir(tmp_path)
    assert len(list(read_events(Path("proj"), fmt="git"))) == 1
    monkeypatch.chdir(repo)
    main(["analyze", ".", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["situation"]["community"]["name"] == "proj"


def test_a_stray_quote_that_swallows_a_few_rows_is_an_error(tmp_path):
    """Guards: below 10,000 characters a never-closed quote silently ate the rows after it."""
    rows = [f"2024-0{1 + i // 40}-{1 + i % 28:02d}T10:00:00Z,user{i % 9},post,hello" for i in range(300)]
    rows[150] = rows[150].replace(",hello", ',"hello')
    path = tmp_path / "log.csv"
    path.write_text("timestamp,actor,kind,text\n" + "\n".join(rows) + "\n")
    with pytest.raises(IngestError) as err:
        list(read_events(path))
    assert "unterminated quote starting at line 152" in err.value.reason


def test_a_message_with_line_breaks_and_commas_is_not_a_stray_quote(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text('timestamp,actor,kind,text\n2024-01-01T00:00:00Z,a,post,"first line\nsecond, with, commas"\n'
                    "2024-01-01T00:00:01Z,b,post,ok\n")
    assert len(list(read_events(path))) == 2


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "mbox", "discord", "telegram", "slack"])
def test_a_device_is_refused_whatever_the_format_forced(fmt, tmp_path, capsys):
    """Guards: /dev/zero with --input-format grew memory without bound (9-17 GB before being killed)."""
    link = tmp_path / "export.csv"
    link.symlink_to("/dev/zero")
    for target in ("/dev/zero", link):
        code, err = _analyze(capsys, target, "--input-format", fmt)
        assert code == 2 and "not a regular file" in err


def test_an_endless_line_is_refused_before_it_fills_memory(tmp_path, capsys):
    path = tmp_path / "one-line.csv"
    path.write_text("timestamp,actor\n" + "x" * (3 << 20))
    code, err = _analyze(capsys, path)
    assert code == 2 and "line 2 is longer than 1 MiB" in err


def test_until_in_year_two_is_a_message_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "log.csv"
    path.write_text("timestamp,actor\n0002-01-01T00:00:00Z,a\n")
    code, err = _analyze(capsys, path, "--until", "0002-06-01")
    assert code == 2 and "until: 0002-06-01 leaves no room" in err


def test_analyze_from_standard_input_says_it_is_not_supported(capsys):
    code, err = _analyze(capsys, "-")
    assert code == 2 and "standard input" in err and "path does not exist" not in err


def test_discord_messages_of_deleted_accounts_are_counted_not_silently_dropped(tmp_path, capsys):
    doc = _fixture("discord.json")
    for m in doc["messages"]:
        if m["id"] == "1001":
            m["author"] = None  # a deleted account (the export repeats this message)
        if m["id"] == "1002":
            m["timestamp"] = None
    path = tmp_path / "discord.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with collecting() as found:
        events = list(read_events(path))
    assert [e.msg_id for e in events] == ["1004"]
    assert [(w.key, w.values["count"], w.values["first"]) for w in found] == [("discord_messages_skipped", 2, "1001")]
    try:
        main(["analyze", str(path)])
    except SystemExit as exc:
        assert exc.code in (0, None)
    captured = capsys.readouterr()
    assert "2 messages in discord.json have no author or no time" in " ".join((captured.out + captured.err).split())
