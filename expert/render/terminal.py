"""Terminal report with rich: diagnoses, the phased plan table, warnings, referrals, next measures."""
from __future__ import annotations

import io

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from expert.knowledge import KnowledgeBase
from expert.model.plan import Plan
from expert.render.common import Labels
from expert.render.view import report_view
from expert.textsafe import terminal_text as _t

__all__ = ["render_terminal", "renderables", "to_text", "NARROW", "terminal_width", "fit_words"]

NARROW = 100  # below this many columns the tables stack their columns so no word is cut


def terminal_width() -> int:
    """The width of the terminal in use (rich reads the terminal, else $COLUMNS, else 80)."""
    return Console().width


def _plain(cell: object) -> str:
    """A cell's text as shown: a Text's plain text, a markup string without its tags."""
    if isinstance(cell, Text):
        return cell.plain
    try:
        return Text.from_markup(str(cell)).plain
    except Exception:  # noqa: BLE001 - not markup after all: measure it as written
        return str(cell)


def fit_words(table: Table, longest_kept: int = 40) -> Table:
    """Give every column at least the width of its longest word (up to ``longest_kept``), so rich wraps
    between words, never inside one."""
    for column in table.columns:
        texts = [_plain(column.header), *(_plain(c) for c in column.cells)]
        longest = min(max((len(w) for t in texts for w in t.split()), default=1), longest_kept)
        column.min_width = max(column.min_width or 0, longest)
        if column.ratio and not column.width:  # rich takes a ratio column's minimum from its width, not min_width
            column.width = longest
    return table


def _evidence(d) -> Text:  # noqa: ANN001 - a DiagnosisResult
    """Evidence for (+) and against (-), one line each."""
    evidence = Text()
    for e in d.evidence_for:
        evidence.append("+ ", style="green").append(_t(e) + "\n")
    for e in d.evidence_against:
        evidence.append("- ", style="red").append(_t(e) + "\n")
    return evidence


def _diagnoses_stacked(L: Labels) -> Table:
    """The diagnoses for a narrow terminal: one cell each, title and certainty above the evidence."""
    table = Table(title=L("heading_diagnoses"), title_justify="left", show_lines=True, expand=True, show_header=False)
    table.add_column(L("col_diagnosis"), overflow="fold")
    for d in L.table_diagnoses():
        cell = Text(_t(d.title), style="bold").append(f"  {_t(L.certainty(d))}\n").append(f"{_t(d.id)}\n", style="dim")
        table.add_row(cell.append_text(_evidence(d)))
    return table


def _diagnoses_table(plan: Plan, L: Labels, narrow: bool = False) -> Table:
    """The diagnoses with certainty and evidence for (+) and against (-)."""
    if narrow:
        return _diagnoses_stacked(L)
    table = Table(title=L("heading_diagnoses"), title_justify="left", show_lines=True, expand=True)
    table.add_column(L("col_diagnosis"), ratio=2, overflow="fold")
    table.add_column(L("col_certainty"), justify="right", width=11)
    table.add_column(f"{L('evidence_for')} / {L('evidence_against')}", ratio=4, overflow="fold")
    for d in L.table_diagnoses():
        table.add_row(Text(f"{_t(d.title)}\n", style="bold").append(_t(d.id), style="dim"), _t(L.certainty(d)),
                      _evidence(d))
    return fit_words(table)


def _plan_stacked(plan: Plan, L: Labels, title: str | None, actions: list | None) -> Table:
    """The plan for a narrow terminal: the rank, then one cell holding every part of the action in turn."""
    table = Table(title=title or L("heading_plan"), title_justify="left", show_lines=True, expand=True,
                  show_header=False)
    table.add_column(L("col_rank"), justify="right", width=3)
    table.add_column(L("col_action"), overflow="fold")
    for a in plan.actions if actions is None else actions:
        cell = Text(_t(a.title), style="bold").append(f"\n{L.phase(a)} · {L.tier(a.tier)}", style="dim").append(
            f"\n{_t(a.description)}\n").append(f"{L('col_behaviour')}: {_t(a.behaviour)}", style="italic").append(
            f"\n{L('col_for')}: " + _t(", ".join(L.diagnosis_title(d) for d in a.for_)), style="dim")
        for extra in L.action_extras(a):
            cell.append(f"\n{_t(extra)}", style="cyan")
        cell.append(f"\n{L('col_success')}: ", style="green").append(_t(a.success_metric), style="default").append(
            f"\n{L('col_guardrail')}: ", style="yellow").append(_t(a.guardrail_metric), style="default").append(
            f"\n{L('col_owner')}: {_t(a.owner)} · {L('col_effort')}: {L.effort(a)} · "
            f"{L('col_review')}: {L.review(a)}", style="dim")
        table.add_row(str(a.rank), cell)
    return table


