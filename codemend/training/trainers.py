"""The trainer object for each model family, and the floating-point precision it trains in.

    trainer = build_trainer(config, model, tokenizer, datasets, args_kwargs, callbacks)
    trainer.train()

Both families get the same `TrainingArguments` values (`args_kwargs` plus the precision), the
same padding (`PadCollator`) and the same loss: cross-entropy summed over the fix tokens and
divided by the number of fix tokens in the whole accumulated batch, so batch 4 x accumulation 1
and batch 2 x accumulation 2 take the same step.

* causal: TRL's `SFTTrainer` on our already-tokenized rows. Their `labels` already hold
  IGNORE_INDEX on the prompt, so TRL's own tokenization, label building and truncation are
  skipped (`skip_prepare_dataset`); the loss is the model's own (`model_loss_sft_trainer_class`: TRL's
  fused LM head, with the entropy and accuracy it logs, trained at 103 tokens/s against 128 on the CPU). Packing and
  padding-free batches stay off: TRL documents padding-free as needing FlashAttention, and on
  SDPA/eager one flattened row of B sequences costs attention over B times the tokens, so
  length-grouped batches waste less here.
  With `--train.rank_weight` > 0, a subclass adds the listwise ranking loss of `ranking.py` in
  `compute_loss`, on batches `ranking.RankCollator` packs (the fix and other candidates per sample).
* seq2seq: a transformers `Trainer` whose `compute_loss` sums the token losses itself. T5's own
  loss is a per-micro-batch mean that ignores `num_items_in_batch`, while `Trainer` (seeing that
  T5's forward takes `**kwargs`) assumes it does not and skips dividing by the accumulation
  steps: with accumulation 2 the gradient was about doubled and micro-batches weighted wrongly.
"""

from __future__ import annotations

import dataclasses
import logging

from codemend.config import TrainRecipeConfig
from codemend.training.tokenize import IGNORE_INDEX, PadCollator

logger = logging.getLogger(__name__)


def resolve_precision(precision: str) -> str:
    """`auto` becomes bf16 on a CUDA GPU that supports it, fp16 on other CUDA GPUs, fp32 otherwise."""
    import torch

    if precision != "auto":
        return precision
    if not torch.cuda.is_available():
        return "fp32"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def precision_kwargs(precision: str) -> dict:
    """The `bf16`/`fp16` TrainingArguments for a `--train.precision` value (mixed precision, fp32 master weights)."""
    resolved = resolve_precision(precision)
    return {"bf16": resolved == "bf16", "fp16": resolved == "fp16"}


def build_trainer(config: TrainRecipeConfig, model, tokenizer, datasets: dict, args_kwargs: dict, callbacks: list):
    """A ready-to-train Trainer for `config.model.arch`; `args_kwargs` are TrainingArguments keywords."""
    kwargs = {**args_kwargs, **precision_kwargs(config.train.precision)}
    evaluate = kwargs.get("eval_strategy", "no") != "no"
    common = dict(
        model=model, train_dataset=datasets["train"], eval_dataset=datasets.get("validation") if evaluate else None,
        data_collator=PadCollator(tokenizer.pad_token_id), processing_class=tokenizer, callbacks=callbacks,
    )
    if config.model.arch == "causal" and config.train.rank_weight:
        from codemend.training.ranking import RankCollator

        check_rank_attention(model)
        collator = RankCollator(tokenizer, config.task.output_format, config.train.rank_negatives, config.model.max_target_tokens, config.seed)
        return ranking_trainer_class()(rank_weight=config.train.rank_weight, args=sft_config(kwargs), **{**common, "data_collator": collator})
    if config.model.arch == "causal":
        return model_loss_sft_trainer_class()(args=sft_config(kwargs), **common)
    from transformers import TrainingArguments

    return token_mean_trainer_class()(args=TrainingArguments(**kwargs), **common)


def sft_config(kwargs: dict):
    """An SFTConfig whose TrainingArguments fields equal `TrainingArguments(**kwargs)`'s.

    SFTConfig changes some TrainingArguments defaults (gradient checkpointing on, bf16 on, another
    learning rate and logging interval); those are put back unless `kwargs` sets them, so a causal
    run trains with exactly the settings a seq2seq run with the same config gets.
    """
    from transformers import TrainingArguments
    from trl import SFTConfig

    base, sft = _defaults(TrainingArguments), _defaults(SFTConfig)
    restored = {name: default for name, default in base.items() if sft.get(name, default) != default}
    # Rows are final: encode_sample dropped what does not fit (never truncates) and built the labels.
    sft_only = dict(max_length=None, dataset_kwargs={"skip_prepare_dataset": True}, packing=False, padding_free=False)
    return SFTConfig(**{**restored, **kwargs, **sft_only})


def _defaults(cls) -> dict:
    defaults = {}
    for f in dataclasses.fields(cls):
        if f.init and f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.init and f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
    return defaults


