#!/usr/bin/env bash
# The GPU check: one command for a machine with an NVIDIA GPU and no network.
#
#   bash benchmarks/gpu/run.sh            # the full check (under 8 minutes)
#   GPU_CHECK_MODE=smoke bash benchmarks/gpu/run.sh    # tiny sizes: checks that the script works
#   GPU_CHECK_INSTALL=no ...              # install nothing (groupcore must be installed from here)
#
# Steps, each under its own time limit, all of them logged to $OUT/check.log:
#   environment  the GPU (nvidia-smi), Python and the packages the check uses
#   install      groupcore from this working tree (pip install --no-deps -e .), and the pure-Python
#                wheels the machine lacks, from benchmarks/gpu/wheels (fetch_wheels.sh fills it)
#   cupy         whether CuPy runs a kernel here; if not, the GPU parts are skipped with the reason
#   tests        the backend and layer tests with CuPy usable ($OUT/pytest.log)
#   bench        groupcore bench --suite quick --backends numpy,cupy ($OUT/bench-quick.json)
#   p4cnn        the P4CNN training step at batch 256, NumPy on 2 cores against CuPy ($OUT/p4cnn.json)
# and $OUT/summary.json gathers the steps and the target "CuPy P4CNN forward+backward at batch
# 256 >= 10x the 2-core NumPy" as a ratio. Without a GPU the script still runs: it says why the
# GPU parts were skipped. $OUT defaults to a new temporary folder; $PYTHON to python3.
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd -P)/$(basename "$0")"
cd "$(dirname "$SELF")/../.."

PY=${PYTHON:-python3}
MODE=${GPU_CHECK_MODE:-full}
OUT=${OUT:-$(mktemp -d)}
WHEELS=benchmarks/gpu/wheels
INSTALL=${GPU_CHECK_INSTALL:-yes}          # no: install nothing, only check what is there
# module:distribution pairs of the pure-Python packages the check needs besides the machine's own,
# and of those it can do without (the data sets' and progress bars' packages)
NEEDED="array_api_compat:array-api-compat array_api_strict:array-api-strict threadpoolctl:threadpoolctl"
OPTIONAL="mlxtend:mlxtend tqdm:tqdm"

# time limits (s) of the steps environment, install, cupy, tests, bench, p4cnn: 460 s in all
case "$MODE" in
    full) LIMITS=(20 60 20 170 130 60); SUITE=quick; BATCH=256; ROUNDS=5; TESTS=(tests/backends tests/groupcore/nn) ;;
    smoke) LIMITS=(20 60 20 60 120 60); SUITE=smoke; BATCH=4; ROUNDS=1; TESTS=(tests/backends/test_cupy_probe.py) ;;
    *) echo "GPU_CHECK_MODE must be full or smoke; got '$MODE'" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------- one function per step
environment() {
    if command -v nvidia-smi >/dev/null; then nvidia-smi; else echo "nvidia-smi: not found"; fi
    "$PY" --version
    "$PY" -m pip --version
    "$PY" - <<'EOF'
import importlib.metadata as md
for name in ("numpy", "scipy", "sympy", "hypothesis", "pytest", "pytest-xdist", "cupy-cuda13x", "cupy-cuda12x",
             "torch", "array-api-compat", "array-api-strict", "mlxtend", "threadpoolctl", "tqdm", "setuptools"):
    try:
        print(f"{name} {md.version(name)}")
    except md.PackageNotFoundError:
        print(f"{name}: not installed")
EOF
}

