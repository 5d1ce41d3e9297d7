"""The conversation of `expert consult`: prompting and printing only.

The choice of question lives in consult/questionnaire.py, the answers and the file in
consult/session.py; this module talks to the person.
"""
from __future__ import annotations

import contextlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.text import Text as RichText

from expert.cli.common import emit, fail, knowledge_base
from expert.consult.listen import Proposal, listen
from expert.consult.questionnaire import (
    CONCERNS,
    STORY,
    Catalogue,
    Choice,
    closing_questions,
    load_questions,
    next_question,
    profile,
    run,
    why_asked,
)
from expert.consult.session import (
    AnswerError,
    Session,
    default_session_path,
    knowledge_hash,
    load_source,
    lock_session,
    parse_answer,
    words,
)
from expert.errors import ExpertError, InputFileError, Problem, did_you_mean
from expert.knowledge import KnowledgeBase
from expert.knowledge.facttypes import fact_type, says_none
from expert.planning.pipeline import diagnose as run_diagnosis
from expert.planning.planner import acknowledgement
from expert.reasoning.engine import Reasoning
from expert.reasoning.explain import how as explain_how
from expert.reasoning.explain import how_in_words
from expert.render import render
from expert.render.terminal import renderables
from expert.textsafe import terminal_text
from expert.yamlio import atomic_write_text

__all__ = ["run_consultation", "classify", "COMMANDS"]

COMMANDS = ("dont_know", "back", "why", "plan", "done", "quit", "help")  # each has command_<name>_words in messages.yaml


def classify(kb: KnowledgeBase, text: str) -> tuple[str, str]:
    """Sort one line of input into (command, argument); anything else is ("answer", text)."""
    stripped = text.strip()
    word = stripped.lower().replace("’", "'")
    for command in COMMANDS:
        if word in words(kb, f"command_{command}_words"):
            return command, ""
    for command in ("how", "why"):
        for prefix in words(kb, f"command_{command}_words"):
            if word == prefix or word.startswith(prefix + " "):
                return command, stripped[len(prefix):].strip()
    return "answer", stripped


class _Quit(Exception):
    """The person asked to leave (or input ended): save and stop."""


@dataclass
class _Talk:
    """One consultation's conversation: the session, the catalogue and the console."""

    kb: KnowledgeBase
    catalogue: Catalogue
    session: Session
    console: Console
    lang: str
    on_finish: Any = None  # called with the finished situation and plan (records it: expert.cli.recording)
    referred: set[str] = field(default_factory=set)  # referrals already said, each said once, at once
    shown_left: int | None = None  # the progress count last shown, to say so when answers open new areas

    def say(self, key: str, style: str | None = None, **values: Any) -> None:
        """Print a localised message."""
        text = terminal_text(self.kb.message(key, self.lang, **values), multiline=True, limit=None)  # echoes answers
        self.console.print(RichText(text, style=style or ""))

    def read(self) -> str:
        """One line from the person; end of input counts as quit."""
        self.console.file.flush()
        try:
            return input(f"{self.kb.message('consult_prompt', self.lang)} > ")
        except EOFError:
            self.console.print()
            raise _Quit() from None

    def reasoning(self) -> Reasoning:
        """The plain evaluator over the answers so far."""
        return run(self.kb, self.session.facts())


def _allowed(kb: KnowledgeBase, fact: str, lang: str) -> str:
    """What an answer may be, from the fact-type registry, in words of the session's language."""
    spec = kb.facts[fact]
    return fact_type(spec).prompt(kb, spec, lang)


