"""The whole history read as an analyst would: real project histories tell their public stories, and
generated series obey the properties a burst-proof, sample-aware analysis must have."""
from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import expert
from expert.analysis.situation import situation_from_analysis
from expert.ingest import analyze_export
from expert.ingest.history import poisson_cdf, robust_change, usual_gap
from expert.knowledge import load_knowledge

GIT = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "git"
START = datetime(2020, 1, 1, tzinfo=UTC)


def _certainties(path: Path, until: str | datetime) -> tuple[dict[str, float], dict]:
    """Analyze an export up to `until` and diagnose what it shows: ({diagnosis: certainty}, facts)."""
    analysis = analyze_export(path, until=until)
    plan = expert.diagnose(situation_from_analysis(analysis, load_knowledge(), path.stem))
    return {d.id: d.certainty for d in plan.diagnoses}, analysis.facts


def _story(repo: str, until: str) -> tuple[dict[str, float], dict]:
    """A realdata history at a date, skipping when realdata is absent."""
    path = GIT / f"{repo}.events.csv"
    if not path.is_file():
        pytest.skip("shared realdata not available")
    return _certainties(path, until)


def test_pyknow_2019_reads_dormant_with_its_core_lost():
    """Last commit 2018-05, declared abandoned 2019-03: an empty window after years is the strongest fact."""
    dx, facts = _story("buguroo__pyknow", "2019-03-01")
    assert dx["situation.activity_decline"] >= 0.5 and dx["situation.core_churn"] >= 0.5
    assert facts["activity"]["days_since_last_activity"] >= 3 * facts["activity"]["usual_gap_days"]
    assert facts["contributors"]["lost_regulars"] == facts["contributors"]["core_total"] >= 1


def test_nose_2016_reads_declining_with_a_bus_factor_risk():
    dx, _ = _story("nose-devs__nose", "2016-06-01")
    assert dx["situation.activity_decline"] >= 0.5 and dx["risk.bus_factor"] >= 0.5


def test_event_stream_2018_shows_the_handover_and_bus_factor():
    """Dormant for years, the author gone, every recent commit by a newcomer: the 2018 incident's pattern."""
    dx, facts = _story("dominictarr__event-stream", "2018-10-01")
    assert facts["contributors"]["handover_to_newcomers"] is True
    assert dx["risk.unvetted_rights"] >= 0.5 and dx["risk.bus_factor"] >= 0.5


def test_click_2026_after_a_release_sprint_is_not_a_collapse():
    """A busy quarter before must not make a healthy, maintained project read as declining or churning."""
    dx, facts = _story("pallets__click", "2026-09-01")
    assert dx.get("situation.activity_decline", 0) < 0.5 and dx.get("situation.core_churn", 0) < 0.5
    assert facts["activity"]["trailing_12m_change_pct"] > 0


def test_rye_2023_is_a_cold_start_not_a_decline():
    dx, facts = _story("astral-sh__rye", "2023-07-01")
    assert facts["community"]["age_months"] < 3
    assert dx["stage.cold_start"] >= 0.5 and "situation.activity_decline" not in dx


def test_experta_2021_reads_dormant_with_a_bus_factor_risk():
    dx, facts = _story("nilp0inter__experta", "2021-06-01")
    assert dx["situation.activity_decline"] >= 0.5 and dx["risk.bus_factor"] >= 0.5
    assert facts["activity"]["days_since_last_activity"] > 200


# --- Properties on generated histories -------------------------------------------------------------

def _write(daily: list[int], actors: int = 12) -> Path:
    """A CSV log with daily[i] events on day i, spread round-robin over `actors` people."""
    path = Path(tempfile.mkdtemp()) / "log.csv"
    lines = ["timestamp,actor,kind"]
    n = 0
    for day, count in enumerate(daily):
        for j in range(count):
            ts = START + timedelta(days=day, minutes=j)
            lines.append(f"{ts:%Y-%m-%dT%H:%M:%SZ},user{n % actors}@example.org,post")
            n += 1
    path.write_text("\n".join(lines) + "\n")
    return path


def _decline(daily: list[int], actors: int = 12, until_day: int | None = None) -> float:
    """Certainty of situation.activity_decline for a generated daily series."""
    until = START + timedelta(days=(len(daily) if until_day is None else until_day))
    dx, _ = _certainties(_write(daily, actors), until)
    return dx.get("situation.activity_decline", 0.0)


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(per_day=st.integers(1, 6), days=st.integers(400, 800))
def test_a_flat_series_is_never_a_decline(per_day, days):
    assert _decline([per_day] * days) < 0.5


@SETTINGS
@given(level=st.integers(1, 4), burst=st.integers(5, 20), after=st.integers(90, 200))
def test_one_burst_then_the_usual_level_is_not_a_decline(level, burst, after):
    daily = [level] * 450 + [level * burst] * 90 + [level] * after
    assert _decline(daily) < 0.5


