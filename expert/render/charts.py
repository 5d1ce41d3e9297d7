"""Static SVG charts for the HTML report, drawn by pygal (imported only when HTML is asked for).

Every chart is deterministic (a fixed id per chart, no script, no date), holds no link, and
takes its labels through ``terminal_text`` first: control characters cannot reach an SVG (where
they would make invalid XML) and pygal escapes what is left as XML text.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

from expert.textsafe import terminal_text

__all__ = ["Chart", "bar_chart", "history_chart", "months_in", "trend_chart"]

FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", sans-serif'
# Series colours told apart by lightness as well as hue (readable in grey print); shading comes last.
COLOURS = ("#1f4e79", "#c0504d", "#4f9d4f", "#7f6000", "#6b4c9a", "#2e8b8b")
SHADES = ("#9ecae1", "#d9d9d9", "#fdd0a2", "#bdbdbd")


class Chart:
    """One chart: its SVG markup and a text alternative that holds its numbers."""

    def __init__(self, svg: str, alt: str) -> None:
        self.svg, self.alt = Markup(svg), alt


def _label(text: object, limit: int = 80) -> str:
    """A label safe for SVG text: no control characters, one line, cut to ``limit``."""
    return terminal_text(text, limit=limit)


def _style(colours: Sequence[str]) -> Style:
    """Our look: system fonts (Chinese included), a white background, the given series colours."""
    return Style(font_family=FONT, background="#ffffff", plot_background="#ffffff", foreground="#222222",
                 foreground_strong="#111111", foreground_subtle="#888888", colors=tuple(colours), opacity=".85", value_colors=("#ffffff",) * 6,
                 opacity_hover=".85", label_font_size=13, major_label_font_size=13, legend_font_size=13,
                 title_font_size=15, value_font_size=12, tooltip_font_size=12)


def _without_scripts(root: Any) -> Any:
    """The SVG tree less its script elements (pygal always writes its config as one): the page needs none."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def _svg(chart: Any, chart_id: str) -> str:
    """The chart as inline SVG with a stable id (pygal's default is random), no script and no XML declaration."""
    chart.uuid = chart_id  # ids and the CSS scoped by them must be unique in the page and the same every run
    chart.add_xml_filter(_without_scripts)
    return chart.render(is_unicode=True)


def _config(chart_id: str, title: str, **extra: object) -> dict:
    """What every chart shares: no script, no tooltips, no XML declaration, a fixed size."""
    return dict(title=_label(title, 120), js=[], disable_xml_declaration=True, explicit_size=False, width=800,
                tooltip_border_radius=0, print_values=False, legend_at_bottom=True, truncate_legend=-1,
                truncate_label=-1, **extra)


def bar_chart(chart_id: str, title: str, labels: list[str], series: list[tuple[str, list[float | None]]],
              alt: str) -> Chart:
    """Horizontal bars from 0 to 1, one group per label (a diagnosis), one bar per series (before, after)."""
    chart = pygal.HorizontalBar(style=_style(COLOURS[: len(series)]), range=(0, 1), include_x_axis=True,
                                height=max(160, 60 + 34 * len(labels) * max(len(series), 1)),
                                show_legend=len(series) > 1, print_values=True, value_formatter=lambda v: f"{v:.2f}",
                                **{k: v for k, v in _config(chart_id, title).items() if k != "print_values"})
    chart.x_labels = [_label(x, 60) for x in reversed(labels)]  # pygal draws the first label at the bottom
    for name, values in series:
        chart.add(_label(name), list(reversed(values)))
    return Chart(_svg(chart, chart_id), alt)


def months_in(months: list[str], start: datetime, end: datetime) -> list[bool]:
    """For each 'YYYY-MM' month, whether it overlaps the window (start, end]."""
    out = []
    for month in months:
        first = datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=start.tzinfo)
        last = (first + timedelta(days=32)).replace(day=1)
        out.append(first < end and last > start)
    return out


def history_chart(chart_id: str, title: str, months: list[str], lines: list[tuple[str, list[int]]],
                  shaded: list[tuple[str, list[bool]]], alt: str) -> Chart:
    """Monthly series as lines (the first on the left axis, the rest on the right), over shaded bands
    (windows, dormancy) that reach the top of the left axis where their flag is set."""
    top = max((v for _, values in lines[:1] for v in values), default=0) or 1
    chart = pygal.Line(style=_style(SHADES[: len(shaded)] + COLOURS[: len(lines)]), height=420,
                       x_label_rotation=0, show_minor_x_labels=False, x_labels_major_every=max(1, len(months) // 8),
                       show_dots=False, stroke_style={"width": 2.5}, range=(0, top),
                       **_config(chart_id, title))
    chart.x_labels = months
    for name, flags in shaded:
        chart.add(_label(name), [top if flag else 0 for flag in flags], fill=True, show_dots=False,
                  stroke_style={"width": 0})
    for i, (name, values) in enumerate(lines):
        chart.add(_label(name), values, secondary=i > 0, stroke_style={"width": 3 if i == 0 else 2,
                                                                        "dasharray": ("", "6, 3", "2, 3")[i % 3]})
    return Chart(_svg(chart, chart_id), alt)


def trend_chart(chart_id: str, title: str, dates: list[str], name: str, values: list[float | None], alt: str) -> Chart:
    """One fact across the assessments as a line with dots (None: unknown that time, a gap in the line)."""
    chart = pygal.Line(style=_style(COLOURS[:1]), height=280, x_label_rotation=0, show_dots=True, dots_size=4,
                       show_legend=False, allow_interruptions=True, min_scale=3, max_scale=6, margin_right=48,
                       **_config(chart_id, title))
    chart.x_labels = [_label(d, 20) for d in dates]
    chart.add(_label(name), values, stroke_style={"width": 3})
    return Chart(_svg(chart, chart_id), alt)
