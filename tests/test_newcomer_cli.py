"""The CLI as a newcomer meets it (issue 16): width, flow-style YAML, the knowledge folder in use,
errors in the report's language, and a derived situation that invites completion."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from expert.cli.main import cli, main
from expert.knowledge import cached_knowledge

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
EVENTS = ROOT / "tests" / "fixtures" / "ingest" / "events.csv"
BOX = re.compile(r"[\u2500-\u257f]")  # box-drawing characters of the tables
EDGE = "()[]{},.;:'\"“”‘’!?"


def _words(text: str) -> set[str]:
    """Whitespace-separated words with the punctuation at their edges removed."""
    return {w.strip(EDGE) for w in BOX.sub(" ", text).split()} - {""}


def _vocabulary(runner) -> set[str]:
    """Every word of the report as written when nothing has to wrap: a very wide render, the markdown and the JSON."""
    import expert
    from expert.render.terminal import renderables, to_text

    plan = expert.diagnose(str(DEMO))
    texts = [to_text(renderables(plan, cached_knowledge(), width), width=2000) for width in (80, 200)]  # both layouts
    texts += [runner.invoke(cli, ["diagnose", str(DEMO), "--format", fmt]).stdout for fmt in ("markdown", "json")]
    return set().union(*(_words(t) for t in texts))


def run_main(argv, capsys):
    """The console entry point with its error handling: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.parametrize("columns", [80, 100, 200])
