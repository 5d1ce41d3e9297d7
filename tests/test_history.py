"""The review loop's history: record → review round trips, follow-up, the CLI, and files that are not ours refused untouched."""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import expert
from expert.cli.main import cli
from expert.errors import InputFileError, OptionError
from expert.history.schema import APPLICATION_ID, LATEST
from expert.history.store import History, default_path

OBJECTIVE = {"objective": "members help each other", "success_metric": "questions solved by members"}
DECLINE = {"community": {"name": "CloudCraft", "age_months": 30, "members": 5200, **OBJECTIVE},
           "activity": {"activity_change_pct": -26, "official_content_engagement_change_pct": -40,
                        "official_content_reads_change_pct": 2, "content_repetition": True,
                        "team_posts_per_week_change_pct": 60, "mute_or_leave_rate_change_pct": 30,
                        "year_over_year_change_pct": -24}}
RECOVERED = {"community": {"name": "CloudCraft", "age_months": 31, "members": 5300, **OBJECTIVE},
             "activity": {"activity_change_pct": 4, "official_content_engagement_change_pct": 3,
                          "content_repetition": False, "year_over_year_change_pct": 2}}


def _history(tmp_path: Path, kb) -> History:
    return History(tmp_path / "h.sqlite3", knowledge=kb)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_decline_that_recovers_is_reported_resolved_and_its_actions_as_having_worked(tmp_path, kb):
    history = _history(tmp_path, kb)
    march = history.record(DECLINE, as_of="2024-03-31")
    first = march.plan.actions[0].id
    history.follow_up("CloudCraft", first, "done", "did it", "2024-04-10")
    history.record(RECOVERED, as_of="2024-04-30")
    review = history.review("CloudCraft")
    assert review.before.as_of == "2024-03-31" and review.after.as_of == "2024-04-30"
    assert "situation.activity_decline" in {d.id for d in review.resolved}
    assert any(f.fact == "activity_change_pct" and f.before == -26 and f.after == 4 for f in review.facts_moved)
    done = next(a for a in review.actions if a.id == first)
    assert done.status == "done" and done.note == "did it" and done.verdict == "improved"
    assert first not in review.done_not_moved


def test_a_conflict_that_spreads_is_reported_as_new_or_stronger_diagnoses(tmp_path, kb):
    history = _history(tmp_path, kb)
    base = {"community": {"name": "CodeStyle", "age_months": 55, "members": 8000, **OBJECTIVE}}
    history.record({**base, "conflict": {"severity": "low", "written_rules": True, "appeal_process": True}},
                   as_of="2024-03-01")
    history.record({**base, "conflict": {"severity": "high", "personal_attacks": True, "spread_outside": True,
                                         "written_rules": True, "appeal_process": True}}, as_of="2024-04-01")
    review = history.review("CodeStyle")
    grown = {d.id for d in review.new} | {d.id for d in review.stronger}
    assert any(d.startswith("conflict.") for d in grown), grown
    assert any(f.fact == "severity" and (f.before, f.after) == ("low", "high") for f in review.facts_moved)


def test_a_target_met_with_a_guardrail_broken_raises_a_guardrail_alert(tmp_path, kb):
    history = _history(tmp_path, kb)
    base = {"community": {"name": "ML Study Group", "age_months": 28, "members": 6500, **OBJECTIVE}}
    march = history.record({**base, "activity": {"activity_change_pct": -30, "year_over_year_change_pct": -25}},
                           as_of="2024-03-31")
    for action in march.plan.actions:
        history.follow_up("ML Study Group", action.id, "done", on_date="2024-04-15")
    history.record({**base, "activity": {"activity_change_pct": 25, "year_over_year_change_pct": 10},
                    "conflict": {"severity": "medium", "personal_attacks": True}}, as_of="2024-04-30")
    review = history.review("ML Study Group")
    assert any(f.fact == "activity_change_pct" for f in review.facts_moved)
    assert any(a.startswith("conflict.") for a in review.guardrail_alerts), review.guardrail_alerts
    assert not any(a.startswith("watch.") for a in review.guardrail_alerts)


def test_an_action_done_whose_target_did_not_move_is_flagged_to_rethink_in_the_next_plan(tmp_path, kb):
    history = _history(tmp_path, kb)
    march = history.record(DECLINE, as_of="2024-03-31")
    carried = march.plan.actions[0].id
    history.follow_up("CloudCraft", carried, "done", on_date="2024-04-10")
    history.record(DECLINE, as_of="2024-04-30")
    review = history.review("CloudCraft")
    assert carried in review.done_not_moved
    step = next(n for n in review.next_plan if n.id == carried)
    assert step.rethink and step.carried and step.status == "done"


def test_a_dropped_action_leaves_the_next_plan(tmp_path, kb):
    history = _history(tmp_path, kb)
    march = history.record(DECLINE, as_of="2024-03-31")
    dropped = march.plan.actions[-1].id
    history.follow_up("CloudCraft", dropped, "dropped", "no owner")
    assert dropped not in {n.id for n in history.review("CloudCraft").next_plan}


