"""`codemend fix PATH`: suggestions for a file, a folder, or the functions changed since a git revision.

    codemend fix src/mod.py --model runs/model
    codemend fix src/mod.py --test-cmd "pytest -q tests/test_mod.py" --apply
    codemend fix src/ --changed_since main --format sarif > codemend.sarif

Nothing of the user's is written unless `--apply` succeeds: the best plausible fix is written
atomically after a backup, and only if the file did not change since it was read.
"""

from __future__ import annotations

import concurrent.futures
import difflib
import fnmatch
import hashlib
import logging
import os
import re
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from codemend.config import WIDE_BUDGET, WIDE_SECONDS, paths_above
from codemend.data.corpus import body_lines, decode_source, enters, iter_python_files, metadata_only, source_encoding
from codemend.errors import CodemendError
from codemend.inference.debugger import Debugger
from codemend.inference.repair import (FOLDER_HINT, TESTS_PASS, RepairResult, Stopwatch, Suggestion, Tests, best_first, class_statements, file_diff, functions_of,
                                       module_chunks_of, repair, select_functions, selection_problem, some, unusable_baseline, verdict,
                                       hangs_elsewhere_note, without_hangs_elsewhere)
from codemend.inference.sbfl import line_suspicion
from codemend.io import write_then_rename
from codemend.sandbox import BackgroundRun, RunResult
from codemend.task import compute_edit, source_lines
from codemend.testcov import coverage_for_files, parse_test_command, unittest_as_pytest
from codemend.training.checkpoint import check_checkpoint_dir

logger = logging.getLogger(__name__)


@dataclass
class FileReport:
    path: str
    text: str
    digest: str  # of the bytes read, to refuse --apply if the file changed since
    result: RepairResult
    encoding: str = "utf-8"  # the file's own (a PEP 263 coding line), which --apply writes in


