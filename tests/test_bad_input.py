"""Bad and odd input across commands: a clear message naming field, value and what is allowed, a
non-zero exit, no traceback, and nothing already saved lost or half-written."""
from __future__ import annotations

import os
import stat
import time

import pytest

from expert.cli import main

from .conftest import ROOT

DEMO = str(ROOT / "scenarios" / "demo.yaml")
EVENTS = str(ROOT / "tests" / "fixtures" / "ingest" / "events.csv")


def run_main(argv, capsys):
    """Run the console entry point and return (exit code, stdout, stderr)."""
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, err, *needles):
    """A non-zero exit with our message and every needle in it (run_main lets any other exception fail the test)."""
    assert code not in (0, None), err
    for needle in needles:
        assert needle in err, err


# --- YAML/JSON reading (expert/yamlio.py) -----------------------------------------------------------

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g"], "abcdefgh")
)


def test_yaml_alias_bomb_is_refused_quickly_not_expanded(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + "community: {name: X, concerns: *h}\n", encoding="utf-8")
    start = time.monotonic()
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "anchors", "aliases", "bomb.yaml")
    assert time.monotonic() - start < 5


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(tmp_path, capsys):
    path = tmp_path / "dup.yaml"
    path.write_text("community: {name: X}\ncommunity: {name: Y}\n", encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "dup.yaml:2", "duplicate key 'community'", "line 1")


def test_duplicate_json_key_is_an_error_not_a_silent_overwrite(tmp_path, capsys):
    path = tmp_path / "dup.json"
    path.write_text('{"community": {"name": "X"}, "community": {"name": "Y"}}', encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "duplicate key 'community'")


def test_yaml_merge_keys_may_still_be_overridden():
    from expert.yamlio import load_mapping_text

    data = load_mapping_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n", "t.yaml")
    assert data["other"] == {"x": 3, "y": 2}


def test_top_level_list_is_named_in_words_not_as_a_python_class(tmp_path, capsys):
    path = tmp_path / "list.yaml"
    path.write_text("- community\n", encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "got a list")
    assert "LineList" not in err


# --- writing outputs (atomic_write_text) ------------------------------------------------------------

def test_output_into_missing_folder_is_a_message_for_every_writer(tmp_path, capsys):
    missing = tmp_path / "nodir"
    code, _, err = run_main(["diagnose", DEMO, "-o", missing / "r.md"], capsys)
    assert_clean_error(code, err, "cannot write output", "r.md")
    code, _, err = run_main(["analyze", EVENTS, "--situation-out", missing / "s.yaml"], capsys)
    assert_clean_error(code, err, "cannot write situation file", "s.yaml")
    assert not missing.exists()


def test_output_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path, capsys):
    target = tmp_path / "target.md"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _, err = run_main(["diagnose", DEMO, "--format", "markdown", "-o", link], capsys)
    assert code == 0, err
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("# ")


def test_output_to_a_fifo_writes_into_it_instead_of_replacing_it(tmp_path):
    from expert.yamlio import atomic_write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        atomic_write_text(fifo, "hello")
        assert os.read(reader, 100) == b"hello"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_rewritten_output_keeps_its_permissions(tmp_path):
    from expert.yamlio import atomic_write_text

    path = tmp_path / "r.md"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    atomic_write_text(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_deeply_nested_json_is_a_message_not_a_recursion_error(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text('{"community": {"name": "X", "concerns": ' + "[" * 100_000 + "]" * 100_000 + "}}",
                    encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "deep.json", "nested too deeply")


def test_binary_stdin_is_a_message_naming_the_byte(capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"community: {name: \xcc\xff}\n")))
    code, _, err = run_main(["diagnose", "-"], capsys)
    assert_clean_error(code, err, "<stdin>:1", "not UTF-8 text (byte 0xcc)")


@pytest.mark.parametrize("argv", [["diagnose", "{f}"], ["whatif", "{f}", "members=3"], ["consult", "--from", "{f}"],
                                  ["consult", "--resume", "{f}"]])
def test_non_utf8_file_names_line_and_byte_for_every_reader(tmp_path, capsys, argv):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"community:\n  name: caf\xe9\n")
    code, _, err = run_main([a.format(f=path) for a in argv], capsys)
    assert_clean_error(code, err, "latin1.yaml:2", "not UTF-8 text (byte 0xe9)")


