"""`expert review --format html` (issue 14 item 4): the review as a self-contained page in the HTML report's
style, its sections in the order of the other formats, a trend chart per key fact with its numbers in words,
everything from outside escaped, no request made."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expert.cli.main import cli
from expert.history.store import History
from expert.render.review import render_review

from .htmlpage import Page

ROOT = Path(__file__).resolve().parent.parent
OBJECTIVE = {"objective": "members help each other", "success_metric": "questions solved by members"}
ACTIVITY = [  # March: a decline; April: it recovers; May: it keeps growing
    {"activity_change_pct": -26, "official_content_engagement_change_pct": -40, "content_repetition": True,
     "year_over_year_change_pct": -24},
    {"activity_change_pct": 4, "official_content_engagement_change_pct": 3, "content_repetition": False,
     "year_over_year_change_pct": 2},
    {"activity_change_pct": 10, "official_content_engagement_change_pct": 8, "content_repetition": False,
     "year_over_year_change_pct": 6}]
DATES = ["2024-03-31", "2024-04-30", "2024-05-31"]
OUTSIDE = ("src", "href", "xlink:href", "action", "data", "poster", "srcset")


def _recorded(path: Path, kb, name: str = "CloudCraft", note: str = "they liked the new Q&A hour") -> History:
    """Three monthly assessments of one community, the first plan's first action done, a member's note."""
    history = History(path, knowledge=kb)
    for i, (activity, date) in enumerate(zip(ACTIVITY, DATES)):
        saved = history.record({"community": {"name": name, "age_months": 30 + i, "members": 5200, **OBJECTIVE},
                                "activity": activity}, as_of=date)
        if i == 0:
            history.follow_up(saved.community, saved.plan.actions[0].id, "done", "ran it", "2024-04-10")
    history.member_note(saved.community, note, "2024-05-02")
    return history


def _assert_self_contained(html: str, page: Page) -> None:
    """No script, no embedded or linked resource, no address but the page's own anchors."""
    assert not {"script", "img", "iframe", "link", "object", "embed", "audio", "video", "base"} & set(page.tags)
    assert all(v.startswith("#") for _, k, v in page.attrs if k in OUTSIDE)
    assert not any(k.startswith("on") for _, k, _ in page.attrs)
    assert "url(" not in html and "@import" not in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_review_page_shows_the_sections_in_the_markdown_order_and_a_trend_chart_per_fact_with_its_numbers(
        tmp_path, kb, lang):
    review = _recorded(tmp_path / "h.sqlite3", kb).review("CloudCraft", lang=lang)
    html = render_review(review, "html", kb)
    page = Page(html)
    _assert_self_contained(html, page)
    assert page.tags[0] == "html" and ("html", "lang", {"en": "en", "zh": "zh-Hans"}[lang]) in page.attrs
    markdown = [line[3:] for line in render_review(review, "markdown", kb).splitlines() if line.startswith("## ")]
    assert page.h2[0] == kb.message("html_contents", lang) and page.h2[1:] == markdown
    assert kb.message("review_trend", lang) in markdown and kb.message("review_members", lang) in markdown
    assert "they liked the new Q&A hour" in page.text
    numeric = [f for f, points in review.trend.items() if any(isinstance(p.value, (int, float)) for p in points)]
    assert "activity_change_pct" in numeric
    assert len(page.figures) == len(numeric) == page.tags.count("svg")
    activity = next(alt for alt in page.figures if kb.fact_label("activity_change_pct", lang) in alt)
    assert "2024-03-31 -26" in activity and "2024-04-30 4" in activity and "2024-05-31 10" in activity


def test_a_fact_without_numbers_stays_a_trend_line_and_gets_no_chart(tmp_path, kb):
    history = History(tmp_path / "h.sqlite3", knowledge=kb)
    base = {"community": {"name": "CodeStyle", "age_months": 55, "members": 8000, **OBJECTIVE}}
    for severity, date in (("low", "2024-03-01"), ("high", "2024-04-01")):
        history.record({**base, "conflict": {"severity": severity, "written_rules": True}}, as_of=date)
    review = history.review("CodeStyle")
    assert "severity" in review.trend
    page = Page(render_review(review, "html", kb))
    assert "(severity): 2024-03-01 low → 2024-04-01 high" in page.text
    assert not any(kb.fact_label("severity", "en") in alt for alt in page.figures)


HOSTILE = st.sampled_from(["<script>alert(1)</script>", "\" onload=\"x", "' ><img src=x onerror=alert(1)>",
                           "\x1b[31mred\x1b]8;;http://evil\x07", "</style><b>", "{{ 7*7 }}", "a&b", "</svg>"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(HOSTILE, min_size=1, max_size=3), filler=st.text(alphabet="abc 中", min_size=1, max_size=8))
def test_a_hostile_community_name_and_member_note_reach_the_page_as_text(tmp_path_factory, kb, parts, filler):
    text = filler + "".join(parts)
    history = _recorded(tmp_path_factory.mktemp("r") / "h.sqlite3", kb, name=text, note=text)
    name = history.communities()[0].name
    html = render_review(history.review(name), "html", kb)
    page = Page(html)
    _assert_self_contained(html, page)
    assert "b" not in page.tags and "\x1b" not in html and "\x07" not in html
    if "<script>" in text:
        assert "&lt;script&gt;" in html
    if "{{ 7*7 }}" in text:
        assert "{{ 7*7 }}" in page.text  # shown as written, never evaluated


def test_cli_writes_the_review_page_and_history_export_a_report_page(tmp_path, runner, kb):
    db = tmp_path / "h.sqlite3"
    _recorded(db, kb)
    out = tmp_path / "review.html"
    result = runner.invoke(cli, ["review", "CloudCraft", "--db", str(db), "--format", "html", "--lang", "zh",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = Page(out.read_text(encoding="utf-8"))
    assert kb.message("review_title", "zh", name="CloudCraft") in page.text and page.figures
    report = runner.invoke(cli, ["history", "export", "3", "--as", "report", "--format", "html", "--db", str(db)])
    assert report.exit_code == 0, report.output
    assert Page(report.stdout).tags[0] == "html" and "CloudCraft" in report.stdout


def test_jinja_and_pygal_load_only_for_the_html_review(tmp_path, kb):
    db = tmp_path / "h.sqlite3"
    _recorded(db, kb)
    code = ("import sys; from expert.cli import cli; from click.testing import CliRunner; "
            "r = CliRunner().invoke(cli, ['review', 'CloudCraft', '--db', sys.argv[1], '--format', sys.argv[2]]); "
            "assert r.exit_code == 0, r.output; print(sorted(m for m in ('jinja2', 'pygal') if m in sys.modules))")
    loaded = {fmt: subprocess.run([sys.executable, "-c", code, str(db), fmt], capture_output=True, text=True,
                                  check=True, cwd=ROOT).stdout.strip() for fmt in ("markdown", "html")}
    assert loaded == {"markdown": "[]", "html": "['jinja2', 'pygal']"}


def test_the_review_page_is_the_same_bytes_every_run(tmp_path, kb):
    db = tmp_path / "h.sqlite3"
    _recorded(db, kb)
    args = [sys.executable, "-m", "expert", "review", "CloudCraft", "--db", str(db), "--format", "html"]
    runs = [subprocess.run(args, capture_output=True, check=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0] == runs[1] and b"<svg" in runs[0]
