#!/usr/bin/env bash
# The first call of a GPU stage on the lent device machine: check part 1, install the wheels and restore the
# data it holds whole (everything but the base model, see device_kit.py's smallest_first), then train a tiny
# from-scratch model for a few steps with the GPU stage's settings (ranking loss, batch-building workers,
# --precision auto). If the image's PyTorch and the kit's packages do not work together, this call says so
# in about a minute, before the calls that carry the base model are spent.
# A dry run here, on the CPU, with the venv's packages instead of the kit's wheels:
#   PYTHON=.venv/bin/python INSTALL=0 OUT=/tmp/dry/out DATA=/tmp/dry/data bash bench/device_smoke.sh
set -euo pipefail
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export HF_HOME=${HF_HOME:-/tmp/hf} CODEMEND_CACHE=${CODEMEND_CACHE:-/tmp/codemend-cache}
PYTHON=${PYTHON:-python3}
DATA=${DATA:-runs/stdlib/data}
SMOKE=${SMOKE:-/tmp/codemend-smoke}
OUT=${OUT:?the device tool sets OUT}
mkdir -p "$OUT"
"$PYTHON" bench/device_kit.py check --part 1
if [ "${INSTALL:-1}" = 1 ]; then
    "$PYTHON" bench/device_kit.py unpack --available --kit .devkit --site /tmp/site --data "$DATA"
    export PYTHONPATH=/tmp/site:$PWD
else
    "$PYTHON" bench/device_kit.py unpack --available --kit .devkit --data "$DATA" --no_install
    export PYTHONPATH=$PWD
fi
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi: a dry run"
"$PYTHON" -c "import torch, transformers, peft, trl, datasets; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__, 'peft', peft.__version__, 'trl', trl.__version__, 'datasets', datasets.__version__)"
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
