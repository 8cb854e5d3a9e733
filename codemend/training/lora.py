"""LoRA adapters with peft: wrap a model, check the target modules exist, merge with a parity check.

    model = add_lora(model, config.model)          # only the adapter's weights train
    merged, max_diff = merge_with_parity(model, batch)
"""

from __future__ import annotations

import logging
from pathlib import Path

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
    if config.lora_init:
        return continue_adapter(model, config)
    task = TaskType.SEQ_2_SEQ_LM if config.arch == "seq2seq" else TaskType.CAUSAL_LM
    lora = LoraConfig(task_type=task, r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=config.lora_target_modules or None)
    try:
        return get_peft_model(model, lora)
    except ValueError as err:
        raise CodemendError(f"--model.lora_target_modules: {err}; name some of: {', '.join(available)}") from None


def adapter_folder(path: str) -> Path:
    """The folder holding adapter_config.json: `path` itself, or its adapter/ (a codemend checkpoint)."""
    from codemend.training.checkpoint import model_folder

    folder = model_folder(path)
    for candidate in (folder, folder / "adapter"):
        if (candidate / "adapter_config.json").is_file():
            return candidate
    raise CodemendError(f"--model.lora_init {path}: no adapter_config.json in {folder} or {folder / 'adapter'}; "
                        f"point it at a checkpoint trained with --model.lora true (or its adapter/ folder)")


def continue_adapter(model, config: ModelConfig):
    """The model wrapped with the trainable adapter saved in `config.lora_init`, checked against the config."""
    import json

    from peft import PeftModel

    folder = adapter_folder(config.lora_init)
    saved = json.loads((folder / "adapter_config.json").read_text())
    problems = [f"--model.{key} {ours} (the adapter has {theirs})" for key, ours, theirs in
                (("lora_r", config.lora_r, saved.get("r")), ("lora_alpha", config.lora_alpha, saved.get("lora_alpha")),
                 ("lora_target_modules", sorted(config.lora_target_modules), sorted(saved.get("target_modules") or [])))
                if ours != theirs and not (key == "lora_target_modules" and not ours)]  # empty: whatever the adapter targets
    if problems:
        raise CodemendError(f"--model.lora_init {config.lora_init}: the adapter does not match the config: {'; '.join(problems)}")
    logger.info("continuing the LoRA adapter in %s", folder)
    return PeftModel.from_pretrained(model, str(folder), is_trainable=True)


def merge_with_parity(peft_model, batch: dict):
    """(merged plain model, max |logit difference| relative to max |logit|) — raises when merging changed the outputs."""
    import torch

    device = next(peft_model.parameters()).device
    batch = {key: value.to(device) for key, value in batch.items()}  # built on the CPU; the model may have trained on a GPU
    peft_model.eval()
    with torch.inference_mode():
        before = peft_model(**batch).logits.float()
    merged = peft_model.merge_and_unload()
    with torch.inference_mode():
        after = merged(**batch).logits.float()
    # Relative to the logits' scale: a 135M model's logits reach ~30, where fp32 rounding alone is ~1e-5 each.
    diff = ((before - after).abs().max() / before.abs().max().clamp(min=1.0)).item()
    if diff > PARITY_TOLERANCE:
        raise CodemendError(f"merging the LoRA adapter changed the outputs (max logit difference {diff:.2e})")
    return merged, diff