def test_folder_given_as_situation_says_it_is_a_folder(tmp_path, capsys):
    code, _, err = run_main(["diagnose", tmp_path], capsys)
    assert_clean_error(code, err, "it is a folder, not a file")


# --- oversized values and files, dates (issue 8, item 12) ----------------------------------------------

HUGE = "9" * 5000
SESSION_HEAD = "format: community-expert/session\nsteps:\n- {fact: name, value: T}\n"


@pytest.mark.parametrize("name,text,argv", [
    ("s.yaml", f"community: {{name: X, members: {HUGE}}}\n", ["diagnose", "{f}"]),
    ("s.json", f'{{"community": {{"name": "X", "members": {HUGE}}}}}', ["diagnose", "{f}"]),
    ("s.yaml", f"community: {{name: X, members: {HUGE}}}\n", ["whatif", "{f}", "members=3"]),
    ("s.yaml", f"community: {{name: X, members: {HUGE}}}\n", ["consult", "--from", "{f}"]),
    ("s.yaml", SESSION_HEAD + f"- {{fact: members, value: {HUGE}}}\n", ["consult", "--resume", "{f}"]),
])
def test_five_thousand_digit_integer_is_a_message_not_a_traceback(tmp_path, capsys, name, text, argv):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, _, err = run_main([a.format(f=path) for a in argv], capsys)
    assert code == 2
    assert_clean_error(code, err, name, "5,000 digits", "at most 100")


def test_unquoted_date_in_a_situation_is_read_as_the_text_written(tmp_path, capsys):
    path = tmp_path / "dated.yaml"
    path.write_text("community: {name: 2024-05-01, objective: 2024-05-01 relaunch}\n"
                    "activity: {activity_change_pct: -30}\n", encoding="utf-8")
    code, out, err = run_main(["whatif", path, "activity_change_pct=-50", "--format", "json"], capsys)
    assert code == 0, err
    assert '"community": "2024-05-01"' in out


def test_unquoted_date_in_a_situation_given_to_consult_from_is_saved_as_text(tmp_path, capsys, monkeypatch):
    import io
    import sys

    import yaml

    source = tmp_path / "dated.yaml"
    source.write_text("community: {name: Dated, objective: 2024-05-01}\n", encoding="utf-8")
    session = tmp_path / "c.session.yaml"
    monkeypatch.setattr(sys, "stdin", io.StringIO("quit\n"))
    code, _, err = run_main(["consult", "--from", source, "--session", session, "--no-color"], capsys)
    assert code == 0, err
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["base"]["community"]["objective"] == "2024-05-01"


