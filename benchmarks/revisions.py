"""An earlier commit's source tree, for the benchmarks that measure against a previous revision (--against)."""
from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["source_tree"]


def source_tree(rev: str, into: Path) -> Path:
    """The source tree of commit ``rev`` extracted under ``into`` (git archive; the work tree is not touched)."""
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, stdout=out)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"
