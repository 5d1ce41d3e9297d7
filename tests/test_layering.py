"""The packages read as the pipeline: each stage imports only from stages below it, and nothing imports in a cycle."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "expert"

# Bottom to top. A module may import from its own stage and any stage listed before it.
STAGES = [
    {"expert.errors", "expert.yamlio", "expert.textsafe"},  # foundation: errors, YAML I/O, safe text
    {"expert.knowledge"},                                  # the rule language, typed model, loader, lint, docs
    {"expert.model"},                                      # situation (validated against the vocabulary), plan
    {"expert.reasoning"},                                  # derive, compile, rete, engine, certainty, explain
    {"expert.planning"},                                   # planner and the diagnose() pipeline
    {"expert.ingest"},                                     # reading exports and measuring them
    {"expert.consult"},                                    # questionnaire, sessions, what-if
    {"expert.analysis"},                                   # an export's analysis becomes a situation
    {"expert.history"},                                    # recorded assessments (SQLite) and their review
    {"expert.batch"},                                      # many diagnoses in a process pool, in order
    {"expert.render"},                                     # every output
    {"expert.cli"},                                        # the commands
    {"expert", "expert.__main__", "expert.rete"},          # the public facade
]
RANK = {name: rank for rank, names in enumerate(STAGES) for name in names}


def _module_name(path: Path) -> str:
    """expert/knowledge/loader.py -> expert.knowledge.loader; a package's __init__ is the package."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> int:
    """The rank of the stage a module belongs to (its longest listed prefix)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RANK:
            return RANK[".".join(parts[:n])]
    raise AssertionError(f"{module} belongs to no stage: add its package to STAGES")


def _imports(tree: ast.Module, module_level_only: bool) -> set[str]:
    """Every expert module a file imports (anywhere, or only at module level outside TYPE_CHECKING)."""
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "expert"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "expert":
            assert node.level == 0, "relative import"
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found |= {s for s in subs if _exists(s)} or {node.module}
            if not all(_exists(s) for s in subs):
                found.add(node.module)
    return found


def _exists(module: str) -> bool:
    """True when a dotted name is a module or package of ours (not a name inside one)."""
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


@functools.cache
def _sources() -> dict[str, ast.Module]:
    """Every module of the package, parsed."""
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(_sources()))
def test_each_module_imports_only_its_own_stage_or_those_below(module):
    upward = sorted(i for i in _imports(_sources()[module], module_level_only=False) if _stage(i) > _stage(module))
    assert not upward, f"{module} (stage {_stage(module)}) imports from a later stage: {upward}"


def test_no_import_cycles_between_modules():
    graph = {m: {i for i in _imports(t, module_level_only=True) if i != m} for m, t in _sources().items()}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        """Depth-first search; a node met again on the current path closes a cycle."""
        if node in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(node):] + [node]))
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, path + [node])
        done.add(node)

    for start in sorted(graph):
        visit(start, [])


def test_the_command_line_imports_no_command_module_by_name():
    """Commands are registered by name in expert.cli.main, so no command module needs the group (no cycle)."""
    for module, tree in _sources().items():
        if module.startswith("expert.cli.") and module not in ("expert.cli.main",):
            assert "expert.cli.main" not in _imports(tree, module_level_only=False), module