def test_file_over_the_size_limit_is_refused_naming_its_size(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    code, _, err = run_main(["diagnose", path], capsys)
    assert code == 2
    assert_clean_error(code, err, "huge.yaml", "larger than the limit of 16 MiB", "20.0 MiB")


MEMORY_CEILING = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
from expert.cli import main
main(sys.argv[1:])
"""


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("argv,stdin", [
    (["diagnose", "{link}"], None),
    (["consult", "--resume", "{link}"], None),
    (["whatif", "{link}", "members=3"], None),
    (["diagnose", "-"], "/dev/zero"),
])
def test_endless_input_is_cut_at_the_size_limit_not_read_into_memory(tmp_path, argv, stdin):
    import subprocess
    import sys

    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    with open(stdin or os.devnull, "rb") as source:
        proc = subprocess.run([sys.executable, "-c", MEMORY_CEILING, *[a.format(link=link) for a in argv]],
                              stdin=source, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "larger than the limit of 16 MiB" in proc.stderr


def test_temporaries_left_by_a_killed_writer_are_removed_on_the_next_write(tmp_path):
    import subprocess
    import sys

    from expert.yamlio import atomic_write_text

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    alive = str(os.getppid())
    target = tmp_path / "s.yaml"
    target.write_text("old", encoding="utf-8")
    names = {
        f".s.yaml.{dead}.abcd1234.tmp": False,      # writer killed: removed
        ".s.yaml.k9x_ab12.tmp": False,              # old naming, an hour old: removed
        f".s.yaml.{alive}.abcd1234.tmp": True,      # writer still running: kept
        ".s.yaml.fresh123.tmp": True,               # old naming, fresh: kept
        ".s.yaml.notes.tmp": True,                  # not our naming: kept
        f".t.yaml.{dead}.abcd1234.tmp": True,       # another target's: kept
    }
    for name in names:
        (tmp_path / name).write_text("partial", encoding="utf-8")
    hour_ago = time.time() - 3600
    os.utime(tmp_path / ".s.yaml.k9x_ab12.tmp", (hour_ago, hour_ago))
    (tmp_path / f".s.yaml.{dead}.link0000.tmp").symlink_to(tmp_path / f".t.yaml.{dead}.abcd1234.tmp")
    atomic_write_text(target, "new")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"s.yaml", f".s.yaml.{dead}.link0000.tmp"} | {n for n, kept in names.items() if kept}
    assert target.read_text(encoding="utf-8") == "new"


# --- session files: strict booleans, version (issue 8, item 12) ----------------------------------------

def write_session(tmp_path, extra="", step="- {fact: objective, dont_know: true}\n"):
    path = tmp_path / "s.session.yaml"
    path.write_text("format: community-expert/session\n" + extra + SESSION_HEAD.split("\n", 1)[1] + step,
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("word,skipped", [("no", False), ("false", False), ("否", False), ("yes", True), ("是", True)])
def test_dont_know_no_in_a_session_file_is_read_as_false_regression(tmp_path, kb, word, skipped):
    from expert.consult.session import Session

    path = write_session(tmp_path, step=f"- {{fact: objective, value: grow, dont_know: \"{word}\"}}\n")
    assert ("objective" in Session.load(kb, path).skipped()) is skipped


def test_dont_know_that_is_not_a_boolean_word_names_step_field_and_words(tmp_path, capsys):
    path = write_session(tmp_path, step="- {fact: objective, value: grow, dont_know: maybe}\n")
    code, _, err = run_main(["consult", "--resume", path], capsys)
    assert code == 2
    assert_clean_error(code, err, "s.session.yaml: step 2", "'dont_know'", "'maybe'", "true, yes, 是, false, no, 否")


@pytest.mark.parametrize("version", ["2", "99", "'1'", "one"])
def test_session_from_a_newer_or_unknown_version_is_refused(tmp_path, capsys, version):
    path = write_session(tmp_path, extra=f"version: {version}\n")
    code, _, err = run_main(["consult", "--resume", path], capsys)
    assert code == 2
    assert_clean_error(code, err, "s.session.yaml", "field 'version'", "reads version 1")


@pytest.mark.parametrize("extra", ["", "version: 1\n"])
def test_session_of_the_current_or_first_release_version_resumes(tmp_path, kb, extra):
    from expert.consult.session import Session

    assert Session.load(kb, write_session(tmp_path, extra=extra)).skipped() == {"objective"}


# --- expert knowledge docs --output (issue 8, item 12) -----------------------------------------------

def test_knowledge_docs_into_a_path_through_a_file_is_a_message(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("keep", encoding="utf-8")
    code, _, err = run_main(["knowledge", "docs", "--output", blocker / "docs"], capsys)
    assert code == 2
    assert_clean_error(code, err, "afile/docs", "cannot create the output folder")
    assert blocker.read_text(encoding="utf-8") == "keep"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write into read-only folders")
@pytest.mark.parametrize("sub", ["", "docs"])
def test_knowledge_docs_into_a_read_only_folder_is_a_message(tmp_path, capsys, sub):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, _, err = run_main(["knowledge", "docs", "--output", folder / sub if sub else folder], capsys)
    finally:
        folder.chmod(0o755)
    assert code == 2
    assert_clean_error(code, err, "ro", "ermission denied")


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs /sys, where no one may create a folder")
def test_knowledge_docs_where_no_folder_may_be_created_is_a_message(capsys):
    code, _, err = run_main(["knowledge", "docs", "--output", "/sys/expert-docs"], capsys)
    assert code == 2
    assert_clean_error(code, err, "/sys/expert-docs", "cannot create the output folder")
