"""bench/fix_project.py against the current API: its two measurements on a tiny project (the real one is
more-itertools, fetched by hand). An API change broke it once and nothing said so."""

import sys

import pytest

ORIGINAL = ("def mean(xs):\n    return sum(xs) / len(xs)\n\n\n"
            "def biggest(xs):\n    best = xs[0]\n    for x in xs:\n        if x > best:\n            best = x\n    return best\n")
TESTS = ("import stats\n\n\ndef test_mean():\n    assert stats.mean([1, 2, 3]) == 2\n\n\n"
         "def test_biggest():\n    assert stats.biggest([3, 9, 4]) == 9\n")


@pytest.mark.slow  # ~8 s: the benchmark script's whole run (CI's 10 minutes)
@pytest.mark.sandbox
def test_the_whole_fix_and_the_validation_ab_run_on_a_small_project(bench_script, tmp_path, monkeypatch):
    bench = bench_script("fix_project")
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "stats.py").write_text(ORIGINAL.replace("x > best", "x < best"))
    (root / "tests" / "test_stats.py").write_text(TESTS)
    monkeypatch.chdir(tmp_path)  # validation_ab moves into the project; put the test's folder back after
    monkeypatch.setattr(bench, "PACKAGE", "stats.py")
    seconds, first = bench.whole_fix(root, "none", ORIGINAL, "stats.py")
    assert first == "the original, plausible" and seconds > 0
    whole_s, focused_s, n, same, differ = bench.validation_ab(root, "stats.py", 4)
    assert n == 4 and same and whole_s > 0 and focused_s > 0 and differ == "none"


@pytest.mark.slow  # ~8 s: the benchmark script's whole run (CI's 10 minutes)
@pytest.mark.sandbox
def test_main_prints_a_row_per_bug_and_never_writes_the_project(bench_script, tmp_path, scratch_dir, monkeypatch, capsys):
    bench = bench_script("fix_project")
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "stats.py").write_text(ORIGINAL)
    (project / "tests" / "test_stats.py").write_text(TESTS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # main puts the repository first; not for the tests after this one
    # One bug of the small project stands in for more-itertools' five (each a cold `fix` and an A/B, ~9 s).
    monkeypatch.setattr(bench, "PACKAGE", "stats.py")
    monkeypatch.setattr(bench, "BUGS", [("biggest comparison", "stats.py", "x > best", "x < best")])
    monkeypatch.setattr(sys, "argv", ["fix_project.py", "--project", str(project), "--model", "none", "--candidates", "4"])
    bench.main()
    out, err = capsys.readouterr()
    assert (project / "stats.py").read_text() == ORIGINAL  # the bug goes into a copy, never into --project
    assert list(scratch_dir.iterdir()) == []  # and the copies are gone
    assert "done: biggest comparison" in err
    assert out.startswith("machine: ") and "model none; project proj; test command: " in out
    row = next(line for line in out.splitlines() if line.startswith("biggest comparison"))
    fix_s, first, n, whole_s, focused_s, ratio = (float(row[20:27]), row[29:57].strip(), int(row[57:63]), float(row[63:74]),
                                                   float(row[74:85]), float(row[85:91]))
    assert first == "the original, plausible" and n == 4 and row[93:].split() == ["True", "none"]
    assert fix_s > 0 and whole_s > 0 and focused_s > 0 and ratio > 0
    # With one bug the totals are that bug's times.
    assert f"validation, all bugs: whole command {whole_s:.1f} s, failing tests first {focused_s:.1f} s: " in out


def test_main_names_the_missing_files_of_a_wrong_project_folder_before_any_work(bench_script, tmp_path, monkeypatch):
    bench = bench_script("fix_project")
    monkeypatch.setattr(sys, "argv", ["fix_project.py", "--project", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit) as exit_:
        bench.main()
    message = str(exit_.value)
    assert message.startswith(f"--project {tmp_path / 'nowhere'}: no more_itertools/more.py, more_itertools/recipes.py in it")
    assert "more-itertools 10.5.0" in message
    # Another version of the project: the line a bug is injected into is not there.
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "stats.py").write_text(ORIGINAL)
    with pytest.raises(SystemExit, match=r"stats.py: expected 'x >= best' once, found it 0 times \(another version"):
        with bench.buggy_copy(tmp_path / "other", "stats.py", "x >= best", "x < best"):
            pass
