"""Execution-validated bugs: keep an injected bug only if the repository's own tests catch it.

    from codemend.data.validated import ValidatedDataConfig, build_validated_dataset
    report = build_validated_dataset(ValidatedDataConfig(repo="myproject", test_cmd="pytest -q tests", out="runs/vdata"))

    codemend data build --repo myproject --test_cmd "pytest -q tests" --out runs/vdata   # once the CLI is wired

Tests: `pytest tests/data/test_validated.py`.

Stages: `baseline` (the test command under coverage.py, once per 20 source files: which passing
tests run which lines), `covered_functions` (functions a passing test enters), `mutate` (bugs
from `build.function_samples`), `validate_mutants` (each mutant written over a throwaway copy,
only the tests that cover its function re-run, in `workers` threads), then `assign_splits` and
`write_outputs` as in `build`. A mutant is kept iff a test that passed at baseline now fails; its
sample also carries that test's id (`failing_test`) and a short `trace` (test id and error line),
which DeepDebug found worth several points as model input. Every run goes through the sandbox on
a copy: the user's tree is never written.
"""

from __future__ import annotations

import collections
import concurrent.futures
import fnmatch
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from codemend.config import command_word_problems
from codemend.data.build import (BuildReport, _dedupe, benchmark_functions, check_contamination, drop_near_duplicates, function_samples,
                                 split_samples, write_contamination, write_outputs)
from codemend.data.corpus import Function, body_lines, decode_source, enters, extract_functions, iter_python_files, module_name, replace_function, source_encoding
from codemend.data.operators import unknown_operator_problems
from codemend.errors import CodemendError
from codemend.io import atomic_folder, check_writable_target
from codemend.sandbox import Limits, import_roots, run_command
from codemend.testcov import (FILES_PER_RUN, REPORT_OPTIONS, TestCoverage, command_limits, coverage_for_files, failure_trace, first_failure,
                              parse_test_command, pytest_options)

logger = logging.getLogger(__name__)


