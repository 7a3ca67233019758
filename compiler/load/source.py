"""Where a spec lives, resolved once by the loader: the file, its repository and its name there.

Includes are confined to the repository and generated headers name the spec relative to it,
so both read the one ``SpecSource`` the loader builds instead of searching again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SpecSource:
    """``display`` is the path as the user gave it (diagnostics); ``in_repo`` is for headers."""

    path: Path
    display: str
    root: Path  # resolved repository root: an include may not leave it
    in_repo: str  # posix path relative to ``root``, the same whatever the working directory


def find_repo_root(spec_path: Path) -> Path:
    """Nearest ancestor of the spec holding pyproject.toml or .git, else the spec's folder."""
    start = spec_path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").exists() or (folder / ".git").exists():
            return folder
    return start


def locate(path: Path, repo_root: Path | None = None) -> SpecSource:
    """The ``SpecSource`` of an existing spec file; ``repo_root`` overrides the search.

    A spec outside the given root is named by its file name alone in headers.
    """
    root = (repo_root if repo_root is not None else find_repo_root(path)).resolve()
    try:
        in_repo = path.resolve().relative_to(root).as_posix()
    except ValueError:
        in_repo = path.name
    return SpecSource(path=path, display=str(path), root=root, in_repo=in_repo)
