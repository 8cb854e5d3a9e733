"""codemend's own forward pass for Llama-architecture checkpoints (Llama, Qwen2): reading code without importing transformers.

A cold `codemend fix` spent ~5 s of its ~11 s importing transformers' modeling code (it pulls in
torch.distributed.tensor, torch._dynamo and more) to run SmolLM2-135M, the shipped default, a plain
Llama. `LlamaRuntime` reads the same safetensors and computes the same forward pass as transformers'
`LlamaForCausalLM` (RMSNorm, rotary positions, grouped-query attention, SwiGLU), with the calling
convention codemend's readers use (`generation`, `naturalness`):

    output = model(input_ids=ids, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True)
    output.logits, output.cache

where `attention_mask` is a [batch, keys] padding mask or a [batch, 1, queries, keys] additive one (the
packed tries of `generation.score_targets`), and `cache` a `KVCache` that deep-copies, crops and repeats
per batch row like transformers' DynamicCache. `RuntimeTokenizer` wraps the `tokenizers` library, which
transformers' fast tokenizers wrap too. Beam search on a read prompt (what `fix` asks for) is
`generation.beam_search` on this model; only batched generation (`generation.generate`, the split
evaluation's) loads transformers' model of the same checkpoint, on first use.

Qwen2 (Qwen2.5-Coder) is the same computation with biases on the query, key and value projections;
Llama's optional `attention_bias` and `mlp_bias` are computed too. Checkpoints this does not cover
(other architectures, scaled rotary positions, sliding-window layers, tokenizer settings beyond the
special tokens, tensors it would not read) load through transformers as before (`unsupported`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from codemend.training.attention import grouped_query_attention
from codemend.training.generation import RUNTIME_ATTENTION, additive_mask

logger = logging.getLogger(__name__)

WEIGHTS = "model.safetensors"
# tokenizer_config.json keys that do not change how text is split or decoded.
TOKENIZER_KEYS = {"backend", "bos_token", "eos_token", "pad_token", "unk_token", "is_local", "local_files_only",
                  "model_max_length", "tokenizer_class", "added_tokens_decoder", "clean_up_tokenization_spaces",
                  "extra_special_tokens", "model_input_names", "padding_side", "truncation_side", "chat_template"}
# Settings Qwen2's tokenizers save whose values here change nothing the `tokenizers` library does: no prefix space,
# special tokens kept whole, undecodable bytes replaced (as its byte-level decoder does).
BENIGN_TOKENIZER_SETTINGS = {"add_prefix_space": (None, False), "split_special_tokens": (False,), "errors": ("replace",)}
TOKENIZER_CLASSES = {"TokenizersBackend", "PreTrainedTokenizerFast", "GPT2Tokenizer", "GPT2TokenizerFast", "Qwen2Tokenizer", "Qwen2TokenizerFast"}


@dataclass(frozen=True)
class RuntimeConfig:
    """The few numbers of a Llama config.json the forward pass needs; `_attn_implementation` tells
    codemend's readers that custom 4D masks are taken (`generation.TREE_MASK_ATTENTION`)."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    tie_word_embeddings: bool
    _attn_implementation: str = RUNTIME_ATTENTION
    max_position_embeddings: int = 2048  # the positions it reads (rotary positions past them were never trained)

    @classmethod
    def of(cls, config: dict) -> "RuntimeConfig":
        heads = config["num_attention_heads"]
        return cls(config["vocab_size"], config["hidden_size"], config["num_hidden_layers"], heads,
                   config.get("num_key_value_heads") or heads, config.get("head_dim") or config["hidden_size"] // heads,
                   config.get("rms_norm_eps", 1e-6), _rope(config).get("rope_theta", config.get("rope_theta", 10000.0)),
                   config.get("tie_word_embeddings", False),  # defaults as LlamaConfig's
                   max_position_embeddings=config.get("max_position_embeddings", 2048))


def _rope(config: dict) -> dict:
    """The rotary settings: `rope_parameters` (transformers 5) or the older top-level `rope_scaling`."""
    return config.get("rope_parameters") or config.get("rope_scaling") or {}


MODEL_TYPES = ("llama", "qwen2")