@dataclass
class ValidatedDataConfig:
    """Build a buggy->fixed dataset from one repository, keeping only bugs its tests catch."""

    repo: str = ""
    """The repository (a folder) whose functions get bugs; it is copied for every run and never modified."""
    test_cmd: str = "pytest -q"
    """The repository's test command, run from its root: `pytest ARGS` or `python -m pytest ARGS`."""
    out: str = "runs/validated-data"
    """Output folder: train/validation/test JSONL, a Hugging Face dataset in hf/, stats.json, config.yaml."""
    seed: int = 0
    """Seed for the choice of functions, bug sites and the file-level split."""
    mutants_per_function: int = 3
    """Bugs to try per covered function (only those a test catches are kept)."""
    max_functions: int = 0
    """Mutate at most this many covered functions, a seeded random choice (0 means all)."""
    min_lines: int = 3
    """Skip functions shorter than this many lines."""
    max_lines: int = 40
    """Skip functions longer than this many lines."""
    timeout: float = 60.0
    """Seconds one run of the test command may take (the baseline gets extra for coverage tracing)."""
    workers: int = 2
    """Test runs at once (each is its own sandboxed process)."""
    validation_fraction: float = 0.05
    """Share of source files whose functions go to the validation split."""
    test_fraction: float = 0.05
    """Share of source files whose functions go to the test split (split by file, so nothing leaks)."""
    operators: list[str] = field(default_factory=list)
    """Bug operators to use (names from `codemend data operators`); empty means all."""
    near_dup_threshold: float = 0.9
    """Mutate one function of each family of near-copies (Jaccard of token 3-grams >= this, by MinHash LSH), before any test runs: copies in other files' splits would let a model pass the test split by memory; 0 disables."""
    benchmark: list[str] = field(default_factory=lambda: ["builtin"])
    """Benchmark files (JSONL) or `builtin` whose programs must not appear in the training data; empty skips the check."""
    contamination: Literal["refuse", "report", "drop"] = "drop"
    """Functions matching a --benchmark function (same tokens, or Jaccard >= --near_dup_threshold): `refuse` to build, `report` them (contamination.json, card), or `drop` them (not mutated) and report."""
    include: list[str] = field(default_factory=list)
    """Source files to mutate, as glob patterns relative to --repo (`pkg/core/*.py`); empty means every .py file outside the tests. The baseline measures them under --test_cmd, 20 files per run: in a large project, name the files the command tests."""
    overwrite: bool = False
    """Replace an existing output folder (the old one is kept as OUT.bak-TIMESTAMP)."""

    def validate(self) -> list[str]:
        problems = []
        if not self.repo:
            problems.append("--repo is required: the folder of the project whose tests validate the bugs")
        problems += command_word_problems(self.test_cmd) or self._pytest_problems()
        if self.min_lines < 1 or self.max_lines < self.min_lines:
            problems.append(f"--min_lines {self.min_lines} / --max_lines {self.max_lines}: need 1 <= min_lines <= max_lines")
        if self.mutants_per_function < 1:
            problems.append("--mutants_per_function must be at least 1")
        if self.max_functions < 0:
            problems.append("--max_functions must be 0 (all) or positive")
        if not self.timeout > 0:
            problems.append(f"--timeout {self.timeout}: must be > 0 seconds")
        if self.workers < 1:
            problems.append("--workers must be at least 1")
        if not (0 <= self.validation_fraction < 1 and 0 <= self.test_fraction < 1):
            problems.append("--validation_fraction and --test_fraction must be in [0, 1)")
        elif self.validation_fraction + self.test_fraction >= 1:
            problems.append("--validation_fraction + --test_fraction must leave files for training (< 1)")
        if not 0 <= self.near_dup_threshold <= 1:
            problems.append(f"--near_dup_threshold {self.near_dup_threshold}: must be in [0, 1] (0 disables near-duplicate removal)")
        return problems + unknown_operator_problems(self.operators)

    def _pytest_problems(self) -> list[str]:
        try:
            parsed = parse_test_command(self.test_cmd)
        except ValueError as err:
            return [f"--test_cmd: {err}"]
        if not parsed.kind.startswith("pytest"):
            return [f"--test_cmd {self.test_cmd!r}: per-test coverage needs pytest; use 'pytest ARGS' or 'python -m pytest ARGS'"]
        return []

    def missing_paths(self) -> list[str]:
        missing = [f"--benchmark {path}: no such file; give a benchmark JSONL or `builtin`"
                   for path in self.benchmark if not path.startswith("builtin") and not Path(path).is_file()]
        if self.repo and not Path(self.repo).is_dir():
            missing.insert(0, f"--repo {self.repo}: no such folder; give the root of the project to test")
        return missing


@dataclass
class ValidatedReport(BuildReport):
    baseline_tests: int = 0
    baseline_passed: int = 0
    covered_functions: int = 0
    mutants: dict[str, int] = field(default_factory=dict)
    """tried, kept (a test caught it), survived (all tests still pass), timeouts, errors."""


@dataclass(frozen=True)
class _Target:
    function: Function
    tests: tuple[str, ...]
    """Ids of the baseline-passing tests that run this function's body."""


# ----------------------------------------------------------------------------- stages


def is_test_file(relative: str) -> bool:
    path = Path(relative)
    name = path.name
    return ("tests" in path.parts[:-1] or "test" in path.parts[:-1] or name == "conftest.py"
            or name.startswith("test_") or name.endswith("_test.py"))


def included(files: list[str], patterns: list[str]) -> list[str]:
    """The files (paths relative to the repository) that match one of the glob patterns (all when none)."""
    if not patterns:
        return files
    chosen = [f for f in files if any(fnmatch.fnmatchcase(Path(f).as_posix(), p) for p in patterns)]
    if not chosen:
        raise CodemendError(f"--include {' '.join(patterns)}: no source file matches (of {len(files)} outside the tests, "
                            f"e.g. {Path(files[0]).as_posix()}); patterns are globs relative to --repo")
    return chosen


