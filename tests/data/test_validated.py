"""Execution-validated bugs: only covered functions, only caught mutants, traces, the user's tree untouched."""

import json

import pytest

from codemend.data.corpus import body_lines, extract_functions
from codemend.data.validated import (
    ValidatedDataConfig,
    included,
    build_validated_dataset,
    is_test_file,
)
from codemend.errors import CodemendError
from codemend.testcov import collection_errors, failed_tests, failure_trace, first_failure, sandbox_failure_trace

MODULE = '''\
def add(a, b):
    total = a + b
    return total


def clamp(x, low, high):
    if x < low:
        return low
    if x > high:
        return high
    return x


def count_even(items):
    n = 0
    for item in items:
        if item % 2 == 0:
            n += 1
    return n


def unused(text):
    words = text.split()
    return len(words) * 2
'''

TESTS = '''\
from mod import add, clamp, count_even


def test_add():
    assert add(2, 3) == 5
    assert add(-1, 1) == 0


def test_clamp():
    assert clamp(5, 0, 10) == 5
    assert clamp(-3, 0, 10) == 0
    assert clamp(30, 0, 10) == 10


def test_count_even():
    assert count_even([1, 2, 3, 4, 6]) == 3
'''
TEST_IDS = {f"tests/test_mod.py::test_{name}" for name in ("add", "clamp", "count_even")}
SAMPLE_KEYS = ("id", "file", "function", "start_line", "end_line", "context", "buggy", "fixed", "operator",
               "bug_class", "line", "line_end", "edit", "diff", "seed", "trace", "failing_test", "validated")


def _repo(tmp_path, tests=TESTS):
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "mod.py").write_text(MODULE)
    (repo / "tests" / "test_mod.py").write_text(tests)
    return repo


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _config(repo, out, **overrides):
    values = dict(repo=str(repo), test_cmd="python -m pytest -q tests", out=str(out), mutants_per_function=2,
                  workers=2, timeout=20, validation_fraction=0, test_fraction=0)
    return ValidatedDataConfig(**{**values, **overrides})


@pytest.mark.sandbox
def test_only_covered_functions_get_caught_bugs_and_the_repo_is_untouched(tmp_path):
    repo = _repo(tmp_path)
    before = _snapshot(repo)
    report = build_validated_dataset(_config(repo, tmp_path / "out"))
    assert _snapshot(repo) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "repo"]  # no temporary folder left

    rows = [json.loads(line) for line in open(tmp_path / "out" / "train.jsonl")]
    assert rows and {row["function"] for row in rows} <= {"add", "clamp", "count_even"}
    for row in rows:
        assert all(key in row for key in SAMPLE_KEYS), set(SAMPLE_KEYS) - set(row)
        assert row["validated"] is True and row["failing_test"] in TEST_IDS
        assert row["trace"].startswith(row["failing_test"]) and len(row["trace"]) < 400
        assert "assert" in row["trace"] or "Error" in row["trace"]
        assert row["buggy"] != row["fixed"]

    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["baseline_tests"] == 3 and stats["baseline_passed"] == 3
    assert stats["covered_functions"] == 3 and stats["functions"] == 4
    mutants = stats["mutants"]
    assert mutants["kept"] == len(rows) + report.dropped.get("duplicate", 0)
    assert mutants["tried"] == mutants["kept"] + mutants["survived"] + mutants["timeouts"] + mutants["errors"]


@pytest.mark.sandbox
def test_samples_of_a_src_layout_name_their_module_as_it_is_imported(tmp_path):
    repo = tmp_path / "repo"
    (repo / "src" / "pkg").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "src" / "pkg" / "__init__.py").write_text("")
    (repo / "src" / "pkg" / "mod.py").write_text(MODULE)
    (repo / "tests" / "test_mod.py").write_text(TESTS.replace("from mod import", "from pkg.mod import"))
    build_validated_dataset(_config(repo, tmp_path / "out", test_cmd="PYTHONPATH=src python -m pytest -q tests",
                                    max_functions=2))
    rows = [json.loads(line) for line in open(tmp_path / "out" / "train.jsonl")]
    assert rows and {(row["file"], row["module"]) for row in rows} == {("src/pkg/mod.py", "pkg.mod")}


