"""The ranking loss (`--train.rank_weight`): its math, the packed reading it trains on (the scores `fix`
ranks by, the fix's plain cross-entropy), the negatives it draws, and the trainer that adds it."""

import copy
import math

import pytest
import torch

from codemend.config import ConfigError, TrainRecipeConfig, load_config
from codemend.training.checkpoint import build_scratch_model
from codemend.training.generation import score_targets
from codemend.training.ranking import RankCollator, negative_targets, node_logprobs, rank_losses
from codemend.training.tokenize import IGNORE_INDEX, PadCollator, encode_sample, train_bpe_tokenizer
from codemend.training.trainers import build_trainer
from codemend.task import build_source, build_target

# (buggy, fixed) functions whose inverse-operator spaces hold other candidates.
SAMPLES = [
    ("def f(a, b):\n    if a <= b:\n        return a + 1\n    return b - 1\n",
     "def f(a, b):\n    if a < b:\n        return a + 1\n    return b - 1\n"),
    ("def g(xs):\n    total = 1\n    for x in xs:\n        total += x\n    return total\n",
     "def g(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"),
    ("def h(n):\n    return n * 2 - 1\n", "def h(n):\n    return n * 2 + 1\n"),
]


@pytest.fixture(scope="module")
def tokenizer():
    return train_bpe_tokenizer([code for pair in SAMPLES for code in pair] * 4, vocab_size=320)


def features(tokenizer):
    rows = []
    for buggy, fixed in SAMPLES:
        row = encode_sample(tokenizer, build_source(buggy), build_target(buggy, fixed, "edit"), "causal", 512, 64)
        rows.append({**row, "buggy": buggy, "fixed": fixed})
    return rows


def tiny_causal(tokenizer, seed: int = 0):
    config = TrainRecipeConfig()
    config.model.arch = "causal"
    config.model.d_model, config.model.n_layers, config.model.n_heads, config.model.d_ff = 16, 2, 2, 32
    return config, build_scratch_model(config.model, tokenizer, seed=seed)


def test_rank_losses_by_hand():
    # Sample 0: fix = nodes 0,1 (log p -1, -3: mean -2); rival = nodes 0,2 (-1, -0.5: mean -0.75).
    # Sample 1: the fix alone (nodes 0,1,2: mean -1); no rival, so no ranking loss.
    logprobs = torch.tensor([[-1.0, -3.0, -0.5], [-1.0, -0.5, -1.5]])
    paths = torch.tensor([[[0, 1, -1], [0, 2, -1]], [[0, 1, 2], [-1, -1, -1]]])
    fix_nll, fix_tokens, rank, first = rank_losses(logprobs, paths)
    assert fix_nll.item() == pytest.approx(4.0 + 3.0)
    assert fix_tokens.item() == 5
    expected = -(-2.0 - math.log(math.exp(-2.0) + math.exp(-0.75)))
    assert rank.item() == pytest.approx(expected)
    assert first.item() == 1  # sample 1 (alone, so first); sample 0's fix scores below its rival


def test_a_tie_with_the_fix_does_not_count_as_first():
    logprobs = torch.tensor([[-1.0, -2.0, -2.0]])
    paths = torch.tensor([[[0, 1], [0, 2]]])
    _, _, rank, first = rank_losses(logprobs, paths)
    assert first.item() == 0 and rank.item() == pytest.approx(math.log(2))


def test_negatives_are_other_candidates_and_the_same_on_every_call():
    buggy, fixed = SAMPLES[0]
    fix_target = build_target(buggy, fixed, "edit")
    picked = negative_targets(buggy, fixed, "edit", 5, seed=0)
    assert len(picked) == 5 and len(set(picked)) == 5
    assert fix_target not in picked
    assert negative_targets(buggy, fixed, "edit", 5, seed=0) == picked
    many = negative_targets(buggy, fixed, "edit", 1000, seed=0)
    assert set(picked) <= set(many) and fix_target not in many
    assert any(negative_targets(buggy, fixed, "edit", 5, seed=s) != picked for s in (1, 2, 3))


