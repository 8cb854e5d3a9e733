"""`codemend data mine`: real bug fixes mined from a local git history, labeled like injected bugs.

    codemend data mine --repo path/to/checkout --out runs/mined
    codemend data mine --repo . --rev v1.0..main --max_changed_lines 3 --out runs/mined-small

Walks `git log` (newest first, merges skipped), keeps commits whose message looks like a bug fix
and that touch few files and lines, and for every modified .py file pairs each function before
and after the commit by qualified name. A pair becomes a sample when the function changed in one
small hunk: the BEFORE version is the buggy code, the AFTER version the fix. The repository is
only read (`git log`, `git diff-tree`, `git cat-file`): no checkout, no index or working-tree change.

Writes the same folder layout as `codemend data build` (train/validation/test JSONL split by
file, hf/, stats.json, README.md, config.yaml), so `codemend train --data OUT` works on it.
"""

from __future__ import annotations

import collections
import logging
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from codemend.config import DEFAULT_FIX_PATTERN, MineConfig
from codemend.data.build import BuildReport, _dedupe, split_samples, write_outputs
from codemend.data.corpus import Function, extract_functions
from codemend.data.parsing import has_error, parse
from codemend.errors import CodemendError
from codemend.io import atomic_folder, check_writable_target
from codemend.task import LineEdit, compute_edit, render_edit, unified_diff

logger = logging.getLogger(__name__)

# Reading commands only, and without the optional index refresh `git status`-like commands do,
# so mining never writes a lock file or an index into the repository.
_GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
_MAX_FUNCTION_LINES = 10_000


@dataclass
class MineReport(BuildReport):
    """BuildReport's counts (files = .py file versions read, functions = changed functions) plus the history's."""

    repo_head: str = ""
    commits_scanned: int = 0
    fix_commits: int = 0
    commits_with_samples: int = 0


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # git's one-letter status: M(odified), A(dded), D(eleted), T(ype change)
    old_blob: str
    new_blob: str


# ----------------------------------------------------------------------------- reading git


def _git(repo: str, *args: str) -> bytes:
    """stdout of a read-only git command in `repo`; a failure becomes a CodemendError with git's words."""
    try:
        result = subprocess.run(
            ["git", "-C", repo, *args], capture_output=True, env={**os.environ, **_GIT_ENV}, check=False
        )
    except FileNotFoundError:
        raise CodemendError("git is not installed or not on PATH; install git to mine commits") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CodemendError(f"--repo {repo}: `git {args[0]}` failed: {message[-1] if message else 'no message'}")
    return result.stdout


def check_repository(repo: str) -> str:
    """The HEAD commit of `repo`; a clear error for a missing folder, a non-repository or an empty one."""
    if not Path(repo).is_dir():
        raise CodemendError(f"--repo {repo}: no such folder; give the path of a local git checkout")
    try:
        _git(repo, "rev-parse", "--git-dir")
    except CodemendError as err:
        raise CodemendError(f"--repo {repo}: not a git repository ({err}); give the folder of a git checkout") from None
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip()
    except CodemendError:
        raise CodemendError(f"--repo {repo}: the repository has no commits yet; nothing to mine") from None


def iter_commits(repo: str, rev: str, max_commits: int) -> Iterator[Commit]:
    """Non-merge commits reachable from `rev`, newest first, with their full messages."""
    args = ["log", "-z", "--no-merges", "--encoding=UTF-8", "--format=%H%n%P%n%B"]
    if max_commits:
        args.append(f"--max-count={max_commits}")
    try:
        output = _git(repo, *args, "--end-of-options", rev, "--")
    except CodemendError as err:
        raise CodemendError(f"{err}; check --rev {rev}") from None
    for record in output.split(b"\0"):
        if not record.strip():
            continue
        sha, parents, message = (record.decode("utf-8", "replace").split("\n", 2) + ["", ""])[:3]
        yield Commit(sha.strip(), tuple(parents.split()), message.strip())


def is_fix_message(message: str, pattern: str = DEFAULT_FIX_PATTERN) -> bool:
    return re.search(pattern, message, flags=re.IGNORECASE) is not None


def commit_changes(repo: str, sha: str) -> tuple[list[FileChange], int]:
    """Files a (non-root, non-merge) commit changed against its parent, and its added+deleted line count."""
    # -M: a file moved and fixed in one commit is a modification of its new path (without it, a deletion and an addition).
    tokens = _git(repo, "diff-tree", "--no-commit-id", "-r", "-z", "-M", "--raw", "--numstat", sha).split(b"\0")
    changes, lines = [], 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.startswith(b":"):
            # ":oldmode newmode oldblob newblob status" followed by the path in its own token (a rename, R<score>: two paths).
            _, _, old_blob, new_blob, status = token[1:].decode().split()
            renamed = status[0] == "R"
            path = tokens[index + 1 + renamed].decode("utf-8", "replace")
            changes.append(FileChange(path, "M" if renamed else status[0], old_blob, new_blob))
            index += 2 + renamed
            continue
        added, _, rest = token.partition(b"\t")
        deleted = rest.partition(b"\t")[0]
        if added.isdigit() and deleted.isdigit():  # binary files show "-\t-"
            lines += int(added) + int(deleted)
        index += 1
    return changes, lines