def unsupported(config: dict) -> list[str]:
    """Why the runtime cannot compute this config.json's model exactly ([] when it can)."""
    reasons = []
    if config.get("model_type") not in MODEL_TYPES:
        reasons.append(f"model_type {config.get('model_type')!r} (the runtime computes {' and '.join(MODEL_TYPES)})")
    if config.get("use_sliding_window") or any(kind != "full_attention" for kind in config.get("layer_types") or []):
        reasons.append("sliding-window attention layers")
    rope_type = _rope(config).get("rope_type") or _rope(config).get("type") or "default"  # older configs say "type"
    if rope_type != "default":
        reasons.append(f"rope_type {rope_type!r} (the runtime computes default rotary positions)")
    if config.get("hidden_act", "silu") != "silu":
        reasons.append(f"hidden_act {config.get('hidden_act')!r}")
    return reasons


def tokenizer_unsupported(settings: dict) -> list[str]:
    """Why `RuntimeTokenizer` might split or decode text differently from transformers' tokenizer."""
    benign = {key for key, value in settings.items() if value in BENIGN_TOKENIZER_SETTINGS.get(key, ())}
    reasons = [f"tokenizer_config.json key {key!r}" for key in sorted(set(settings) - TOKENIZER_KEYS - benign)]
    if settings.get("tokenizer_class", "TokenizersBackend") not in TOKENIZER_CLASSES:
        reasons.append(f"tokenizer_class {settings['tokenizer_class']!r}")
    if settings.get("clean_up_tokenization_spaces"):
        reasons.append("clean_up_tokenization_spaces true")
    return reasons


@dataclass
class RuntimeOutput:
    logits: Any  # [batch, positions (or those logits_to_keep keeps), vocabulary]; None when not projected
    cache: "KVCache | None"
    hidden: Any = None  # [batch, the same positions, hidden]: their final hidden states, when not projected


class KVCache:
    """Each layer's keys and values [batch, kv_heads, positions, head_dim], grown by every forward pass."""

    def __init__(self):
        self.keys: list[Any] = []
        self.values: list[Any] = []

    def update(self, layer: int, key, value):
        """Append this pass's keys and values to `layer`'s; all of them, for attention."""
        if layer == len(self.keys):
            # Compact copies: a view (the values are one) keeps alive the whole query/key/value product it is
            # part of, 5x its size (a 3,700-token reading's cache: 600 MB instead of 170).
            self.keys.append(key.contiguous())
            self.values.append(value.contiguous())
        else:
            self.keys[layer] = torch.cat([self.keys[layer], key], dim=-2)
            self.values[layer] = torch.cat([self.values[layer], value], dim=-2)
        return self.keys[layer], self.values[layer]

    def __deepcopy__(self, memo) -> "KVCache":
        """A copy that shares the tensors: nothing changes one in place (an update, a crop or a selection makes
        new ones), so a reader that grows its copy leaves this cache as it was without a copy of every layer's
        tensors (170 MB for a 3,700-token reading)."""
        twin = KVCache()
        twin.keys, twin.values = list(self.keys), list(self.values)
        return twin

    def get_seq_length(self) -> int:
        return self.keys[0].shape[-2] if self.keys else 0

    def crop(self, tokens_to_remove: int) -> None:
        """Drop the last `-tokens_to_remove` positions (a negative count, as transformers 5's caches take it)."""
        if tokens_to_remove > 0:
            raise ValueError(f"crop({tokens_to_remove}): pass a negative count of positions to remove")
        if tokens_to_remove:
            self.keys = [k[..., :tokens_to_remove, :] for k in self.keys]
            self.values = [v[..., :tokens_to_remove, :] for v in self.values]

    def columns(self, start: int, stop: int) -> "KVCache":
        """A cache of positions [start, stop) only, in tensors of its own (a view would keep, and a deepcopy
        copy, the whole of this cache's storage)."""
        part = KVCache()
        part.keys = [k[..., start:stop, :].clone() for k in self.keys]
        part.values = [v[..., start:stop, :].clone() for v in self.values]
        return part

    def select(self, rows) -> None:
        """Keep the batch rows at indices `rows` (a tensor), in that order: beam search's reordering."""
        self.keys = [k.index_select(0, rows) for k in self.keys]
        self.values = [v.index_select(0, rows) for v in self.values]

    def batch_repeat_interleave(self, repeats: int) -> None:
        self.keys = [k.repeat_interleave(repeats, dim=0) for k in self.keys]
        self.values = [v.repeat_interleave(repeats, dim=0) for v in self.values]

    def to_transformers(self):
        """The same keys and values as a transformers DynamicCache (for `generate`)."""
        from transformers import DynamicCache

        cache = DynamicCache()
        for layer, (key, value) in enumerate(zip(self.keys, self.values)):
            cache.update(key, value, layer)
        return cache


