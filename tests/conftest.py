"""Shared fixtures: every cache points into a temporary folder, nothing touches the network,
and a tiny dataset and model are built once per session from committed assets."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# Set before transformers/datasets are imported anywhere: caches live in a throwaway folder and the
# hubs are never asked for anything.
_CACHE = tempfile.mkdtemp(prefix="codemend-test-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)  # it holds the base model's converted weights: ~1 GB a run
for _name in ("HF_HOME", "HF_DATASETS_CACHE", "XDG_CACHE_HOME", "TORCHINDUCTOR_CACHE_DIR", "MPLCONFIGDIR", "CODEMEND_CACHE"):
    os.environ[_name] = os.path.join(_CACHE, _name.lower())
# As in an activated virtualenv: a test command's `python` runs from the caller's PATH (sandbox.child_path).
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("OMP_NUM_THREADS", "2")

ASSETS = Path(__file__).parent / "assets"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def bench_script():
    """Load a script of bench/ (not a package) as a module: `bench_script("device_kit")`."""
    import importlib.util

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def scratch_dir(tmp_path, monkeypatch) -> Path:
    """The folder tempfile makes its folders in, here and in the processes started from here: a bench
    script's throwaway copies land in the test's own tmp_path, where a test can see that they are gone."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # gettempdir() caches its first answer
    return scratch


@pytest.fixture(scope="session")
def assets() -> Path:
    return ASSETS


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A dataset built by `codemend data build` from tests/assets/corpus."""
    from codemend.cli import main

    out = tmp_path_factory.mktemp("data") / "data"
    code = main(["-q", "data", "build", "--source", str(ASSETS / "corpus"), "--out", str(out),
                 "--test_fraction", "0.25", "--validation_fraction", "0.25", "--workers", "1"])
    assert code == 0
    return out


def _train(tmp_path_factory, config: str, dataset: Path) -> Path:
    from codemend.cli import main

    out = tmp_path_factory.mktemp("model") / "model"
    assert main(["-q", "train", "--config", str(REPO / config), "--data", str(dataset), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_dataset) -> Path:
    """A tiny seq2seq model trained for a few steps by `codemend train` (configs/train/tiny.yaml)."""
    return _train(tmp_path_factory, "configs/train/tiny.yaml", tiny_dataset)


@pytest.fixture(scope="session")
def causal_model(tmp_path_factory, tiny_dataset) -> Path:
    """The decoder-only counterpart (configs/train/causal-tiny.yaml)."""
    return _train(tmp_path_factory, "configs/train/causal-tiny.yaml", tiny_dataset)


@pytest.fixture
def git_commit_all():
    """A function that makes `folder` a git checkout with everything in it committed (for --changed_since)."""
    import subprocess

    def commit(folder: Path) -> None:
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(folder)]
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
        subprocess.run(git + ["add", "."], check=True)
        subprocess.run(git + ["commit", "-qm", "init"], check=True)

    return commit
