"""`codemend data mine`: fix commits found, functions paired and labeled, the repository left alone."""

import json
import os
import subprocess

import pytest

from codemend.config import MineConfig
from codemend.data.mining import is_fix_message, mine_repository, mine_samples
from codemend.errors import CodemendError
from codemend.task import apply_output

# The user's git config (hooks, signing, templates) must not change what the test repository holds.
# GIT_OPTIONAL_LOCKS=0 keeps the test's own `git status` from rewriting the index it compares.
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_OPTIONAL_LOCKS": "0"}

CHUNKS = '''"""Helpers."""
import math


def chunks(items, size):
    out = []
    for start in range(0, len(items) - 1, size):
        out.append(items[start:start + size])
    return out


def total(values):
    result = 0
    for value in values:
        result += value
    return result


def average(values):
    count = len(values)
    return total(values) / count
'''

STATS = '''class Stats:
    def __init__(self, values):
        self.values = values

    def mean(self):
        n = len(self.values)
        return sum(self.values) / (n - 1)
'''


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@example.com",
                           "-c", "commit.gpgsign=false", *args], env=GIT_ENV, check=True, capture_output=True).stdout


def commit(repo, message, files):
    for name, text in files.items():
        path = repo / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A small history: three real fixes (one duplicated in a copied file), a multi-hunk fix, a
    non-UTF-8 fix, and non-fix commits whose messages contain "prefix" and "debug"."""
    repo = tmp_path_factory.mktemp("repo")
    git(repo, "init", "-q")
    latin = "# caf\xe9\ndef name():\n    x = 'caf\xe9'\n    return x\n"
    commit(repo, "Initial module", {"chunks.py": CHUNKS, "legacy.py": CHUNKS, "stats.py": STATS,
                                    "latin.py": latin.encode("latin-1")})
    fixed_chunks = CHUNKS.replace("len(items) - 1, size", "len(items), size")
    commit(repo, "Fix off-by-one in chunks", {"chunks.py": fixed_chunks, "legacy.py": fixed_chunks})
    added = fixed_chunks.replace("result += value", "result += value * 1")
    commit(repo, "Add feature: scaled totals", {"chunks.py": added})
    two_hunks = added.replace("result = 0\n", "result = 0.0\n").replace("return result", "return float(result)")
    commit(repo, "Fix two bugs in total", {"chunks.py": two_hunks})
    guarded = two_hunks.replace("count = len(values)\n", "count = len(values)\n    if not count:\n        return 0.0\n")
    commit(repo, "Resolves #12: average of an empty list", {"chunks.py": guarded})
    commit(repo, "Fix crash on accented names", {"latin.py": latin.replace("x = ", "x = str(").replace("'\n", "')\n").encode("latin-1")})
    listed = STATS.replace("self.values = values", "self.values = list(values)")
    commit(repo, "Update prefix handling", {"stats.py": listed})
    debugged = listed.replace("list(values)\n", "list(values)\n        self.debug = False\n")
    commit(repo, "Add debug logging", {"stats.py": debugged})
    commit(repo, "Fix wrong mean in Stats", {"stats.py": debugged.replace("(n - 1)", "n")})
    return repo


def _config(repo, tmp_path, **overrides):
    return MineConfig(repo=str(repo), out=str(tmp_path / "mined"), **overrides)


def test_fix_messages_are_recognised_without_prefix_or_debug_false_positives():
    for message in ("Fix off-by-one", "fixes #3", "bugfix: wrong sign", "Typo in name", "Resolves #12: empty list",
                    "handle crash on empty input", "Closes #7"):
        assert is_fix_message(message), message
    for message in ("Update prefix handling", "Add debug logging", "Add fixture for parser", "Add feature",
                    "Resolve merge conflicts", "Add ErrorHandler class"):
        assert not is_fix_message(message), message


def test_fix_commits_give_labeled_single_hunk_samples(history, tmp_path):
    samples, report = mine_samples(_config(history, tmp_path))
    by_name = {(s["file"], s["function"]): s for s in samples}
    # Newest first; the copy of the chunks fix in legacy.py is still here (deduplication comes later).
    assert [(s["file"], s["function"]) for s in samples] == [
        ("stats.py", "Stats.mean"), ("chunks.py", "average"), ("chunks.py", "chunks"), ("legacy.py", "chunks")]
    chunks = by_name["chunks.py", "chunks"]
    assert (chunks["start_line"], chunks["end_line"], chunks["line"], chunks["line_end"]) == (5, 9, 3, 3)
    assert chunks["edit"] == "replace 3\n    for start in range(0, len(items), size):"
    assert chunks["message"] == "Fix off-by-one in chunks" and len(chunks["commit"]) == 40
    assert chunks["operator"] == "mined" and chunks["bug_class"] == "mined fix" and chunks["seed"] == 0
    assert "@@ -5," in chunks["diff"] and "-    for start in range(0, len(items) - 1, size):" in chunks["diff"]
    average = by_name["chunks.py", "average"]
    assert (average["line"], average["line_end"], average["edit"].splitlines()[0]) == (3, 3, "insert 3")
    mean = by_name["stats.py", "Stats.mean"]
    assert (mean["start_line"], mean["line"], mean["context"]) == (6, 3, "class Stats:")
    for sample in samples:
        patch = apply_output(sample["buggy"], sample["edit"], "edit")
        assert patch.patched == sample["fixed"] and patch.line == sample["line"]
    # Five fix-looking commits out of nine; the root commit is never a candidate.
    assert (report.commits_scanned, report.fix_commits, report.commits_with_samples) == (9, 5, 3)
    assert report.dropped == {"multi_hunk": 1}
    assert report.skipped_files == {"not_utf8": 1}


def test_mining_writes_a_deduplicated_dataset_and_leaves_the_repository_alone(history, tmp_path):
    (history / "notes.txt").write_text("untracked")
    (history / "stats.py").write_text(STATS + "# local edit\n")
    before = (git(history, "rev-parse", "HEAD"), git(history, "status", "--porcelain"), _tree(history))
    report = mine_repository(_config(history, tmp_path))
    assert (git(history, "rev-parse", "HEAD"), git(history, "status", "--porcelain"), _tree(history)) == before
    out = tmp_path / "mined"
    rows = [json.loads(line) for split in ("train", "validation", "test") for line in open(out / f"{split}.jsonl")]
    assert sorted((r["file"], r["function"]) for r in rows) == [
        ("chunks.py", "average"), ("chunks.py", "chunks"), ("stats.py", "Stats.mean")]
    assert report.dropped == {"multi_hunk": 1, "duplicate": 1}
    stats = json.loads((out / "stats.json").read_text())
    assert stats["fix_commits"] == 5 and stats["samples"] == report.samples
    assert "mined-fix dataset" in (out / "README.md").read_text()
    assert "MineConfig" in (out / "config.yaml").read_text() and (out / "hf").is_dir()


def _tree(repo):
    """Every path under the repository (.git included) with its size and modification time."""
    return sorted((str(p.relative_to(repo)), p.stat().st_size, p.stat().st_mtime_ns) for p in repo.rglob("*") if p.is_file())


def test_size_limits_are_configurable(history, tmp_path):
    samples, report = mine_samples(_config(history, tmp_path, max_files_per_commit=1))
    assert ("legacy.py", "chunks") not in {(s["file"], s["function"]) for s in samples}
    assert report.dropped["large_commit"] == 1  # the chunks fix touched two files
    with pytest.raises(CodemendError, match="none changed a 3-40 line function.*large_commit"):
        mine_repository(_config(history, tmp_path, max_commit_lines=1))


def test_repository_without_fix_commits_fails_clearly(tmp_path):
    repo = tmp_path / "plain"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, "Initial", {"m.py": "def f():\n    return 1\n"})
    commit(repo, "Add prefix option", {"m.py": "def f():\n    return 2\n"})
    with pytest.raises(CodemendError, match=r"scanned 2 commits, none looked like a bug fix .*--message_pattern"):
        mine_repository(_config(repo, tmp_path))
    samples, _ = mine_samples(_config(repo, tmp_path, message_pattern="prefix", min_lines=1))
    assert [s["edit"] for s in samples] == ["replace 2\n    return 2"]
    assert not (tmp_path / "mined").exists()


def test_non_repository_and_empty_repository_fail_clearly(tmp_path):
    with pytest.raises(CodemendError, match="not a git repository"):
        mine_repository(_config(tmp_path, tmp_path / "x"))
    with pytest.raises(CodemendError, match="no such folder"):
        mine_repository(_config(tmp_path / "missing", tmp_path))
    git(tmp_path, "init", "-q")
    with pytest.raises(CodemendError, match="no commits yet"):
        mine_repository(_config(tmp_path, tmp_path / "x"))


def test_config_validation_names_the_flags():
    problems = MineConfig(max_changed_lines=0, message_pattern="(", rev="--all", test_fraction=1.5).validate()
    assert len(problems) == 4
    for flag in ("--max_changed_lines", "--message_pattern", "--rev", "--test_fraction"):
        assert any(flag in p for p in problems), flag


def test_a_fix_made_while_moving_a_file_is_mined_under_its_new_path(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, "Initial module", {"chunks.py": CHUNKS})
    (repo / "pkg").mkdir()
    (repo / "pkg" / "parts.py").write_text(CHUNKS.replace("len(items) - 1, size", "len(items), size"))
    (repo / "chunks.py").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Fix off-by-one in chunks, moved to pkg/")
    samples, report = mine_samples(_config(repo, tmp_path))
    assert [(s["file"], s["function"], s["edit"]) for s in samples] == [
        ("pkg/parts.py", "chunks", "replace 3\n    for start in range(0, len(items), size):")]
    assert report.fix_commits == 1 and report.commits_with_samples == 1


def test_a_fix_of_code_that_did_not_parse_is_counted_as_dropped(tmp_path):
    repo = tmp_path / "syntax"
    repo.mkdir()
    git(repo, "init", "-q")
    good = "def parse(x):\n    y = x + 1\n    return y\n\n\ndef other(a):\n    return a\n"
    commit(repo, "Initial", {"m.py": good})
    commit(repo, "Refactor", {"m.py": good.replace("x + 1", "(x + 1")})
    commit(repo, "Fix syntax error in parse", {"m.py": good})
    _, report = mine_samples(_config(repo, tmp_path))
    assert report.fix_commits == 1 and report.dropped == {"syntax_error_before": 1}  # it said "dropped: none" (QA)