def read_source(path: str | Path) -> tuple[str, str]:
    """(text, digest) of a Python file, or a CodemendError that says what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise CodemendError(f"{path}: no such file")
    data = path.read_bytes()
    encoding = source_encoding(data)
    text = decode_source(data)
    if text is None:
        raise CodemendError(f"{path}: not UTF-8 text (binary or another encoding); convert it to UTF-8 first, "
                            "or declare its encoding in a coding line (`# -*- coding: latin-1 -*-`)" if encoding == "utf-8" else
                            f"{path}: not valid {encoding} text, the encoding its coding line declares")
    if not text.strip():
        raise CodemendError(f"{path} is empty: nothing to fix")
    return text, hashlib.sha256(data).hexdigest()


TOP_LEVEL_ONLY = "top-level code only"  # `read_in_folder`'s answer for a file without functions (`run_notes` names them)


def read_in_folder(file: Path) -> tuple[str, str] | str:
    """(text, digest) of one file of a folder, or why it is skipped: a note for a file that is not UTF-8
    or does not parse, TOP_LEVEL_ONLY for one without functions (a script's top-level code is looked at
    only when the script is given alone, as a folder's constants and set-up modules would crowd the
    report), "" for one with nothing to fix and nothing to say (empty, like most packages' `__init__.py`).
    One such file does not end the run over the others."""
    try:
        text, digest = read_source(file)
    except CodemendError as err:
        return "" if not file.read_bytes().strip() else "skipped: " + str(err).removeprefix(f"{file}: ")
    functions, error_line = functions_of(text, str(file))
    if not functions:
        if error_line:
            return f"skipped: it does not parse (first syntax error near line {error_line})"
        return TOP_LEVEL_ONLY if module_chunks_of(text, str(file)) and not metadata_only(text) else ""
    return text, digest


def check_functions(text: str, path: str, function: str, line: int) -> None:
    """Fail clearly when there is nothing to look at (and say where the file stops parsing)."""
    if problem := selection_problem(text, path, function, line):
        raise CodemendError(problem)


# Hunk headers as git writes them whatever the user's config says: no colour, no external diff tool or
# text conversion (`color.ui always` or `diff.external` hid every hunk, and `fix` found nothing changed).
_PLAIN_DIFF = ("diff", "--no-color", "--no-ext-diff", "--no-textconv")


def changed_lines(path: Path, rev: str, renames: dict | None = None) -> set[int]:
    """Lines of `path` added or changed since git revision `rev`; a file renamed (or moved) since is
    compared with its old path, not counted as new throughout. `renames`: a run's cache of `_renames`."""
    top = _git_top(path, rev)
    try:
        here = path.resolve().relative_to(top).as_posix()
    except ValueError:  # a link out of the checkout
        raise CodemendError(f"--changed_since {rev}: {path} is not in the git checkout {top}; drop --changed_since") from None
    renames = {} if renames is None else renames
    if (top, rev) not in renames:
        renames[(top, rev)] = _renames(top, rev)
    paths = [here] + [old for old in [renames[(top, rev)].get(here)] if old]
    out = _git_diff(top, rev, "--unified=0", "-M", rev, "--", *paths)
    if not out.strip() and _untracked(path):  # a new file git does not know yet: every line of it is new (git diff shows none)
        return set(range(1, path.read_text(encoding="utf-8", errors="replace").count("\n") + 2))
    lines = set()
    for match in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", out, flags=re.M):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        lines.update(range(start, start + max(count, 1)))
    return lines


def _git_top(path: Path, rev: str) -> Path:
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise CodemendError(f"--changed_since {rev}: could not run git ({err})") from None
    if out.returncode != 0:
        raise CodemendError(f"--changed_since {rev}: {path} is not in a git checkout; drop --changed_since or run it in one")
    return Path(out.stdout.strip()).resolve()


def _git_diff(top: Path, rev: str, *args: str) -> str:
    try:
        # surrogateescape, as os.fsdecode reads paths: a file name that is not UTF-8 anywhere in the checkout crashed the run
        out = subprocess.run(["git", *_PLAIN_DIFF, *args], cwd=top, capture_output=True, text=True, errors="surrogateescape", timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise CodemendError(f"--changed_since {rev}: could not run git ({err})") from None
    if out.returncode != 0:
        raise CodemendError(f"--changed_since {rev}: git diff failed: {out.stderr.strip().splitlines()[0] if out.stderr.strip() else 'unknown error'}")
    return out.stdout


def _renames(top: Path, rev: str) -> dict[str, str]:
    """{path now: path at `rev`} of the files git sees renamed (or moved) since `rev`, relative to the
    checkout's top: one rename detection over the repository, which a folder run asks once, not per file."""
    fields = _git_diff(top, rev, "--name-status", "-M", "-z", "--diff-filter=R", rev).split("\0")
    return {new: old for status, old, new in zip(fields[0::3], fields[1::3], fields[2::3]) if status.startswith("R")}


def _untracked(path: Path) -> bool:
    return bool(_git_untracked(path.parent, path.name).strip("\0"))


def changed_files(files: list[Path], rev: str) -> list[Path]:
    """The `files` that git sees changed (renamed included) or untracked since `rev`: one diff per checkout
    instead of one per file, and a folder run's progress counts them alone. A link to a file outside the
    checkout is kept, for `changed_lines` to say so."""
    tops, changed, kept = {}, {}, []
    for file in files:
        folder = file.parent  # git runs there (`_git_top`): a link's folder may lie in another checkout than its target's
        if folder not in tops:
            tops[folder] = _git_top(file, rev)
        top = tops[folder]
        if top not in changed:
            listed = _git_diff(top, rev, "--name-only", "-M", "-z", rev) + "\0" + _git_untracked(top)
            changed[top] = set(listed.split("\0")) - {""}
        try:
            here = file.resolve().relative_to(top).as_posix()
        except ValueError:  # a link out of the checkout
            kept.append(file)
            continue
        if here in changed[top]:
            kept.append(file)
    return kept


def _git_untracked(folder: Path, *names: str) -> str:
    """The untracked files that are not ignored, below `folder` (or those of `names` there), relative to it, NUL-separated."""
    try:
        out = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z", "--", *names], cwd=folder, capture_output=True,
                             text=True, errors="surrogateescape", timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise CodemendError(f"could not list the checkout's untracked files with git ({err})") from None
    return out.stdout if out.returncode == 0 else ""


def files_to_fix(path: Path) -> list[Path]:
    if path.is_dir():
        files = [file for _, file in iter_python_files([path])]
        if not files:
            raise CodemendError(f"{path}: no .py files in this folder")
        return files
    if not path.exists():
        raise CodemendError(f"{path}: no such file or folder")
    return [path]


TEST_FILE_PATTERNS = ("test_*.py", "*_test.py", "tests.py", "conftest.py")  # pytest's and unittest's defaults
TEST_FOLDERS = ("test", "tests")


def test_files_of(files: list[Path], folder: Path) -> set[Path]:
    """The files of a folder run that hold test code: named as pytest and unittest find tests (and
    conftest.py), or inside a test(s) folder below `folder`. None when `folder` is such a folder or every
    file is test code: the user pointed at the tests themselves."""
    try:
        below_root = folder.resolve().relative_to(Path.cwd().resolve()).parts
    except ValueError:
        below_root = (folder.resolve().name,)
    if any(part in TEST_FOLDERS for part in below_root):
        return set()
    found = {file for file in files if any(fnmatch.fnmatch(file.name, pattern) for pattern in TEST_FILE_PATTERNS)
             or any(part in TEST_FOLDERS for part in file.relative_to(folder).parts[:-1])}
    return set() if len(found) == len(files) else found


def make_tests(path: Path, test_cmd: str, timeout_s: float, workers: int = 2) -> Tests | None:
    """Tests for `path`: `test_cmd` runs from the current folder (the project root) in a copy of it,
    `workers` candidates at a time."""
    if not test_cmd:
        return None
    from codemend.sandbox import Limits, import_roots

    root = Path.cwd().resolve()
    try:
        target = str(path.resolve().relative_to(root))
    except ValueError:
        raise CodemendError(f"{path} is outside the current folder {root}; run `codemend fix` from the project root so --test_cmd runs there") from None
    if outside := paths_above(test_cmd, root):  # the CLI says so with the other configuration problems; an API caller, here
        raise CodemendError(outside)
    return Tests(command=test_cmd, tree=str(root), target=target, limits=Limits(wall_s=timeout_s, memory_mb=2048),
                 import_roots=import_roots(test_cmd, root), encoding=source_encoding(path.read_bytes()), workers=workers)


def default_workers() -> int:
    """Test runs at a time when `--workers` is 0: one per usable CPU core, at most 8, and at most one per
    2 GiB of memory (each run may take its 2 GiB limit)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return max(1, min(8, cores, int(memory_gib // 2)))


def changed_functions(text: str, path: Path, rev: str, renames: dict | None = None) -> list[str]:
    """Names of the functions of `path` with lines changed since `rev`, and of its changed module-level code
    (`<module>` in a script; in a file with functions, each changed run of top-level statements by its lines).
    `renames`: see `changed_lines`."""
    lines = changed_lines(path, rev, renames)
    functions = select_functions(text, str(path))
    names = [f.name for f in functions if any(f.start_line <= n <= f.end_line for n in lines)]
    if any(f.module_level for f in functions):
        return names
    for line in sorted(n for n in lines if not any(f.start_line <= n <= f.end_line for f in functions)):
        chunks = module_chunks_of(text, str(path), line) or class_statements(text, str(path), line)
        names += [f.name for f in chunks if f.start_line <= line <= f.end_line and f.name not in names]
    return names


def load_in_background(model: str, precision: str = "auto", engine: str = "auto") -> concurrent.futures.Future:
    """Start loading a debugger in a thread and return its Future (for `repair`).

    With tests, the baseline run and the coverage run are subprocesses that take seconds, and so do
    the imports and the model's weights: started first, the load overlaps them.
    The folder is checked here, so a missing model fails at once, not after the tests.
    """
    import threading

    check_checkpoint_dir(model)
    future: concurrent.futures.Future = concurrent.futures.Future()

    def load() -> None:
        try:
            future.set_result(Debugger.load(model, precision, engine))
        except BaseException as err:  # handed to whoever waits for the model
            future.set_exception(err)

    # A daemon thread: an early error (say, no such function) must not wait for the load to exit.
    threading.Thread(target=load, name="codemend-model-load", daemon=True).start()
    return future


class SharedRuns:
    """The tests' runs on the original project, which every repair of a run starts from: the baseline
    and the per-test coverage of each file. A folder run measures them before its first file: the
    baseline, then (the tests failing) every file's coverage in one run, and so which failing tests
    enter each file: files no failing test enters are skipped (`skip`), the others repaired in the order
    of how many enter them (`in_order`), until fixes account for every failure (`explained`)."""

    def __init__(self, files: list[Path]):
        self.files, self.baseline, self.coverage, self.tree = files, None, {}, ""
        self.entering: dict[Path, set[str]] = {}  # per file, the failing tests that run its functions' bodies
        self.suspicion: dict[Path, float] = {}  # per file, its most suspicious line's score (Ochiai, raised lines, hang loops)
        self.unexplained: set[str] | None = None  # failing tests no plausible fix so far passes (None: not listed)
        self.test_holders: set[str] = set()  # files (relative to the tree) that hold the test functions the command ran
        self.reads: dict[Path, tuple[str, str] | str] = {}
        self.apart: dict[str, RunResult] = {}  # the baseline of each command that leaves out tests hanging elsewhere
        self.judged: dict[str, tuple[Tests, RunResult | None, list | None, str]] = {}  # per file, `judging`'s answer

    def read(self, file: Path) -> tuple[str, str] | str:
        """`read_in_folder(file)`, once: measuring and repairing both read every file."""
        if file not in self.reads:
            self.reads[file] = read_in_folder(file)
        return self.reads[file]

    def prepare(self, test_cmd: str, timeout_s: float) -> None:
        """Measure before the first file, so that the files can be put in order."""
        for file in self.files:
            read = self.read(file)
            if not isinstance(read, str):
                self.measure(make_tests(file, test_cmd, timeout_s), read[0])
                return

    def measure(self, tests: Tests | None, text: str) -> None:
        if self.baseline is not None or tests is None or len(self.files) < 2:
            return
        started = time.perf_counter()
        targets = {file: str(file.resolve().relative_to(tests.tree)) for file in self.files}
        # Beside the baseline (see repair.coverage_source); cancelled when the baseline shows it is not needed.
        with BackgroundRun(lambda cancel: coverage_for_files(tests.tree, tests.command, list(targets.values()), limits=tests.limits,
                                                             import_roots=tests.import_roots, cancel=cancel)) as measuring:
            self.baseline = tests.run(text)  # the original project, whichever file `text` is
            logger.info("the tests ran on the original project in %.1f s: %s", time.perf_counter() - started, self.baseline.detail or self.baseline.status)
            if self.baseline.status == "passed":
                logger.warning("%s; each of the %d files is ranked without tests (the model's suggestions alone): "
                               "stop here if the tests should fail", TESTS_PASS, len(self.files))
            if self.baseline.status == "passed" or unusable_baseline(tests, self.baseline):
                return
            self.tree = tests.tree
            try:
                self.coverage = measuring.result()
            except ValueError as err:
                logger.info("no coverage of the folder's files (%s); measuring each file on its own", err)
                return
        logger.info("their per-test coverage of the %d files, run beside them, took %.1f s in all", len(targets), time.perf_counter() - started)
        for file in self.files:
            read = self.read(file)
            records = self.coverage.get(targets[file], [])
            names = entering_failures(read[0], str(file), records) if not isinstance(read, str) else set()
            if names:
                self.entering[file] = names
                self.suspicion[file] = max(line_suspicion(records, read[0])[0].values(), default=0.0)
        self.unexplained = tests.failed(self.baseline) if self.entering and self.baseline.status == "failed" else None
        # Not doctests (`pkg/mod.py::pkg.mod.func`, a dotted name): their file is the code.
        self.test_holders = {file_part for file_part, _, name in (record.name.partition("::") for record in next(iter(self.coverage.values()), []))
                             if "." not in name.split("[")[0]}

    def in_order(self, files: list[Path]) -> list[Path]:
        """`files`, by their most suspicious line first (Ochiai: a line the failing tests run and few passing
        ones do, more where their exceptions came up through; a loop a hanging test was stopped in, before
        any), then those most failing tests enter; ties keep their order. Not the count first: a package's
        shared machinery (toolz's `curry`) runs in most tests, failing or passing, and with two bugs in two
        files it went first and took 380 s of wide searches before either bug's file (QA)."""
        return sorted(files, key=lambda file: (-self.suspicion.get(file, 0.0), -len(self.entering.get(file, ()))))

    def explained(self, file: Path) -> bool:
        """Whether the plausible fixes of the files before it pass every failing test that enters `file`."""
        return self.unexplained is not None and file in self.entering and not self.entering[file] & self.unexplained

    def account(self, best: Suggestion | None) -> None:
        """Count a file's best suggestion: a plausible fix leaves only its `still_failing` unexplained."""
        if self.unexplained is not None and best is not None and best.validation == "plausible":
            self.unexplained &= set(best.still_failing)

    def failures_left(self, best: list[Suggestion]) -> bool:
        """Whether the tests may still fail with no fix for it among each file's `best` suggestion: they
        failed on the original project (or never ran: no file with functions was repaired) and no plausible
        fix passes them all, alone or with the others (`account`)."""
        if (self.baseline is not None and self.baseline.status == "passed") or any(
                s.validation == "plausible" and not s.still_failing for s in best):
            return False
        return self.unexplained is None or bool(self.unexplained)

    def holds_tests(self, file: Path) -> bool:
        """Whether the tests the command ran include test functions in `file` (their ids start with its path)."""
        return bool(self.tree) and str(file.resolve().relative_to(self.tree)) in self.test_holders

    def skip(self, file: Path) -> bool:
        """Whether no failing test enters a function of `file` while one enters another file's: no edit
        of it can make them pass. (When coverage sees no file entered, it sees nothing: the tests may run
        the code in child processes, which coverage.py does not follow; then every file is tried.)"""
        return bool(self.entering) and file not in self.entering

    def coverage_of(self, tests: Tests | None) -> list | None:
        """The file's coverage when measured, else None (`repair` measures it)."""
        return self.coverage.get(tests.target) if tests is not None else None

    def judging(self, tests: Tests | None, text: str, file: Path,
                seconds: dict[str, float] | None = None) -> tuple[Tests | None, RunResult | None, list | None, str]:
        """(tests, their baseline, the file's coverage, a note) for `repair`: after the original project hung in
        tests that ran no line of `file`, tests leaving them out (`without_hangs_elsewhere`), whose baseline runs
        once for the folder, not once for each function repaired (`repair` would run it again for each), and
        is timed into `seconds` as "baseline_tests"."""
        if tests is None:
            return None, self.baseline, None, ""
        if tests.target in self.judged:  # an earlier function's repair of this file left the hung tests out
            return self.judged[tests.target]
        coverage = self.coverage_of(tests)
        apart = (without_hangs_elsewhere(tests, coverage) if coverage and self.baseline is not None
                 and self.baseline.status == "timeout" else None)
        if apart is None:
            return tests, self.baseline, coverage, ""
        if apart.command not in self.apart:
            with Stopwatch(seconds if seconds is not None else {})("baseline_tests"):
                self.apart[apart.command] = apart.run(text)  # the original project, whichever file `text` is
            if self.apart[apart.command].status == "passed":
                logger.warning("the tests pass on the original project once those that hung are left out (%s)", apart.command)
        kept = [test for test in coverage if not test.stopped]
        self.judged[tests.target] = (apart, self.apart[apart.command], kept, "")  # the note is said once, with this file's first
        return apart, self.apart[apart.command], kept, hangs_elsewhere_note(coverage, str(file))

    def remember(self, tests: Tests | None, result: RepairResult) -> None:
        if tests is not None and result.judged_by:  # its baseline and coverage are of the command leaving hung tests out
            self.judged[tests.target] = (replace(tests, command=result.judged_by), result.baseline, result.coverage, "")
            return
        self.baseline = self.baseline or result.baseline
        if tests is not None and result.coverage:
            self.coverage.setdefault(tests.target, result.coverage)


def entering_failures(text: str, path: str, coverage: list) -> set[str]:
    """The failing tests that run the body of one of the file's functions (`corpus.body_lines`)."""
    bodies = [(f, body_lines(f)) for f in select_functions(text, path)]
    return {test.name for test in coverage if not test.passed and any(enters(test, f, body) for f, body in bodies)}


def fix_path(path: str | Path, debugger: Debugger | concurrent.futures.Future | None, *, function: str = "", line: int = 0, test_cmd: str = "",
             n: int | None = None, use_operators: bool = True, changed_since: str = "", timeout_s: float = 60.0,
             wide: int = WIDE_BUDGET, wide_seconds: float = WIDE_SECONDS, workers: int = 0, plausible: int = 1) -> list[FileReport]:
    """Repair every file under `path` (only the functions touched since `changed_since`, when given),
    validating `workers` candidates at a time (0: `default_workers`) until `plausible` fixes pass.

    The tests run once on the original project, not once per file or function, and their coverage of
    the files once more (`SharedRuns`): every repair here starts from the same unchanged tree."""
    reports, skipped, explained, top_level, changed, lacking = [], [], [], [], 0, 0
    files = files_to_fix(Path(path))
    # A fix that edits the tests judging it proves nothing, and without tests they are not what is asked about.
    tests_left = test_files_of(files, Path(path)) if Path(path).is_dir() else set()
    files = [file for file in files if file not in tests_left]
    shared, renames = SharedRuns(files), {}  # renames: --changed_since's, asked once (`changed_lines`)
    one_file = len(files) == 1
    if test_cmd and not one_file:
        shared.prepare(test_cmd, timeout_s)
        files = shared.in_order(files)
    if changed_since and not one_file:
        touched = set(changed_files([*files, *sorted(tests_left)], changed_since))  # one git diff per checkout for both
        files = [file for file in files if file in touched]  # what the progress counts; the tests' coverage saw them all
        tests_left = tests_left & touched  # "not repaired": of those asked about only
    for k, file in enumerate(files, start=1):
        if one_file:
            text, digest = read_source(file)
            check_functions(text, str(file), function, line)
        else:
            logger.info("[%d/%d] %s", k, len(files), file)  # a folder takes about a second per function
            read = shared.read(file)
            if isinstance(read, str):
                if read == TOP_LEVEL_ONLY:
                    top_level += [] if changed_since else [str(file)]  # changed or not: --changed_since looks at functions
                elif read:
                    reports.append(FileReport(str(file), "", "", RepairResult([], [], notes=[read])))
                continue
            text, digest = read
            if function and not changed_since and not select_functions(text, str(file), function):
                lacking += 1  # a folder's other files: said once below if none has it, not once per file
                continue
        names = changed_functions(text, file, changed_since, renames) if changed_since else [function]
        if not names:
            continue  # nothing in it changed since --changed_since
        changed += 1
        tests = make_tests(file, test_cmd, timeout_s, workers or default_workers())
        shared.measure(tests, text)
        if shared.holds_tests(file):
            tests_left.add(file)
            continue
        if shared.skip(file):
            skipped.append(str(file))
            continue
        if shared.explained(file):
            explained.append(str(file))
            continue
        merged = RepairResult([], [])
        for name in names:
            # Each time: the first function's repair may measure what the next ones start from (`remember`).
            judged, baseline, coverage, apart_note = shared.judging(tests, text, file, merged.seconds)
            merged.notes += [apart_note] if apart_note else []
            # One plausible fix answers the user (more only cost test runs) unless they ask for alternatives.
            result = repair(text, debugger=debugger, path=str(file), function=name, line=line, tests=judged, n=n,
                            use_operators=use_operators, enough_plausible=plausible, wide=wide,
                            wide_seconds=wide_seconds, baseline=baseline, coverage=coverage)
            shared.remember(tests, result)
            merged.suggestions += result.suggestions
            merged.functions += result.functions
            # A folder run has looked where the failing tests run: telling the user to give the folder misleads (QA: toolz).
            notes = result.notes if one_file else [note.replace(FOLDER_HINT, "") for note in result.notes]
            merged.notes += [note for note in notes if note not in merged.notes]
            merged.baseline = result.baseline
            merged.coverage = merged.coverage or result.coverage
            add_seconds(merged.seconds, result.seconds)
        merged.suggestions.sort(key=best_first)
        judged = shared.judging(tests, text, file)[0]  # without tests that hung elsewhere, when the repairs left them out
        merged.judged_by = judged.command if judged is not None and judged.command != tests.command else ""
        if tests is not None and not (function or line or changed_since):
            # Another bug of the same file: repair the fixed text again, as a user would after applying.
            combined = mend_file(text, str(file), merged, judged, debugger=debugger, n=n, use_operators=use_operators, wide=wide,
                                 wide_seconds=wide_seconds)
            merged.suggestions[:0] = [combined] if combined else []
        shared.account(merged.suggestions[0] if merged.suggestions else None)
        spent = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in merged.seconds.items() if seconds >= 0.05)
        if tests is not None and spent:  # with tests a file takes seconds to minutes: say where they went
            logger.info("%s: %s", file, spent)
        reports.append(FileReport(str(file), text, digest, merged, source_encoding(file.read_bytes())))
    shown = [s for r in reports for s in r.result.suggestions[:1]]
    unanswered = shared.failures_left(shown) if test_cmd else not shown  # what the top-level code may hold
    notes = run_notes(skipped, explained, sorted(map(str, tests_left)), test_cmd, suggested=bool(shown),
                      top_level=top_level if unanswered else [])
    if lacking and not changed:
        notes.append(f"--function {function}: none of the {lacking} Python file(s) under {path} has it: nothing was looked at")
    if changed_since and not changed:  # else "no applicable fix found", as if something had been looked at
        notes.append(f"no function or module-level code changed since {changed_since} (git diff {changed_since}): nothing was looked at")
    if notes and not Path(path).is_dir() and reports:
        reports[0].result.notes += notes  # a file's run is one report (explain relies on it)
    elif notes:
        reports.append(FileReport(str(path), "", "", RepairResult([], [], notes=notes)))
    return reports


def add_seconds(into: dict[str, float], seconds: dict[str, float]) -> None:
    """Add one repair's time by stage (`RepairResult.seconds`) to a file's."""
    for stage, value in seconds.items():
        into[stage] = into.get(stage, 0.0) + value


def gathered_notes(reports: list[FileReport]) -> list[str]:
    """Each report's notes as "path: note", one line for a note that several files share ("3 files (a.py,
    b.py, c.py): the tests pass ..."), in the order they first appear."""
    paths: dict[str, list[str]] = {}
    for report in reports:
        for note in report.result.notes:
            paths.setdefault(note, []).append(report.path)
    return [f"{where[0]}: {note}" if len(where) == 1 else f"{len(where)} files ({some(where, 3)}): {note}"
            for note, where in paths.items()]


def run_notes(skipped: list[str], explained: list[str], tests_left: list[str], test_cmd: str, suggested: bool,
              top_level: list[str] = ()) -> list[str]:
    """What a run says about the files it did not repair (`top_level`: those of top-level code only, when the
    failures are not all answered), and, when it `suggested` fixes, about a test command that runs as one
    (`single_test_hint`)."""
    notes = [f"{len(skipped)} file(s) not repaired: no failing test runs their functions (per-test coverage): {some(skipped, 5)}"] if skipped else []
    if explained:
        notes.append(f"{len(explained)} file(s) not repaired: the plausible fixes above pass every failing test that runs their "
                     f"functions: {some(explained, 5)}")
    if top_level:
        notes.append(f"{len(top_level)} file(s) with top-level code only (no function) not looked at: a folder run repairs functions; "
                     f"give one alone to repair its top-level code (codemend fix {top_level[0]} ...): {some(top_level, 5)}")
    if tests_left:
        why = "a fix must not edit the tests that judge it" if test_cmd else "they hold tests"
        notes.append(f"{len(tests_left)} test file(s) not repaired ({why}; give a test file's own path to repair it): {some(tests_left, 5)}")
    return notes + ([hint] if suggested and (hint := single_test_hint(test_cmd)) else [])


def single_test_hint(test_cmd: str) -> str:
    """What to say when the tests run as one (`python FILE`, or `python -m unittest` with arguments that
    `testcov.unittest_as_pytest` cannot give pytest): coverage sees one test running nearly everything
    and cannot localize (more-itertools' partition bug: 8 minutes and no fix, against 29 s with pytest)."""
    try:
        parsed = parse_test_command(test_cmd) if test_cmd else None
    except ValueError:
        parsed = None  # make, tox, ...: their own runner, nothing to suggest
    if parsed is None or parsed.kind.startswith("pytest") or unittest_as_pytest(test_cmd, Path.cwd()):
        return ""
    if parsed.is_unittest:
        return ("the tests run as one for coverage (unittest, with arguments pytest does not take): it cannot tell them apart to "
                "localize; --test_cmd \"python -m pytest -q TESTS\" measures each test (pytest runs unittest suites too)")
    return (f"the tests run as one (`{test_cmd}`): coverage cannot tell them apart to localize, and every candidate runs them all; "
            "--test_cmd \"python -m pytest -q TESTS\" runs the failing tests first and measures each test")


MAX_FIXES_PER_FILE = 3  # rounds of mend_further: each repairs the file again, with its own test runs


def mend_further(text: str, path: str, result: RepairResult, again: Callable[[str], RepairResult],
                 passes: Callable[[str, set[str]], bool] | None = None) -> Suggestion | None:
    """One suggestion holding a fix for each bug of the file, when its best plausible fix leaves failing
    tests that run the file's functions (another bug there): `again` repairs the fixed text, up to
    MAX_FIXES_PER_FILE fixes in all; None when there is no second plausible fix. The first fix is left
    out when the others pass without it (`passes(source, still failing)`, `without_first`): a first fix
    that only masked the second bug for the tests that run both."""
    entering = entering_failures(text, path, result.coverage)
    fixes = result.suggestions[:1]
    while fixes and fixes[-1].validation == "plausible" and set(fixes[-1].still_failing) & entering and len(fixes) < MAX_FIXES_PER_FILE:
        logger.info("%s: tests that run this file still fail after the fix of %s; repairing the fixed file again", path, fixes[-1].function)
        following = again(fixes[-1].patched_source).suggestions
        if not following or following[0].validation != "plausible":
            break
        fixes.append(following[0])
    if len(fixes) < 2:
        return None
    last, final = fixes[-1], fixes[-1].patched_source
    rest = without_first(text, fixes[0].patched_source, final) if passes else None
    if rest is not None and passes(rest, set(last.still_failing)):
        logger.info("%s: the later fixes pass without the first (in %s): left out", path, fixes[0].function)
        fixes, final = fixes[1:], rest
        if len(fixes) == 1:
            edit = compute_edit(text, final)  # the later fix alone, in the original's numbering
            return replace(last, line=edit.start if edit else last.line, patched_source=final, diff=file_diff(text, final, path),
                           detail=f"without the fix of {result.suggestions[0].function} found first, which the tests no longer need"
                                  + (f"; {last.detail}" if last.detail else ""))
    return Suggestion(path, ", ".join(dict.fromkeys(f.function for f in fixes)), fixes[0].line, sum(f.score for f in fixes),
                      file_diff(text, final, path), final, "\n".join(f.model_output for f in fixes), "plausible",
                      "+".join(sorted({part for f in fixes for part in f.origin.split("+")})), ", ".join(f.operator for f in fixes if f.operator),
                      f"{len(fixes)} fixes together: " + (last.detail or "the tests pass"), last.still_failing)


def mend_file(text: str, path: str, result: RepairResult, tests: Tests, **options) -> Suggestion | None:
    """`mend_further` with `repair(..., **options)` of the fixed text and `passes` for the check; their time
    goes into `result.seconds`, the file's (its summary left out most of a run that fixed three bugs)."""
    def again(source: str) -> RepairResult:
        further = repair(source, path=path, tests=tests, enough_plausible=1, **options)
        add_seconds(result.seconds, further.seconds)
        return further

    def judged(source: str, allowed: set[str]) -> bool:
        with Stopwatch(result.seconds)("combined_check"):
            return passes(tests, source, allowed)

    return mend_further(text, path, result, again, judged)


def without_first(text: str, first: str, final: str) -> str | None:
    """`final` (`first`, `text` with a first fix, with later fixes on top) without the first fix: the later
    fixes' line changes replayed on `text`; None when one touches a line the first fix changed (or the
    lines right around it, which locate it)."""
    lines, first_lines, final_lines = source_lines(text), source_lines(first), source_lines(final)
    to_text: dict[int, int] = {}  # a line of `first` -> the same line of `text`, where the first fix left it alone
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, lines, first_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            to_text.update({j1 + k: i1 + k for k in range(i2 - i1)})
    out = list(lines)
    for tag, i1, i2, j1, j2 in reversed(difflib.SequenceMatcher(None, first_lines, final_lines, autojunk=False).get_opcodes()):
        if tag == "equal":
            continue
        span = range(i1 - 1, i2 + 1) if i2 > i1 else range(i1 - 1, i1 + 1)  # the lines changed and their neighbours
        if any(0 <= k < len(first_lines) and k not in to_text for k in span) or (i2 > i1 and to_text[i2 - 1] - to_text[i1] != i2 - 1 - i1):
            return None  # the later fix is where the first one changed lines
        start = to_text[i1] if i1 in to_text else to_text[i1 - 1] + 1
        out[start : start + (i2 - i1)] = final_lines[j1:j2]
    return "".join(out)


def passes(tests: Tests, source: str, allowed: set[str]) -> bool:
    """Whether the tests pass on `source`, but for `allowed` (another bug's failures, `Suggestion.still_failing`)."""
    return verdict(tests.judge(source, allowed=allowed), "", allowed, tests)[0] == "plausible"


def apply_fix(report: FileReport, suggestion: Suggestion, force: bool = False) -> Path:
    """Write `suggestion` over the file atomically, after a backup; return the backup's path.

    Refuses an unvalidated or failing fix unless `force`, and a file that changed since it was read.
    """
    if suggestion.validation == "not validated" and not force:
        raise CodemendError(f"{report.path}: refusing to apply a fix that is not validated; {_why_not_validated(report.result.baseline)}, "
                            "or pass --force")
    if suggestion.validation != "plausible" and not force:
        raise CodemendError(f"{report.path}: refusing to apply a fix the tests reject: no suggestion passed them (the best one is "
                            f"{suggestion.validation}: {suggestion.detail or 'no detail'}); pass --force to apply it anyway")
    path = Path(report.path)
    original = path.read_bytes()
    if hashlib.sha256(original).hexdigest() != report.digest:
        raise CodemendError(f"{path} changed since it was read; nothing written. Run codemend fix again")
    backup = write_backup(path, original)
    real = path.resolve()  # a symbolic link: the file it points to gets the fix, the link stays a link
    write_then_rename(real, lambda tmp: Path(tmp).write_text(suggestion.patched_source, encoding=report.encoding, newline=""),
                      mode=real.stat().st_mode & 0o7777)
    return backup


def _why_not_validated(baseline) -> str:
    """What `--apply`'s refusal of an unvalidated fix tells the user to do: it depends on whether tests ran."""
    if baseline is None:
        return "give --test_cmd so it can be validated"
    if baseline.status == "passed":
        return "the tests pass on the original code, so they cannot tell a fix: add one that fails on the bug"
    return "the tests could not judge it (the notes above say why)"


def write_backup(path: Path, content: bytes) -> Path:
    """`content` (the file as read) beside `path` as NAME.codemend.bak, or .bak.1, .bak.2, ... when earlier
    backups are there: a second --apply must not replace the first backup, the only copy of the original.
    It is created with the file's own permissions (a private file's backup is private too)."""
    mode = path.stat().st_mode & 0o777
    for k in range(1000):
        backup = path.with_name(path.name + ".codemend.bak" + (f".{k}" if k else ""))
        try:
            descriptor = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        except OSError as err:
            raise CodemendError(f"{path}: could not write its backup {backup} ({err.strerror}); nothing written") from None
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
            os.chmod(backup, mode)  # the umask may have narrowed os.open's mode
        except OSError as err:
            backup.unlink(missing_ok=True)
            raise CodemendError(f"{path}: could not write its backup {backup} ({err.strerror}); nothing written") from None
        return backup
    raise CodemendError(f"{path}: 1,000 backups of it are there already; remove old NAME.codemend.bak.N files")
