"""The DVC/git source: a git repository whose data folder DVC tracks, read at one commit.

URI: ``dvc+REPO#PATH`` (REPO a local path or a git URL, PATH the data folder inside it);
the ref is separate (the pipeline's ``data_ref``). Reading goes through ``dvc.api``'s
``DVCFileSystem`` at a commit, so the work tree's state never matters and an old commit reads
back exactly what it held (from the DVC cache or remote). History operations (log, branch,
tag, merge, revert, import) run git and DVC in a local clone: that is a normal DVC workflow.
"""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

from ideko.runtime.data.errors import DataError
from ideko.runtime.data.sources.gitcli import git
from ideko.runtime.data.sources.records import QUALITY_KEYS, Change, CommitInfo, is_commit_id

SCHEME = "dvc+"
_SEPARATOR = "\x1f"
_RECORD = "\x1e"
_LOG_FORMAT = _SEPARATOR.join(("%H", "%P", "%an", "%at", "%s", "%b")) + _RECORD
TRAILER_PREFIX = "Ideko-"  # git trailers carrying import metadata (Ideko-Quality-Verdict: …)


def parse_uri(uri: str) -> tuple[str, str]:
    """``dvc+REPO#PATH`` -> (REPO, PATH); a URI without a data folder is an error."""
    if not uri.startswith(SCHEME):
        raise DataError(f"{uri!r} is not a DVC source URI (dvc+REPO#PATH)")
    repo, sep, path = uri[len(SCHEME) :].rpartition("#")
    if not sep or not repo or not path.strip("/"):
        raise DataError(f"{uri!r}: expected dvc+REPO#PATH, e.g. dvc+data-repo#raw")
    return repo, path.strip("/")


def _is_local(repo: str) -> bool:
    return "://" not in repo and not repo.startswith("git@")


