"""bench/missing_lines.py: the probability it gives each insertion point, and the lines it has the model write there."""

import math

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
