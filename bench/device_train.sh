#!/usr/bin/env bash
# The last call of a GPU stage on the lent device machine (bench/device_kit.py pack prints the calls before it):
# reassemble the kit, install its wheels beside the image's PyTorch, train, and send the checkpoint back in
# pieces that fit $OUT. Arguments go to `codemend train`. MINUTES (default 5) bounds the training itself;
# CONFIG, RUN and DATA pick the recipe, the checkpoint folder and where the dataset is restored.
# A dry run here, on the CPU, with the venv's packages instead of the kit's wheels:
#   PYTHON=.venv/bin/python INSTALL=0 OUT=/tmp/dry/out DATA=/tmp/dry/data RUN=/tmp/dry/run \
#     bash bench/device_train.sh --train.max_steps 2 --train.workers 0 --train.batch_size 4  # 32 needs more than 24 GiB on a CPU
set -euo pipefail
CONFIG=${CONFIG:-configs/train/default-gpu-rank.yaml}
RUN=${RUN:-runs/default-gpu-rank}
source bench/device_setup.sh
if ! "$PYTHON" -m codemend train --config "$CONFIG" --data "$DATA" --out "$RUN" --train.max_minutes "${MINUTES:-5}" "$@" 2>&1 | tee "$OUT/train.log"; then
    # The lease may not allow another run: bring back what the training reached before the failure.
    "$PYTHON" bench/device_kit.py send --partial --checkpoint "$RUN.partial" --out "$OUT"
    exit 1
fi
"$PYTHON" bench/device_kit.py send --checkpoint "$RUN" --out "$OUT"