install() {
    local here missing=()
    here=$(pwd -P)
    # from another folder, so that this tree's groupcore/ on the path does not pass for an install
    if (cd / && "$PY" -c "import groupcore.backends, pathlib, sys
sys.exit(pathlib.Path(groupcore.__file__).resolve().parents[1] != pathlib.Path('$here'))") 2>/dev/null; then
        echo "groupcore is already installed from this working tree"
    elif [ "$INSTALL" = no ]; then
        echo "groupcore is not installed from this working tree, and GPU_CHECK_INSTALL=no"
        return 1
    elif ! "$PY" -m pip install --no-index --find-links "$WHEELS" --no-deps -e .; then
        echo "the isolated build found no setuptools >= 77 in $WHEELS; building with the machine's own"
        "$PY" -m pip install --no-index --no-deps --no-build-isolation -e .
    fi
    for pair in $NEEDED $OPTIONAL; do
        if ! "$PY" -c "import ${pair%%:*}" 2>/dev/null; then missing+=("${pair#*:}"); fi
    done
    for dist in "${missing[@]}"; do
        if [ "$INSTALL" = no ]; then
            echo "$dist is missing (GPU_CHECK_INSTALL=no: not installed)"
        elif [ ! -d "$WHEELS" ]; then
            echo "$dist is missing, and there is no $WHEELS (benchmarks/gpu/fetch_wheels.sh fills it)"
        else
            "$PY" -m pip install --no-index --no-deps --find-links "$WHEELS" "$dist" ||
                echo "$dist: no wheel in $WHEELS"
        fi
    done
    local modules=""
    for pair in $NEEDED; do modules+="${pair%%:*}, "; done
    "$PY" -c "import ${modules}groupcore.backends
print('groupcore', groupcore.__version__, 'from', groupcore.__file__)"
}

cupy_probe() {
    "$PY" -c "
from groupcore import backends
try:
    backends.get('cupy')
except backends.BackendUnavailable as err:
    print(err)
    raise SystemExit(1)
print('CuPy runs kernels here')"
}

tests() {
    local workers=()
    if "$PY" -c "import xdist" 2>/dev/null; then workers=(-n 8); fi
    "$PY" -m pytest -q -p no:cacheprovider "${workers[@]}" "${TESTS[@]}" 2>&1 | tee "$OUT/pytest.log"
}

bench() {
    "$PY" -m groupcore.cli bench --suite "$SUITE" --backends numpy,cupy --no-plots --out "$OUT"
}

p4cnn() {
    "$PY" benchmarks/gpu/p4cnn_step.py --batch "$BATCH" --rounds "$ROUNDS" --out "$OUT/p4cnn.json"
}

# ---------------------------------------------------------------- the driver
if [ "${1:-}" = "--step" ]; then            # one step, run under `timeout` by the driver below
    "$2"
    exit
fi

STEPS=$(mktemp)
trap 'rm -f "$STEPS"' EXIT

step() {                                    # step NAME LIMIT_S: run it, record its status
    local name=$1 limit=$2 start=$SECONDS rc=0 status=ok
    echo "=== $name (limit ${limit} s)"
    OUT=$OUT PYTHON=$PY GPU_CHECK_MODE=$MODE GPU_CHECK_INSTALL=$INSTALL \
        timeout --kill-after=10 "$limit" bash "$SELF" --step "$name" || rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then status="timed out after ${limit} s"
    elif [ $rc -ne 0 ]; then status="failed ($rc)"; fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$((SECONDS - start))" "${3:-}" >>"$STEPS"
    echo "=== $name: $status after $((SECONDS - start)) s"
    return $rc
}

skip() {                                    # skip NAME REASON
    printf '%s\tskipped\t0\t%s\n' "$1" "$2" >>"$STEPS"
    echo "=== $1: skipped: $2"
}

main() {
    echo "GPU check, mode $MODE, output in $OUT, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    step environment "${LIMITS[0]}" || true
    step install "${LIMITS[1]}" || true
    local why
    if why=$(OUT=$OUT PYTHON=$PY timeout "${LIMITS[2]}" bash "$SELF" --step cupy_probe 2>&1); then
        printf 'cupy\tok\t0\t%s\n' "$why" >>"$STEPS"
        echo "=== cupy: $why"
        step tests "${LIMITS[3]}" "CuPy usable: the backend and layer tests run on it" || true
    else
        why=${why//$'\n'/ }
        skip cupy "${why:-the CuPy probe failed}"
        skip tests "no usable CuPy, so no CuPy tests: ${why:-the CuPy probe failed}"
    fi
    step bench "${LIMITS[4]}" || true
    step p4cnn "${LIMITS[5]}" || true
    "$PY" benchmarks/gpu/summary.py "$STEPS" "$OUT" "$MODE"
}

mkdir -p "$OUT"
main 2>&1 | tee "$OUT/check.log"
