"""Candidate scoring with a shared prefix must equal scoring each (source, target) pair alone."""

import pytest
import torch

from codemend.training.checkpoint import load_checkpoint
from codemend.training.generation import generate, score_targets
from codemend.training.tokenize import encode_sample

SOURCE = "### buggy:\n1| def f(a):\n2|     return a + 1\n"
TARGETS = ["replace 2\n    return a - 1", "delete 2", "replace 2\n    return a"]


def _one_by_one(model, tokenizer, arch):
    scores = []
    for target in TARGETS:
        row = encode_sample(tokenizer, SOURCE, target, arch, 512, 64)
        with torch.no_grad():
            loss = model(input_ids=torch.tensor([row["input_ids"]]), labels=torch.tensor([row["labels"]])).loss
        scores.append(-loss.item())
    return scores


@pytest.mark.parametrize("which", ["tiny_model", "causal_model"])
def test_shared_prefix_scores_equal_separate_scores(which, request):
    model, tokenizer, spec = load_checkpoint(request.getfixturevalue(which))
    fast = score_targets(model, tokenizer, SOURCE, TARGETS, spec.arch, batch_size=2)
    assert fast == pytest.approx(_one_by_one(model, tokenizer, spec.arch), abs=1e-4)


@pytest.mark.parametrize("which", ["tiny_model", "causal_model"])
def test_generate_returns_ranked_beams(which, request):
    model, tokenizer, spec = load_checkpoint(request.getfixturevalue(which))
    (beams,) = generate(model, tokenizer, [SOURCE], spec.arch, max_new_tokens=8, num_beams=3, num_return=3)
    assert len(beams) == 3
    assert all(-100 < b.score <= 0 for b in beams)