def test_a_mutant_reruns_its_tests_with_the_users_options_whatever_their_values_name(tmp_path):
    from codemend.data.validated import _rerun_argv

    repo = _repo(tmp_path)
    argv = _rerun_argv(_config(repo, tmp_path / "out", test_cmd="python -m pytest -q --rootdir tests -k 'not slow' tests"),
                       ("tests/test_mod.py::test_add",))
    assert argv[argv.index("--rootdir") + 1] == "tests" and argv[argv.index("-k") + 1] == "not slow"  # values, though paths
    assert argv[-1] == "tests/test_mod.py::test_add" and argv.count("tests") == 1  # the command's own path gave way


@pytest.mark.sandbox
def test_a_file_in_its_declared_encoding_yields_functions_and_its_mutants_are_written_back_in_it(tmp_path):
    from codemend.data.validated import _Target, validate_mutant

    latin = "# -*- coding: latin-1 -*-\n\n\ndef greet(name):\n    word = 'caf\xe9'\n    return word + ' ' + name\n"
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "mod.py").write_bytes(latin.encode("latin-1"))
    (repo / "tests" / "test_mod.py").write_text("from mod import greet\n\n\ndef test_greet():\n    assert greet('x') == 'caf\xe9 x'\n")
    (func,), skipped = extract_functions((repo / "mod.py").read_bytes(), "mod.py")
    assert skipped is None and "'caf\xe9'" in func.code
    assert extract_functions(latin, "mod.py")[0][0].code == func.code  # text already read: its coding line says nothing
    assert extract_functions(latin.replace("# -*- coding: latin-1 -*-", "#").encode("latin-1"), "mod.py") == ([], "not_utf8")
    config = _config(repo, tmp_path / "out")
    unchanged = {"buggy": func.code}  # the function as it is: the test must pass on the copy
    outcome, _ = validate_mutant(config, _Target(func, ("tests/test_mod.py::test_greet",)), unchanged, (latin, "latin-1"))
    assert outcome == "survived"  # written as UTF-8 under a latin-1 coding line, 'café' would read 'cafÃ©' and fail


@pytest.mark.sandbox
def test_tests_that_never_pass_are_a_clear_error_with_a_count(tmp_path):
    repo = _repo(tmp_path, tests=TESTS.replace("== 5", "== 6").replace("== 3\n", "== 4\n").replace("== 10\n", "== 11\n"))
    before = _snapshot(repo)
    with pytest.raises(CodemendError, match=r"never pass at baseline: 3 tests, 0 passed; fix them first"):
        build_validated_dataset(_config(repo, tmp_path / "out"))
    assert _snapshot(repo) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]


@pytest.mark.sandbox
def test_a_hanging_test_is_stopped_and_left_out(tmp_path, caplog):
    repo = _repo(tmp_path, tests=TESTS + "\n\ndef test_hangs():\n    while True:\n        pass\n")
    build_validated_dataset(_config(repo, tmp_path / "out", timeout=5))
    assert "1 test(s) left out, stopped at baseline (tests/test_mod.py::test_hangs: TimeoutError: test still running after 1 s)" in caplog.text
    rows = [json.loads(line) for line in open(tmp_path / "out" / "train.jsonl")]
    assert rows and all(row["failing_test"] in TEST_IDS for row in rows)


@pytest.mark.slow  # ~11 s: every run hangs to its limit (CI's 10 minutes)
@pytest.mark.sandbox
def test_a_test_that_keeps_hanging_is_a_clear_error_naming_the_timeout(tmp_path):
    hangs = "\n\ndef test_hangs():\n    import signal\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n"
    repo = _repo(tmp_path, tests=TESTS + hangs)  # it ignores the alarm that stops a hanging test
    before = _snapshot(repo)
    with pytest.raises(CodemendError, match=r"did not finish within --timeout 3 s at baseline \(\d+ tests finished, still running tests/test_mod.py::test_hangs\)"):
        build_validated_dataset(_config(repo, tmp_path / "out", timeout=3))
    assert _snapshot(repo) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]