def _ask(talk: _Talk, choice: Choice, left: int) -> None:
    """Ask one question until it gets an answer, a don't-know, or a command that moves on."""
    q = talk.catalogue.questions[choice.fact]
    answered = len(talk.session.answered()) + len(talk.session.skipped())
    talk.console.print()
    _progress(talk, answered, left)
    talk.console.print(RichText(q.ask.get(talk.lang), style="bold cyan"))
    talk.console.print(RichText(f"  {q.help.get(talk.lang)}", style="dim"))
    talk.console.print(RichText(f"  ({_allowed(talk.kb, choice.fact, talk.lang)})", style="dim"))
    while True:
        command, arg = classify(talk.kb, talk.read())
        if command == "answer" and arg and _says_none(talk, choice.fact, arg):
            talk.session.dont_know(choice.fact)  # "none yet" is not an objective: it stays to be defined
            talk.session.save()
            label = talk.kb.fact_label(choice.fact, talk.lang)
            talk.say("consult_none_noted", style="dim", fact=label[:1].lower() + label[1:] if talk.lang == "en" else label)
            return
        if command == "answer" and arg:
            if _answer(talk, choice.fact, arg):
                return
        elif command == "answer":
            continue
        elif command == "dont_know":
            if choice.fact == "name":
                talk.say("consult_name_required", style="yellow")
                continue
            talk.session.dont_know(choice.fact)
            talk.session.save()
            talk.say("consult_dont_know", style="dim")
            if choice.fact == CONCERNS:
                talk.say("consult_focus_all", style="dim")
            return
        elif command == "back":
            step = talk.session.back()
            talk.session.save()
            talk.shown_left = None  # an undone answer may bring questions back: not news
            if step is None:
                talk.say("consult_back_nothing", style="yellow")
                continue
            talk.say("consult_back", style="dim", fact=talk.kb.fact_label(step.fact, talk.lang))
            return
        elif command in ("why", "how", "plan", "help"):
            _explain(talk, command, arg, choice.fact)
        elif command == "done":
            raise _Done()
        else:
            raise _Quit()


def _progress(talk: _Talk, answered: int, left: int) -> None:
    """How far along: the count of open questions that could change the picture, and, when an answer
    has opened new areas so that it grew, that it grew and why (the count is not a promise)."""
    before, talk.shown_left = talk.shown_left, left
    if left < 0:
        talk.say("consult_progress_stopped", style="dim", answered=answered)
    elif left == 0:
        talk.say("consult_progress_closing", style="dim", answered=answered)
    elif before is not None and left > before:
        talk.say("consult_progress_grew", style="dim", answered=answered, left=left, before=before)
    else:
        talk.say("consult_progress_one" if left == 1 else "consult_progress", style="dim", answered=answered, left=left)


def _says_none(talk: _Talk, fact: str, text: str) -> bool:
    """A free-text answer (not the name or the account) that only says there is none: not a value to keep."""
    return talk.kb.facts[fact].type == "text" and fact not in ("name", STORY) and says_none(talk.kb, text)


class _Done(Exception):
    """The person has heard enough questions: show the plan now."""


def _answer(talk: _Talk, fact: str, text: str) -> bool:
    """Parse, validate and save one answer; on a bad one say why and return False."""
    try:
        talk.session.answer(fact, parse_answer(talk.kb, fact, text, talk.lang))
    except AnswerError as exc:
        reason = "; ".join(p.message + (f" ({p.hint})" if p.hint else "") for p in exc.problems)
        talk.say("consult_invalid", style="red", fact=talk.kb.fact_label(fact, talk.lang), reason=reason)
        return False
    talk.session.save()
    if fact == "mood":
        _acknowledge(talk)
    _refer_now(talk)
    if fact == STORY:
        _confirm(talk, listen(talk.kb, text))
    if fact == CONCERNS:
        _say_focus(talk, talk.session.facts().get(CONCERNS) or ())
    return True