class LlamaRuntime(torch.nn.Module):
    """transformers' LlamaForCausalLM (and Qwen2ForCausalLM, the same with biases) forward pass for inference, on weights named as it names them."""

    gives_hidden = True  # forward(project=False): the final hidden states, for `generation.LogitRows`

    def __init__(self, config: RuntimeConfig, weights: dict[str, Any], twin: Callable[[], Any] | None = None):
        super().__init__()
        self.config = config
        weights = dict(weights)  # every part takes its tensors out of this copy: what is left, nothing reads
        self.embed = weights.pop("model.embed_tokens.weight")
        head = weights.pop("lm_head.weight", None)  # some tied checkpoints store the copy too
        if head is None and not config.tie_word_embeddings:
            raise KeyError("lm_head.weight")
        self.lm_head = self.embed if config.tie_word_embeddings else head
        self.norm = weights.pop("model.norm.weight")
        self.layers = [_Layer.of(weights, f"model.layers.{i}.") for i in range(config.num_hidden_layers)]
        # Tensors of a computation this one is not (load_runtime falls back); rotary frequencies, which
        # checkpoints of older transformers saved, are computed from the config here as there.
        self.unread = sorted(name for name in weights if not name.endswith("rotary_emb.inv_freq"))
        dim = config.head_dim
        self.inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))
        self.scaling = dim**-0.5
        self._twin_loader, self._twin = twin, None

    @property
    def dtype(self):
        return self.embed.dtype

    @property
    def device(self):
        return self.embed.device

    def forward(self, input_ids, attention_mask=None, position_ids=None, cache: KVCache | None = None,
                use_cache: bool = False, logits_to_keep=0, project: bool = True) -> RuntimeOutput:
        """Logits of every position (the last `logits_to_keep` when an int > 0; those at its indices when a 1D
        tensor, as transformers takes it), or with `project` False their final hidden states (`lm_head`
        projects them); `cache` grows by these positions."""
        batch, length = input_ids.shape
        past = cache.get_seq_length() if cache is not None else 0
        if cache is None and use_cache:
            cache = KVCache()
        if position_ids is None:
            position_ids = torch.arange(past, past + length, device=input_ids.device).expand(batch, -1)
        mask = self._mask(attention_mask, batch, length, past)
        freqs = position_ids[..., None].float() * self.inv_freq.to(input_ids.device)
        angles = torch.cat((freqs, freqs), dim=-1)
        cos, sin = angles.cos().to(self.dtype)[:, None], angles.sin().to(self.dtype)[:, None]
        hidden = F.embedding(input_ids, self.embed)
        for index, layer in enumerate(self.layers):
            hidden = hidden + self._attention(layer, self._norm(hidden, layer.input_norm), cos, sin, mask, cache, index)
            normed = self._norm(hidden, layer.post_norm)
            gate, up = F.linear(normed, layer.gate_up, layer.gate_up_bias).split(layer.gate_up.shape[0] // 2, dim=-1)
            hidden = hidden + F.linear(F.silu(gate) * up, layer.down, layer.down_bias)
        hidden = self._norm(hidden, self.norm)
        if isinstance(logits_to_keep, torch.Tensor):
            hidden = hidden[:, logits_to_keep]
        elif logits_to_keep:
            hidden = hidden[:, -logits_to_keep:]
        if not project:
            return RuntimeOutput(None, cache, hidden)
        return RuntimeOutput(F.linear(hidden, self.lm_head), cache)

    def _norm(self, hidden, weight):
        """RMSNorm, computed in float32 as transformers' LlamaRMSNorm does."""
        as_float = hidden.float()
        as_float = as_float * torch.rsqrt(as_float.pow(2).mean(-1, keepdim=True) + self.config.rms_norm_eps)
        return weight * as_float.to(hidden.dtype)

    def _attention(self, layer, hidden, cos, sin, mask, cache: KVCache | None, index: int):
        batch, length, _ = hidden.shape
        shape = (batch, length, -1, self.config.head_dim)
        query, key, value = F.linear(hidden, layer.qkv, layer.qkv_bias).split(layer.qkv_sizes, dim=-1)
        query = _rotate(query.view(shape).transpose(1, 2), cos, sin)
        key = _rotate(key.view(shape).transpose(1, 2), cos, sin)
        value = value.view(shape).transpose(1, 2)
        if cache is not None:
            key, value = cache.update(index, key, value)
        if self.dtype == torch.bfloat16:  # as load_checkpoint runs bf16 models: eager math, one read per shared head
            output, _ = grouped_query_attention(self, query, key, value, mask, self.scaling)
        else:  # transformers' default (sdpa) kernel for float32, reading each shared head in place (the same values)
            output = F.scaled_dot_product_attention(query, key, value, attn_mask=mask, scale=self.scaling, enable_gqa=True).transpose(1, 2)
        return F.linear(output.reshape(batch, length, -1), layer.o, layer.o_bias)

    def _mask(self, attention_mask, batch: int, length: int, past: int):
        """The additive [batch, 1, queries, keys] mask: a given 4D one as is, else causal and padding."""
        if attention_mask is not None and attention_mask.dim() == 4:
            return attention_mask.to(self.dtype)
        if attention_mask is None and length == 1:
            return None  # one new position sees everything before it
        keys = torch.arange(past + length, device=self.device)
        allowed = (keys[None, :] <= past + torch.arange(length, device=self.device)[:, None])[None].expand(batch, -1, -1)
        if attention_mask is not None:
            allowed = allowed & attention_mask[:, None, : past + length].bool()
        return additive_mask(allowed, self.dtype)

    def generate(self, **kwargs):
        """transformers' `generate` on transformers' model of this checkpoint, loaded on first use: for batches
        of sources (`generation.generate`); one read prompt's beams are `generation.beam_search`'s."""
        if isinstance(kwargs.get("cache"), KVCache):
            kwargs["cache"] = kwargs["cache"].to_transformers()
        return self._transformers().generate(**kwargs)

    def compute_transition_scores(self, *args, **kwargs):
        return self._transformers().compute_transition_scores(*args, **kwargs)

    def _transformers(self):
        if self._twin is None:
            if self._twin_loader is None:
                raise RuntimeError("this LlamaRuntime was built without a way to load its transformers model (twin=)")
            logger.info("loading the transformers model for generation")
            self._twin = self._twin_loader()
        return self._twin


@dataclass(frozen=True)
class _Layer:
    """One decoder layer's weights, the query, key and value projections stacked into one matrix and the
    gate and up projections into another: one product each instead of three and two (the same dot products;
    for a single row the kernel may sum them in another order: logits within ~3e-5). Biases, where the
    checkpoint has them (Qwen2's query, key and value; Llama's attention_bias and mlp_bias), stacked alike."""

    qkv: Any
    qkv_sizes: tuple[int, int, int]
    o: Any
    gate_up: Any
    down: Any
    input_norm: Any
    post_norm: Any
    qkv_bias: Any = None
    o_bias: Any = None
    gate_up_bias: Any = None
    down_bias: Any = None

    @classmethod
    def of(cls, weights: dict, prefix: str) -> "_Layer":
        get = lambda name: weights.pop(prefix + name + ".weight")  # noqa: E731 (popped: the stacked copies replace them)
        q, k, v = get("self_attn.q_proj"), get("self_attn.k_proj"), get("self_attn.v_proj")
        biases = {name: weights.pop(f"{prefix}{name}.bias", None) for name in _PROJECTIONS}
        return cls(torch.cat([q, k, v]), (len(q), len(k), len(v)), get("self_attn.o_proj"),
                   torch.cat([get("mlp.gate_proj"), get("mlp.up_proj")]), get("mlp.down_proj"), get("input_layernorm"),
                   get("post_attention_layernorm"), _stacked(biases, "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
                   biases["self_attn.o_proj"], _stacked(biases, "mlp.gate_proj", "mlp.up_proj"), biases["mlp.down_proj"])


_PROJECTIONS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")


def _stacked(biases: dict, *names: str):
    """The biases of projections stacked into one product: None when none has one; all or none must."""
    missing = [name for name in names if biases[name] is None]
    if len(missing) == len(names):
        return None
    if missing:
        raise KeyError(f"{missing[0]}.bias")
    return torch.cat([biases[name] for name in names])


def _rotate(x, cos, sin):
    """Rotary position embedding, halves rotated as transformers' `rotate_half` does."""
    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin


class RuntimeTokenizer:
    """The part of transformers' fast tokenizer that inference calls, on the same `tokenizers` backend."""

    def __init__(self, folder: Path, settings: dict):
        from tokenizers import Tokenizer

        self.backend = Tokenizer.from_file(str(folder / "tokenizer.json"))
        ids = {name: self._id(settings.get(f"{name}_token")) for name in ("bos", "eos", "pad", "unk")}
        self.bos_token_id, self.eos_token_id, self.pad_token_id, self.unk_token_id = ids["bos"], ids["eos"], ids["pad"], ids["unk"]

    def _id(self, token) -> int | None:
        content = token.get("content") if isinstance(token, dict) else token
        return self.backend.token_to_id(content) if content else None

    def __call__(self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False, return_tensors: str | None = None) -> dict:
        """One text's input_ids and attention_mask (and offset_mapping): lists, or [1, n] tensors for `return_tensors="pt"`."""
        if return_tensors not in (None, "pt"):
            raise ValueError(f"return_tensors={return_tensors!r}: codemend's runtime tokenizer returns lists or \"pt\" tensors")
        encoding = self.backend.encode(text, add_special_tokens=add_special_tokens)
        out = {"input_ids": encoding.ids, "attention_mask": encoding.attention_mask}
        if return_offsets_mapping:
            out["offset_mapping"] = encoding.offsets
        return {key: torch.tensor([value]) for key, value in out.items()} if return_tensors else out

    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        return self.backend.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def __len__(self) -> int:
        return self.backend.get_vocab_size(with_added_tokens=True)


def load_runtime(folder: Path, weights: Path, dtype, twin: Callable[[], Any] | None = None):
    """(LlamaRuntime, RuntimeTokenizer) for the tokenizer in `folder` and the config and weights in
    `weights` (the same folder, or an adapter's cached merge); None, saying why at debug level, when
    the runtime does not cover them (the caller loads through transformers)."""
    config = json.loads((weights / "config.json").read_text(encoding="utf-8"))
    settings_file = folder / "tokenizer_config.json"
    settings = json.loads(settings_file.read_text(encoding="utf-8")) if settings_file.is_file() else {}
    reasons = unsupported(config) + tokenizer_unsupported(settings)
    if not (weights / WEIGHTS).is_file():
        reasons.append(f"no single {WEIGHTS}")
    if not (folder / "tokenizer.json").is_file():
        reasons.append("no tokenizer.json")
    if reasons:
        logger.debug("loading %s through transformers: %s", weights, "; ".join(reasons))
        return None
    from safetensors.torch import load_file

    tensors = {name: tensor.to(dtype) for name, tensor in load_file(str(weights / WEIGHTS)).items()}
    try:
        model = LlamaRuntime(RuntimeConfig.of(config), tensors, twin)
    except KeyError as err:  # a ValueError is what load_checkpoint reports as a damaged folder
        raise ValueError(f"{weights / WEIGHTS} has no tensor {err} (config.json describes another model)") from None
    if model.unread:
        logger.debug("loading %s through transformers: tensors the runtime would not read (%s)", weights, ", ".join(model.unread[:3]))
        return None
    return model.eval(), RuntimeTokenizer(folder, settings)