def model_loss_sft_trainer_class():
    """TRL's SFTTrainer whose loss is the model's own (transformers' `Trainer.compute_loss`): the same
    cross-entropy over the fix tokens, divided by those of the whole accumulated batch.

    Its fused LM head also scores every fix token's entropy and top-1 for the logs, in tiles: on 2 CPU
    cores the model's own loss took training from 103 to 128 tokens/s (`bench/train_throughput.py`, all
    weights trained, 2026-12-07). The logs lose `entropy`, `mean_token_accuracy` and `num_tokens`; the
    full logits it avoided materializing are ~0.3 GB for a batch of 4 here.
    """
    from transformers import Trainer
    from trl import SFTTrainer

    class ModelLossSFTTrainer(SFTTrainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            # No key/value cache in training, as SFTTrainer's own loss asks (a cache copies K and V in every layer).
            return Trainer.compute_loss(self, model, {**inputs, "use_cache": False}, return_outputs=return_outputs,
                                        num_items_in_batch=num_items_in_batch)

    return ModelLossSFTTrainer


def token_mean_trainer_class():
    """A transformers Trainer whose loss is the fix-token cross-entropy normalised over the accumulated batch."""
    from transformers import Trainer

    class TokenMeanTrainer(Trainer):
        # compute_loss below already divides by the tokens of every micro-batch of the step.
        loss_is_scaled_for_ga = True

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            import torch
            import torch.nn.functional as F

            # Decoder inputs from the labels, as T5 builds them, but without the labels: the model
            # would otherwise compute its own (mean) loss as well, a second pass over the vocabulary.
            labels = inputs["labels"]
            model_inputs = {key: value for key, value in inputs.items() if key != "labels"}
            model_inputs.setdefault("decoder_input_ids", self.accelerator.unwrap_model(model).prepare_decoder_input_ids_from_labels(labels=labels))
            outputs = model(**model_inputs)
            summed = F.cross_entropy(outputs.logits.flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE_INDEX, reduction="sum")
            count = num_items_in_batch if num_items_in_batch is not None else (labels != IGNORE_INDEX).sum()
            loss = summed / torch.as_tensor(count, device=summed.device).clamp(min=1)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes  # DDP averages gradients; the count spans every rank
            return (loss, outputs) if return_outputs else loss

    return TokenMeanTrainer


def check_rank_attention(model) -> None:
    """The ranking loss reads each sample's candidates through a custom 4D mask, which flash attention ignores."""
    from codemend.errors import CodemendError
    from codemend.training.generation import TREE_MASK_ATTENTION

    kernel = getattr(model.config, "_attn_implementation", "eager")
    if kernel not in TREE_MASK_ATTENTION:
        raise CodemendError(f"--train.rank_weight needs an attention kernel that takes a custom mask ({', '.join(TREE_MASK_ATTENTION)}); "
                            f"the model uses {kernel}: load it with attn_implementation='sdpa' or set --train.rank_weight 0")


def ranking_trainer_class():
    """TRL's SFTTrainer whose loss adds `rank_weight` x the listwise ranking loss (ranking.py) to the fix's
    cross-entropy; it logs the ranking loss and how often the fix scores first among its candidates."""
    from trl import SFTTrainer

    class RankingSFTTrainer(SFTTrainer):
        # The fix term divides by the tokens of the whole accumulated batch, the ranking term by its samples.
        loss_is_scaled_for_ga = True

        def __init__(self, *args, rank_weight: float, **kwargs):
            super().__init__(*args, **kwargs)
            self.rank_weight = rank_weight

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            import torch

            from codemend.training.generation import additive_mask
            from codemend.training.ranking import node_logprobs, rank_losses

            # Only positions that predict a trie node need logits: from the shortest prompt's last token on.
            first = int(inputs["node_source"].min())
            width = inputs["input_ids"].shape[1]
            dtype = self.accelerator.unwrap_model(model).dtype
            outputs = model(input_ids=inputs["input_ids"], position_ids=inputs["position_ids"], use_cache=False,
                            attention_mask=additive_mask(inputs["tree_mask"], dtype), logits_to_keep=width - first)
            logprobs = node_logprobs(outputs.logits, {**inputs, "node_source": inputs["node_source"] - first})
            fix_nll, fix_tokens, rank, first_count = rank_losses(logprobs, inputs["paths"])
            steps = self.current_gradient_accumulation_steps if model.training else 1
            count = num_items_in_batch if num_items_in_batch is not None else fix_tokens * steps
            fix_loss = fix_nll / torch.as_tensor(count, device=fix_nll.device).clamp(min=1)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                fix_loss = fix_loss * self.accelerator.num_processes  # the count spans every rank; DDP averages gradients
            samples = len(inputs["paths"])
            loss = fix_loss + self.rank_weight * rank / (samples * steps)
            mode = "train" if model.training else "eval"
            self._metrics[mode]["rank_loss"].append(rank.item() / samples)
            self._metrics[mode]["fix_ranked_first"].append(first_count.item() / samples)
            return (loss, outputs) if return_outputs else loss

    return RankingSFTTrainer