def baseline(config: ValidatedDataConfig, files: list[str]) -> dict[str, list[TestCoverage]]:
    """Run the tests under coverage.py, once per FILES_PER_RUN source files; CodemendError if they hang or never pass."""
    limits = Limits(wall_s=config.timeout)

    def measure(batch: list[str]) -> dict[str, list[TestCoverage]]:
        try:
            coverage = coverage_for_files(config.repo, config.test_cmd, batch, limits=limits,
                                          import_roots=import_roots(config.test_cmd, Path(config.repo)))
        except ValueError as err:
            if "timeout" in str(err):
                raise CodemendError(_hang_message(config, 0, "")) from None
            raise CodemendError(f"--test_cmd {config.test_cmd!r} could not run at baseline: {err}") from None
        tests = coverage[batch[0]]
        stuck = [t for t in tests if t.error.startswith("timeout")]
        if stuck:
            raise CodemendError(_hang_message(config, len(tests) - len(stuck), stuck[0].name))
        return coverage

    batches = [files[i:i + FILES_PER_RUN] for i in range(0, len(files), FILES_PER_RUN)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=config.workers) as pool:
        coverage = {name: tests for measured in pool.map(measure, batches) for name, tests in measured.items()}
    tests = next(iter(coverage.values()), [])
    if stopped := [t for t in tests if t.stopped]:  # they hang: run no mutant against them
        logger.warning("%d test(s) left out, stopped at baseline (%s%s: %s); raise --timeout if they are only slow", len(stopped),
                       stopped[0].name, ", ..." if len(stopped) > 1 else "", stopped[0].error)
    passed = sum(t.passed for t in tests)
    if not passed:
        raise CodemendError(
            f"the tests never pass at baseline: {len(tests)} tests, 0 passed; fix them first "
            f"(--test_cmd {config.test_cmd!r} in {config.repo})"
        )
    return coverage


def _hang_message(config: ValidatedDataConfig, finished: int, stuck: str) -> str:
    where = f", still running {stuck}" if stuck else ""
    return (f"the tests did not finish within --timeout {config.timeout:g} s at baseline "
            f"({finished} tests finished{where}); raise --timeout or deselect the hanging test in --test_cmd")


def covered_functions(config: ValidatedDataConfig, coverage: dict[str, list[TestCoverage]]) -> tuple[list[_Target], int]:
    """Functions whose body a passing test executes, with those tests; also the number of functions seen."""
    targets, seen = [], 0
    for relative, tests in coverage.items():
        data = (Path(config.repo) / relative).read_bytes()
        functions, _ = extract_functions(data, relative, config.min_lines, config.max_lines)
        seen += len(functions)
        for func in functions:
            body = body_lines(func)
            covering = tuple(t.name for t in tests if t.passed and enters(t, func, body))
            if covering:
                targets.append(_Target(func, covering))
    return targets, seen


def choose(targets: list[_Target], config: ValidatedDataConfig) -> list[_Target]:
    if not config.max_functions or len(targets) <= config.max_functions:
        return targets
    chosen = random.Random(config.seed).sample(range(len(targets)), config.max_functions)
    return [targets[i] for i in sorted(chosen)]


def validate_mutant(config: ValidatedDataConfig, target: _Target, sample: dict, source: tuple[str, str]) -> tuple[str, dict]:
    """Run the covering tests on the file with this mutant: ("kept", sample + trace) or another outcome.
    `source`: the file's text and the encoding it is written back in (its coding line's)."""
    text, encoding = source
    mutated = replace_function(text, target.function, sample["buggy"])
    result = run_command(_rerun_argv(config, target.tests), tree=Path(config.repo), limits=command_limits(Limits(wall_s=config.timeout)),
                         overlay={target.function.file: mutated if encoding == "utf-8" else mutated.encode(encoding)},
                         import_roots=import_roots(config.test_cmd, Path(config.repo)))
    if result.status == "timeout":
        return "timeouts", sample
    if result.status == "passed":
        return "survived", sample
    failure = first_failure(result.stdout, set(target.tests))
    if result.status != "failed" or failure is None:
        logger.debug("mutant %s: %s %s", sample["id"], result.status, result.detail)
        return "errors", sample
    return "kept", {**sample, "trace": failure_trace(*failure), "failing_test": failure[0], "validated": True}