def _confirm(talk: _Talk, proposals: list[Proposal]) -> None:
    """Show what was understood from the person's account; Enter keeps it all, numbers drop items, n drops all."""
    known = talk.session.facts()
    proposals = [p for p in proposals if known.get(p.fact) is None]
    if not proposals:
        talk.say("consult_listen_nothing", style="dim")
        return
    talk.say("consult_listen_heard", style="bold")
    for i, p in enumerate(proposals, 1):
        spec = talk.kb.facts[p.fact]
        shown = fact_type(spec).display(talk.kb, spec, p.value, talk.lang)
        talk.console.print(RichText(f"  {i}. {talk.kb.fact_label(p.fact, talk.lang)}: {shown}"))
    talk.say("consult_listen_confirm", style="dim")
    while True:
        command, arg = classify(talk.kb, talk.read())
        if command == "quit":
            raise _Quit()
        if command != "answer":  # why, help, ?, back ...: a question is not consent
            talk.say("consult_listen_why" if command == "why" else "consult_listen_confirm", style="yellow")
            continue
        drop = _dropped(talk.kb, arg, len(proposals))
        if drop is not None:
            break
        talk.say("consult_listen_confirm", style="yellow")
    kept = [p for i, p in enumerate(proposals, 1) if i not in drop]
    for p in kept:
        with contextlib.suppress(AnswerError):
            talk.session.answer(p.fact, p.value)
    talk.session.save()
    talk.say("consult_listen_kept", style="dim", kept=len(kept), total=len(proposals))
    if any(p.fact == "mood" for p in kept):
        _acknowledge(talk)
    _refer_now(talk)
    if any(p.fact == CONCERNS for p in kept):
        _say_focus(talk, talk.session.facts().get(CONCERNS) or ())


def _refer_now(talk: _Talk) -> None:
    """A referral (someone in danger, a legal matter) is said the moment an answer raises it, before any
    further question: it comes before anything a community can do (the plan repeats it first)."""
    reasoning = talk.reasoning()
    for ident in profile(talk.kb, reasoning):
        spec = talk.kb.diagnoses[ident]
        if spec.family == "referral" and ident not in talk.referred:
            talk.referred.add(ident)
            talk.console.print()
            talk.say("consult_referral_now", style="bold red", title=spec.title.get(talk.lang),
                     summary=spec.summary.get(talk.lang))


def _acknowledge(talk: _Talk) -> None:
    """A word for how the person feels, once they have said it (messages.yaml's acknowledge_<mood>)."""
    said = acknowledgement(talk.kb, talk.session.facts().get("mood"), talk.lang)
    if said:
        talk.console.print()
        talk.console.print(RichText(said, style="italic"))


def _dropped(kb: KnowledgeBase, text: str, count: int) -> set[int] | None:
    """The items to drop: none for Enter or yes, all for no, else the numbers given; None when unreadable."""
    word = text.strip().lower()
    if not word or word in words(kb, "answer_yes_words"):
        return set()
    if word in words(kb, "answer_no_words"):
        return set(range(1, count + 1))
    numbers = re.findall(r"\d+", word)
    if numbers and not re.sub(r"[\d\s,,、]+", "", word):
        return {int(n) for n in numbers if 1 <= int(n) <= count}
    return None


def _say_focus(talk: _Talk, concerns: Any) -> None:
    """Say where the questions will start: the named concerns, or only the general ones."""
    if not concerns:
        talk.say("consult_focus_general", style="dim")
        return
    labels = (talk.kb.facts[CONCERNS].value_labels or {})
    named = ", ".join(labels[c].get(talk.lang) if c in labels else c for c in concerns)
    talk.say("consult_focus", style="dim", concerns=named)


def _current_ids(talk: _Talk, reasoning: Reasoning) -> str:
    """The diagnoses held so far, numbered with their titles, for the usage hint of `how`."""
    ids = list(profile(talk.kb, reasoning))
    shown = [f"{i}. {talk.kb.diagnoses[d].title.get(talk.lang)} ({d})" for i, d in enumerate(ids, 1)]
    return "; ".join(shown) if ids else talk.kb.message("consult_none_yet", talk.lang)


def _explain(talk: _Talk, command: str, arg: str, fact: str) -> None:
    """Answer why / how / plan / help without leaving the question."""
    if command == "help":
        talk.say("consult_commands", style="dim")
        return
    if command == "plan":
        talk.say("consult_plan_header", style="bold")
        _print_plan(talk)
        return
    reasoning = talk.reasoning()
    if command == "why":
        _why(talk, fact, bool(arg))
        return
    detail = bool(arg) and arg.split()[-1].lower() in words(talk.kb, "command_rules_words")
    target = _diagnosis_named(talk, " ".join(arg.split()[:-1]) if detail else arg, reasoning)
    if target is None:
        key = "consult_how_unknown" if arg else "consult_how_usage"
        talk.say(key, style="yellow", id=arg, ids=_current_ids(talk, reasoning))
        return
    for line in (explain_how if detail else how_in_words)(talk.kb, reasoning, target, talk.lang):
        talk.console.print(RichText(line))


