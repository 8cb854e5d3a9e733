"""LoRA adapters with peft: wrap a model, check the target modules exist, merge with a parity check.

    model = add_lora(model, config.model)          # only the adapter's weights train
    merged, max_diff = merge_with_parity(model, batch)
"""

from __future__ import annotations

import logging

from codemend.config import ModelConfig
from codemend.errors import CodemendError

logger = logging.getLogger(__name__)

PARITY_TOLERANCE = 1e-4  # merged and unmerged logits may differ by float rounding only (relative to max |logit|)


def linear_module_names(model) -> list[str]:
    """Short names of the model's linear layers: what --model.lora_target_modules can name."""
    import torch

    return sorted({name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)})


def add_lora(model, config: ModelConfig):
    """The model wrapped with a LoRA adapter; an unknown target module is an error listing valid ones."""
    from peft import LoraConfig, TaskType, get_peft_model

    available = linear_module_names(model)
    missing = [name for name in config.lora_target_modules if name not in available]
    if missing:
        raise CodemendError(
            f"--model.lora_target_modules: {', '.join(missing)} not in this model; its linear layers are: {', '.join(available)}"
        )
    task = TaskType.SEQ_2_SEQ_LM if config.arch == "seq2seq" else TaskType.CAUSAL_LM
    lora = LoraConfig(task_type=task, r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=config.lora_target_modules or None)
    try:
        return get_peft_model(model, lora)
    except ValueError as err:
        raise CodemendError(f"--model.lora_target_modules: {err}; name some of: {', '.join(available)}") from None


def merge_with_parity(peft_model, batch: dict):
    """(merged plain model, max |logit difference| relative to max |logit|) — raises when merging changed the outputs."""
    import torch

    peft_model.eval()
    with torch.inference_mode():
        before = peft_model(**batch).logits.float()
    merged = peft_model.merge_and_unload()
    with torch.inference_mode():
        after = merged(**batch).logits.float()
    # Relative to the logits' scale: a 135M model's logits reach ~30, where fp32 rounding alone is ~1e-5 each.
    diff = ((before - after).abs().max() / before.abs().max().clamp(min=1.0)).item()
    if diff > PARITY_TOLERANCE:
        raise CodemendError(f"merging the LoRA adapter changed the outputs (max logit difference {diff:.2e}); the adapter in adapter/ is still valid")
    return merged, diff
