# Sourced by bench/device_smoke.sh and bench/device_train.sh: a call's environment on the lent device machine.
# Reassembles the kit (UNPACK_ARGS: more flags for `device_kit.py unpack`), restores the data into DATA, installs
# the wheels beside the image's PyTorch and puts them on PYTHONPATH (INSTALL=0: the caller's own packages, for a
# dry run on the CPU), then says which GPU and package versions the call runs with.
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export HF_HOME=${HF_HOME:-/tmp/hf} CODEMEND_CACHE=${CODEMEND_CACHE:-/tmp/codemend-cache}
PYTHON=${PYTHON:-python3}
DATA=${DATA:-runs/stdlib/data}
OUT=${OUT:?the device tool sets OUT}
mkdir -p "$OUT"
if [ "${INSTALL:-1}" = 1 ]; then
    "$PYTHON" bench/device_kit.py unpack ${UNPACK_ARGS:-} --kit .devkit --site /tmp/site --data "$DATA"
    export PYTHONPATH=/tmp/site:$PWD
else
    "$PYTHON" bench/device_kit.py unpack ${UNPACK_ARGS:-} --kit .devkit --data "$DATA" --no_install
    export PYTHONPATH=$PWD
fi
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi: a dry run"
"$PYTHON" -c "import torch, transformers, peft, trl, datasets; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__, 'peft', peft.__version__, 'trl', trl.__version__, 'datasets', datasets.__version__)"
