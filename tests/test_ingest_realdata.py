"""Integration over /work/shared/realdata: metrics re-derived independently (monthly CSVs, naive recount)."""
from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median

import pytest

from expert.ingest import analyze_export, history, read_events
from expert.ingest import facts as facts_module

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
GIT = REALDATA / "git"
REPOS = ["buguroo__pyknow", "nilp0inter__experta", "nose-devs__nose", "pallets__click",
         "dominictarr__event-stream", "astral-sh__rye"]

pytestmark = pytest.mark.skipif(not GIT.is_dir(), reason="shared realdata not available")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _bots(repo: str) -> list[str]:
    """Bot actor ids as listed in SNAPSHOTS.csv ('id=name;id=name')."""
    row = next(r for r in _rows(GIT / "SNAPSHOTS.csv") if r["events_csv"] == f"{repo}.events.csv")
    return [item.split("=", 1)[0] for item in row["bot_actors"].split(";") if item]


def _month_window(month: str) -> tuple[datetime, int]:
    """(until, days) so that the (until - days, until] window is the calendar month plus 11 before it."""
    y, m = map(int, month.split("-"))
    until = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
    start = datetime(y - 1 + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
    return until, (until - start).days


@pytest.mark.parametrize("repo", REPOS)
def test_event_count_matches_monthly_commits(repo):
    monthly = _rows(GIT / f"{repo}.monthly.csv")
    events = list(read_events(GIT / f"{repo}.events.csv"))
    assert len(events) == sum(int(r["commits"]) for r in monthly)


@pytest.mark.parametrize("repo", REPOS)
def test_bus_factor_matches_monthly_12m_columns(repo):
    """Our CHAOSS absence factor over a 12-calendar-month window equals the published bus_factor_12m."""
    need = history.MINIMUM["contributions_for_concentration"]
    monthly = [r for r in _rows(GIT / f"{repo}.monthly.csv") if r["bus_factor_12m"] and int(r["commits_12m"]) >= need]
    for row in monthly[-1:] + monthly[len(monthly) // 2:len(monthly) // 2 + 1]:
        until, days = _month_window(row["month"])
        a = analyze_export(GIT / f"{repo}.events.csv", until=until - timedelta(microseconds=1), window_days=days)
        bus = next(m for m in a.metrics if m.fact == "contributors.bus_factor")
        assert bus.evidence["span"] == "current_window"
        assert bus.value == int(row["bus_factor_12m"]), row["month"]
        assert bus.evidence["contributions"] == int(row["commits_12m"])
        assert bus.evidence["contributors"] == int(row["authors_12m"])


@pytest.mark.parametrize("repo", REPOS)
def test_top_share_matches_monthly_top_author_share(repo):
    row = max(_rows(GIT / f"{repo}.monthly.csv"), key=lambda r: int(r["commits"]))
    y, m = map(int, row["month"].split("-"))
    until = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
    days = (until - datetime(y, m, 1, tzinfo=UTC)).days
    a = analyze_export(GIT / f"{repo}.events.csv", until=until - timedelta(microseconds=1), window_days=days)
    assert a.facts["contributors"]["top_contributor_share"] == pytest.approx(float(row["top_author_share"]), abs=5e-4)


def _naive(repo: str, bots: set[str]) -> dict:
    """Recompute the headline facts with plain Python over the whole events file."""
    rows = [(datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")), r["actor"])
            for r in _rows(GIT / f"{repo}.events.csv") if r["actor"] not in bots]
    until = max(t for t, _ in rows)
    u = until.date().toordinal()
    oldest = (u - min(t for t, _ in rows).date().toordinal()) // 90
    windows = [sum(1 for t, _ in rows if (u - t.date().toordinal()) // 90 == k) for k in range(oldest + 1)]
    cur = [a for t, a in rows if until - timedelta(days=90) < t <= until]
    first = {}
    for t, a in rows:
        first[a] = min(first.get(a, t), t)
    start = until - timedelta(days=90)
    end_month = start.year * 12 + start.month - 2
    months: dict[str, set] = {}
    for t, a in rows:
        if end_month - 11 <= t.year * 12 + t.month - 1 <= end_month:
            months.setdefault(a, set()).add(t.year * 12 + t.month)
    joined = {a for a, t in first.items() if t > start}
    regular = [m for m in months.values() if len(m) >= 3 and max(m) - min(m) + 1 >= 4]  # not one busy quarter
    out = {"windows": windows, "core_total": len(regular),
           "joined": len(joined), "activated": sum(1 for a in joined if Counter(cur)[a] >= 2)}
    if len(cur) >= 20:
        top = Counter(cur).most_common()
        out["top"] = round(top[0][1] / len(cur), 3)
    return out


@pytest.mark.parametrize("repo", REPOS)
def test_default_window_facts_match_naive_recount(repo):
    bots = _bots(repo)
    a = analyze_export(GIT / f"{repo}.events.csv", bots=bots)
    n = _naive(repo, set(bots))
    if "top" in n:
        assert a.facts["contributors"]["top_contributor_share"] == n["top"]
    earlier = n["windows"][1:5]
    if any(earlier):
        ref = median(earlier) or sum(earlier) / len(earlier)
        assert a.facts["activity"]["activity_change_pct"] == round((n["windows"][0] - ref) / ref * 100, 1)
        assert a.facts["contributors"]["core_total"] == n["core_total"]
    else:
        assert "activity_change_pct" not in a.facts.get("activity", {})
    assert a.facts["lifecycle"]["joined"] == n["joined"]
    assert a.facts["lifecycle"]["activated"] == n["activated"]


def test_click_bots_are_excluded():
    bots = _bots("pallets__click")
    assert len(bots) == 4
    with_bots = analyze_export(GIT / "pallets__click.events.csv")
    without = analyze_export(GIT / "pallets__click.events.csv", bots=bots)
    assert "bots_excluded" in [n.key for n in without.notes]
    assert "bots_excluded" not in [n.key for n in with_bots.notes]


@pytest.mark.parametrize("sample", ["slack/testarchive.zip", "discord/SV_5A_5M.json", "telegram/DM_2A_7M.json",
                                    "telegram/MultiChat_2C_6M.json", "telegram/telegram_messages.json",
                                    "discourse/discourse_topic_1148.json", "discourse/discourse_topics.json",
                                    "mbox/mbox_complex.mbox", "mbox/pipermail_2016_april.mbox"])
def test_format_samples_are_readable(sample):
    path = REALDATA / "formats" / sample
    if not path.exists():
        pytest.skip("sample missing")
    a = analyze_export(path)
    assert a.events_read > 0 and a.history and a.facts["activity"]["days_since_last_activity"] >= 0
    assert a.facts.get("contributors", {}).get("bus_factor") or "too_few_contributions" in [n.key for n in a.notes]


def test_discourse_sample_first_response_recomputed(monkeypatch):
    """Topic 1148: first post by gorhill; recount the first reply by someone else from the raw JSON."""
    import json
    path = REALDATA / "formats" / "discourse" / "discourse_topic_1148.json"
    posts = json.loads(path.read_text())["post_stream"]["posts"]
    t0 = datetime.fromisoformat(posts[0]["created_at"].replace("Z", "+00:00"))
    t1 = min(datetime.fromisoformat(p["created_at"].replace("Z", "+00:00"))
             for p in posts if p["username"] != posts[0]["username"])
    monkeypatch.setattr(facts_module, "MINIMUM_THREADS", 1)  # one topic: the arithmetic, not the judgment
    a = analyze_export(path)
    assert a.facts["activity"]["median_first_response_hours"] == round((t1 - t0).total_seconds() / 3600, 1)
