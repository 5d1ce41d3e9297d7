"""expert whatif: diagnoses and plan before and after changing facts."""
from __future__ import annotations

import json

import pytest

from expert.cli import cli
from expert.consult.session import Session
from expert.consult.whatif import compare, parse_changes

from .conftest import ROOT

DEMO = str(ROOT / "scenarios" / "demo.yaml")


def test_removing_the_decline_removes_its_differential(kb):
    from expert.consult.session import load_source

    data, _ = load_source(kb, DEMO)
    result = compare(kb, data, parse_changes(kb, ["activity_change_pct=0", "active_members_change_pct=0"]))
    removed = {d["id"] for d in result.removed}
    assert "situation.activity_decline" in removed and "decline.content_fatigue" in removed
    assert result.actions_removed


def test_json_lists_added_removed_changed_and_moved(runner):
    result = runner.invoke(cli, ["whatif", DEMO, "activity.activity_change_pct=-30",
                                 "member_to_member_reply_share_change_pct=-50", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"added", "removed", "changed", "actions_added", "actions_removed", "actions_moved", "changes"}
    assert data["changes"]["member_to_member_reply_share_change_pct"] == -50.0
    assert any(d["id"] == "decline.content_fatigue" for d in data["changed"] + data["removed"])


def test_terminal_and_markdown(runner):
    terminal = runner.invoke(cli, ["whatif", DEMO, "proposed_tactics=expert AMA"])
    assert terminal.exit_code == 0 and "What if: proposed_tactics=expert AMA" in terminal.output
    assert "violation.fake_activity" in terminal.output
    markdown = runner.invoke(cli, ["whatif", DEMO, "mood=calm", "--format", "markdown"])
    assert markdown.exit_code == 0 and markdown.output.startswith("# What if: mood=calm")


def test_nothing_changes(runner):
    result = runner.invoke(cli, ["whatif", DEMO, "platform=discord"])
    assert result.exit_code == 0 and "Nothing in the diagnosis or the plan changes." in result.output


def test_a_fact_can_be_made_unknown_and_zh_is_chinese(runner):
    result = runner.invoke(cli, ["whatif", DEMO, "proposed_tactics=?", "--lang", "zh"])
    assert result.exit_code == 0 and result.output.startswith("假如:")
    assert "不再成立的结论" in result.output


def test_bad_fact_names_and_values_exit_non_zero_without_traceback(runner):
    result = runner.invoke(cli, ["whatif", DEMO, "activty_change_pct=-30", "stage=dormant", "oops"])
    assert result.exit_code == 2
    err = result.stderr if hasattr(result, "stderr") else result.output
    assert "did you mean 'activity_change_pct'" in err and "dormant" in err and "expected fact=value" in err
    assert isinstance(result.exception, SystemExit), result.exception


@pytest.mark.parametrize(("lang", "first", "value"), [
    ("en", "name", "Hub"),
    ("zh", "story", "社群越来越冷清"),  # stopped before the name, which is asked last
])
def test_whatif_on_a_session_file(kb, runner, tmp_path, lang, first, value):
    session = Session(kb, path=tmp_path / "s.yaml", lang=lang)
    session.answer(first, value)
    session.answer("activity_change_pct", -30.0)
    session.save()
    result = runner.invoke(cli, ["whatif", str(tmp_path / "s.yaml"), "activity_change_pct=5", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert any(d["id"] == "situation.activity_decline" for d in json.loads(result.output)["removed"])


def test_missing_source_file(runner, tmp_path):
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(cli, ["whatif", str(missing), "mood=calm"])
    assert result.exit_code == 2
    err = result.stderr if hasattr(result, "stderr") else result.output
    assert f"{missing}: cannot read file: no such file" in err
    assert isinstance(result.exception, SystemExit), result.exception


def test_non_finite_value_is_a_message_not_a_traceback(capsys):
    import pytest

    from expert.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["whatif", str(ROOT / "scenarios" / "demo.yaml"), "members=nan"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "'nan' is not a number (allowed: 0 to" in err


def test_whatif_errors_speak_the_session_s_language(kb, runner, tmp_path):
    session = Session(kb, path=tmp_path / "s.yaml", lang="zh")
    session.answer("activity_change_pct", -30.0)
    session.save()
    result = runner.invoke(cli, ["whatif", str(tmp_path / "s.yaml"), "activty_change=-20"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "错误" in result.stderr and "未知的事实“activty_change”" in result.stderr and "activity_change_pct" in result.stderr
    result = runner.invoke(cli, ["whatif", str(tmp_path / "s.yaml"), "activty_change=-20", "--lang", "en"])
    assert "unknown fact 'activty_change'" in result.stderr
