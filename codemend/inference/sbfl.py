"""Spectrum-based fault localization: per-test line coverage with coverage.py, Ochiai suspiciousness.

    coverages = coverage_for_benchmark(module_code, test_code)
    scores = ochiai(coverages)          # {line: suspiciousness}, higher is more suspicious

Everything that runs code goes through the sandbox; coverage.py measures inside it (with dynamic
contexts, one per test), and a driver prints the result behind a per-run token on stdout.
"""

from __future__ import annotations

import json
import math
import secrets
import shlex
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Collection, Mapping, Sequence

from codemend.sandbox import Limits, run_command, run_python

COVERAGE_OUTPUT_BYTES = 8 * 1024 * 1024  # per-test line lists of a big test suite


@dataclass(frozen=True)
class TestCoverage:
    __test__ = False  # not a pytest class

    name: str
    passed: bool
    lines: frozenset[int]  # executed lines of the target file, 1-based
    error: str = ""  # first line of the failure, "" when passed


def ochiai(coverages: Sequence[TestCoverage]) -> dict[int, float]:
    """line -> ef / sqrt((ef + nf) * (ef + ep)); lines covered by no test are absent."""
    failing = sum(not c.passed for c in coverages)
    executed_fail: dict[int, int] = {}
    executed_pass: dict[int, int] = {}
    for coverage in coverages:
        counts = executed_pass if coverage.passed else executed_fail
        for line in coverage.lines:
            counts[line] = counts.get(line, 0) + 1
    scores = {}
    for line in set(executed_fail) | set(executed_pass):
        ef, ep = executed_fail.get(line, 0), executed_pass.get(line, 0)
        denominator = math.sqrt(failing * (ef + ep))
        scores[line] = ef / denominator if denominator else 0.0
    return scores


def rank_lines(scores: Mapping[int, float], restrict_to: Collection[int] | None = None) -> list[tuple[int, float]]:
    items = [(line, score) for line, score in scores.items() if restrict_to is None or line in restrict_to]
    return sorted(items, key=lambda kv: (-kv[1], kv[0]))


# ----------------------------------------------------------------------------- benchmark format

_BENCHMARK_DRIVER = r'''
import ast, json, os, signal, sys
import coverage

TOKEN, PER_TEST_S = sys.argv[1], float(sys.argv[2])
target = os.path.abspath("candidate.py")
module_code = open(target, encoding="utf-8").read()
test_code = open("tests_source.py", encoding="utf-8").read()

def alarm(signum, frame):
    raise TimeoutError(f"test took longer than {PER_TEST_S:.1f} s")

signal.signal(signal.SIGALRM, alarm)
cov = coverage.Coverage(data_file=None, include=[target], branch=False)
namespace = {"__name__": "__main__", "__file__": target}

def run(context, code):
    cov.start()
    cov.switch_context(context)
    signal.setitimer(signal.ITIMER_REAL, PER_TEST_S)
    try:
        exec(code, namespace)
        return ""
    except BaseException as err:
        return f"{type(err).__name__}: {err}".splitlines()[0][:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        cov.stop()

results, setup_contexts, setup_error = [], [], ""
import_error = run("import", compile(module_code, target, "exec"))
if not import_error:
    for statement in ast.parse(test_code).body:
        code = compile(ast.Module([statement], []), "<tests>", "exec")
        is_test = isinstance(statement, ast.Assert) or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call))
        if not is_test:
            context = f"setup{len(setup_contexts)}"
            setup_contexts.append(context)
            setup_error = setup_error or run(context, code)
            continue
        name = f"test{len(results) + 1}@line{statement.lineno}"
        error = setup_error or run(name, code)
        results.append({"name": name, "error": error, "setup": list(setup_contexts)})
data = cov.get_data()
by_context = {}
for line, contexts in data.contexts_by_lineno(target).items():
    for context in contexts:
        by_context.setdefault(context, []).append(line)
out = {"import_error": import_error, "tests": []}
for test in results:
    lines = set(by_context.get(test["name"], []))
    for context in test["setup"]:
        lines |= set(by_context.get(context, []))
    out["tests"].append({"name": test["name"], "passed": not test["error"], "error": test["error"], "lines": sorted(lines)})
print(TOKEN + json.dumps(out), flush=True)
'''