def _rerun_argv(config: ValidatedDataConfig, test_ids: tuple[str, ...]) -> list[str]:
    """The user's pytest options with only these test ids (their own paths would re-run everything)."""
    parsed = parse_test_command(config.test_cmd)
    options = pytest_options(parsed.args, Path(config.repo))
    # `pytest ARGS` does not put the repository root on sys.path; `python -m pytest` does (-P undoes it).
    unshadow = ["-P"] if parsed.kind == "pytest" and sys.version_info >= (3, 11) else []
    argv = [sys.executable, *unshadow, "-m", "pytest", *options, "-p", "no:cacheprovider", *REPORT_OPTIONS, "--tb=short", *test_ids]
    if parsed.env:
        argv = ["/usr/bin/env", *[f"{k}={v}" for k, v in parsed.env.items()], *argv]
    return argv


def validate_mutants(config: ValidatedDataConfig, targets: list[_Target], drops: collections.Counter) -> tuple[list[dict], dict[str, int]]:
    raw = {t.function.file: (Path(config.repo) / t.function.file).read_bytes() for t in targets}
    sources = {file: (decode_source(data), source_encoding(data)) for file, data in raw.items()}  # read as extract_functions did
    jobs = [(target, sample) for target in targets
            for sample in function_samples(target.function, config, drops, module_name(config.repo, target.function.file))]
    outcomes: collections.Counter = collections.Counter(tried=len(jobs), kept=0, survived=0, timeouts=0, errors=0)
    kept: list[dict] = []
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=config.workers) as executor:
        futures = [executor.submit(validate_mutant, config, t, s, sources[t.function.file]) for t, s in jobs]
        for done, future in enumerate(futures, start=1):
            outcome, sample = future.result()
            outcomes[outcome] += 1
            if outcome == "kept":
                kept.append(sample)
            if done % 20 == 0 or done == len(futures):
                rate = done / max(time.perf_counter() - started, 1e-9)
                logger.info("validated %d/%d mutants (%d kept, %.1f/s)", done, len(futures), outcomes["kept"], rate)
    return kept, dict(outcomes)


# ----------------------------------------------------------------------------- the recipe


def build_validated_dataset(config: ValidatedDataConfig) -> ValidatedReport:
    problems = config.validate() + config.missing_paths()
    if problems:
        raise CodemendError("; ".join(problems))
    check_writable_target(config.out, config.overwrite)
    started = time.perf_counter()
    benchmark = benchmark_functions(config.benchmark) if config.benchmark else {}  # a bad one fails before any test runs
    files = [str(path.relative_to(root)) for root, path in iter_python_files([config.repo])]
    files = [f for f in files if not is_test_file(f)]
    if not files:
        raise CodemendError(f"--repo {config.repo}: no .py source files outside the tests; point --repo at a Python project")
    files = included(files, config.include)
    report = ValidatedReport(out=config.out, files=len(files))
    coverage = baseline(config, files)
    first = next(iter(coverage.values()))
    report.baseline_tests, report.baseline_passed = len(first), sum(t.passed for t in first)
    report.timings["baseline"] = round(time.perf_counter() - started, 2)
    targets, report.functions = covered_functions(config, coverage)
    report.covered_functions = len(targets)
    if not targets:
        raise CodemendError(f"no function of {config.min_lines}-{config.max_lines} lines in {len(files)} source file(s) "
                            f"is run by a passing test of {config.test_cmd!r}; add tests or widen --min_lines/--max_lines")
    targets, matches = hygienic(targets, benchmark, config, report)
    drops: collections.Counter = collections.Counter()
    validating = time.perf_counter()
    samples, report.mutants = validate_mutants(config, choose(targets, config), drops)
    report.timings["validate"] = round(time.perf_counter() - validating, 2)
    samples = _dedupe(sorted(samples, key=lambda s: (s["file"], s["start_line"], s["id"])), drops)
    report.dropped = dict(drops)
    if not samples:
        raise CodemendError(f"none of {report.mutants['tried']} mutants of {len(targets)} covered functions made a test fail "
                            f"({report.mutants}); add assertions to the tests or raise --mutants_per_function")
    by_split = split_samples(samples, config, "give --include more files (or none: every covered file)")
    report.samples = {name: len(rows) for name, rows in by_split.items()}
    report.per_operator = dict(sorted(collections.Counter(s["operator"] for s in samples).items()))
    report.seconds = round(time.perf_counter() - started, 2)
    with atomic_folder(config.out, config.overwrite) as tmp:
        write_outputs(tmp, by_split, report, config, card=dataset_card(report, config))
        if config.benchmark:
            write_contamination(tmp / "contamination.json", matches, config)
    return report