def test_candidates_the_compact_edit_cannot_express_are_skipped():
    # Making line 2 equal to line 3 reads, to the diff, as a deletion and an insertion: two hunks.
    buggy = "def __init__(self, name, eof):\n    self.name = name\n    self.name = eof\n"
    fixed = "def __init__(self, name, eof):\n    self.name = name\n    self.eof = eof\n"
    picked = negative_targets(buggy, fixed, "edit", 1000, seed=0)
    assert picked and build_target(buggy, fixed, "edit") not in picked
    assert all(text.startswith(("replace ", "insert ", "delete ")) for text in picked)


def test_packed_reading_gives_the_scores_fix_ranks_by_and_the_fixs_plain_cross_entropy(tokenizer):
    _, model = tiny_causal(tokenizer)
    model.eval()
    rows = features(tokenizer)
    batch = RankCollator(tokenizer, "edit", negatives=4, max_target_tokens=64, seed=0)(rows)
    assert batch["paths"].shape[:2] == (3, 5)  # the fix and 4 others each
    from codemend.training.generation import additive_mask

    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                       attention_mask=additive_mask(batch["tree_mask"], model.dtype)).logits
        logprobs = node_logprobs(logits, batch)
    for b, (buggy, fixed) in enumerate(SAMPLES):
        paths = batch["paths"][b]
        texts = [tokenizer.decode([batch["node_token"][b, n].item() for n in path if n >= 0][:-1]) for path in paths]
        assert texts[0] == build_target(buggy, fixed, "edit")
        means = [logprobs[b, path[path >= 0]].mean().item() for path in paths]
        assert means == pytest.approx(score_targets(model, tokenizer, build_source(buggy), texts, "causal"), abs=1e-5)
    plain = PadCollator(tokenizer.pad_token_id)([{k: r[k] for k in ("input_ids", "labels")} for r in rows])
    with torch.no_grad():
        logits = model(input_ids=plain["input_ids"], attention_mask=plain["attention_mask"]).logits
    expected = torch.nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1), plain["labels"][:, 1:].flatten(), ignore_index=IGNORE_INDEX, reduction="sum")
    fix_nll, fix_tokens, _, _ = rank_losses(logprobs, batch["paths"])
    assert fix_nll.item() == pytest.approx(expected.item(), rel=1e-5)
    assert fix_tokens.item() == (plain["labels"] != IGNORE_INDEX).sum().item()


def train_args(tmp_path, batch_size: int = 4, grad_accum: int = 1) -> dict:
    # SGD, constant lr, no clipping: the update is exactly -lr * gradient.
    return dict(output_dir=str(tmp_path), max_steps=1, learning_rate=0.5, optim="sgd", lr_scheduler_type="constant",
                per_device_train_batch_size=batch_size, gradient_accumulation_steps=grad_accum, max_grad_norm=0.0,
                logging_steps=1, save_strategy="no", report_to="none", seed=0, data_seed=0, use_cpu=True,
                train_sampling_strategy="sequential", remove_unused_columns=False, disable_tqdm=True)


def ranking_setup(tokenizer, weight: float):
    from datasets import Dataset

    config, model = tiny_causal(tokenizer)
    config.train.rank_weight, config.train.rank_negatives = weight, 4
    config.model.max_target_tokens = 64
    rows = features(tokenizer)
    return config, model, {"train": Dataset.from_list(rows + rows[:1])}  # 4 rows: batches of 4 or 2 x 2


def test_the_trainer_adds_the_weighted_ranking_loss_to_the_fixs_cross_entropy(tokenizer, tmp_path):
    from trl import SFTTrainer

    config, model, datasets = ranking_setup(tokenizer, weight=0.7)
    trainer = build_trainer(config, model, tokenizer, datasets, train_args(tmp_path / "rank"), callbacks=[])
    assert type(trainer).__name__ == "RankingSFTTrainer"
    rows = [datasets["train"][i] for i in range(3)]
    model.train()
    trainer.current_gradient_accumulation_steps = 1
    loss = trainer.compute_loss(model, trainer.data_collator(rows))

    plain = SFTTrainer(model=model, args=trainer.args, train_dataset=datasets["train"], processing_class=tokenizer,
                       data_collator=PadCollator(tokenizer.pad_token_id))
    batch = PadCollator(tokenizer.pad_token_id)(rows)
    cross_entropy = plain.compute_loss(model, dict(batch))
    model.eval()  # no dropout in the model; eval only so `rank_losses` is read the way training reads it
    from codemend.training.generation import additive_mask

    with torch.no_grad():
        packed = trainer.data_collator(rows)
        logits = model(input_ids=packed["input_ids"], position_ids=packed["position_ids"],
                       attention_mask=additive_mask(packed["tree_mask"], model.dtype)).logits
        _, _, rank, _ = rank_losses(node_logprobs(logits, packed), packed["paths"])
    assert rank.item() > 0
    assert loss.item() == pytest.approx(cross_entropy.item() + 0.7 * rank.item() / 3, rel=1e-5)
    assert trainer._metrics["train"]["rank_loss"] == [pytest.approx(rank.item() / 3, rel=1e-5)]