def test_one_assessment_reviews_with_a_request_to_record_another_and_asks_for_the_member_side(tmp_path, kb):
    history = _history(tmp_path, kb)
    history.record(DECLINE, as_of="2024-03-31")
    review = history.review("CloudCraft")
    assert review.before is None and review.next_plan and len(review.member_prompts) == 3
    history.member_note("CloudCraft", "the weekly digest feels like spam", "2024-04-02")
    assert history.review("CloudCraft").member_notes == ["2024-04-02: the weekly digest feels like spam"]


def test_unknown_community_action_and_date_are_refused_with_what_is_allowed(tmp_path, kb):
    history = _history(tmp_path, kb)
    history.record(DECLINE, as_of="2024-03-31")
    with pytest.raises(OptionError, match="CloudCraft"):
        history.review("Cloudcraft")
    with pytest.raises(OptionError, match="no recorded plan"):
        history.follow_up("CloudCraft", "no.such_action", "done")
    with pytest.raises(OptionError, match="not a date"):
        history.record(DECLINE, as_of="31/03/2024")
    with pytest.raises(OptionError, match="no assessment number 99"):
        history.assessment(99)


def test_the_library_is_the_facade_and_assessments_come_back_in_date_order(tmp_path):
    history = expert.History(tmp_path / "lib.sqlite3")
    history.record(RECOVERED, as_of="2024-04-30")
    history.record(DECLINE, as_of="2024-03-31")
    assert [a.as_of for a in history.assessments("CloudCraft")] == ["2024-03-31", "2024-04-30"]
    assert history.assessments()[0].situation["activity"]["activity_change_pct"] == -26


def test_the_database_is_in_wal_mode_with_our_application_id_and_the_latest_schema(tmp_path, kb):
    history = _history(tmp_path, kb)
    history.record(DECLINE, as_of="2024-03-31")
    con = sqlite3.connect(history.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("SELECT version FROM schema_version").fetchone()[0] == LATEST
    con.close()


def test_default_location_is_the_users_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "community-expert" / "history.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".local" / "share" / "community-expert" / "history.sqlite3"


# -- files that are not ours ------------------------------------------------------------------------

def _foreign_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER, blob TEXT)")
    con.execute("INSERT INTO photos VALUES (1, 'x')")
    con.commit()
    con.close()


def _newer(path: Path, kb) -> None:
    History(path, knowledge=kb).record(DECLINE, as_of="2024-03-31")
    con = sqlite3.connect(path)
    con.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))
    con.commit()
    con.close()


def _corrupt(path: Path, kb) -> None:
    history = History(path, knowledge=kb)
    for day in range(1, 20):
        history.record(DECLINE, as_of=f"2024-03-{day:02d}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(path.read_bytes())
    data[4096 + 100: 4096 * 3] = b"\xff" * (4096 * 2 - 100)  # wreck the pages after the header page
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make, message", [
    (lambda p, kb: p.write_text("my notes\n", encoding="utf-8"), "not a community-expert history database"),
    (lambda p, kb: _foreign_sqlite(p), "not a community-expert history database"),
    (_newer, "newer version"),
    (_corrupt, "damaged"),
])
def test_a_foreign_corrupt_or_newer_file_is_refused_naming_it_and_left_untouched(tmp_path, kb, runner, make, message):
    path = tmp_path / "h.sqlite3"
    make(path, kb)
    before = _digest(path)
    with pytest.raises(InputFileError, match=message) as caught:
        History(path, knowledge=kb).record(RECOVERED, as_of="2024-04-30")
    assert str(path) in str(caught.value)
    result = runner.invoke(cli, ["review", "CloudCraft", "--db", str(path)], standalone_mode=False, catch_exceptions=True)
    assert isinstance(result.exception, InputFileError)
    assert _digest(path) == before


