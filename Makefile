# codemend: `make demo` (set up + the whole path on a small scale), `make test` (set up + fast tests).
# Everything installs into .venv; torch is pinned to the CPU wheel that pip takes from this disk.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CODEMEND := $(VENV)/bin/codemend
DEMO := runs/demo
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-slow bench clean

$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, pinned: an unpinned resolution would pull a multi-GB CUDA build.
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(CODEMEND) data build --config configs/data/demo.yaml --out $(DEMO)/data --overwrite
	$(CODEMEND) train --config configs/train/demo.yaml --data $(DEMO)/data --out $(DEMO)/model --overwrite
	$(CODEMEND) eval --model $(DEMO)/model --data $(DEMO)/data --limit 100
	@echo
	@echo "== codemend fix buggy_stats.py, without tests (the model's ranking alone) =="
	cd examples && ../$(CODEMEND) fix buggy_stats.py --model ../$(DEMO)/model --color never --top 2
	@echo
	@echo "== the same, validating candidates with examples/test_buggy_stats.py in the sandbox =="
	cd examples && ../$(CODEMEND) fix buggy_stats.py --model ../$(DEMO)/model --color never --top 1 \
		--test_cmd "python -m pytest -q -p no:cacheprovider test_buggy_stats.py"
	@echo
	@echo "NOTE: the demo model was trained from scratch for a few CPU minutes. Measured here, such a"
	@echo "model fixes nothing by itself (exact match above: 0%). The plausible fix comes from the"
	@echo "inverse of the bug operators, validated by the tests. A pretrained-based default model"
	@echo "is the training issue's job."

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

test-slow: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m slow

bench: $(STAMP)
	$(PY) bench/data_build.py
	$(PY) bench/sandbox_throughput.py --n 200
	$(PY) bench/fix_latency.py --model $(DEMO)/model --items 30

clean:
	rm -rf runs .pytest_cache
