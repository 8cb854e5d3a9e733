"""bench/missing_lines.py: the probability it gives each insertion point, and the lines it has the model write there."""

import json
import math
import sys

import pytest


@pytest.fixture(scope="module")
def bench(bench_script):
    return bench_script("missing_lines")


def test_insertion_points_get_probabilities_and_lines_are_written_there(bench, causal_model):
    from codemend.inference.debugger import Debugger
    from codemend.training.generation import read_prompt

    debugger = Debugger.load(causal_model)
    code = "def f(a):\n    b = a + 1\n    return b\n"
    prompt = read_prompt(debugger.model, debugger.tokenizer, debugger.source(code), "causal")
    points = bench.point_logprobs(debugger, prompt, n_lines=3)
    assert sorted(points) == [1, 2, 3, 4]
    # Exclusive events (`insert 1` then no digit, `insert 2` ...): their probabilities cannot add up past 1.
    assert 0 < sum(math.exp(v) for v in points.values()) <= 1 + 1e-6
    written = bench.written_lines(debugger, prompt, 2, beams=2)
    assert len(written) == 2 and all(edit.startswith("insert 2") for edit in written)
    assert bench.line_text("insert 2\n    c = b") == "c = b" and bench.line_text("insert 2") == ""


def test_main_tables_the_missing_line_bugs_of_a_split(bench, causal_model, tiny_dataset, monkeypatch, capsys):
    samples = [json.loads(line) for line in (tiny_dataset / "test.jsonl").read_text().splitlines()]
    missing = [s for s in samples if s.get("operator") == "missing_line"]
    assert missing, "the committed corpus no longer gives the test split a missing-line bug: pick another split"
    monkeypatch.setattr(sys, "argv", ["missing_lines.py", "--model", str(causal_model), "--data", str(tiny_dataset),
                                      "--split", "test", "--limit", "0", "--points", "2", "--beams", "1"])
    bench.main()
    out = capsys.readouterr().out
    assert out.startswith("machine: ") and f"test (all samples): {len(missing)} missing-line bugs, 2 points x 1 beams, " in out
    table = out.split("measure")[1].splitlines()[1:]
    rows = {line[:48].strip(): (line[48:54], line[54:]) for line in table}
    assert list(rows) == ["true insertion point among the points", "exact fix among the beams", "right line text at any point",
                          "the point, choosing as many at random"]
    for name in list(rows)[:3]:
        hits = int(rows[name][0])
        assert 0 <= hits <= len(missing) and rows[name][1].strip() == f"{hits / len(missing):.1%}", name
    # Two of the function's lines + 1 insertion points, at random: known from the samples alone.
    chance = sum(min(1.0, 2 / ((s["buggy"].count("\n") or 1) + 1)) for s in missing)
    assert rows["the point, choosing as many at random"] == (f"{chance:>6.1f}", f"{chance / len(missing):>8.1%}")


def test_main_says_so_when_the_split_has_no_missing_line_bug(bench, tmp_path, monkeypatch):
    row = {"buggy": "def f(x):\n    return x - 1\n", "fixed": "def f(x):\n    return x + 1\n", "line": 2, "operator": "swap_binary_operator"}
    (tmp_path / "test.jsonl").write_text(json.dumps(row) + "\n")
    monkeypatch.setattr(sys, "argv", ["missing_lines.py", "--model", str(tmp_path / "no-model"), "--data", str(tmp_path), "--split", "test"])
    with pytest.raises(SystemExit, match=rf"^no missing-line bug among up to 300 samples spread over the split of {tmp_path} test$"):
        bench.main()  # before the model is loaded: this one does not exist
