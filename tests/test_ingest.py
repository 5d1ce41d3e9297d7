"""Generic CSV/JSONL logs: parsed events and every metric checked against hand-computed values."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from expert.ingest import Analysis, Event, analyze_export, detect_format, read_events
from expert.ingest import facts as facts_module
from expert.ingest import history as history_module
from expert.ingest.identity import pseudonym

FIX = Path(__file__).parent / "fixtures" / "ingest"
UNTIL = "2024-07-01T00:00:00Z"

# Worked by hand from tests/fixtures/ingest/events.csv (see the comments for the arithmetic). The
# fixture is far smaller than the minimum evidence the metrics need, so CSV_MINIMUMS lowers those
# minimums to check the arithmetic; test_small_samples_are_left_out_with_a_note checks the defaults.
EXPECTED = {
    "community": {"age_months": 14.0},           # 2023-05-01 -> 2024-07-01 is 427 days / 30.44
    "activity": {
        "days_since_last_activity": 10.6,        # bob's reply at 2024-06-20T10:00Z (the bot event does not count)
        "usual_gap_days": 68.8,                  # p90 of the 14 gaps between the 15 active days
        # Day windows of 90 days back from 2024-06-30: 9 events now; before: 10, 0, 0 (the window holding
        # the first event is partial and left out) -> median 0, so the mean 10/3 is the reference
        "activity_change_pct": 170.0,
        "activity_change_signal": "within_normal_swing",   # 9 lies inside 0..10, the earlier windows' range
        "active_members_change_pct": 400.0,      # 5 actors now; before: 3, 0, 0 -> median 0, mean 1
        "active_members_change_signal": "clear",  # 5 is above the earlier range 0..3
        "year_over_year_change_pct": 350.0,      # 9 vs 2 a year earlier
        "returning_member_share": 0.6,           # alice, bob, carol of 5
        "admin_reply_share": 0.2,                # 1 staff reply of 5
        "member_to_member_reply_share": 0.6,     # 3 of 5 replies have no staff on either side
        "member_to_member_reply_share_change_pct": 140.0,  # 0.6 vs 1/4
        "reply_coverage": 0.5,                   # t7, t8 answered within 7 days; t9 never, t10 after 10 days
        "response_rate": 0.75,                   # t7, t8, t10 answered at all; t9 never
        "median_first_response_hours": 6.0,      # median(6, 3, 240)
        "median_first_response_hours_change_pct": 300.0,   # 6 vs median(2, 4, 1, 0.5) = 1.5
    },
    "contributors": {
        "core_total": 0,                 # alice and bob are active in 2 months of the year before (3 needed)
        "core_inactive_4w": 0,
        "lost_regulars": 0,
        "top_contributor_share": 0.333,  # carol 3 of 9 in the current window
        "top10_share": 1.0,
        "bus_factor": 2,                 # 3 + 2 >= 9 / 2
        "newcomer_activity_share": 0.333,  # dave 2 + erin 1 of 9
        "handover_to_newcomers": False,  # no long-time regular to have gone quiet
    },
    "lifecycle": {"joined": 2, "activated": 1, "newcomer_activation_rate": 0.5},  # dave (2 events), erin (1)
}
# Minimum evidence lowered so the tiny fixture exercises every computation.
CSV_MINIMUMS = {"MINIMUM_REPLIES": 1, "MINIMUM_THREADS": 1, "MINIMUM_JOINED": 1}
CSV_HISTORY_MINIMUMS = {"contributions_for_concentration": 1, "handover_events": 1}


@pytest.fixture(scope="module")
def csv_analysis() -> Analysis:
    """The CSV fixture analysed with an explicit `until` so windows are fixed, minimums lowered."""
    with pytest.MonkeyPatch.context() as mp:
        lower_minimums(mp)
        return analyze_export(FIX / "events.csv", until=UNTIL)


def lower_minimums(mp: pytest.MonkeyPatch) -> None:
    """Lower the minimum evidence so a hand-checkable fixture yields every metric."""
    for name, value in CSV_MINIMUMS.items():
        mp.setattr(facts_module, name, value)
    for key, value in CSV_HISTORY_MINIMUMS.items():
        mp.setitem(history_module.MINIMUM, key, value)


def test_small_samples_are_left_out_with_a_note():
    """Guards: no finding from a handful of events (5 replies, 4 threads, 9 contributions, 2 newcomers)."""
    a = analyze_export(FIX / "events.csv", until=UNTIL)
    keys = [n.key for n in a.notes]
    assert {"too_few_replies", "too_few_threads", "too_few_joined"} <= set(keys)
    assert "admin_reply_share" not in a.facts["activity"] and "reply_coverage" not in a.facts["activity"]
    bus = next(m for m in a.metrics if m.fact == "contributors.bus_factor")
    assert bus.evidence["span"] == "last_24_months" and bus.evidence["contributions"] == 21  # 9 now: too few
    assert "handover_to_newcomers" not in a.facts["contributors"]  # 9 current events, 10 needed


def test_detects_csv_and_jsonl():
    assert detect_format(FIX / "events.csv") == "csv"
    assert detect_format(FIX / "events.jsonl") == "jsonl"


def test_csv_events_are_parsed_and_pseudonymised():
    events = list(read_events(FIX / "events.csv"))
    assert len(events) == 22
    first = events[0]
    assert isinstance(first, Event)
    assert first.timestamp == datetime(2023, 5, 1, 10, tzinfo=UTC)
    assert first.actor == pseudonym("alice@example.org") and first.is_staff and not first.is_bot
    assert first.kind == "post" and first.thread == "t0" and first.channel == "general"
    assert events[1].actor == pseudonym("bob@example.org")  # identities are lower-cased before hashing
    assert events[3].reply_to == pseudonym("carol@example.org")
    assert events[11].timestamp == datetime(2024, 2, 6, 10, tzinfo=UTC)  # +02:00 converted to UTC
    assert [e.is_bot for e in events].count(True) == 1  # "ci[bot]"


def test_event_is_frozen_with_slots():
    ev = next(iter(read_events(FIX / "events.csv")))
    assert not hasattr(ev, "__dict__")
    with pytest.raises(AttributeError):
        ev.actor = "x"  # type: ignore[misc]


@pytest.mark.parametrize("group", sorted(EXPECTED))
def test_csv_metrics_match_hand_computation(csv_analysis, group):
    assert csv_analysis.facts[group] == EXPECTED[group]


def test_jsonl_gives_the_same_facts(csv_analysis, monkeypatch):
    lower_minimums(monkeypatch)
    assert analyze_export(FIX / "events.jsonl", until=UNTIL).facts == csv_analysis.facts


def test_metrics_carry_definition_and_evidence(csv_analysis):
    by_fact = {m.fact: m for m in csv_analysis.metrics}
    assert set(by_fact) == {f"{g}.{k}" for g, fields in EXPECTED.items() for k in fields}
    ttfr = by_fact["activity.median_first_response_hours"]
    assert ttfr.definition_key == ttfr.fact and "CHAOSS" in ttfr.definition("en") and ttfr.unit == "h"
    assert ttfr.evidence["threads_started"] == 4 and ttfr.evidence["threads_responded"] == 3
    assert "Contributor Absence Factor" in by_fact["contributors.bus_factor"].definition("en")
    assert by_fact["contributors.core_total"].definition("zh").startswith("常客:在当前窗口之前的 12 个月中至少有 3 个不同月份活跃")
    change = by_fact["activity.activity_change_pct"]
    assert change.evidence == {"current": 9, "reference": 3.3, "reference_windows": 3, "normal_low": 0,
                               "normal_high": 10, "signal": "within_normal_swing",  # a rise: no count test
                               "windows": change.evidence["windows"]}
    assert change.evidence["windows"]["current"] == {"start": "2024-04-02T00:00:00+00:00", "end": "2024-07-01T00:00:00+00:00"}


def test_windows_and_counts(csv_analysis):
    w = csv_analysis.windows
    assert w.current.end == datetime(2024, 7, 1, tzinfo=UTC)
    assert w.baseline.start == datetime(2024, 1, 3, tzinfo=UTC)
    assert w.year_ago.end == datetime(2023, 7, 2, tzinfo=UTC)
    assert csv_analysis.events_read == 22
    assert csv_analysis.format == "csv" and csv_analysis.source == "events.csv"
    assert {"key": "bots_excluded", "values": {"count": 1}, "section": "notes"} in [n.model_dump() for n in csv_analysis.notes]


def test_until_defaults_to_latest_event():
    a = analyze_export(FIX / "events.csv")
    assert a.windows.current.end == datetime(2024, 6, 30, 10, tzinfo=UTC)  # the bot event counts for the bound


def test_since_drops_earlier_events():
    a = analyze_export(FIX / "events.csv", until=UNTIL, since="2024-01-01")
    assert "year_over_year_change_pct" not in a.facts["activity"]
    assert "no_year_ago_events" in [n.key for n in a.notes]


def test_configured_staff_and_bots(monkeypatch):
    lower_minimums(monkeypatch)
    a = analyze_export(FIX / "events.csv", until=UNTIL, staff=["carol@*"], bots=[pseudonym("erin@example.org")])
    by_fact = {m.fact: m for m in a.metrics}
    # carol's 3 current replies/posts are now staff; replies by carol: 2 (plus alice's 1) = 3 of 5
    assert a.facts["activity"]["admin_reply_share"] == 0.6
    assert by_fact["contributors.top10_share"].evidence["contributions"] == 8  # erin excluded


def test_facts_omitted_without_baseline():
    a = analyze_export(FIX / "events.csv", until=UNTIL, since="2024-04-01")
    assert "activity_change_pct" not in a.facts["activity"]
    assert "core_total" not in a.facts.get("contributors", {})
    assert "lifecycle" not in a.facts
    assert "no_baseline_events" in [n.key for n in a.notes]


def test_window_days_changes_windows():
    a = analyze_export(FIX / "events.csv", until=UNTIL, window_days=30)
    assert a.windows.current.start == datetime(2024, 6, 1, tzinfo=UTC)


def test_progress_callback_reports_final_count():
    seen = []
    analyze_export(FIX / "events.csv", until=UNTIL, progress=seen.append)
    assert seen[-1] == 22


def _log(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A CSV event log of (timestamp, actor, kind, thread) rows."""
    path.write_text("timestamp,actor,kind,thread\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_windows_are_whole_days_ending_with_the_latest_events_day(tmp_path):
    # Latest event 2024-06-30T15:00: the current 90-day window is the days 2024-04-02 .. 2024-06-30,
    # whatever the time of day: an event at 00:00:01 on 2024-04-02 is in it, one at 23:59 the day
    # before is in the baseline (an exact cut at 15:00 ninety days back would have put both in it).
    rows = [("2024-04-02T00:00:01Z", "a@x.org", "message", ""), ("2024-04-01T23:59:00Z", "b@x.org", "message", ""),
            ("2024-06-30T15:00:00Z", "a@x.org", "message", "")]
    analysis = analyze_export(_log(tmp_path / "days.csv", rows))
    assert analysis.windows.current.start == datetime(2024, 4, 2, tzinfo=UTC)
    assert analysis.windows.current.end == datetime(2024, 6, 30, 15, tzinfo=UTC)
    assert analysis.windows.baseline.start == datetime(2024, 1, 3, tzinfo=UTC)
    share = next(m for m in analysis.metrics if m.fact == "activity.returning_member_share")
    assert share.evidence["current_members"] == 1 and share.evidence["returning_members"] == 0
    # --until at midnight ends the day before: the same windows as the latest event's day.
    until = analyze_export(_log(tmp_path / "days.csv", rows), until="2024-07-01")
    assert until.windows.current.start == datetime(2024, 4, 2, tzinfo=UTC)


def _tally_sizes(path: Path) -> tuple[int, int, int]:
    """(actor-days, thread-day slots, reply days) the streaming accumulator keeps at the end of a read."""
    from expert.ingest.csvlog import read_csv
    from expert.ingest.identity import Identities
    from expert.ingest.metrics import Accumulator

    acc = Accumulator(window_days=30)
    acc.consume(read_csv(path, Identities()))
    return (sum(len(c) for c in acc.counts.values()), sum(len(r) for r in acc.thread_days.values()),
            len(acc.reply_days))


def test_the_recent_past_is_kept_per_day_not_per_event(tmp_path):
    from expert.ingest.metrics import PRUNE_DAYS

    # The same 20 actors and 10 threads over the same 400 days, 2 or 8 events a day per actor:
    # four times the events, the same per-day tallies.
    def rows(per_day: int) -> list[tuple[str, str, str, str]]:
        out = []
        for day in range(400):
            for actor in range(20):
                for k in range(per_day):
                    stamp = f"{datetime.fromordinal(738000 + day).date().isoformat()}T{actor:02d}:{k:02d}:00Z"
                    out.append((stamp, f"u{actor}@x.org", "reply" if k else "post", f"t{(day + actor) % 10}"))
        return out

    sparse = _tally_sizes(_log(tmp_path / "sparse.csv", rows(2)))
    dense = _tally_sizes(_log(tmp_path / "dense.csv", rows(8)))
    assert dense == sparse
    assert sparse[0] <= 20 * 400 and sparse[2] <= 2 * 30 + PRUNE_DAYS  # old days are dropped every PRUNE_DAYS