def _parse_driver_output(stdout: str, token: str, what: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(token):
            return json.loads(line[len(token) :])
    raise ValueError(f"no coverage came back from {what} (its output was cut or it was killed)")


def coverage_for_benchmark(module_code: str, test_code: str, *, limits: Limits | None = None) -> list[TestCoverage]:
    """Per-test coverage of `module_code`; each top-level assert (or call) of `test_code` is a test.

    Other top-level statements are shared setup, run in order; a setup failure fails the tests
    after it. A module that cannot even run gives one failing test with its error.
    """
    limits = replace(limits or Limits(wall_s=10.0), max_output_bytes=COVERAGE_OUTPUT_BYTES)
    token = "CODEMEND-COVERAGE-" + secrets.token_hex(8) + ":"
    per_test = max(1.0, limits.wall_s / 4)
    driver = _BENCHMARK_DRIVER.replace("sys.argv[1], float(sys.argv[2])", f"{token!r}, {per_test!r}")
    result = run_python(driver, limits=limits, files={"candidate.py": module_code, "tests_source.py": test_code})
    try:
        payload = _parse_driver_output(result.stdout, token, "the benchmark tests")
    except ValueError:
        return [TestCoverage("tests", False, frozenset(), f"{result.status}: {result.detail}")]
    if payload["import_error"]:
        return [TestCoverage("import", False, frozenset(), payload["import_error"])]
    return [TestCoverage(t["name"], t["passed"], frozenset(t["lines"]), t["error"]) for t in payload["tests"]]


# ----------------------------------------------------------------------------- pytest commands

_PYTEST_DRIVER = r'''
import json, os, sys
import coverage, pytest

TOKEN, TARGET = sys.argv[1], os.path.abspath(sys.argv[2])
cov = coverage.Coverage(data_file=None, include=[TARGET], branch=False)
outcomes, errors = {}, {}

class PerTestContexts:
    def pytest_runtest_setup(self, item):
        cov.switch_context(item.nodeid)

    def pytest_runtest_logreport(self, report):
        passed = outcomes.get(report.nodeid, True) and not report.failed
        outcomes[report.nodeid] = passed
        if report.failed and report.nodeid not in errors:
            errors[report.nodeid] = str(report.longreprtext).strip().splitlines()[-1][:300] if report.longreprtext else "failed"

cov.start()
cov.switch_context("collect")
pytest.main(sys.argv[3:] + ["-p", "no:cacheprovider", "-q"], plugins=[PerTestContexts()])
cov.stop()
by_context = {}
for line, contexts in cov.get_data().contexts_by_lineno(TARGET).items():
    for context in contexts:
        by_context.setdefault(context, []).append(line)
tests = [{"name": n, "passed": ok, "error": errors.get(n, ""), "lines": sorted(by_context.get(n, []))} for n, ok in outcomes.items()]
print(TOKEN + json.dumps({"tests": tests}), flush=True)
'''


def pytest_arguments(command: str) -> list[str]:
    """The arguments of a pytest command ("pytest ARGS", "python -m pytest ARGS"); ValueError otherwise."""
    argv = shlex.split(command)
    if argv and Path(argv[0]).name in ("pytest", "py.test"):
        return argv[1:]
    if len(argv) >= 3 and Path(argv[0]).name.startswith("python") and argv[1:3] == ["-m", "pytest"]:
        return argv[3:]
    raise ValueError(f"per-test coverage needs a pytest command (pytest ... or python -m pytest ...), got {command!r}")


def coverage_for_command(tree: str | Path, command: str, target_file: str, *, overlay: Mapping[str, str] | None = None,
                         limits: Limits | None = None) -> list[TestCoverage]:
    """Per-test coverage of `target_file` (relative to `tree`) under a pytest command, in a sandboxed copy."""
    args = pytest_arguments(command)
    limits = replace(limits or Limits(wall_s=60.0), max_output_bytes=COVERAGE_OUTPUT_BYTES)
    token = "CODEMEND-COVERAGE-" + secrets.token_hex(8) + ":"
    files = dict(overlay or {})
    files[".codemend_coverage_driver.py"] = _PYTEST_DRIVER
    argv = [sys.executable, ".codemend_coverage_driver.py", token, target_file, *args]
    result = run_command(argv, tree=Path(tree), limits=limits, overlay=files)
    payload = _parse_driver_output(result.stdout, token, f"`{command}`")
    return [TestCoverage(t["name"], t["passed"], frozenset(t["lines"]), t["error"]) for t in payload["tests"]]
