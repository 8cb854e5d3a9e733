"""Grouped-query attention must compute what transformers' eager attention computes, under every mask
codemend uses: a padded batch, the cache of a beam search, and score_targets' packed trie."""

import copy

import pytest
import torch

from codemend.training.attention import NAME, use_grouped_attention
from codemend.training.generation import generate, score_targets

SOURCE = "### buggy:\n1| def f(a):\n2|     return a + 1\n"
TARGETS = ["replace 2\n    return a - 1", "delete 2", "replace 2\n    return a", "replace 1\ndef f(b):", "insert 3\n    pass"]


@pytest.fixture(scope="module")
def gqa_pair():
    """Two copies of a tiny random Llama with 6 query heads sharing 2 key/value heads: eager, grouped."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from codemend.training.tokenize import train_bpe_tokenizer

    tokenizer = train_bpe_tokenizer([SOURCE, *TARGETS] * 3, vocab_size=300)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=48, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=256, initializer_range=0.3,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                         attn_implementation="eager")
    eager = LlamaForCausalLM(config).eval()
    grouped = LlamaForCausalLM(copy.deepcopy(config)).eval()  # each model switches its own config
    grouped.load_state_dict(eager.state_dict())
    assert use_grouped_attention(grouped) and grouped.config._attn_implementation == NAME
    assert eager.config._attn_implementation == "eager"
    return eager, grouped, tokenizer


def test_padded_batch_logits_equal_eager(gqa_pair):
    eager, grouped, tokenizer = gqa_pair
    tokenizer.padding_side = "left"
    batch = tokenizer([SOURCE, "def g():\n    pass\n"], return_tensors="pt", padding=True)
    assert batch["attention_mask"].min() == 0  # the second row is padded
    with torch.no_grad():
        expected, got = eager(**batch).logits, grouped(**batch).logits
    keep = batch["attention_mask"].bool()
    assert torch.allclose(got[keep], expected[keep], atol=1e-5)
    assert expected[keep].std() > 0.1  # random weights large enough that a wrong head would show


def test_beams_and_packed_scores_equal_eager(gqa_pair):
    eager, grouped, tokenizer = gqa_pair
    (expected,) = generate(eager, tokenizer, [SOURCE], "causal", max_new_tokens=8, num_beams=4, num_return=4)
    (got,) = generate(grouped, tokenizer, [SOURCE], "causal", max_new_tokens=8, num_beams=4, num_return=4)
    assert [b.text for b in got] == [b.text for b in expected]
    assert [b.score for b in got] == pytest.approx([b.score for b in expected], abs=1e-5)
    for budget in (3, 512):  # the trie packed over several reads, and in one
        scores = score_targets(grouped, tokenizer, SOURCE, TARGETS, "causal", tokens_per_read=budget)
        assert scores == pytest.approx(score_targets(eager, tokenizer, SOURCE, TARGETS, "causal", tokens_per_read=budget), abs=1e-5)
    assert len({round(s, 3) for s in scores}) == len(TARGETS)


def test_models_without_shared_heads_keep_their_kernel(gqa_pair):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=2, attn_implementation="eager")
    model = LlamaForCausalLM(config)
    assert not use_grouped_attention(model) and model.config._attn_implementation == "eager"


def test_bfloat16_checkpoints_that_share_heads_load_grouped(gqa_pair, tmp_path):
    from codemend.training.checkpoint import TaskSpec, load_checkpoint

    eager, _, tokenizer = gqa_pair
    eager.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    TaskSpec("causal", "edit", True, False, 256, 64).save(tmp_path)
    model = load_checkpoint(tmp_path, "bf16", "transformers")[0]  # (`auto` runs a Llama on codemend's runtime)
    assert model.dtype == torch.bfloat16 and model.config._attn_implementation == NAME
    assert load_checkpoint(tmp_path, "fp32", "transformers")[0].config._attn_implementation != NAME  # float32 keeps transformers' choice