class BlobReader:
    """One `git cat-file --batch` process serving every blob, instead of a process per file."""

    def __init__(self, repo: str):
        self.process = subprocess.Popen(
            ["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env={**os.environ, **_GIT_ENV},
        )

        self.requests: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        self.replies: IO[bytes] = self.process.stdout  # type: ignore[assignment]

    def read(self, blob: str) -> bytes | None:
        """The blob's bytes, or None when it is missing or not a blob (a submodule's commit)."""
        self.requests.write(blob.encode() + b"\n")
        self.requests.flush()
        header = self.replies.readline().split()  # b"<sha> <type> <size>" or b"<sha> missing"
        if len(header) != 3:
            return None
        data = self.replies.read(int(header[2]))
        self.replies.read(1)  # the newline after the content
        return data if header[1] == b"blob" else None

    def __enter__(self) -> "BlobReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.requests.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # blocked on output nobody will read (an error mid-blob)
            self.process.kill()
            self.process.wait()
        self.replies.close()


# ----------------------------------------------------------------------------- pairing functions


def function_pairs(before: list[Function], after: list[Function], drops: collections.Counter) -> list[tuple[Function, Function]]:
    """(before, after) for each function present once in both versions whose code changed."""
    counts_before = collections.Counter(f.name for f in before)
    after_by_name = {f.name: f for f in after}
    counts_after = collections.Counter(f.name for f in after)
    pairs = []
    for old in before:
        new = after_by_name.get(old.name)
        if new is None or new.code == old.code:
            continue
        # Redefined names (property setters, platform branches) cannot be paired with certainty.
        if counts_before[old.name] > 1 or counts_after[old.name] > 1:
            drops["ambiguous_name"] += 1
            continue
        pairs.append((old, new))
    return pairs


def _hunk_lines(edit: LineEdit) -> int:
    return max(edit.end - edit.start + 1, len(edit.new_lines))


def pair_edit(old: Function, new: Function, config: MineConfig, drops: collections.Counter) -> LineEdit | None:
    """The single small edit from `old` to `new`, or None (counted in `drops`) when the pair is unusable."""
    n_lines = old.end_line - old.start_line + 1
    if not config.min_lines <= n_lines <= config.max_lines:
        drops["function_size"] += 1
        return None
    if old.code.split() == new.code.split():
        drops["whitespace_only"] += 1
        return None
    edit = compute_edit(old.code, new.code)
    if edit is None:
        drops["multi_hunk"] += 1
        return None
    if _hunk_lines(edit) > config.max_changed_lines:
        drops["large_change"] += 1
        return None
    return edit


def mined_sample(old: Function, new: Function, edit: LineEdit, commit: Commit) -> dict:
    """A sample with the keys of an injected one (build.function_samples), plus the commit."""
    return {
        "id": f"{commit.sha[:12]}::{old.file}::{old.name}",
        "file": old.file,
        "function": old.name,
        "start_line": old.start_line,
        "end_line": old.end_line,
        "context": old.context,
        "buggy": old.code,
        "fixed": new.code,
        "operator": "mined",
        "bug_class": "mined fix",
        "line": edit.start,
        "line_end": max(edit.start, edit.end),
        "edit": render_edit(edit),
        "diff": unified_diff(old.code, new.code, old.file, first_line=old.start_line),
        "seed": 0,
        "commit": commit.sha,
        "message": commit.message.splitlines()[0] if commit.message else "",
    }


def file_samples(change: FileChange, commit: Commit, blobs: BlobReader, config: MineConfig, report: MineReport,
                 drops: collections.Counter, skipped: collections.Counter) -> list[dict]:
    """Samples from one modified .py file of one commit."""
    versions, old_data = [], b""
    for blob in (change.old_blob, change.new_blob):
        data = blobs.read(blob)
        if data is None:
            skipped["unreadable"] += 1
            return []
        functions, skip = extract_functions(data, change.path, 1, _MAX_FUNCTION_LINES)
        if skip:
            skipped[skip] += 1
            return []
        versions.append(functions)
        old_data = data if blob == change.old_blob else old_data
    # extract_functions leaves a function out while it does not parse: its syntax fix is not paired, say so (parsed
    # again only when a function is missing from the old version)
    if (appeared := {f.name for f in versions[1]} - {f.name for f in versions[0]}) and has_error(parse(old_data)):
        drops["syntax_error_before"] += len(appeared)
    report.files += 1
    samples = []
    for old, new in function_pairs(versions[0], versions[1], drops):
        report.functions += 1
        edit = pair_edit(old, new, config, drops)
        if edit is not None:
            samples.append(mined_sample(old, new, edit, commit))
    return samples


def commit_samples(commit: Commit, blobs: BlobReader, config: MineConfig, report: MineReport,
                   drops: collections.Counter, skipped: collections.Counter) -> list[dict]:
    """Samples from one fix-looking commit, or none when it is too large to be a focused fix."""
    changes, n_lines = commit_changes(config.repo, commit.sha)
    if len(changes) > config.max_files_per_commit or n_lines > config.max_commit_lines:
        drops["large_commit"] += 1
        return []
    samples = []
    for change in changes:
        if change.status == "M" and change.path.endswith(".py"):
            samples.extend(file_samples(change, commit, blobs, config, report, drops, skipped))
    return samples


def mine_samples(config: MineConfig) -> tuple[list[dict], MineReport]:
    """Every mined sample (before deduplication), newest commit first, and the counts behind them."""
    report = MineReport(out=config.out, repo_head=check_repository(config.repo))
    drops: collections.Counter = collections.Counter()
    skipped: collections.Counter = collections.Counter()
    samples: list[dict] = []
    with BlobReader(config.repo) as blobs:
        for commit in iter_commits(config.repo, config.rev, config.max_commits):
            report.commits_scanned += 1
            if report.commits_scanned % 1000 == 0:
                logger.info("scanned %d commits: %d fix commits, %d samples", report.commits_scanned, report.fix_commits, len(samples))
            # A root commit has no parent to diff against, so it cannot show a fix.
            if len(commit.parents) != 1 or not is_fix_message(commit.message, config.message_pattern):
                continue
            report.fix_commits += 1
            found = commit_samples(commit, blobs, config, report, drops, skipped)
            report.commits_with_samples += bool(found)
            samples.extend(found)
    report.dropped, report.skipped_files = dict(drops), dict(skipped)
    return samples, report


# ----------------------------------------------------------------------------- the command


def mine_repository(config: MineConfig) -> MineReport:
    check_writable_target(config.out, config.overwrite, reads=[("--repo", config.repo)])
    started = time.perf_counter()
    samples, report = mine_samples(config)
    if report.commits_scanned == 0:
        raise CodemendError(f"--repo {config.repo}: no commits in {config.rev}; pass another --rev")
    if report.fix_commits == 0:
        raise CodemendError(
            f"scanned {report.commits_scanned} commits, none looked like a bug fix "
            f"(pattern {config.message_pattern!r}); pass --message_pattern"
        )
    drops = collections.Counter(report.dropped)
    samples = _dedupe(samples, drops)
    report.dropped = dict(drops)
    if not samples:
        raise CodemendError(
            f"{report.fix_commits} of {report.commits_scanned} commits looked like bug fixes, but none changed a "
            f"{config.min_lines}-{config.max_lines} line function in one hunk of at most {config.max_changed_lines} lines "
            f"(dropped: {report.dropped or 'none'}; skipped files: {report.skipped_files or 'none'}); "
            f"raise --max_changed_lines, --max_files_per_commit or --max_commit_lines"
        )
    by_split = split_samples(samples, config, "mine more history (--rev, --max_commits)")
    report.samples = {name: len(rows) for name, rows in by_split.items()}
    report.per_operator = {"mined": len(samples)}
    report.seconds = round(time.perf_counter() - started, 2)
    with atomic_folder(config.out, config.overwrite) as tmp:
        write_outputs(tmp, by_split, report, config, card=mined_card(report, config))
    return report


def mined_card(report: MineReport, config: MineConfig) -> str:
    lines = [
        "# codemend mined-fix dataset",
        "",
        f"Mined from `{config.repo}` ({config.rev} at {report.repo_head[:12]}) with `codemend data mine`: "
        f"{report.commits_scanned} commits scanned, {report.fix_commits} matched the fix pattern, "
        f"{report.commits_with_samples} gave samples; {sum(report.samples.values())} samples in {report.seconds} s.",
        "",
        "Each sample is a function before (buggy) and after (fixed) a commit whose message looked like a bug fix, "
        f"changed in one hunk of at most {config.max_changed_lines} lines. Commit messages are a heuristic: "
        "some samples are refactors or feature changes, not fixes. Splits are by file.",
        "",
        f"Fix pattern: `{config.message_pattern}`",
        "",
        "| split | samples |", "|---|---|",
        *[f"| {name} | {count} |" for name, count in report.samples.items()],
        "",
        f"Dropped: {report.dropped or 'none'}. Skipped file versions: {report.skipped_files or 'none'}.",
        "",
    ]
    return "\n".join(lines)