class DvcSource:
    """One DVC data folder in one git repository."""

    kind = "dvc"

    def __init__(self, uri: str) -> None:
        self.uri = uri
        repo, self.path = parse_uri(uri)
        self.repo = str(Path(repo).resolve()) if _is_local(repo) else repo
        self._materialized: dict[str, Path] = {}

    # -- reading -------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The local repository (history operations need one)."""
        if not _is_local(self.repo):
            raise DataError(f"{self.uri}: this operation needs a local clone of {self.repo}")
        root = Path(self.repo).resolve()
        if not (root / ".git").exists():
            raise DataError(f"{self.uri}: {root} is not a git repository")
        return root

    def default_ref(self) -> str:
        return "HEAD"

    def run_branch_name(self, run_id: str) -> str:
        return f"ideko/{run_id}"

    def resolve(self, ref: str) -> str:
        if _is_local(self.repo):
            found = git(
                self.root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False
            )
            if not found:
                raise DataError(f"{self.uri}: unknown ref {ref!r} in {self.repo}")
            return found
        if is_commit_id(ref):
            return ref
        listed = git(None, "ls-remote", self.repo, ref)
        if not listed:
            raise DataError(f"{self.uri}: unknown ref {ref!r} in {self.repo}")
        return listed.split()[0]

    def _fs(self, commit: str) -> Any:
        from dvc.api import DVCFileSystem

        try:
            return DVCFileSystem(
                url=self.repo if not _is_local(self.repo) else str(self.root), rev=commit
            )
        except Exception as exc:  # dvc/scmrepo raise many types for a bad repo or rev
            raise DataError(f"{self.uri}: cannot open {self.repo} at {commit}: {exc}") from exc

    def materialize(self, commit: str) -> Path:
        cached = self._materialized.get(commit)
        if cached is not None and cached.is_dir():
            return cached
        target = Path(tempfile.mkdtemp(prefix="ideko-dvc-")) / Path(self.path).name
        atexit.register(shutil.rmtree, target.parent, True)  # a copy for this process only
        fs = self._fs(commit)
        if not fs.isdir(self.path):
            raise DataError(f"{self.uri}: no folder {self.path!r} at commit {commit}")
        try:
            fs.get(self.path, str(target), recursive=True)
        except Exception as exc:  # a missing cache entry or remote object
            shutil.rmtree(target.parent, ignore_errors=True)
            raise DataError(f"{self.uri}: cannot read {self.path} at {commit}: {exc}") from exc
        self._materialized[commit] = target
        return target

    def files(self, ref: str) -> list[str]:
        commit = self.resolve(ref)
        fs = self._fs(commit)
        if not fs.isdir(self.path):
            return []
        prefix = self.path.rstrip("/") + "/"
        return sorted(p.lstrip("/")[len(prefix) :] for p in fs.find(self.path))

    def _manifest(self, commit: str) -> dict[str, str]:
        fs = self._fs(commit)
        if not fs.isdir(self.path):
            return {}
        prefix = self.path.rstrip("/") + "/"
        manifest: dict[str, str] = {}
        for path, info in fs.find(self.path, detail=True).items():
            dvc_info = info.get("dvc_info") or {}
            digest = dvc_info.get("md5") or info.get("md5") or info.get("sha") or ""
            manifest[path.lstrip("/")[len(prefix) :]] = f"{digest}:{info.get('size')}"
        return manifest

    def diff(self, left: str, right: str) -> list[Change]:
        before = self._manifest(self.resolve(left))
        after = self._manifest(self.resolve(right))
        changes = [Change(p, "added") for p in after if p not in before]
        changes += [Change(p, "removed") for p in before if p not in after]
        changes += [Change(p, "changed") for p in after if p in before and after[p] != before[p]]
        return sorted(changes, key=lambda c: c.path)

    # -- history ---------------------------------------------------------------------------
    def log(self, ref: str, limit: int) -> list[CommitInfo]:
        commit = self.resolve(ref)
        out = git(self.root, "log", f"--max-count={limit}", f"--format={_LOG_FORMAT}", commit)
        return [_commit(record) for record in out.split(_RECORD) if record.strip()]

    def commit_info(self, ref: str) -> CommitInfo:
        return self.log(ref, 1)[0]

    def branches(self) -> dict[str, str]:
        out = git(
            self.root, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"
        )
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def tags(self) -> dict[str, str]:
        out = git(
            self.root,
            "for-each-ref",
            "--format=%(refname:short) %(*objectname)%(objectname)",
            "refs/tags",
        )
        return {
            name: ids[:40]
            for name, ids in (line.split(" ", 1) for line in out.splitlines() if line)
        }

    def create_branch(self, name: str, source_ref: str) -> str:
        commit = self.resolve(source_ref)
        git(self.root, "branch", name, commit)
        return commit

    def create_tag(self, name: str, ref: str) -> str:
        commit = self.resolve(ref)
        git(self.root, "tag", "-a", name, commit, "-m", f"ideko data tag {name}")
        return commit

    def merge(self, source_ref: str, into: str, message: str) -> str:
        self._checkout(into)
        done = git(
            self.root, "merge", "--no-ff", "-m", message, self.resolve(source_ref), check=False
        )
        if "CONFLICT" in done or not self._clean():
            git(self.root, "merge", "--abort", check=False)
            raise DataError(
                f"{self.uri}: merging {source_ref} into {into} conflicts; nothing merged"
            )
        self._dvc_checkout()
        return self.resolve(into)

    def revert(self, branch: str, commit: str, message: str) -> str:
        self._checkout(branch)
        target = self.resolve(commit)
        git(self.root, "revert", "--no-commit", target)
        git(self.root, "commit", "-m", message or f"Revert {target}")
        self._dvc_checkout()
        return self.resolve(branch)

    def import_tree(self, folder: Path, branch: str, message: str, metadata: dict[str, str]) -> str:
        """Replace the data folder on ``branch`` with ``folder``, ``dvc add`` it and commit.

        Any failure before the commit restores the branch as it was: nothing is committed.
        """
        root = self.root
        if not (root / ".dvc").is_dir():
            _dvc_init(root)
        self._checkout(branch)
        head = git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
        data = root / self.path
        try:
            if data.exists():
                shutil.rmtree(data)
            shutil.copytree(folder, data)
            _dvc_add(root, self.path)
            pointer = f"{self.path}.dvc"
            ignore = str(Path(self.path).parent / ".gitignore")
            git(root, "add", "--", pointer, ignore, ".dvc", ".dvcignore")
            trailers = [
                f"--trailer={TRAILER_PREFIX}{_trailer(k)}: {v}" for k, v in metadata.items()
            ]
            git(root, "commit", "--allow-empty", "-m", message, *trailers)
        except BaseException:
            self._restore(head)
            raise
        _dvc_push_if_remote(root)
        return self.resolve("HEAD")

    # -- work tree -------------------------------------------------------------------------
    def _clean(self) -> bool:
        return not git(self.root, "status", "--porcelain", "--untracked-files=no")

    def _checkout(self, branch: str) -> None:
        root = self.root
        if not git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False):
            git(root, "symbolic-ref", "HEAD", f"refs/heads/{branch}")  # an empty repository
            return
        if not self._clean():
            raise DataError(f"{root} has uncommitted changes; commit or stash them first")
        if git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False) == "":
            raise DataError(
                f"{self.uri}: no branch {branch!r} "
                f"(create it: ideko data branch {branch} --from REF)"
            )
        git(root, "checkout", "--quiet", branch)
        self._dvc_checkout()

    def _dvc_checkout(self) -> None:
        if (self.root / f"{self.path}.dvc").exists():
            _dvc_checkout(self.root, self.path)

    def _restore(self, head: str) -> None:
        root = self.root
        git(root, "reset", "--quiet", "--mixed", *([head] if head else []), check=False)
        if head:
            git(root, "checkout", "--quiet", "--", ".", check=False)
            self._dvc_checkout()
        else:
            shutil.rmtree(root / self.path, ignore_errors=True)