def test_the_cli_refuses_a_foreign_file_with_exit_2_and_no_traceback(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "notes.txt"
    path.write_text("not a database", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "expert", "history", "list", "--db", str(path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(path) in done.stderr and "not a community-expert history database" in done.stderr
    assert path.read_text(encoding="utf-8") == "not a database"


# -- the command line -----------------------------------------------------------------------------

def _invoke(runner, *args: str):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_diagnose_records_with_db_then_history_lists_shows_exports_and_review_marks_and_compares(tmp_path, runner):
    import yaml

    db = str(tmp_path / "cli.sqlite3")
    (tmp_path / "march.yaml").write_text(yaml.safe_dump(DECLINE), encoding="utf-8")
    (tmp_path / "april.yaml").write_text(yaml.safe_dump(RECOVERED), encoding="utf-8")
    first = _invoke(runner, "diagnose", str(tmp_path / "march.yaml"), "--db", db, "--as-of", "2024-03-31",
                    "--format", "json")
    action = json.loads(first.stdout)["actions"][0]["id"]
    assert "Recorded as assessment 1 of CloudCraft (2024-03-31)" in first.stderr
    marked = _invoke(runner, "review", "CloudCraft", "--db", db, "--done", action, "--note", "ran it",
                     "--date", "2024-04-10")
    assert f"{action}: done on 2024-04-10" in marked.stderr and "Only one assessment" in marked.stdout
    _invoke(runner, "diagnose", str(tmp_path / "april.yaml"), "--record", "--db", db, "--as-of", "2024-04-30")
    listed = _invoke(runner, "history", "list", "CloudCraft", "--db", db)
    assert "2024-03-31" in listed.stdout and "2024-04-30" in listed.stdout
    review = json.loads(_invoke(runner, "review", "CloudCraft", "--db", db, "--format", "json").stdout)
    assert review["before"]["id"] == 1 and review["after"]["id"] == 2
    assert next(a for a in review["actions"] if a["id"] == action)["status"] == "done"
    zh = _invoke(runner, "review", "CloudCraft", "--db", db, "--lang", "zh", "--format", "markdown").stdout
    assert zh.startswith("# 复盘:CloudCraft") and "已消除" in zh and "成员的声音" in zh
    still = zh.split("仍然未知")[1].split("\n## ")[0]  # recorded in English, reviewed in Chinese
    assert still.strip() and not re.search(r"[A-Za-z]{4,} [a-z]{3,}", re.sub(r"\([a-z_.]+\)", "", still)), still
    exported = yaml.safe_load(_invoke(runner, "history", "export", "1", "--db", db).stdout)
    assert exported["activity"]["activity_change_pct"] == -26
    report = _invoke(runner, "history", "export", "2", "--as", "report", "--lang", "zh", "--db", db,
                     "--format", "markdown").stdout
    assert "CloudCraft" in report and "诊断" in report
    shown = json.loads(_invoke(runner, "history", "show", "1", "--db", db, "--format", "json").stdout)
    assert shown["plan"]["community"] == "CloudCraft" and shown["as_of"] == "2024-03-31"


def test_history_delete_asks_first_and_keeps_the_assessment_when_told_no(tmp_path, runner, kb):
    db = tmp_path / "del.sqlite3"
    History(db, knowledge=kb).record(DECLINE, as_of="2024-03-31")
    kept = runner.invoke(cli, ["history", "delete", "1", "--db", str(db)], input="n\n")
    assert kept.exit_code != 0 and "Delete assessment 1 of CloudCraft" in kept.output
    assert len(History(db, knowledge=kb).assessments()) == 1
    gone = runner.invoke(cli, ["history", "delete", "1", "--db", str(db)], input="y\n")
    assert gone.exit_code == 0 and History(db, knowledge=kb).assessments() == []


def test_expert_db_records_every_run_and_history_path_names_it(tmp_path, runner, monkeypatch):
    db = tmp_path / "env.sqlite3"
    monkeypatch.setenv("EXPERT_DB", str(db))
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "demo.yaml"
    _invoke(runner, "diagnose", str(scenario), "--format", "json")
    assert _invoke(runner, "history", "path").stdout.strip() == str(db)
    assert len(History(db).assessments()) == 1


def test_a_bad_as_of_is_refused_before_any_work_with_exit_2(tmp_path, runner):
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "demo.yaml"
    result = runner.invoke(cli, ["diagnose", str(scenario), "--db", str(tmp_path / "x.sqlite3"), "--as-of", "March"])
    assert isinstance(result.exception, OptionError) and result.exception.exit_code == 2
    assert "'March' is not a date" in str(result.exception) and not (tmp_path / "x.sqlite3").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=st.text(min_size=1, max_size=200), name=st.text(min_size=1, max_size=40).filter(str.strip))
def test_any_note_and_name_round_trip_and_reach_the_terminal_escaped(tmp_path_factory, kb, note, name):
    from expert.render.review import render_review

    history = History(tmp_path_factory.mktemp("p") / "h.sqlite3", knowledge=kb)
    saved = history.record({**DECLINE, "community": {**DECLINE["community"], "name": name}}, as_of="2024-03-31")
    history.member_note(saved.community, note, "2024-04-01")
    assert history.member_notes(saved.community)[0].note == note
    text = render_review(history.review(saved.community), "terminal", kb)
    assert not any(ord(c) < 32 and c != "\n" or c == "\x7f" for c in text)


def test_a_finished_consultation_is_recorded_with_its_situation_and_plan(tmp_path, runner):
    db = tmp_path / "consult.sqlite3"
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "decline_content_fatigue.yaml"
    result = runner.invoke(cli, ["consult", "--from", str(scenario), "--session", str(tmp_path / "s.session.yaml"),
                                 "--db", str(db), "--as-of", "2024-03-31", "--format", "json"], input="done\n")
    assert result.exit_code == 0, result.output
    (saved,) = History(db).assessments()
    assert (saved.kind, saved.as_of, saved.community) == ("consult", "2024-03-31", "CloudCraft")
    assert saved.situation["activity"]["activity_change_pct"] == -26
