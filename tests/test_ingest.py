"""Generic CSV/JSONL logs: parsed events and every metric checked against hand-computed values."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from expert.ingest import Analysis, Event, analyze_export, detect_format, read_events
from expert.ingest.identity import pseudonym

FIX = Path(__file__).parent / "fixtures" / "ingest"
UNTIL = "2024-07-01T00:00:00Z"

# Worked by hand from tests/fixtures/ingest/events.csv (see the comments for the arithmetic).
EXPECTED = {
    "activity": {
        "activity_change_pct": -10.0,            # 9 non-bot events now vs 10 in the baseline
        "active_members_change_pct": 66.7,       # 5 actors vs 3
        "year_over_year_change_pct": 350.0,      # 9 vs 2 a year earlier
        "returning_member_share": 0.6,           # alice, bob, carol of 5
        "admin_reply_share": 0.2,                # 1 staff reply of 5
        "member_to_member_reply_share": 0.6,     # 3 of 5 replies have no staff on either side
        "member_to_member_reply_share_change_pct": 140.0,  # 0.6 vs 1/4
        "reply_coverage": 0.5,                   # t7, t8 answered within 7 days; t9 never, t10 after 10 days
        "median_first_response_hours": 6.0,      # median(6, 3, 240)
        "median_first_response_hours_change_pct": 300.0,   # 6 vs median(2, 4, 1, 0.5) = 1.5
    },
    "contributors": {
        "core_total": 2,                 # alice and bob have 4 baseline events each
        "core_inactive_4w": 1,           # alice's last event is 2024-05-02
        "lost_regulars": 0,
        "top_contributor_share": 0.333,  # carol 3 of 9
        "top10_share": 1.0,
        "bus_factor": 2,                 # 3 + 2 >= 9 / 2
    },
    "lifecycle": {"joined": 2, "activated": 1, "newcomer_activation_rate": 0.5},  # dave (2 events), erin (1)
}


@pytest.fixture(scope="module")
def csv_analysis() -> Analysis:
    """The CSV fixture analysed with an explicit `until` so windows are fixed."""
    return analyze_export(FIX / "events.csv", until=UNTIL)


def test_detects_csv_and_jsonl():
    assert detect_format(FIX / "events.csv") == "csv"
    assert detect_format(FIX / "events.jsonl") == "jsonl"


def test_csv_events_are_parsed_and_pseudonymised():
    events = list(read_events(FIX / "events.csv"))
    assert len(events) == 22
    first = events[0]
    assert isinstance(first, Event)
    assert first.timestamp == datetime(2023, 5, 1, 10, tzinfo=timezone.utc)
    assert first.actor == pseudonym("alice@example.org") and first.is_staff and not first.is_bot
    assert first.kind == "post" and first.thread == "t0" and first.channel == "general"
    assert events[1].actor == pseudonym("bob@example.org")  # identities are lower-cased before hashing
    assert events[3].reply_to == pseudonym("carol@example.org")
    assert events[11].timestamp == datetime(2024, 2, 6, 10, tzinfo=timezone.utc)  # +02:00 converted to UTC
    assert [e.is_bot for e in events].count(True) == 1  # "ci[bot]"


def test_event_is_frozen_with_slots():
    ev = next(iter(read_events(FIX / "events.csv")))
    assert not hasattr(ev, "__dict__")
    with pytest.raises(AttributeError):
        ev.actor = "x"  # type: ignore[misc]


@pytest.mark.parametrize("group", sorted(EXPECTED))
def test_csv_metrics_match_hand_computation(csv_analysis, group):
    assert csv_analysis.facts[group] == EXPECTED[group]


def test_jsonl_gives_the_same_facts(csv_analysis):
    assert analyze_export(FIX / "events.jsonl", until=UNTIL).facts == csv_analysis.facts


def test_metrics_carry_definition_and_evidence(csv_analysis):
    by_fact = {m.fact: m for m in csv_analysis.metrics}
    assert set(by_fact) == {f"{g}.{k}" for g, fields in EXPECTED.items() for k in fields}
    ttfr = by_fact["activity.median_first_response_hours"]
    assert ttfr.definition_key == ttfr.fact and "CHAOSS" in ttfr.definition("en") and ttfr.unit == "h"
    assert ttfr.evidence["threads_started"] == 4 and ttfr.evidence["threads_responded"] == 3
    assert "Contributor Absence Factor" in by_fact["contributors.bus_factor"].definition("en")
    assert by_fact["contributors.core_total"].definition("zh") == "在基线窗口内贡献不少于 4 次的参与者人数。"
    change = by_fact["activity.activity_change_pct"]
    assert change.evidence == {"current_events": 9, "baseline_events": 10, "windows": change.evidence["windows"]}
    assert change.evidence["windows"]["current"] == {"start": "2024-04-02T00:00:00+00:00", "end": "2024-07-01T00:00:00+00:00"}


def test_windows_and_counts(csv_analysis):
    w = csv_analysis.windows
    assert w.current.end == datetime(2024, 7, 1, tzinfo=timezone.utc)
    assert w.baseline.start == datetime(2024, 1, 3, tzinfo=timezone.utc)
    assert w.year_ago.end == datetime(2023, 7, 2, tzinfo=timezone.utc)
    assert csv_analysis.events_read == 22
    assert csv_analysis.format == "csv" and csv_analysis.source == "events.csv"
    assert {"key": "bots_excluded", "values": {"count": 1}} in [n.model_dump() for n in csv_analysis.notes]


def test_until_defaults_to_latest_event():
    a = analyze_export(FIX / "events.csv")
    assert a.windows.current.end == datetime(2024, 6, 30, 10, tzinfo=timezone.utc)  # the bot event counts for the bound


def test_since_drops_earlier_events():
    a = analyze_export(FIX / "events.csv", until=UNTIL, since="2024-01-01")
    assert "year_over_year_change_pct" not in a.facts["activity"]
    assert "no_year_ago_events" in [n.key for n in a.notes]


def test_configured_staff_and_bots():
    a = analyze_export(FIX / "events.csv", until=UNTIL, staff=["carol@*"], bots=[pseudonym("erin@example.org")])
    by_fact = {m.fact: m for m in a.metrics}
    # carol's 3 current replies/posts are now staff; replies by carol: 2 (plus alice's 1) = 3 of 5
    assert a.facts["activity"]["admin_reply_share"] == 0.6
    assert by_fact["contributors.top10_share"].evidence["current_contributions"] == 8  # erin excluded


def test_facts_omitted_without_baseline():
    a = analyze_export(FIX / "events.csv", until=UNTIL, since="2024-04-01")
    assert "activity_change_pct" not in a.facts["activity"]
    assert "core_total" not in a.facts.get("contributors", {})
    assert "lifecycle" not in a.facts
    assert "no_baseline_events" in [n.key for n in a.notes]


def test_window_days_changes_windows():
    a = analyze_export(FIX / "events.csv", until=UNTIL, window_days=30)
    assert a.windows.current.start == datetime(2024, 6, 1, tzinfo=timezone.utc)


def test_progress_callback_reports_final_count():
    seen = []
    analyze_export(FIX / "events.csv", until=UNTIL, progress=seen.append)
    assert seen[-1] == 22