def test_config_problems_name_the_flag(tmp_path):
    problems = ValidatedDataConfig(repo="", test_cmd="make test", workers=0, timeout=0, mutants_per_function=0).validate()
    text = " ".join(problems)
    for flag in ("--repo", "--test_cmd", "--workers", "--timeout", "--mutants_per_function"):
        assert flag in text, flag
    assert ValidatedDataConfig(repo=str(tmp_path / "nope")).missing_paths()
    assert ValidatedDataConfig(repo=str(tmp_path)).missing_paths() == []
    assert "--near_dup_threshold 1.5" in " ".join(ValidatedDataConfig(repo="r", near_dup_threshold=1.5).validate())
    assert ValidatedDataConfig(repo=str(tmp_path), benchmark=["nope.jsonl"]).missing_paths() == [
        "--benchmark nope.jsonl: no such file; give a benchmark JSONL or `builtin`"]


def test_a_test_command_with_shell_operators_is_refused_at_configuration_time(tmp_path):
    # Without a shell, `&&` reached pytest as a test path: refused only when the baseline ran ("file or directory not
    # found: &&"), after the repository was copied; `fix` refuses it with the configuration (QA).
    for command, operator in (("pytest -q tests && echo hi", "&&"), ("pytest tests | tee log", "|"), ("pytest >log", ">log")):
        (problem,) = ValidatedDataConfig(repo=str(tmp_path), test_cmd=command).validate()
        assert f"`{operator}` is a shell operator, but the command runs without a shell" in problem
    assert ValidatedDataConfig(repo=str(tmp_path), test_cmd="pytest -k 'a and not b' tests").validate() == []  # quoted: an argument
    assert "No closing quotation" in " ".join(ValidatedDataConfig(repo=str(tmp_path), test_cmd="pytest 'tests").validate())


def test_a_function_counts_as_covered_by_its_body_not_its_def_line():
    (func,), _ = extract_functions(b'x = 1\n\n\ndef f(a):\n    """Doc."""\n    b = a\n    return b\n', "m.py")
    assert body_lines(func) == {6, 7}


def test_collection_errors_are_each_file_with_its_section():
    stdout = ("=========== ERRORS ===========\n"
              "____ ERROR collecting tests/test_a.py ____\n"
              "tests/test_a.py:1: in <module>\n    import nope\nE   ModuleNotFoundError: No module named 'nope'\n"
              "____ ERROR collecting tests/test_b.py ____\n"
              "src/m.py:3: in <module>\nE   ZeroDivisionError: division by zero\n"
              "=========== short test summary info ===========\nERROR tests/test_a.py\nERROR tests/test_b.py\n")
    errors = collection_errors(stdout)
    assert list(errors) == ["tests/test_a.py", "tests/test_b.py"]
    assert errors["tests/test_a.py"].endswith("E   ModuleNotFoundError: No module named 'nope'")
    assert "src/m.py:3" in errors["tests/test_b.py"] and "ERROR tests/test_a.py" not in errors["tests/test_b.py"]
    assert collection_errors("F.\n=== short test summary info ===\nFAILED t.py::test_a - boom\n") == {}


def test_the_first_failure_comes_from_the_short_summary():
    stdout = "F.\n=== short test summary info ===\nFAILED t.py::test_a - assert 1 == 2\nFAILED t.py::test_b - boom\n"
    assert first_failure(stdout, {"t.py::test_a", "t.py::test_b"}) == ("t.py::test_a", "assert 1 == 2")
    assert first_failure(stdout, {"t.py::test_b"}) == ("t.py::test_b", "boom")
    assert first_failure(stdout) == ("t.py::test_a", "assert 1 == 2")
    assert first_failure("1 passed\n", {"t.py::test_a"}) is None
    assert failure_trace("t.py::test_a", "assert 1 == 2") == "t.py::test_a: assert 1 == 2"
    assert failure_trace("t.py::test_a", "") == "t.py::test_a" and len(failure_trace("t", "x" * 1000)) == 400