def _why(talk: _Talk, fact: str, rules: bool) -> None:
    """In sentences: what the expert is trying to tell apart, and which answer would move each (rule ids on request)."""
    kb, lang = talk.kb, talk.lang
    purpose = talk.catalogue.questions[fact].why
    if purpose is not None:
        talk.console.print(RichText(purpose.get(lang), style="bold"))
    reason = why_asked(kb, talk.session.facts(), fact)
    if not reason.apart:
        if purpose is None:
            talk.say("consult_why_nothing", style="dim")
        return
    titles = [kb.diagnoses[d].title.get(lang) for d in reason.apart]
    key = ("consult_why_one" if len(titles) == 1 else "consult_why_apart") if reason.moves else "consult_why_together"
    talk.say(key, style="bold", diagnoses="; ".join(titles))
    spec = kb.facts[fact]
    for value, diagnosis, now, then in reason.moves:
        key = "consult_why_raises" if then > now else "consult_why_lowers"
        talk.say(key, answer=fact_type(spec).display(kb, spec, value, lang), diagnosis=kb.diagnoses[diagnosis].title.get(lang),
                 now=f"{now:.2f}", then=f"{then:.2f}")
    if rules:
        talk.say("consult_why_rules", style="dim", rules=", ".join(reason.rules))
    else:
        talk.say("consult_why_rules_hint", style="dim")


def _diagnosis_named(talk: _Talk, text: str, reasoning: Reasoning) -> str | None:
    """A diagnosis held so far, named by its number in the current list, its id, its title, or a near miss of either."""
    held = list(profile(talk.kb, reasoning))
    word = text.strip().lower()
    if not word:
        return None
    if word.isdigit():
        return held[int(word) - 1] if 1 <= int(word) <= len(held) else None
    names = {d: {d.lower(), *(t.lower() for t in (talk.kb.diagnoses[d].title.en, talk.kb.diagnoses[d].title.zh or "") if t)}
             for d in held}
    exact = [d for d in held if word in names[d]]
    if exact:
        return exact[0]
    partial = [d for d in held if any(word in n for n in names[d])]
    if len(partial) == 1:
        return partial[0]
    guess = did_you_mean(word, [n for d in held for n in names[d]])
    return next((d for d in held if guess in names[d]), None) if guess else None


def _print_plan(talk: _Talk) -> None:
    """The full plan for the answers so far, rendered with rich."""
    plan = run_diagnosis(_named(talk), lang=talk.lang, knowledge=talk.kb)
    for part in renderables(plan, talk.kb):
        talk.console.print(part, soft_wrap=False)


def _named(talk: _Talk) -> dict[str, Any]:
    """The situation so far, named for a plan ("your community" until the name, asked last, is given)."""
    return talk.session.named_data(talk.lang)


def _loop(talk: _Talk) -> str:
    """Ask until nothing can change the top conclusions; returns why it stopped."""
    while True:
        choice, left = next_question(talk.kb, talk.catalogue, talk.session.facts(), talk.session.skipped())
        if choice is None:
            return "consult_done"
        try:
            _ask(talk, choice, left)
        except _Done:
            _close(talk)
            return "consult_stopped"


def _close(talk: _Talk) -> None:
    """The closing questions (the report's name) when the person stops before they came up."""
    for fact in closing_questions(talk.catalogue, talk.session.facts(), talk.session.skipped()):
        with contextlib.suppress(_Done):
            _ask(talk, Choice(fact, 0.0, False, (), opening=True), -1)  # -1: the person stopped the questions


