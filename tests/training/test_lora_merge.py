"""LoRA merging at the end of training: the parity check runs on the device the model trained on."""

import pytest


def _peft_llama(seed: int = 0):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=32))
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    return peft_model


def _cpu_batch():
    import torch

    return {"input_ids": torch.tensor([[1, 5, 9, 12], [1, 7, 3, 0]]), "attention_mask": torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])}


def test_merging_keeps_the_outputs_and_reports_the_difference():
    from codemend.training.lora import merge_with_parity

    merged, diff = merge_with_parity(_peft_llama(), _cpu_batch())
    assert type(merged).__name__ == "LlamaForCausalLM" and 0 <= diff < 1e-4


@pytest.mark.gpu
def test_a_model_trained_on_the_gpu_merges_with_the_sample_batch_built_on_the_cpu():
    import torch

    from codemend.training.lora import merge_with_parity

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    # The recipe builds its sample batch on the CPU; a model that trained on a GPU once failed here at the
    # very end of a run ("index is on cpu, different from other tensors on cuda:0").
    merged, diff = merge_with_parity(_peft_llama().to("cuda"), _cpu_batch())
    assert next(merged.parameters()).device.type == "cuda" and diff < 1e-4