def _plan_table(plan: Plan, L: Labels, title: str | None = None, actions: list | None = None,
                narrow: bool = False) -> Table:
    """The phased plan (or one part of it): rank, phase and tier, action, measures, owner and review."""
    if narrow:
        return _plan_stacked(plan, L, title, actions)
    table = Table(title=title or L("heading_plan"), title_justify="left", show_lines=True, expand=True)
    table.add_column(L("col_rank"), width=4, justify="right")
    table.add_column(L("col_phase"), ratio=1, overflow="fold")
    table.add_column(L("col_action"), ratio=5, overflow="fold")
    table.add_column(f"{L('col_success')} / {L('col_guardrail')}", ratio=3, overflow="fold")
    table.add_column(f"{L('col_owner')} / {L('col_review')}", ratio=2, overflow="fold")
    for a in plan.actions if actions is None else actions:
        action = Text(_t(a.title), style="bold").append(f"\n{_t(a.description)}\n").append(
            f"{L('col_behaviour')}: {_t(a.behaviour)}", style="italic").append(
            f"\n{L('col_for')}: " + _t(", ".join(L.diagnosis_title(d) for d in a.for_)), style="dim")
        for extra in L.action_extras(a):
            action.append(f"\n{_t(extra)}", style="cyan")
        measures = Text(f"{L('col_success')}: ", style="green").append(_t(a.success_metric), style="default").append(
            f"\n{L('col_guardrail')}: ", style="yellow").append(_t(a.guardrail_metric), style="default")
        who = Text(_t(a.owner)).append(f"\n{L('col_effort')}: {L.effort(a)}\n{L('col_review')}: {L.review(a)}", style="dim")
        table.add_row(str(a.rank), Text(L.phase(a)).append(f"\n{L.tier(a.tier)}", style="dim"), action, measures, who)
    return fit_words(table)


def _bullets(title: str, lines: list[str], style: str) -> Panel:
    """A titled panel of bullet lines, each made terminal-safe (the title comes from the knowledge base)."""
    return Panel(Text("\n".join(f"• {_t(line)}" for line in lines)), title=title, title_align="left", border_style=style)


def renderables(plan: Plan, kb: KnowledgeBase, width: int | None = None) -> list:
    """The report as rich renderables, in reading order (also used by the questionnaire); below NARROW
    columns the tables stack their columns."""
    narrow = (width or terminal_width()) < NARROW
    view = report_view(plan, kb)
    L = view.labels
    parts: list = [Text(_t(view.title), style="bold underline")]
    if view.acknowledgement:
        parts.append(Text(_t(view.acknowledgement), style="italic"))
    if view.provisional:
        parts.append(Text(view.provisional, style="bold yellow"))
    if view.headline:
        parts.append(Text(_t(view.headline)))
    summary = lambda ds: [f"{d.title}: {d.summary}" for d in ds]  # noqa: E731
    shown = {  # how each section of the report view looks on a terminal
        "referrals": lambda s: _bullets(s.title, summary(s.items), "red"),
        "warnings": lambda s: _bullets(s.title, s.items, "red"),
        "diagnoses": lambda s: _diagnoses_table(plan, L, narrow),
        "differentials": lambda s: _bullets(s.title, L.differential_lines(), "cyan"),
        "plan": lambda s: _plan_table(plan, L, s.title, s.items, narrow),
        "stop_doing": lambda s: _bullets(s.title, s.items, "magenta"),
        "notes": lambda s: _bullets(s.title, s.items, "cyan"),
        "anti_patterns": lambda s: _bullets(s.title, summary(s.items), "yellow"),
        "missing": lambda s: _bullets(s.title, [f"{m.label} ({m.group}.{m.fact}): {m.why}" for m in s.items], "blue"),
    }
    parts += [shown[section.kind](section) for section in view.sections]
    return parts


def to_text(parts: list, *, color: bool = False, width: int | None = 110) -> str:
    """Render rich renderables to a string (ANSI colours only when asked for) at ``width`` columns (None: the
    terminal's); a plain ``str`` part is text, never markup, and loses its control characters."""
    parts = [Text(_t(p, multiline=True, limit=None)) if isinstance(p, str) else p for p in parts]
    console = Console(width=width or terminal_width(), record=True, force_terminal=color, color_system="standard" if color else None,
                      file=_Null(), highlight=False)
    console.print(Group(*parts))
    return console.export_text(styles=color)


def render_terminal(plan: Plan, kb: KnowledgeBase, *, color: bool = False, width: int | None = 110) -> str:
    """Render the whole plan to a string, ``width`` columns wide (None: as wide as the terminal)."""
    width = width or terminal_width()
    return to_text(renderables(plan, kb, width), color=color, width=width)


class _Null(io.StringIO):
    """A text file that keeps nothing: rich needs one to write to, the text comes from its record."""

    def write(self, _text: str) -> int:
        """Discard the text (the console records it for export)."""
        return 0

    def flush(self) -> None:
        """Nothing to flush."""
        pass
