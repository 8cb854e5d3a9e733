"""The trainer of each model family: the loss is on the fix tokens only, gradient accumulation takes
the same step as a bigger batch, SFTConfig keeps the TrainingArguments values, precision resolves."""

import copy

import pytest
import torch

from codemend.config import ConfigError, TrainRecipeConfig, load_config
from codemend.training.checkpoint import build_scratch_model
from codemend.training.tokenize import IGNORE_INDEX, PadCollator, encode_sample, train_bpe_tokenizer
from codemend.training.trainers import build_trainer, precision_kwargs, resolve_precision, sft_config

# Sources and fixes of different lengths, so micro-batches hold different numbers of fix tokens.
PAIRS = [
    ("def f(a):\n    return a - 1\n", "2:    return a + 1"),
    ("def g(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total * 2\n", "5:    return total"),
    ("def h(s):\n    return s.upper()\n", "2:    return s.lower().strip().replace('a', 'b')"),
    ("def k(n):\n    if n < 0:\n        return 1\n    return n\n", "2:    if n <= 0 and n is not None:"),
]


@pytest.fixture(scope="module")
def tokenizer():
    return train_bpe_tokenizer([text for pair in PAIRS for text in pair] * 4, vocab_size=320)


def tiny_setup(arch: str, tokenizer):
    config = TrainRecipeConfig()
    config.model.arch = arch
    config.model.d_model, config.model.n_layers, config.model.n_heads, config.model.d_ff = 16, 1, 2, 32
    rows = [encode_sample(tokenizer, source, target, arch, 512, 128) for source, target in PAIRS]
    from datasets import Dataset

    return config, build_scratch_model(config.model, tokenizer, seed=0), {"train": Dataset.from_list(rows)}


def args_kwargs(tmp_path, batch_size: int = 4, grad_accum: int = 1, **extra) -> dict:
    # SGD, constant lr, no clipping: the update is exactly -lr * gradient. (AdamW's first step is
    # close to lr * sign(gradient) and would hide a gradient that is off by a factor.)
    return dict(output_dir=str(tmp_path), max_steps=1, learning_rate=0.5, optim="sgd", lr_scheduler_type="constant",
                per_device_train_batch_size=batch_size, gradient_accumulation_steps=grad_accum, max_grad_norm=0.0,
                logging_steps=1, save_strategy="no", report_to="none", seed=0, data_seed=0, use_cpu=True,
                train_sampling_strategy="group_by_length", remove_unused_columns=False, disable_tqdm=True, **extra)


def test_causal_trains_with_sft_trainer_and_its_loss_is_cross_entropy_on_the_fix_only(tokenizer, tmp_path):
    from trl import SFTTrainer

    config, model, datasets = tiny_setup("causal", tokenizer)
    trainer = build_trainer(config, model, tokenizer, datasets, args_kwargs(tmp_path), callbacks=[])
    assert isinstance(trainer, SFTTrainer)
    assert len(trainer.train_dataset) == len(PAIRS) and trainer.train_dataset[0]["labels"] == datasets["train"][0]["labels"]
    batch = PadCollator(tokenizer.pad_token_id)([datasets["train"][i] for i in range(3)])
    labels = batch["labels"]
    assert (labels == IGNORE_INDEX).any(dim=1).all()  # every row has a masked prompt

    final_hidden = []

    def keep_final_hidden(module, inputs, output):
        output.retain_grad()
        final_hidden.append(output)

    hook = model.model.norm.register_forward_hook(keep_final_hidden)
    model.train()
    loss = trainer.compute_loss(model, dict(batch))
    hook.remove()
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    expected = torch.nn.functional.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), ignore_index=IGNORE_INDEX)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)

    # The last hidden state feeds only the LM head, so its gradient at position t is non-zero
    # exactly where token t+1 is a fix token: prompt and padding positions add nothing to the loss.
    loss.backward()
    grad_norms = final_hidden[0].grad[:, :-1].norm(dim=-1)
    predicts_fix = labels[:, 1:] != IGNORE_INDEX
    assert grad_norms[~predicts_fix].max().item() == 0.0
    assert grad_norms[predicts_fix].min().item() > 0.0
    # Over an accumulated batch the token losses are summed and divided by the whole batch's fix tokens.
    summed_by_hand = trainer.compute_loss(model, dict(batch), num_items_in_batch=100) * 100
    assert summed_by_hand.item() == pytest.approx(loss.item() * predicts_fix.sum().item(), rel=1e-5)