def test_terminal_report_fits_the_window_and_breaks_no_word(runner, columns):
    """At 80 and at 200 columns every line fits, and no word is cut inside a table column ('mechani/sms')."""
    result = runner.invoke(cli, ["diagnose", str(DEMO)], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    report = result.stdout
    assert max(len(line) for line in report.splitlines()) <= columns
    vocabulary = _vocabulary(runner)  # once: in the comprehension it was rebuilt for every word (35 s a test)
    broken = {w for w in _words(report) if w not in vocabulary}
    assert broken == set()


def test_narrow_terminal_stacks_the_plan_columns(runner):
    """Below 100 columns the plan reads as one block per action (no squeezed Phase column)."""
    narrow = runner.invoke(cli, ["diagnose", str(DEMO)], env={"COLUMNS": "80"}).stdout
    wide = runner.invoke(cli, ["diagnose", str(DEMO)], env={"COLUMNS": "200"}).stdout
    kb = cached_knowledge()
    header = kb.message("col_phase", "en")
    assert header in wide and header not in narrow


def test_flow_style_yaml_is_read_as_yaml(runner, tmp_path):
    """Regression: `{community: {name: X}}` in a .yaml file was refused as 'not valid JSON'."""
    path = tmp_path / "flow.yaml"
    path.write_text("{community: {name: Flow}, activity: {activity_change_pct: -30}}\n", encoding="utf-8")
    result = runner.invoke(cli, ["diagnose", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["community"] == "Flow"


def test_broken_json_file_still_gets_the_json_message(capsys, tmp_path):
    """A .json file that is neither JSON nor YAML is reported in JSON's terms, with its line."""
    path = tmp_path / "bad.json"
    path.write_text('{"community": {"name": "X",}\n', encoding="utf-8")
    code, _, err = run_main(["diagnose", str(path)], capsys)
    assert code == 2 and "not valid JSON" in err and f"{path}:1" in err


def test_version_names_the_knowledge_folder(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "expert " in result.output and str(cached_knowledge().root) in result.output


def test_a_differing_local_knowledge_folder_is_pointed_out(runner, tmp_path, monkeypatch):
    """After `pip install .`, edits to ./knowledge are not used: the commands say so and how to use them."""
    local = tmp_path / "knowledge"
    shutil.copytree(cached_knowledge().root, local)
    monkeypatch.chdir(tmp_path)
    same = runner.invoke(cli, ["explain", "decline.content_fatigue"])
    assert "differs" not in same.output
    facts = local / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    for args in (["explain", "decline.content_fatigue"], ["diagnose", str(DEMO)], ["lint"]):
        result = runner.invoke(cli, args)
        assert "./knowledge differs from the knowledge folder in use" in result.stderr, args
        assert "--knowledge knowledge" in result.stderr and "EXPERT_KNOWLEDGE" in result.stderr
    used = runner.invoke(cli, ["explain", "decline.content_fatigue", "--knowledge", "knowledge"])
    assert "differs" not in used.stderr


def test_knowledge_docs_writes_beside_the_knowledge_folder_not_here(runner, tmp_path, monkeypatch):
    """`expert knowledge docs` writes into the knowledge folder's project, never the current directory."""
    project = tmp_path / "project"
    shutil.copytree(cached_knowledge().root, project / "knowledge")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(cli, ["knowledge", "docs", "--knowledge", str(project / "knowledge")])
    assert result.exit_code == 0, result.output
    assert (project / "docs" / "knowledge.md").is_file() and not (elsewhere / "docs").exists()


@pytest.mark.parametrize("lang, heading, todo", [("en", "Error:", "What to do:"), ("zh", "错误:", "怎么办:")])
def test_errors_speak_the_report_language_without_class_names(capsys, tmp_path, lang, heading, todo):
    path = tmp_path / "s.yaml"
    path.write_text("community: {name: X}\nactivity: {activity_change_pct: -1000}\nmood: happy\n", encoding="utf-8")
    code, _, err = run_main(["diagnose", str(path), "--lang", lang], capsys)
    assert code == 2
    assert err.startswith(heading) and todo in err
    assert "SituationError" not in err and "Error (" not in err
    assert "-1000" in err and "-1000.0" not in err


def test_debug_names_the_error_kind(capsys):
    code, _, err = run_main(["--debug", "diagnose", "/no/such/file.yaml"], capsys)
    assert code == 2 and "InputFileError" in err
    code, _, err = run_main(["diagnose", "/no/such/file.yaml"], capsys)
    assert code == 2 and "InputFileError" not in err


def test_values_in_messages_are_written_as_in_the_file(capsys, tmp_path):
    """Regression: a wrong yes/no value was shown as Python's `False`, a number as `-10.0`."""
    path = tmp_path / "s.yaml"
    path.write_text("community: {name: X, members: 2.5}\nconflict: {recurring: maybe}\n", encoding="utf-8")
    code, _, err = run_main(["diagnose", str(path)], capsys)
    assert code == 2 and "2.5" in err and "'maybe'" in err
    from expert.yamlio import short_repr

    assert [short_repr(v) for v in (False, -10.0, None, [True, 1.0])] == ["false", "-10", "null", "[true, 1]"]


@pytest.mark.parametrize("command", ["diagnose", "analyze", "consult", "whatif", "lint", "explain", "schema"])
def test_each_command_help_ends_with_examples(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    tail = result.output.split("Examples:")[-1]
    assert "Examples:" in result.output and tail.count("expert ") >= 2


def test_help_says_what_the_options_do(runner):
    assert "markdown: for wikis" in runner.invoke(cli, ["diagnose", "--help"]).output
    assert "Write the report" in runner.invoke(cli, ["analyze", "--help"]).output.split("-o, --output")[1]
    assert "--from FILE" in runner.invoke(cli, ["consult", "--help"]).output


def _fill(text: str, values: dict[str, str]) -> str:
    """Uncomment the placeholder lines (and their group headers) and fill the given values in."""
    out = []
    for line in text.splitlines():
        match = re.match(r"^(\s*)# (\s*)([a-z_]+):(.*)$", line)
        if match and not line.startswith("# Derived") and not line.startswith("# remove"):
            indent, inner, name, _ = match.groups()
            out.append(f"{indent}{inner}{name}: {values.get(name, '')}".rstrip())
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_situation_out_placeholders_round_trip_through_diagnose(runner, tmp_path, lang):
    """--situation-out writes commented placeholders with allowed values; filled in, diagnose takes them."""
    derived = tmp_path / "derived.yaml"
    result = runner.invoke(cli, ["analyze", str(EVENTS), "--situation-out", str(derived), "--lang", lang])
    assert result.exit_code == 0, result.output
    text = derived.read_text(encoding="utf-8")
    for name in ("objective", "success_metric", "stage", "mood", "severity", "target_metric"):
        assert re.search(rf"^\s*# (\s*){name}:", text, re.M), name
    assert "under_pressure" in text and "cold_start" in text
    untouched = runner.invoke(cli, ["diagnose", str(derived), "--format", "json"])
    assert untouched.exit_code == 0 and json.loads(untouched.stdout)["provisional"] is True
    emptied = tmp_path / "emptied.yaml"
    emptied.write_text(_fill(text, {}), encoding="utf-8")
    assert runner.invoke(cli, ["diagnose", str(emptied)]).exit_code == 0  # uncommented but empty: unknown
    filled = tmp_path / "filled.yaml"
    filled.write_text(_fill(text, {"objective": "members help each other ship", "success_metric": "solved questions",
                                   "stage": "growth", "mood": "worried", "severity": "low",
                                   "target_metric": "weekly posts", "target_change_pct": "20",
                                   "deadline_weeks": "8", "proposed_tactics": "[sock puppets]"}), encoding="utf-8")
    result = runner.invoke(cli, ["diagnose", str(filled), "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["provisional"] is False and any(d["id"] == "violation.fake_activity" for d in plan["diagnoses"])


def test_every_question_stands_on_its_own():
    """Regression: 'And the reads…', 'those core contributors', 'How many of them…' referred to questions
    the questionnaire may never have asked (it chooses the order); each names what it is about."""
    import yaml

    questions = yaml.safe_load((cached_knowledge().root / "questions.yaml").read_text(encoding="utf-8"))["questions"]
    dangling_en = re.compile(r"^(And|Also|Then)\b|\b(those|of them|that period|the period|any of this|over it|does it|"
                             r"run it|passed it|that ritual)\b", re.I)
    dangling_zh = re.compile(r"其中|那些|因此|这个周期|同一周期|那你|这个仪式")
    leaning = {fact: q["ask"] for fact, q in questions.items()
               if dangling_en.search(q["ask"]["en"]) or dangling_zh.search(q["ask"]["zh"])}
    assert leaning == {}


def test_two_consultations_in_one_second_never_share_a_session_file(tmp_path):
    """Regression: the session file was named by the second alone, so two runs started together wrote one file."""
    import datetime as dt

    from expert.consult.session import default_session_path

    moment = dt.datetime(2025, 1, 2, 3, 4, 5)
    names = {default_session_path(moment, tmp_path) for _ in range(200)}
    assert len(names) == 200 and all(n.name.startswith("consult-20250102-030405-") for n in names)
    taken = default_session_path(moment, tmp_path)
    taken.write_text("x", encoding="utf-8")
    assert all(default_session_path(moment, tmp_path) != taken for _ in range(50))


def test_consult_list_shows_the_saved_sessions(runner, tmp_path, monkeypatch):
    from expert.consult.session import Session

    monkeypatch.chdir(tmp_path)
    empty = runner.invoke(cli, ["consult", "--list"])
    assert empty.exit_code == 0 and "expert consult" in empty.stdout
    session = Session(cached_knowledge(), lang="en", base={"community": {"name": "Listed"}},
                      path=tmp_path / "consult-20250102-030405-abcdef.session.yaml")
    session.save()
    (tmp_path / "broken.session.yaml").write_text("steps: [\n", encoding="utf-8")
    result = runner.invoke(cli, ["consult", "--list"])
    assert result.exit_code == 0
    assert "consult-20250102-030405-abcdef.session.yaml" in result.stdout and "Listed" in result.stdout
    assert "broken.session.yaml  cannot be read" in result.stdout


def test_model_dump_and_json_agree_on_field_names():
    """Regression: model_dump() said `for_` where the JSON says `for`."""
    import expert

    plan = expert.diagnose(str(DEMO))
    dumped, written = plan.model_dump(mode="json"), json.loads(plan.to_json())
    assert dumped == written and "for" in dumped["actions"][0] and "for_" not in dumped["actions"][0]


def test_situation_and_plan_have_readable_reprs():
    import expert
    from expert.model.situation import Situation

    situation = Situation.load(DEMO, cached_knowledge())
    plan = expert.diagnose(situation)
    assert repr(situation).startswith("Situation('DevForum', ") and "activity_change_pct=-34" in repr(situation)
    assert repr(plan).startswith("Plan('DevForum', ") and "decline.content_fatigue" in repr(plan)
    assert len(repr(plan)) < 600 and len(repr(situation)) < 600


def test_file_errors_are_told_in_the_report_language(capsys, tmp_path):
    """A missing file or broken YAML is explained in Chinese with --lang zh (the parser's own detail kept)."""
    code, _, err = run_main(["diagnose", str(tmp_path / "nope.yaml"), "--lang", "zh"], capsys)
    assert code == 2 and "文件不存在" in err and "怎么办" in err and "no such file" not in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("community:\n  name: [x\n", encoding="utf-8")
    code, _, err = run_main(["diagnose", str(broken), "--lang", "zh"], capsys)
    assert code == 2 and "不是有效的 YAML" in err and f"{broken}:3" in err


def test_an_earlier_commands_language_does_not_leak_into_the_next_error(runner, tmp_path):
    """Regression: after a --lang zh run in the same process, whatif's error came out in Chinese."""
    runner.invoke(cli, ["diagnose", str(DEMO), "--lang", "zh"])
    result = runner.invoke(cli, ["whatif", str(tmp_path / "nope.yaml"), "severity=high"])
    assert result.exit_code == 2 and "no such file" in result.output and "错误" not in result.output