def test_gradient_accumulation_takes_the_same_step_with_the_ranking_loss(tokenizer, tmp_path):
    config, initial, datasets = ranking_setup(tokenizer, weight=1.0)
    updates = []
    for batch_size, grad_accum in [(4, 1), (2, 2)]:
        model = copy.deepcopy(initial)
        trainer = build_trainer(config, model, tokenizer, datasets, train_args(tmp_path / str(grad_accum), batch_size, grad_accum), callbacks=[])
        trainer.train()
        start = dict(initial.named_parameters())
        updates.append({name: p.detach() - start[name] for name, p in model.named_parameters()})
    for name, big in updates[0].items():
        assert big.abs().max() > 0, f"{name} did not move"
        assert torch.allclose(updates[1][name], big, rtol=1e-3, atol=1e-6 * big.abs().max().item()), name


def test_batches_built_in_worker_processes_take_the_same_step(tokenizer, tmp_path):
    # --train.workers: each worker draws its samples' negatives, seeded by the sample alone.
    config, initial, datasets = ranking_setup(tokenizer, weight=1.0)
    updates = []
    for workers in (0, 2):
        model = copy.deepcopy(initial)
        args = {**train_args(tmp_path / str(workers)), "dataloader_num_workers": workers}
        build_trainer(config, model, tokenizer, datasets, args, callbacks=[]).train()
        start = dict(initial.named_parameters())
        updates.append({name: p.detach() - start[name] for name, p in model.named_parameters()})
    for name, update in updates[0].items():
        assert update.abs().max() > 0, f"{name} did not move"
        assert torch.equal(updates[1][name], update), name


def test_ranking_loss_is_a_config_error_for_seq2seq_and_when_negative():
    with pytest.raises(ConfigError) as err:
        load_config(TrainRecipeConfig, overrides={"model.arch": "seq2seq", "train.rank_weight": 0.5, "train.rank_negatives": 0}, check_paths=False)
    assert "--train.rank_weight needs --model.arch causal" in str(err.value)
    assert "--train.rank_negatives must be at least 1" in str(err.value)


def test_flash_attention_is_refused_for_the_ranking_loss(tokenizer, tmp_path):
    from codemend.errors import CodemendError

    config, model, datasets = ranking_setup(tokenizer, weight=1.0)
    model.config._attn_implementation = "flash_attention_2"
    with pytest.raises(CodemendError, match="--train.rank_weight needs an attention kernel that takes a custom mask"):
        build_trainer(config, model, tokenizer, datasets, train_args(tmp_path), callbacks=[])


def test_codemend_train_with_the_ranking_loss_logs_how_often_the_fix_ranks_first(tiny_dataset, tmp_path):
    import json

    from codemend.cli import main
    from codemend.training.checkpoint import load_checkpoint

    out = tmp_path / "ranked"
    assert main(["-q", "train", "--config", "configs/train/causal-tiny.yaml", "--data", str(tiny_dataset), "--out", str(out),
                 "--train.rank_weight", "1", "--train.rank_negatives", "3", "--train.max_steps", "4",
                 "--train.eval_every", "2", "--train.eval_samples", "2", "--train.workers", "1", "--train.eval_mode", "repair"]) == 0
    log = json.loads((out / "train_log.json").read_text())
    assert "`codemend fix`'s first suggestion without tests (`--train.eval_mode repair`) of 2 validation samples" in (out / "README.md").read_text()
    assert [step for step, _, _ in log["ranking"]] == [2, 4]
    assert all(loss > 0 and 0 <= first <= 1 for _, loss, first in log["ranking"])
    assert len(log["eval_loss"]) == 2 and len(log["generation_eval"]) == 2
    model, _, spec = load_checkpoint(out, engine="transformers")
    assert spec.arch == "causal" and type(model).__name__ == "LlamaForCausalLM"
