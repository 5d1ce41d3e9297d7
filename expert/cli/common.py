"""What every command shares: the --lang and --knowledge options, the knowledge base, output and error printing.

Light on purpose (click only at import): `expert --help` loads this and each command module, not their work.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from expert.errors import ExpertError
    from expert.knowledge import KnowledgeBase

__all__ = ["knowledge_base", "emit", "print_error", "fail", "LANG_OPTION", "KNOWLEDGE_OPTION", "PROBLEM_LIMIT",
           "remember_lang", "set_debug", "knowledge_notice", "version_text", "docs_folder"]

_STATE: dict[str, Any] = {"debug": False, "lang": "en"}  # set by --debug and --lang: how an error is shown


def remember_lang(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> str | None:
    """Keep the command's --lang so that an error is shown in the report's language."""
    if value:
        _STATE["lang"] = value
    return value


def set_debug(on: bool) -> None:
    """--debug: errors also name their kind (the Python class), for bug reports.

    Called at the start of every invocation, it also forgets the previous one's --lang, so a host
    that runs several commands in one process never gets errors in an earlier command's language.
    """
    _STATE["debug"] = on
    _STATE["lang"] = "en"


LANG_OPTION = click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                           callback=remember_lang, help="Language of the report (and of error messages).")
PROBLEM_LIMIT = 2000  # characters of one error line (lists of allowed values can be long)
KNOWLEDGE_OPTION = click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False, path_type=Path),
                                default=None, help="Knowledge folder to use instead of the bundled one.")


def knowledge_base(knowledge_dir: Path | None) -> KnowledgeBase:
    """The bundled knowledge base, or the folder given with --knowledge."""
    from expert.knowledge import cached_knowledge

    return cached_knowledge(str(knowledge_dir) if knowledge_dir else None)


def emit(text: str, output: Path | None) -> None:
    """Print to stdout, or write the file atomically so a failure never leaves half a report."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    from expert.yamlio import atomic_write_text

    atomic_write_text(output, text, "output")


def _error_words(lang: str) -> tuple[str, str]:
    """'Error' and 'What to do' in the language of the report (English if the knowledge itself cannot load)."""
    from expert.errors import ExpertError
    from expert.knowledge import cached_knowledge

    try:
        kb = cached_knowledge()
        return kb.message("error_prefix", lang), kb.message("error_what_to_do", lang)
    except (ExpertError, KeyError):
        return "Error", "What to do"


def _localised(problem: Any, lang: str) -> Any:
    """A file problem (its code starts with ``file-``) in the report's language, from knowledge/messages.yaml.

    The layers that read files know no language; they give each problem a code, and its technical
    detail (the parser's own words) as its value.
    """
    import dataclasses

    from expert.errors import ExpertError, Problem
    from expert.knowledge import cached_knowledge

    if lang == "en" or not isinstance(problem, Problem) or not problem.code.startswith("file-"):
        return problem
    key = "problem_" + problem.code.replace("-", "_")
    try:
        kb = cached_knowledge()
        return dataclasses.replace(problem, message=kb.message(key, lang, detail=problem.value or ""),
                                   hint=kb.message(f"{key}_hint", lang))
    except (ExpertError, KeyError):
        return problem


def _problems_in(exc: ExpertError, lang: str) -> list[Any]:
    """The error's problems, in `lang` when it can render itself there (an export's IngestError or option error)."""
    from expert.errors import ExpertError
    from expert.ingest.model import IngestError, IngestOptionError

    if lang != "en" and isinstance(exc, (IngestError, IngestOptionError)):
        try:
            return exc.localised(lang)
        except ExpertError:  # the texts cannot load: the English problems still say what is wrong
            return exc.problems
    return exc.problems


def print_error(exc: ExpertError) -> None:
    """Our error on stderr: what happened (where, what) and what to do, one problem after another.

    The error's kind (its Python class) is shown only with --debug: it means nothing to a user.
    """
    from expert.textsafe import terminal_text

    lang = exc.lang if exc.lang != "en" else _STATE["lang"]
    heading, what_to_do = _error_words(lang)
    problems = [_localised(p, lang) for p in _problems_in(exc, lang)]
    if _STATE["debug"]:
        heading += f" ({exc.__class__.__name__})"
    click.echo(f"{heading}:", err=True)
    for problem in problems:  # file names and values come from outside: no control characters
        hint = getattr(problem, "hint", None)
        text = str(problem)
        if hint and text.endswith(f" ({hint})"):
            text = text[: -len(hint) - 3]
        click.echo(f"  {terminal_text(text, limit=PROBLEM_LIMIT)}", err=True)
        if hint:
            click.echo(f"    {what_to_do}: {terminal_text(hint, limit=PROBLEM_LIMIT)}", err=True)


def fail(exc: ExpertError) -> None:
    """Print our error's problems to stderr and exit with its code (no traceback)."""
    import sys

    print_error(exc)
    sys.exit(exc.exit_code)


def _yaml_digest(root: Path) -> str:
    """A digest of every YAML file under a knowledge folder (names and bytes), to tell two folders apart."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _local_knowledge(in_use: Path) -> Path | None:
    """./knowledge when it is a knowledge folder that differs from the one in use (else None)."""
    local = Path("knowledge")
    if not (local / "facts.yaml").is_file():
        return None
    try:
        if local.resolve() == in_use.resolve() or _yaml_digest(local) == _yaml_digest(in_use):
            return None
    except OSError:
        return None
    return local


def knowledge_notice(in_use: Path, lang: str, *, always: bool = True) -> list[str]:
    """Which knowledge folder is in use (when ``always``), and a note when ./knowledge differs from it.

    After `pip install .` the commands read the installed copy: an edit to ./knowledge would
    otherwise change nothing, without a word.
    """
    from expert.errors import ExpertError
    from expert.knowledge import cached_knowledge

    try:
        kb = cached_knowledge(str(in_use))
    except ExpertError:
        return []
    lines = [kb.message("knowledge_in_use", lang, path=in_use)] if always else []
    local = _local_knowledge(in_use)
    if local is not None:
        lines.append(kb.message("knowledge_local_differs", lang, path=local))
    return lines


def version_text() -> str:
    """`expert --version`: the program's version and the knowledge folder it reads."""
    from importlib.metadata import PackageNotFoundError, version

    from expert.knowledge import default_knowledge_dir

    try:
        number = version("community-expert")  # the one version: pyproject.toml's (as expert.__version__)
    except PackageNotFoundError:
        number = "0+unknown"
    folder = default_knowledge_dir()
    return "\n".join([f"expert {number}", *(knowledge_notice(folder, _STATE["lang"]) or [f"knowledge: {folder}"])])


def docs_folder(root: Path) -> Path:
    """Where `expert knowledge docs` writes: docs/ beside the knowledge folder, in its own project.

    Never the folder one happens to stand in; and never inside an installed package (the copy
    that `pip install .` made has no project to document): then it asks for --output.
    """
    from expert.errors import OptionError, Problem

    if root.name == "_knowledge" and root.parent.name == "expert":
        raise OptionError(Problem(str(root), "the knowledge in use is the installed copy, which has no project folder "
                                             "to write docs/ into", "pass --output DIR, or --knowledge with your "
                                             "project's knowledge folder"))
    return root.resolve().parent / "docs"