def test_failed_tests_are_the_short_summarys_ids_only_when_it_lists_every_failure():
    stdout = ("F.E\n=== short test summary info ===\nFAILED t.py::test_a - assert 1 == 2\nFAILED t.py::test_b[1-2]\n"
              "ERROR t.py::test_c - RuntimeError: setup\n2 failed, 1 passed, 1 error in 0.05s\n")
    assert failed_tests(stdout) == {"t.py::test_a", "t.py::test_b[1-2]", "t.py::test_c"}
    assert failed_tests(stdout.replace("2 failed", "3 failed")) is None  # one not listed (-rN, or cut short)
    assert failed_tests("F.\n==== 1 failed, 1 passed in 0.1s ====\n") is None  # no summary lines at all
    assert failed_tests("..\n2 passed, 1 xfailed in 0.1s\n") is None
    assert failed_tests("F\n=== short test summary info ===\nFAILED t.py::test_a\n==== 1 failed in 0.1s ====\n") == {"t.py::test_a"}
    subtests = ("=== short test summary info ===\nFAILED t.py::T::test_a - AssertionError: 22 != 11\n"  # pytest 9's subtests
                "SUBFAILED(n=100) t.py::T::test_b - Asser...\nSUBFAILED(msg='x (y)', n=2) t.py::T::test_b - A...\n"
                "3 failed, 5 passed, 2327 subtests passed in 3.63s\n")
    assert failed_tests(subtests) == {"t.py::T::test_a", "t.py::T::test_b"}
    assert first_failure(subtests.replace("FAILED t.py::T::test_a - AssertionError: 22 != 11\n", "")) == ("t.py::T::test_b", "Asser...")
    # Parametrize ids may hold spaces, brackets and " - ": the id runs to the first space outside its brackets.
    spaced = ("=== short test summary info ===\nFAILED t.py::test_c[above [x]] - assert 0 == 10\nFAILED t.py::test_c[a - b]\n"
              "ERROR t.py::test_d[in side] - RuntimeError: setup\n2 failed, 1 passed, 1 error in 0.05s\n")
    assert failed_tests(spaced) == {"t.py::test_c[above [x]]", "t.py::test_c[a - b]", "t.py::test_d[in side]"}
    assert first_failure(spaced) == ("t.py::test_c[above [x]]", "assert 0 == 10")


def test_sandboxed_test_code_failures_read_like_pytest_traces():
    # The failing line stands for the test id; a bare assert reads as pytest's summary gives it.
    assert sandbox_failure_trace("AssertionError at <tests> line 3: assert f(1) == 2") == "<tests> line 3: assert f(1) == 2"
    assert sandbox_failure_trace("AssertionError: too big at <tests> line 4: assert x < 3, 'too big'") == "<tests> line 4: AssertionError: too big"
    assert sandbox_failure_trace("ZeroDivisionError: division by zero at <candidate> line 7: return a / b") == \
        "<candidate> line 7: ZeroDivisionError: division by zero"
    assert sandbox_failure_trace("MemoryError") == "MemoryError"  # no location: the detail as it is
    assert len(sandbox_failure_trace("AssertionError at <tests> line 1: assert " + "x" * 1000)) == 400


def test_include_globs_choose_the_files_to_mutate():
    files = ["pkg/core.py", "pkg/sub/graph.py", "pkg/io.py", "setup.py"]
    assert included(files, []) == files
    assert included(files, ["pkg/sub/*.py", "pkg/io.py"]) == ["pkg/sub/graph.py", "pkg/io.py"]
    with pytest.raises(CodemendError, match=r"--include lib/\*.py: no source file matches \(of 4 outside the tests"):
        included(files, ["lib/*.py"])