@SETTINGS
@given(level=st.integers(1, 5), silence=st.integers(60, 400))
def test_silence_after_a_steady_history_is_dormancy(level, silence):
    daily = [level] * 500
    assert _decline(daily, until_day=500 + silence) >= 0.9


@SETTINGS
@given(level=st.integers(1, 8), drop=st.floats(0.0, 0.9), shrink=st.integers(2, 6))
def test_shrinking_the_sample_never_raises_a_certainty(level, drop, shrink):
    """The same shape with `shrink` times fewer events is never judged more surely."""
    small = [level] * 540 + [round(level * drop)] * 90
    full = [n * shrink for n in small]
    assert _decline(small, actors=4) <= _decline(full, actors=4)


def test_count_test_and_reference_are_burst_proof():
    change = robust_change(90, [240, 30, 120, 140, 110, 35, 60, 20])
    assert change is not None and change.reference == 130.0 and change.signal == "within_normal_swing"
    assert robust_change(1, [6, 35, 9, 17]).signal == "clear"  # well below the range and the count test
    assert robust_change(0, [1, 0, 0, 0]).signal == "too_few_events"  # nothing to tell from chance
    assert robust_change(5, [0, 0, 0, 0]) is None  # no earlier activity: no reference at all
    assert poisson_cdf(0, 1.0) == pytest.approx(0.3679, abs=1e-4)
    assert poisson_cdf(2000, 10_000.0) == pytest.approx(0.0, abs=1e-12)  # no underflow error on big counts
    assert usual_gap([1, 2, 3, 10]) == pytest.approx(5.8)  # gaps 1, 1, 7: p90 interpolated


# --- Bots listed, issue trackers' resolution --------------------------------------------------------

FORUM = Path(__file__).parent / "fixtures" / "ingest" / "forum.csv"


def test_accounts_excluded_as_bots_are_listed_with_the_rule_and_their_events():
    analysis = analyze_export(FORUM)
    assert [(b.rule, b.pattern, b.events) for b in analysis.bots] == [("name", "*[bot]", 13)]
    assert "digest" not in analysis.model_dump_json()  # pseudonyms only, never the account's name
    assert analysis.bots[0].text("zh") == "名称符合机器人名称模式 *[bot]"


def _github_pages(folder: Path, issues: int = 8) -> Path:
    """Issue and comment pages: issue n opened on day n, answered after n hours, closed after n days."""
    import json
    base = datetime(2024, 3, 1, 9, tzinfo=UTC)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    page, comments = [], []
    for n in range(1, issues + 1):
        opened = base + timedelta(days=n)
        page.append({"url": f"https://api.github.com/repos/acme/w/issues/{n}", "number": n,
                     "user": {"login": f"user{n}", "id": n, "type": "User"}, "author_association": "NONE",
                     "state": "closed", "created_at": iso(opened), "closed_at": iso(opened + timedelta(days=n)),
                     "closed_by": {"login": "maint", "id": 99, "type": "User"}})
        comments.append({"id": 1000 + n, "issue_url": f"https://api.github.com/repos/acme/w/issues/{n}",
                         "user": {"login": "maint", "id": 99, "type": "User"}, "author_association": "MEMBER",
                         "created_at": iso(opened + timedelta(hours=n))})
    folder.mkdir()
    (folder / "issues.json").write_text(json.dumps(page))
    (folder / "comments.json").write_text(json.dumps(comments))
    return folder


def test_issue_tracker_gives_resolution_duration_and_response_rate(tmp_path):
    """CHAOSS Issue Resolution Duration from close events, which are not counted as activity."""
    analysis = analyze_export(_github_pages(tmp_path / "gh"), until="2024-04-01")
    activity = analysis.facts["activity"]
    assert activity["median_resolution_days"] == 4.5  # closed after 1..8 days
    assert activity["response_rate"] == 1.0 and activity["median_first_response_hours"] == 4.5
    assert analysis.history[-2].events == 16  # 8 issues + 8 comments in March; the 8 closes are not activity


def test_too_few_closed_issues_leave_resolution_out(tmp_path):
    analysis = analyze_export(_github_pages(tmp_path / "gh", issues=6), until="2024-03-10")
    assert "median_resolution_days" not in analysis.facts["activity"]
    assert "too_few_closed" in [n.key for n in analysis.notes]


def test_every_evidence_key_has_a_label_in_both_languages(tmp_path):
    """Guards: the Chinese report showed evidence as raw English keys (current=0, span=last_12_months)."""
    from expert.ingest.report import ingest_texts
    labels = ingest_texts()["evidence"]
    analyses = [analyze_export(FORUM), analyze_export(FORUM, until="2030-01-01"),
                analyze_export(_github_pages(tmp_path / "gh"), until="2024-04-01")]
    for analysis in analyses:
        for metric in analysis.metrics:
            for key, value in metric.evidence.items():
                if key != "windows":
                    assert labels[key]["en"] and labels[key]["zh"], key
                if key == "span":
                    assert f"span.{value}" in labels
