"""Output that cannot be hijacked: what a situation, an export or a file name says is shown as text,
never run by the terminal, never read as markdown, HTML, a link or Rich markup; floods stay short."""
from __future__ import annotations

import json
import re
import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expert.cli import cli, main
from expert.knowledge.planning import planning_of
from expert.textsafe import grouped, markdown_text, terminal_markup, terminal_text

from .conftest import ROOT

# Independent of expert.textsafe on purpose: C0 but tab/newline, ESC, DEL, C1, bidi controls.
FORBIDDEN_ON_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SGR = re.compile(r"\x1b\[[0-9;]*m")
EVENTS = ROOT / "tests" / "fixtures" / "ingest" / "events.csv"

HOSTILE_PIECES = ["\x1b]0;owned", "\x1b]8;;http://evil\x07", "\x07", "\x1b[2J", "\x9b31m", "\x9d0;t", "\u202e",
                  "\u2066", "\n# Heading", "\n", "\r", "<script>", "<img src=x onerror=alert(1)>", "&lt;",
                  "[red]", "[/]", "[link=http://evil]", "javascript:", "JaVaScRiPt:alert(1)", "](javascript:x)",
                  "<http://evil>", "www.evil.com", "|", "`", "*", "_", "#", "@team", "\\", " ", "x", "社群"]
hostile_text = st.one_of(st.text(min_size=1, max_size=40),
                         st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=8).map("".join))


def situation_with(text: str) -> dict:
    """A situation whose every free-text field is ``text`` (a deadline so the target metric is reported)."""
    return {"community": {"name": text, "platform": text, "objective": text, "success_metric": text},
            "activity": {"activity_change_pct": -30},
            "pressure": {"target_metric": text, "target_change_pct": 20, "deadline_weeks": 4,
                         "proposed_tactics": [text, text]}}


def diagnose(runner, data: dict, *args: str):
    """Run `expert diagnose -` on a situation given as JSON on stdin (the runner is not a terminal)."""
    return runner.invoke(cli, ["diagnose", "-", *args], input=json.dumps(data))


def allowed_heading_lines(kb) -> set[str]:
    """Every markdown heading the report itself may start a line with (from the knowledge base)."""
    heads = {f"## {kb.message(k, lang)}" for k in kb.messages if k.startswith("heading_") for lang in ("en", "zh")}
    planning = planning_of(kb)
    heads |= {f"## {planning.text(k, lang)}" for k in planning.texts if k.startswith("heading_") for lang in ("en", "zh")}
    return heads | {f"### {markdown_text(d.title.get(lang))}" for d in kb.diagnoses.values() for lang in ("en", "zh")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text)
def test_no_user_string_controls_the_terminal_or_the_markdown(runner, kb, text):
    data = situation_with(text)
    terminal = diagnose(runner, data)
    if terminal.exit_code == 2:  # refused as a situation (e.g. a blank name): the message must be clean too
        assert not FORBIDDEN_ON_TERMINAL.search(terminal.stderr) and isinstance(terminal.exception, SystemExit)
        return
    assert terminal.exit_code == 0, terminal.output
    assert not FORBIDDEN_ON_TERMINAL.search(terminal.output)
    markdown = diagnose(runner, data, "--format", "markdown").output
    assert "<" not in markdown and "javascript:" not in markdown.lower()
    lines = markdown.splitlines()
    assert lines[0].startswith("# Community diagnosis: ")
    headings = allowed_heading_lines(kb)
    for line in lines[1:]:
        if line.startswith("#"):
            assert any(line.startswith(h) for h in headings), line


def test_unterminated_osc_in_the_name_does_not_hide_the_report(runner):
    """Regression: an unterminated ESC ] in the community name swallowed the rest of the terminal report."""
    result = diagnose(runner, situation_with("Forum\x1b]0;"))
    assert result.exit_code == 0
    assert "\x1b" not in result.output and "Forum\\x1b]0;" in result.output
    assert result.output.index("Forum") < result.output.index("Diagnoses")


def test_coloured_terminal_output_has_only_colour_codes(kb):
    import expert
    from expert.render import render

    plan = expert.diagnose(situation_with("a\x1b]8;;http://evil\x07b\x1b[2Jc"), knowledge=kb)
    text = render(plan, "terminal", kb, color=True)
    assert SGR.search(text) and "\x1b" not in SGR.sub("", text)