def _trailer(key: str) -> str:
    """``ideko.quality.num_series`` -> ``Quality-Num-Series`` (git trailer tokens: no dots)."""
    return "-".join(w.capitalize() for w in key.removeprefix("ideko.").replace("_", ".").split("."))


# Trailer token -> metadata key, for the keys ``ideko data import`` writes.
_KEYS = {_trailer(key): key for key in QUALITY_KEYS}


def _commit(record: str) -> CommitInfo:
    commit, parents, author, at, subject, body = record.strip("\n").split(_SEPARATOR)
    metadata: dict[str, str] = {}
    for line in body.splitlines():
        token, sep, value = line.partition(": ")
        if sep and token.startswith(TRAILER_PREFIX):
            token = token[len(TRAILER_PREFIX) :]
            metadata[_KEYS.get(token, token.lower())] = value.strip()
    return CommitInfo(commit, subject, author, int(at), tuple(parents.split()), metadata)


def _dvc_repo(root: Path) -> Any:
    """DVC's own ``Repo`` API for ``root`` (in process; no CLI, so no analytics and no chdir)."""
    from dvc.repo import Repo

    return Repo(str(root))


@contextmanager
def _quiet() -> Iterator[None]:
    """DVC's hints ("To track the changes with git, run: …") would land in ``--json`` output."""
    with redirect_stdout(io.StringIO()):
        yield


def _dvc_init(root: Path) -> None:
    from dvc.repo import Repo

    with _quiet():
        Repo.init(str(root)).close()
    with _dvc_repo(root) as repo, repo.config.edit() as config:
        config["core"]["analytics"] = False  # nothing leaves the machine on its own
        config["core"]["check_update"] = False


def _dvc_add(root: Path, path: str) -> None:
    with _quiet(), _dvc_repo(root) as repo:
        repo.add(str(root / path))


def _dvc_checkout(root: Path, path: str) -> None:
    with _quiet(), _dvc_repo(root) as repo:
        repo.checkout(targets=[str(root / path)], force=True)


def _dvc_push_if_remote(root: Path) -> None:
    """Push the new data to the repository's default DVC remote when it has one."""
    with _quiet(), _dvc_repo(root) as repo:
        if repo.config.get("core", {}).get("remote"):
            repo.push()
