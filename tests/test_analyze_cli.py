"""`expert analyze`: export in, metrics and a diagnosis out; derived situation round-trips."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from expert.cli import cli, main

from .conftest import REALDATA, ROOT

EVENTS = ROOT / "tests" / "fixtures" / "ingest" / "events.csv"
FORUM = ROOT / "tests" / "fixtures" / "ingest" / "forum.csv"  # a year of a small forum: enough for every metric


def test_analyze_prints_metrics_and_plan(runner):
    result = runner.invoke(cli, ["analyze", str(EVENTS)])
    assert result.exit_code == 0, result.output
    assert "Metrics from the export" in result.output and "Community diagnosis" in result.output


def test_analyze_json_holds_analysis_situation_and_plan(runner):
    result = runner.invoke(cli, ["analyze", str(EVENTS), "--format", "json", "--name", "Fixture"])
    data = json.loads(result.output)
    assert data["situation"]["community"]["name"] == "Fixture"
    assert {"diagnoses", "actions"} <= set(data["plan"])
    for metric in data["analysis"]["metrics"]:
        group, fact = metric["fact"].split(".")
        assert data["situation"][group][fact] == pytest.approx(metric["value"])


def test_situation_out_can_be_completed_and_diagnosed(runner, tmp_path):
    out = tmp_path / "derived.yaml"
    result = runner.invoke(cli, ["analyze", str(EVENTS), "--situation-out", str(out), "--format", "json"])
    assert result.exit_code == 0
    situation = yaml.safe_load(out.read_text())
    situation["community"]["objective"] = "members help each other"
    situation["community"]["success_metric"] = "questions answered"
    out.write_text(yaml.safe_dump(situation))
    again = runner.invoke(cli, ["diagnose", str(out), "--format", "json"])
    assert again.exit_code == 0
    assert json.loads(again.output)["provisional"] is False


def test_unrecognised_export_is_a_clear_error(capsys, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("just some notes\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", str(junk)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and str(junk) in err


@pytest.mark.skipif(not (REALDATA / "git").is_dir(), reason="../shared/realdata not present")
def test_real_git_history_diagnoses_core_churn(runner):
    result = runner.invoke(cli, ["analyze", str(REALDATA / "git" / "pallets__click.events.csv"), "--format", "json",
                                 "--until", "2026-08-20"])
    data = json.loads(result.output)
    contributors = data["situation"]["contributors"]
    assert contributors["core_inactive_4w"] <= contributors["core_total"]
    ids = [d["id"] for d in data["plan"]["diagnoses"]]
    if contributors["core_inactive_4w"] / contributors["core_total"] >= 0.25:
        assert "situation.core_churn" in ids


# Two ASCII words of 3+ letters in a row, not part of an id, file name, path or URL.
ENGLISH = re.compile(r"(?<![\w./:-])[A-Za-z]{3,}[ \t]+[A-Za-z]{3,}(?![\w./:-])")


@pytest.mark.parametrize("fmt", ["terminal", "markdown"])
@pytest.mark.parametrize("extra", [[], ["--since", "2024-04-01"], ["--until", "2030-01-01"]])
def test_chinese_analysis_has_no_english_prose(runner, fmt, extra):
    result = runner.invoke(cli, ["analyze", str(FORUM), "--lang", "zh", "--format", fmt, *extra])
    assert result.exit_code == 0, result.output
    assert "说明:" in result.output  # the notes are there, in Chinese
    assert "CHAOSS" in result.output  # and so are the definitions (the terminal wraps them)
    assert ENGLISH.findall(result.output) == []


def test_english_analysis_shows_definitions_and_notes(runner):
    result = runner.invoke(cli, ["analyze", str(FORUM), "--format", "markdown"])
    assert "Time to First Response" in result.output
    assert "Note: 13 bot events were excluded from all metrics." in result.output
    assert re.search(r"Accounts excluded as bots: 1\. [0-9a-f]{12} \(events: 13; name matches the bot pattern",
                     result.output)


def test_analysis_shows_the_monthly_history(runner):
    """Guards: the report shows the whole history, not only the windows (sparklines, peak month)."""
    result = runner.invoke(cli, ["analyze", str(FORUM), "--format", "markdown", "--until", "2025-03-01"])
    assert "**History, month by month (2023-07 – 2025-03;" in result.output
    assert re.search(r"- events: `[▁▂▃▄▅▆▇█]+·+` peak \d+ \(20\d\d-\d\d\)", result.output)


def test_json_notes_keep_key_values_and_text(runner):
    result = runner.invoke(cli, ["analyze", str(FORUM), "--format", "json", "--lang", "zh", "--until", "2024-07-01"])
    analysis = json.loads(result.output)["analysis"]
    assert analysis["notes"][0] == {"key": "bots_excluded", "values": {"count": 13}, "section": "notes",
                                    "text": "已从所有指标中排除 13 条机器人事件。"}
    assert all(note["text"] and note["key"] for note in analysis["notes"])
    assert [m["month"] for m in analysis["history"]][:2] == ["2023-07", "2023-08"]
    ttfr = next(m for m in analysis["metrics"] if m["fact"] == "activity.median_first_response_hours")
    assert ttfr["definition_key"] == ttfr["fact"] and ttfr["definition"].startswith("CHAOSS 首次响应时间")


def _main_exit(argv, capsys):
    """Run the console entry point; return (exit code, stderr). Any exception but SystemExit fails the test."""
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in argv])
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize("option,value", [("--since", "yesterday"), ("--until", "2024-13-45"), ("--since", ""),
                                          ("--until", "99999999999999999999")])
def test_analyze_bad_date_option_names_option_value_and_format(option, value, capsys):
    code, err = _main_exit(["analyze", ROOT / "tests/fixtures/ingest/events.csv", option, value], capsys)
    assert code == 2
    assert f"{option.strip('-')}: {value!r} is not a date/time" in err and "ISO 8601" in err


@pytest.mark.parametrize("extra", [["--since", "2024-06-01", "--until", "2024-01-01"], ["--since", "2030-01-01"]])
def test_analyze_since_after_until_is_an_error_not_an_empty_report(extra, capsys):
    code, err = _main_exit(["analyze", ROOT / "tests/fixtures/ingest/events.csv", *extra], capsys)
    assert code == 2 and "since: " in err and "is not before" in err


def test_analyze_until_before_year_one_windows_is_a_message(capsys):
    code, err = _main_exit(["analyze", ROOT / "tests/fixtures/ingest/events.csv", "--until", "0001-01-01"], capsys)
    assert code == 2 and "until: 0001-01-01" in err


def test_analyze_csv_that_is_not_utf8_is_a_message(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"timestamp,actor,kind\n2024-01-01T00:00:00Z,Jos\xe9,post\n")
    code, err = _main_exit(["analyze", path], capsys)
    assert code == 2 and "not UTF-8 text: byte 0xe9" in err


def test_analyze_epoch_timestamp_out_of_range_names_the_line(tmp_path, capsys):
    path = tmp_path / "epoch.csv"
    path.write_text("timestamp,actor\n2024-01-01T00:00:00Z,a\n99999999999999999999,b\n", encoding="utf-8")
    code, err = _main_exit(["analyze", path, "--until", "2024-02-01"], capsys)
    assert code == 2 and "line 3: bad timestamp '99999999999999999999'" in err


def test_analyze_unrecognised_file_hint_names_the_cli_option(tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    code, err = _main_exit(["analyze", path], capsys)
    assert code == 2 and "--input-format" in err