def test_markdown_report_escapes_html_headings_and_links(runner):
    """Regression: markdown passed terminal escapes, raw HTML, headings and javascript: links through."""
    text = "<script>alert(1)</script>\n# Owned [click](javascript:alert(1)) <http://evil> \x1b[31m"
    markdown = diagnose(runner, situation_with(text), "--format", "markdown").output
    assert "&lt;script&gt;" in markdown and "<script>" not in markdown
    assert not [line for line in markdown.splitlines() if line.startswith("# Owned")]
    assert "javascript:" not in markdown and not re.search(r"(?<!\\)\]\(", markdown) and "\x1b" not in markdown
    assert "\\# Owned \\[click\\]" in markdown


def test_markdown_table_cell_text_stays_in_its_cell():
    cell = markdown_text("a | b\nc || d")
    assert "\n" not in cell and not re.search(r"(?<!\\)\|", cell)


def test_rich_markup_in_a_file_name_is_shown_not_interpreted(runner, tmp_path):
    """Regression: a file named like Rich markup ([red]x[/], [link=...]) was interpreted in the analyze report."""
    export = tmp_path / "[link=https:evil]ev[red]x[bold].csv"
    shutil.copy(EVENTS, export)
    result = runner.invoke(cli, ["analyze", str(export), "--input-format", "csv"])
    assert result.exit_code == 0, result.output
    assert "[link=https:evil]ev[red]x[bold].csv" in result.output.replace("\n", "")
    assert terminal_markup("[red]x[/]") == "\\[red]x\\[/]"


def test_control_characters_in_a_file_name_are_escaped_in_errors(capsys, tmp_path):
    name = tmp_path / "bad\x1b]0;owned\x07\u202e.yaml"
    try:
        main(["diagnose", str(name)])
    except SystemExit as exc:
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2 and "bad\\x1b]0;owned\\x07\\u202e.yaml" in err
    assert not FORBIDDEN_ON_TERMINAL.search(err)


def test_control_characters_in_a_command_name_are_escaped(capsys):
    try:
        main(["\x1b]0;owned\x07"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "\\x1b]0;owned\\x07" in capsys.readouterr().err


def test_repeated_warnings_are_counted_once_and_the_rest_summed_up(runner):
    """Regression: megabytes of unknown tactics were all listed, one by one, in quadratic time."""
    tactics = ["same unknown idea"] * 1000 + [f"idea {i}" for i in range(100)] + ["y" * 100_000]
    data = {"community": {"name": "Flood"}, "pressure": {"proposed_tactics": tactics}}
    terminal = diagnose(runner, data).output
    markdown = diagnose(runner, data, "--format", "markdown").output
    for text in (terminal, markdown):
        assert "(×1000)" in text and "and 82 more, not shown" in text
        assert text.count("same unknown idea") == 1 and "idea 18'" in text and "idea 19'" not in text
        assert len(text) < 40_000
    assert markdown.count("- ⚠ ") == 21


def test_grouped_keeps_first_seen_order_and_counts():
    assert grouped(["b", "a", "b", "c", "b"], shown=2) == ([("b", 3), ("a", 1)], 1)


def test_terminal_text_cuts_long_text_and_keeps_lines_only_when_asked():
    assert terminal_text("x" * 600) == "x" * 499 + "…"
    assert terminal_text("a\nb") == "a b" and terminal_text("a\nb", multiline=True) == "a\nb"


def test_consult_how_shows_answers_without_control_characters(kb):
    from expert.planning.pipeline import consult_facts, load_situation
    from expert.reasoning.explain import how

    situation = load_situation(situation_with("metric\x1b]0;owned\x07"), kb)
    reasoning = consult_facts(situation, kb)
    lines = [line for d in reasoning.cf for line in how(kb, reasoning, d)]
    assert any("metric\\x1b]0;owned\\x07" in line for line in lines)
    assert not any(FORBIDDEN_ON_TERMINAL.search(line) for line in lines)


def test_whatif_title_quotes_values_as_text(runner):
    demo = str(ROOT / "scenarios" / "demo.yaml")
    change = "target_metric=<b>x\x1b]0;owned\x07\n# y"
    terminal = runner.invoke(cli, ["whatif", demo, change])
    markdown = runner.invoke(cli, ["whatif", demo, change, "--format", "markdown"])
    assert terminal.exit_code == markdown.exit_code == 0
    assert not FORBIDDEN_ON_TERMINAL.search(terminal.output) and "x\\x1b]0;owned\\x07" in terminal.output
    assert "<b>" not in markdown.output and not [ln for ln in markdown.output.splitlines() if ln.startswith("# y")]