def _open_session(kb: KnowledgeBase, resume: Path | None, source: str | None, session_path: Path | None,
                  lang: str | None) -> tuple[Session, bool]:
    """A resumed session, or a new one (optionally on top of a situation file)."""
    if session_path is not None and session_path.exists() and not (resume is not None and _same(resume, session_path)):
        raise InputFileError(Problem(str(session_path), "--session would overwrite a file that already exists",
                                     f"continue it with --resume {session_path}, or choose a new --session path"))
    if resume is not None:
        session = Session.load(kb, resume)
        if session_path is not None:
            session.path = session_path
        if lang:
            session.lang = lang
        return session, True
    base: dict[str, Any] = {}
    if source is not None:
        base, _ = load_source(kb, source)
    return Session(kb, lang=lang or "en", base=base, path=session_path or default_session_path()), False


def _same(a: Path, b: Path) -> bool:
    """True when two paths name the same file."""
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False


def _finish(talk: _Talk, fmt: str, output: Path | None, export: Path | None, color: bool) -> None:
    """Mark the session finished, show or write the report, export the situation."""
    talk.session.finished = True
    talk.session.save()
    plan = run_diagnosis(_named(talk), lang=talk.lang, knowledge=talk.kb)
    if talk.on_finish is not None:
        talk.on_finish(_named(talk), plan)
    if export is not None:
        import yaml

        text = yaml.safe_dump(_named(talk), allow_unicode=True, sort_keys=False, width=100)
        atomic_write_text(export, text, "situation file")
        talk.say("consult_exported", style="dim", path=str(export))
    if output is not None:
        emit(render(plan, fmt, talk.kb, color=False), output)
        talk.say("consult_report_written", style="dim", path=str(output))
    elif fmt == "terminal":
        talk.console.print()
        for part in renderables(plan, talk.kb):
            talk.console.print(part, soft_wrap=False)
    else:
        click.echo(render(plan, fmt, talk.kb, color=False), nl=False)


def _converse(talk: _Talk, resumed: bool, fmt: str, output: Path | None, export: Path | None, use_color: bool) -> None:
    """The consultation itself, with the session locked: questions, then the report; every exit saves."""
    session, kb = talk.session, talk.kb
    try:
        session.save()
        talk.say("consult_session_file", style="dim", path=str(session.path))
        if resumed:
            talk.say("consult_resumed", answered=len(session.steps))
            if session.knowledge and session.knowledge != knowledge_hash(kb):
                talk.say("consult_knowledge_changed", style="yellow")
        else:
            talk.say("consult_intro")
        if resumed and session.finished:
            talk.say("consult_finished_already")
        else:
            reason = _loop(talk)
            talk.console.print()
            talk.say(reason, style="bold")
        _finish(talk, fmt, output, export, use_color)
    except _Quit:
        talk.say("consult_quit", style="bold", path=str(session.path))
    except KeyboardInterrupt:
        talk.console.print()
        talk.say("consult_interrupted", style="bold", path=str(session.path))
        sys.exit(130)
    except ExpertError as exc:
        fail(exc)


def run_consultation(source: str | None, resume: Path | None, session_path: Path | None, lang: str | None, fmt: str,
                     output: Path | None, export: Path | None, color: bool | None, knowledge_dir: Path | None,
                     on_finish: Any = None) -> None:
    """Open (or resume) the session, hold its lock, and talk it through to the report."""
    with contextlib.ExitStack() as held:
        try:
            kb = knowledge_base(knowledge_dir)
            catalogue = load_questions(kb)
            target = session_path or resume or default_session_path()
            held.enter_context(lock_session(kb, target, lang or "en"))
            session, resumed = _open_session(kb, resume, source, session_path or (None if resume else target), lang)
        except ExpertError as exc:
            fail(exc)
            return
        use_color = sys.stdout.isatty() if color is None else color
        _line_editing()
        console = Console(highlight=False, soft_wrap=False, force_terminal=use_color, no_color=not use_color, emoji=False)
        _converse(_Talk(kb, catalogue, session, console, session.lang, on_finish), resumed, fmt, output, export, use_color)


def _line_editing() -> None:
    """Arrow keys, editing and history at the prompt (the standard library's readline), on a terminal only."""
    if sys.stdin.isatty():
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it is what gives input() line editing)
