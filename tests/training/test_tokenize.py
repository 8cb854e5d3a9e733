"""Loss masking: the model learns the fix only; nothing is silently truncated; targets end with EOS."""

import pytest

from codemend.errors import CodemendError
from codemend.training.tokenize import IGNORE_INDEX, PadCollator, encode_all, encode_sample, train_bpe_tokenizer

CODE = "def f(a, b):\n    if a < b:\n        return a\n\treturn b  # tab\n"


@pytest.fixture(scope="module")
def tokenizer():
    return train_bpe_tokenizer([CODE, "replace 2\n    if a > b:"] * 20, vocab_size=400)


def test_byte_level_tokenizer_round_trips_code_exactly(tokenizer):
    ids = tokenizer(CODE, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == CODE
    assert tokenizer.pad_token_id is not None and tokenizer.eos_token_id != tokenizer.pad_token_id


def test_seq2seq_labels_are_the_target_plus_eos(tokenizer):
    row = encode_sample(tokenizer, "src", "replace 2\n    if a > b:", "seq2seq", 64, 64)
    assert row["labels"][-1] == tokenizer.eos_token_id and IGNORE_INDEX not in row["labels"]
    assert tokenizer.decode(row["labels"][:-1]) == "replace 2\n    if a > b:"
    assert row["input_ids"][-1] == tokenizer.eos_token_id


def test_causal_prompt_is_masked_and_target_carries_loss(tokenizer):
    target = "replace 2\n    if a > b:"
    row = encode_sample(tokenizer, CODE, target, "causal", 256, 64)
    labels, ids = row["labels"], row["input_ids"]
    assert len(labels) == len(ids)
    n_masked = labels.index(next(label for label in labels if label != IGNORE_INDEX))
    assert all(label == IGNORE_INDEX for label in labels[:n_masked])
    assert labels[n_masked:] == ids[n_masked:]  # unmasked labels are exactly the target tokens
    assert tokenizer.decode(labels[n_masked:-1]) == target and labels[-1] == tokenizer.eos_token_id
    assert "### fix:" in tokenizer.decode(ids[:n_masked])


def test_samples_that_do_not_fit_are_reported_not_truncated(tokenizer):
    assert encode_sample(tokenizer, CODE * 50, "replace 1\nx", "seq2seq", 32, 64) == "source_too_long"
    assert encode_sample(tokenizer, "x", "replace 1\n" + "y = 1\n" * 40, "causal", 64, 8) == "target_too_long"
    assert encode_sample(tokenizer, "x", "", "seq2seq", 64, 8) == "empty_target"
    rows, report = encode_all(tokenizer, [("short", "replace 1\nx"), (CODE * 50, "replace 1\nx")], "causal", 64, 16, "train")
    assert report.kept == 1 and report.dropped == {"source_too_long": 1} and report.all_end_with_eos
    assert 0 < report.loss_token_share < 1
    with pytest.raises(CodemendError, match=r"no train sample fits.*source_too_long"):
        encode_all(tokenizer, [(CODE * 50, "replace 1\nx")], "seq2seq", 32, 16, "train")


def test_collator_pads_inputs_and_masks_padded_labels(tokenizer):
    batch = PadCollator(tokenizer.pad_token_id)([
        {"input_ids": [5, 6, 7], "labels": [IGNORE_INDEX, 6, 7]},
        {"input_ids": [5], "labels": [5]},
    ])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [5, tokenizer.pad_token_id, tokenizer.pad_token_id]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE_INDEX, 6, 7], [5, IGNORE_INDEX, IGNORE_INDEX]]
