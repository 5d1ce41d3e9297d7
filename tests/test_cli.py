"""The command line: reports in every format, stdin, schemas, and bad input without tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from expert.cli import cli, main

from .conftest import ROOT

DEMO = str(ROOT / "scenarios" / "demo.yaml")


def run_main(argv, capsys):
    """Run the console entry point (with its error handling) and capture the exit code; an exception other
    than SystemExit (what a user would see as a traceback) propagates and fails the test."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_diagnose_terminal_shows_diagnoses_and_plan(runner):
    result = runner.invoke(cli, ["diagnose", DEMO])
    assert result.exit_code == 0, result.output
    assert "Content fatigue" in result.output and "Plan" in result.output
    assert "Refused tactic: Sock-puppet accounts" in result.output


def test_diagnose_json_follows_contract(runner):
    result = runner.invoke(cli, ["diagnose", DEMO, "--format", "json"])
    data = json.loads(result.output)
    for key in ("diagnoses", "actions", "missing_information"):
        assert key in data
    d = data["diagnoses"][0]
    assert {"id", "certainty", "evidence_for", "evidence_against", "rules"} <= set(d)
    a = data["actions"][0]
    assert {"id", "rank", "phase", "kind", "for", "title", "success_metric", "guardrail_metric",
            "review_after_days"} <= set(a)
    assert [x["rank"] for x in data["actions"]] == list(range(1, len(data["actions"]) + 1))
    assert all(0 <= x["certainty"] <= 1 for x in data["diagnoses"])


def test_diagnose_markdown_in_chinese(runner):
    result = runner.invoke(cli, ["diagnose", DEMO, "--format", "markdown", "--lang", "zh"])
    assert result.exit_code == 0
    assert "# 社群诊断:DevForum" in result.output and "## 行动方案" in result.output


def test_diagnose_reads_stdin(runner):
    result = runner.invoke(cli, ["diagnose", "-", "--format", "json"],
                           input='{"community": {"name": "S"}, "activity": {"activity_change_pct": -40}}')
    assert result.exit_code == 0
    ids = [d["id"] for d in json.loads(result.output)["diagnoses"]]
    assert "situation.activity_decline" in ids


def test_output_file_written(runner, tmp_path):
    out = tmp_path / "plan.json"
    result = runner.invoke(cli, ["diagnose", DEMO, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text())["community"] == "DevForum"


def test_bad_field_names_field_value_no_traceback(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("community: {name: X}\nactivity: {activity_change_pct: -300, activity_chnage_pct: 1}\n")
    code, out, err = run_main(["diagnose", str(bad)], capsys)
    assert code == 2
    assert "activity.activity_change_pct" in err and "-300" in err and "greater than or equal to -100" in err
    assert "did you mean" in err and out == ""


def test_failed_diagnosis_leaves_existing_output_untouched(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("community: {name: X}\nconflict: {severity: apocalyptic}\n")
    out = tmp_path / "report.md"
    out.write_text("previous report\n")
    code, _, err = run_main(["diagnose", str(bad), "-o", str(out)], capsys)
    assert code == 2 and "conflict.severity" in err
    assert out.read_text() == "previous report\n"


def test_missing_file(capsys, tmp_path):
    code, _, err = run_main(["diagnose", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and "no such file" in err


def test_invalid_yaml_names_line(capsys, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("community:\n  name: X\n activity: [\n")
    code, _, err = run_main(["diagnose", str(bad)], capsys)
    assert code == 2 and f"{bad}:" in err and "not valid YAML" in err


def test_unknown_command_suggests(capsys):
    code, _, err = run_main(["diagnos", DEMO], capsys)
    assert code == 2 and "Did you mean 'diagnose'" in err


def test_bad_option_value_is_a_usage_error(capsys):
    code, _, err = run_main(["diagnose", DEMO, "--format", "pdf"], capsys)
    assert code == 2 and "pdf" in err


@pytest.mark.parametrize("what", ["situation", "plan"])
def test_schema(runner, what):
    result = runner.invoke(cli, ["schema", what])
    schema = json.loads(result.output)
    assert schema["type"] == "object"
    if what == "situation":
        assert "community" in schema["required"] and "activity" in schema["properties"]
    else:
        assert {"diagnoses", "actions", "missing_information"} <= set(schema["properties"])


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "expert", "diagnose", DEMO, "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["community"] == "DevForum"


def test_every_format_lists_the_diagnoses_in_the_plans_order_anti_patterns_apart(runner):
    """Anti-patterns get their own section; the diagnoses keep the JSON's order in markdown and on the terminal
    (refused tactics used to come first in JSON and last elsewhere)."""
    scenario = str(ROOT / "scenarios" / "combined_pressure_during_decline.yaml")
    data = json.loads(runner.invoke(cli, ["diagnose", scenario, "--format", "json"]).output)
    assert data["diagnoses"][0]["id"] == "violation.fake_activity" and data["anti_patterns"] == ["avoid.campaign_bombing"]
    text = runner.invoke(cli, ["diagnose", scenario, "--format", "markdown"]).output
    headed = [line.split("`")[1] for line in text.splitlines() if line.startswith("### ")]
    assert headed == ["violation.fake_activity", "situation.activity_decline", "decline.content_fatigue",
                      "pressure.short_term_target"]
    assert headed == [d["id"] for d in data["diagnoses"] if d["id"] not in data["anti_patterns"] + data["referrals"]]
    terminal = runner.invoke(cli, ["diagnose", scenario], env={"COLUMNS": "200"}).output
    assert sorted(headed, key=terminal.index) == headed
    anti_section = text.split("## Anti-patterns to avoid")[1] if "## Anti-patterns to avoid" in text else ""
    assert data["diagnoses"][-1]["title"] in anti_section


def test_evidence_is_listed_strongest_first(runner):
    data = json.loads(runner.invoke(cli, ["diagnose", DEMO, "--format", "json"]).output)
    rules = {r["rule"]: abs(r["cf"]) for r in data["trace"]}
    for diagnosis in data["diagnoses"]:
        strengths = [rules[r] for r in diagnosis["rules"]]
        assert strengths == sorted(strengths, reverse=True), diagnosis["id"]


def test_bad_input_errors_are_in_chinese_with_lang_zh(capsys, tmp_path):
    import re

    bad = tmp_path / "bad.yaml"
    bad.write_text("community: {name: X}\nactivity: {activity_change_pct: -300, activity_chnage_pct: 1}\n"
                   "conflict: {severity: huge}\ncontributors: {core_total: 2, core_inactive_4w: 3}\n")
    code, out, err = run_main(["diagnose", str(bad), "--lang", "zh"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("错误") and "activity.activity_change_pct" in err and "-300" in err
    assert "-100 到 100000 之间的数字" in err and "你是不是想写“activity.activity_change_pct”" in err
    prose = re.sub(r"[\w./-]*\.(?:ya?ml|json)|[a-z_]+(?:\.[a-z_0-9]+)+|'[^']*'|SituationError|[a-z]+_[a-z_0-9]+", "", err)
    prose = re.sub(r"\b(?:none|low|medium|high|critical)\b", "", prose)  # the allowed values themselves
    assert not re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}", prose), prose


def test_cross_field_error_in_chinese(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("community: {name: X}\ncontributors: {core_total: 2, core_inactive_4w: 3}\n")
    code, _, err = run_main(["diagnose", str(bad), "--lang", "zh"], capsys)
    assert code == 2 and "超过了" in err and "core_inactive_4w 不能大于 core_total" in err
