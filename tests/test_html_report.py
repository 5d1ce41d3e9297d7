"""The HTML report (--format html, issue 13): a self-contained page that shows every diagnosis and
action in the same order as the other formats, escapes everything from outside, is the same bytes
for the same input, and renders in a real browser (when Chromium is installed)."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expert.cli import cli
from expert.planning.pipeline import diagnose, load_situation
from expert.render import render
from expert.render.view import report_view

from .htmlpage import Page

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
CLICK = ROOT.parent / "shared" / "realdata" / "git" / "pallets__click.events.csv"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def demo_plan(kb, lang: str):
    return diagnose(load_situation(str(DEMO), kb, lang), lang=lang, knowledge=kb)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_shows_every_section_diagnosis_and_action_with_charts_and_no_outside_request(kb, lang):
    plan = demo_plan(kb, lang)
    page = Page(render(plan, "html", kb))
    assert page.tags[0] == "html" and ("html", "lang", {"en": "en", "zh": "zh-Hans"}[lang]) in page.attrs
    assert "script" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    links = [v for tag, k, v in page.attrs if k in ("src", "href")]
    assert links and all(v.startswith("#") for v in links), links  # only the contents' anchors
    assert page.tags.count("svg") >= 1 and page.tags.count("h1") == 1
    figures = [v for tag, k, v in page.attrs if tag == "figure" and k == "aria-label"]
    assert figures and all(f"{d.certainty:.2f}" in figures[0] for d in plan.diagnoses if d.id not in plan.referrals
                           and d.id not in plan.anti_patterns)
    text = page.text
    for d in plan.diagnoses:
        assert d.title in text
    for a in plan.actions:
        assert a.title in text and a.owner in text
    for m in plan.missing_information:
        assert m.label in text
    assert page.tags.count("input") == len(plan.missing_information)  # what to measure next: a checklist


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_markdown_and_terminal_show_the_same_sections_in_the_same_order(kb, lang):
    plan = demo_plan(kb, lang)
    titles = [s.title for s in report_view(plan, kb).sections]
    page = Page(render(plan, "html", kb))
    assert [h for h in page.h2 if h in titles] == titles
    markdown = [line[3:] for line in render(plan, "markdown", kb).splitlines() if line.startswith("## ")]
    assert markdown == titles
    terminal = render(plan, "terminal", kb, width=140)
    at = terminal.index(plan.community)  # after the report's title, each heading follows the one before
    for title in titles:
        at = terminal.index(title, at + 1)


HOSTILE = st.sampled_from(["<script>alert(1)</script>", "\" onload=\"x", "' ><img src=x onerror=alert(1)>",
                           "\x1b[31mred\x1b]8;;http://evil\x07", "</style><b>", "{{ 7*7 }}", "a&b", "</svg>"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(HOSTILE, min_size=1, max_size=3), filler=st.text(max_size=20))
def test_names_and_messages_from_outside_appear_as_text(kb, parts, filler):
    text = filler + "".join(parts)
    data = {"community": {"name": text, "objective": text, "success_metric": text},
            "activity": {"activity_change_pct": -30},
            "pressure": {"target_metric": text, "target_change_pct": 20, "deadline_weeks": 4,
                         "proposed_tactics": [text, "sock puppets"]}}
    from expert.errors import SituationError

    try:
        plan = diagnose(data, lang="en", knowledge=kb)
    except SituationError:
        return  # refused as a situation (e.g. a blank name): nothing to render
    html = render(plan, "html", kb)
    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "\x1b" not in html and "\x07" not in html
    assert all(v.startswith("#") for tag, k, v in page.attrs if k in ("src", "href"))
    assert not any(k.startswith("on") for tag, k, v in page.attrs)
    if "<script>" in text:
        assert "&lt;script&gt;" in html


def _run(args: list[str], seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run([sys.executable, "-m", "expert", *args], capture_output=True, check=True, env=env,
                          cwd=ROOT).stdout


def test_same_input_gives_the_same_bytes_across_processes():
    args = ["diagnose", str(DEMO), "--format", "html", "--today", "2025-01-01"]
    assert _run(args, "1") == _run(args, "2")


def test_html_is_not_loaded_until_asked_for():
    """Jinja2 and pygal load only for --format html: the CLI starts as before."""
    code = ("import sys; from expert.cli import cli; from click.testing import CliRunner; "
            "CliRunner().invoke(cli, ['diagnose', sys.argv[1], '--format', 'markdown']); "
            "print(sorted(m for m in ('jinja2', 'pygal') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(DEMO)], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_whatif_page_shows_before_and_after_side_by_side(runner, tmp_path):
    out = tmp_path / "whatif.html"
    result = runner.invoke(cli, ["whatif", str(DEMO), "activity_change_pct=-60", "severity=high", "--format", "html",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = Page(out.read_text(encoding="utf-8"))
    assert "svg" in page.tags and "script" not in page.tags
    assert "Before" in page.text and "After" in page.text


@pytest.mark.skipif(not CLICK.is_file(), reason="the real-data samples (../shared/realdata) are absent")
def test_analyze_page_draws_the_history_with_its_windows(runner, tmp_path):
    out = tmp_path / "click.html"
    result = runner.invoke(cli, ["analyze", str(CLICK), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = Page(out.read_text(encoding="utf-8"))
    labels = [v for tag, k, v in page.attrs if tag == "figure" and k == "aria-label"]
    history = next(label for label in labels if label.startswith("Line chart"))
    assert "current window" in history and "baseline" in history and "a year ago" in history
    assert page.tags.count("svg") >= 2 and "table" in page.tags


def _png_is_not_blank(png: bytes) -> bool:
    """Decode a PNG's pixel rows (zlib) and check they hold more than one colour."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(data)[:2_000_000])) > 16


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium): browser check skipped")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_renders_in_a_real_browser_and_prints(kb, lang, tmp_path):
    page = tmp_path / f"demo.{lang}.html"
    page.write_text(render(demo_plan(kb, lang), "html", kb), encoding="utf-8")
    common = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
              f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    shot = subprocess.run([*common, "--window-size=1200,1600", f"--screenshot={tmp_path / 'shot.png'}",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert (tmp_path / "shot.png").is_file(), shot.stderr[-2000:]
    assert _png_is_not_blank((tmp_path / "shot.png").read_bytes())
    console = [line for line in shot.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    subprocess.run([*common, "--no-pdf-header-footer", f"--print-to-pdf={tmp_path / 'report.pdf'}", page.as_uri()],
                   capture_output=True, timeout=120)
    pdf = (tmp_path / "report.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 2  # the plan starts a page of its own