def hygienic(targets: list[_Target], benchmark: dict[str, list[str]], config: ValidatedDataConfig,
             report: ValidatedReport) -> tuple[list[_Target], list[dict]]:
    """The covered functions left once near-copies (all but the first, in file order) and, with --benchmark,
    copies of benchmark programs are dropped (`--contamination`), before their mutants cost test runs; and
    the matches found. Counted in functions (`report.hygiene`), as `codemend data build` counts them."""
    groups = [[{"fixed": t.function.code, "file": t.function.file, "function": t.function.name,
                "start_line": t.function.start_line, "target": i}] for i, t in enumerate(targets)]
    groups, _, near = drop_near_duplicates(groups, None, config, collections.Counter())
    report.hygiene = {"near_dup_threshold": config.near_dup_threshold, "near_duplicate_functions": near}
    matches: list[dict] = []
    if config.benchmark:
        groups, matches = check_contamination(groups, None, benchmark, config, collections.Counter(),
                                              remedy="leave their files out of --include")
        report.hygiene.update(benchmark_functions=len(benchmark), contaminated_functions=len({(m["file"], m["start_line"]) for m in matches}))
    return [targets[g[0]["target"]] for g in groups], matches


def _hygiene_line(report: ValidatedReport, config: ValidatedDataConfig) -> str:
    """What the card says of near-copies and benchmark copies (functions, before any mutant)."""
    hygiene = report.hygiene
    near = (f"{hygiene['near_duplicate_functions']} near-copies of another covered function left out (Jaccard >= {config.near_dup_threshold:g})"
            if config.near_dup_threshold > 0 else "near-copies kept (--near_dup_threshold 0)")
    if not config.benchmark:
        return f"{near}; no benchmark contamination check (--benchmark empty)."
    action = {"drop": "left out", "report": "kept, listed in contamination.json", "refuse": "none found"}[config.contamination]
    return (f"{near}; {hygiene['contaminated_functions']} function(s) copying a program of --benchmark {' '.join(config.benchmark)} "
            f"({action}).")


def dataset_card(report: ValidatedReport, config: ValidatedDataConfig) -> str:
    mutants = report.mutants
    return "\n".join([
        "# codemend execution-validated bug dataset", "",
        f"Built from {config.repo} with `{config.test_cmd}` and seed {config.seed}: {report.files} source files, "
        f"{report.baseline_passed}/{report.baseline_tests} tests passing at baseline, "
        f"{report.covered_functions} of {report.functions} functions covered by a passing test; "
        f"{_hygiene_line(report, config)}", "",
        f"Mutants tried {mutants.get('tried', 0)}, kept {mutants.get('kept', 0)} (a covering test failed), "
        f"survived {mutants.get('survived', 0)}, timed out {mutants.get('timeouts', 0)}, errors {mutants.get('errors', 0)}.",
        "Each sample carries `failing_test` and `trace` (the test id and its error line). Splits are by file.", "",
        "| split | samples |", "|---|---|", *[f"| {name} | {count} |" for name, count in report.samples.items()], "",
    ])