def test_seq2seq_loss_is_the_token_mean_cross_entropy(tokenizer, tmp_path):
    config, model, datasets = tiny_setup("seq2seq", tokenizer)
    trainer = build_trainer(config, model, tokenizer, datasets, args_kwargs(tmp_path), callbacks=[])
    batch = PadCollator(tokenizer.pad_token_id)([datasets["train"][i] for i in range(3)])
    loss = trainer.compute_loss(model, dict(batch))
    assert loss.item() == pytest.approx(model(**batch).loss.item(), rel=1e-5)  # T5's own masked mean
    summed_by_hand = trainer.compute_loss(model, dict(batch), num_items_in_batch=100) * 100
    assert summed_by_hand.item() == pytest.approx(loss.item() * (batch["labels"] != IGNORE_INDEX).sum().item(), rel=1e-5)


@pytest.mark.parametrize("arch", ["seq2seq", "causal"])
def test_gradient_accumulation_takes_the_same_step_as_a_bigger_batch(arch, tokenizer, tmp_path):
    config, initial, datasets = tiny_setup(arch, tokenizer)
    results = []
    for batch_size, grad_accum in [(4, 1), (2, 2)]:
        model = copy.deepcopy(initial)
        trainer = build_trainer(config, model, tokenizer, datasets, args_kwargs(tmp_path / str(grad_accum), batch_size, grad_accum), callbacks=[])
        trainer.train()
        loss = next(h["loss"] for h in trainer.state.log_history if "loss" in h)
        results.append((loss, {name: p.detach().clone() for name, p in model.named_parameters()}))
    (loss_big, params_big), (loss_accum, params_accum) = results
    assert loss_accum == pytest.approx(loss_big, rel=1e-4)
    start = dict(initial.named_parameters())
    for name, after in params_big.items():
        update_big, update_accum = after - start[name], params_accum[name] - start[name]
        assert update_big.abs().max() > 0, f"{name} did not move"
        assert torch.allclose(update_accum, update_big, rtol=1e-3, atol=1e-6 * update_big.abs().max().item()), name


def test_sft_config_has_the_training_arguments_values(tmp_path):
    from transformers import TrainingArguments

    kwargs = {**args_kwargs(tmp_path), **precision_kwargs("auto")}
    plain, sft = TrainingArguments(**kwargs).to_dict(), sft_config(kwargs).to_dict()
    differing = {key: (value, sft[key]) for key, value in plain.items() if sft[key] != value}
    assert differing == {}
    assert sft["max_length"] is None and sft["dataset_kwargs"] == {"skip_prepare_dataset": True}
    assert not sft["packing"] and not sft["padding_free"] and not sft["gradient_checkpointing"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only behaviour")
def test_precision_on_cpu_is_fp32_and_half_precision_is_a_config_error():
    assert resolve_precision("auto") == "fp32" and precision_kwargs("auto") == {"bf16": False, "fp16": False}
    for flag in ("bf16", "fp16"):
        with pytest.raises(ConfigError, match=rf"--train.precision {flag}: needs a CUDA GPU.*--train.precision auto"):
            load_config(TrainRecipeConfig, overrides={"train.precision": flag}, check_paths=False)
    assert load_config(TrainRecipeConfig, overrides={"train.precision": "fp32"}, check_paths=False).train.precision == "fp32"


@pytest.mark.parametrize("bf16_supported, expected", [(True, "bf16"), (False, "fp16")])
def test_auto_precision_on_a_cuda_gpu(monkeypatch, bf16_supported, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: bf16_supported)
    assert resolve_precision("auto") == expected
    assert precision_kwargs("auto") == {"bf16": expected == "bf16", "fp16": expected == "fp16"}
