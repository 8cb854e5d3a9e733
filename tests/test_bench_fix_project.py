"""bench/fix_project.py against the current API: its two measurements on a tiny project (the real one is
more-itertools, fetched by hand). An API change broke it once and nothing said so."""

import pytest

ORIGINAL = ("def mean(xs):\n    return sum(xs) / len(xs)\n\n\n"
            "def biggest(xs):\n    best = xs[0]\n    for x in xs:\n        if x > best:\n            best = x\n    return best\n")
TESTS = ("import stats\n\n\ndef test_mean():\n    assert stats.mean([1, 2, 3]) == 2\n\n\n"
         "def test_biggest():\n    assert stats.biggest([3, 9, 4]) == 9\n")


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
