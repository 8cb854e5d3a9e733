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
	@echo "== codemend fix examples/buggy_stats.py (the bug: '<' should be '>' on line 18) =="
	$(CODEMEND) fix examples/buggy_stats.py --model $(DEMO)/model --color never
	@echo
	@echo "NOTE: this demo model was trained from scratch for a few CPU minutes. Measured here, such a"
	@echo "model fixes (almost) nothing yet: the numbers above show the pipeline works, not that the"
	@echo "model is useful. A pretrained-based default model is the training issue's job."

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

test-slow: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m slow

clean:
	rm -rf runs .pytest_cache
