#!/usr/bin/env bash
# One prepared run on a machine with an NVIDIA GPU: install, the whole test suite on
# CUDA, the GPU benchmark against PyTorch CUDA, the command line and every example with
# --device cuda. Every step's output goes to a log under $OUT (default ./gpu-logs), and a
# step that fails does not stop the others; the summary at the end lists each step's exit
# status. Each step has its own time limit (TESTS_LIMIT, BENCH_LIMIT, EXAMPLE_LIMIT in
# seconds override the defaults), so that the whole run leaves room for a rerun of one step.
#
#     OUT=/some/folder bash benchmarks/gpu_session.sh            # everything
#     bash benchmarks/gpu_session.sh tests bench                  # only these steps
#
# Steps: install, tests, bench, cli, examples. The GPU machine brings its own CuPy
# (cupy-cuda13x, say): minigrad is installed with --no-deps so that pip adds no second
# CuPy (docs/getting-started.md).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/gpu-logs}"
mkdir -p "$OUT"
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(install tests bench cli examples)
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"

run_step() {  # run_step NAME SECONDS COMMAND...: its log in $OUT/NAME.log, status in the summary
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
    local status=$?
    echo "$name: exit $status after $((SECONDS - start)) s (limit $limit s)" | tee -a "$SUMMARY"
}

wanted() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }

{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    python -c "import cupy; print('cupy', cupy.__version__); cupy.show_config()" || true
    python -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())" || true
} > "$OUT/machine.log" 2>&1

if wanted install; then
    run_step install 300 python -m pip install --no-deps -e .
fi

if wanted tests; then
    # Parallel workers when pytest-xdist is there; otherwise one process.
    PARALLEL=()
    if python -c "import xdist" 2> /dev/null; then
        PARALLEL=(-n "$(python -c 'import os; print(min(8, os.cpu_count() or 1))')")
    fi
    MINIGRAD_TEST_DEVICE=cuda MINIGRAD_REQUIRE_NVRTC=1 run_step tests "${TESTS_LIMIT:-1500}" \
        python -m pytest -q -p no:randomly -rfE ${PARALLEL[@]+"${PARALLEL[@]}"} \
        --junitxml="$OUT/tests.xml"
    tail -n 3 "$OUT/tests.log" | tee -a "$SUMMARY"
fi

if wanted bench; then
    run_step bench "${BENCH_LIMIT:-900}" python benchmarks/bench_gpu.py --device cuda --rounds 20
fi

if wanted cli; then
    run_step cli 300 python -m minigrad train --device cuda
fi

if wanted examples; then
    mkdir -p "$OUT/figures"
    for example in examples/*.py; do
        name=$(basename "$example" .py)
        [ "$name" = "_common" ] && continue
        run_step "example-$name" "${EXAMPLE_LIMIT:-600}" python "$example" --device cuda --out "$OUT/figures"
    done
fi

echo "logs in $OUT"