def test_test_files_are_not_mutated():
    assert all(map(is_test_file, ["tests/test_x.py", "pkg/test_y.py", "pkg/y_test.py", "conftest.py", "test/helpers.py"]))
    assert not any(map(is_test_file, ["pkg/mod.py", "testing_utils.py", "contest.py"]))


@pytest.mark.sandbox
def test_data_build_with_repo_dispatches_to_the_validated_build(tmp_path, capsys):
    from codemend.cli import main

    repo = _repo(tmp_path)
    args = ["data", "build", "--repo", str(repo), "--test_cmd", "python -m pytest -q tests", "--out", str(tmp_path / "out"),
            "--mutants_per_function", "2", "--test_fraction", "0", "--validation_fraction", "0"]
    assert main(args) == 0
    assert "covered functions" in capsys.readouterr().out
    rows = (tmp_path / "out" / "train.jsonl").read_text().splitlines()
    assert rows and '"validated": true' in rows[0]
    assert main(["data", "build", "--repo", str(repo), "--tset_cmd", "x", "--out", str(tmp_path / "o2")]) == 2
    assert "did you mean `test_cmd`" in capsys.readouterr().err


def _twin_repo(tmp_path):
    """The module and a copy of it in another file, both tested: add and count_even the same, clamp's
    comparisons written the other way round (token 3-grams' Jaccard 0.42: not a near-copy)."""
    repo = _repo(tmp_path)
    (repo / "mod_copy.py").write_text("# vendored\n" + MODULE.replace("x < low", "low > x").replace("x > high", "high < x"))
    (repo / "tests" / "test_copy.py").write_text(TESTS.replace("from mod import", "from mod_copy import").replace("def test_", "def test_copy_"))
    return repo


@pytest.mark.sandbox
def test_near_copies_and_benchmark_copies_are_left_out_before_any_mutant_runs(tmp_path):
    # A near-copy in another file could land in another split and let a model pass it by memory; a copy
    # of a benchmark program would be trained on. Both are dropped before their mutants cost test runs.
    repo = _twin_repo(tmp_path)
    bench = tmp_path / "bench.jsonl"
    clamp = MODULE.split("\n\n\n")[1] + "\n"
    item = {"id": "clamp-1", "buggy_code": clamp.replace("x < low", "x <= low"), "fixed_code": clamp,
            "test_code": "assert clamp(1, 0, 2) == 1\n", "entry_point": "clamp", "bug_type": "comparison", "timeout_s": 5}
    bench.write_text(json.dumps(item) + "\n")
    report = build_validated_dataset(_config(repo, tmp_path / "out", benchmark=[str(bench)], mutants_per_function=1))
    rows = [json.loads(line) for line in open(tmp_path / "out" / "train.jsonl")]
    assert {(row["file"], row["function"]) for row in rows} <= {("mod.py", "add"), ("mod.py", "count_even"), ("mod_copy.py", "clamp")}
    assert report.covered_functions == 6 and report.hygiene["near_duplicate_functions"] == 2
    assert report.hygiene["contaminated_functions"] == 1 and report.mutants["tried"] == 3  # one mutant of each function left
    matches = json.loads((tmp_path / "out" / "contamination.json").read_text())["matches"]
    assert [(m["file"], m["function"]) for m in matches] == [("mod.py", "clamp")]
    card = (tmp_path / "out" / "README.md").read_text()
    assert "2 near-copies of another covered function left out" in card and "1 function(s) copying a program of --benchmark" in card
    with pytest.raises(CodemendError, match=r"mod\.py::clamp.*clamp-1.*leave their files out of --include"):
        build_validated_dataset(_config(repo, tmp_path / "refused", benchmark=[str(bench)], contamination="refuse"))
    kept = build_validated_dataset(_config(repo, tmp_path / "all", near_dup_threshold=0, benchmark=[], mutants_per_function=1))
    assert kept.hygiene["near_duplicate_functions"] == 0 and kept.mutants["tried"] == 6
    assert not (tmp_path / "all" / "contamination.json").exists()
