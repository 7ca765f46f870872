#!/usr/bin/env bash
# Download, here (with network), the pure-Python wheels that benchmarks/gpu/run.sh installs on a
# GPU machine without network: what groupcore and its tests need beyond that machine's own
# packages, and setuptools for building groupcore there. Into benchmarks/gpu/wheels/ (ignored by
# git; the device call carries it). Python 3.12, wheels only, no dependencies (the machine has them).
set -euo pipefail
PY=${PYTHON:-python3}
WHEELS="$(dirname "$0")/wheels"
mkdir -p "$WHEELS"
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 -d "$WHEELS" \
    "array-api-compat>=1.6" "array-api-strict>=2.0" "mlxtend==0.25.0" "threadpoolctl>=3.1" "tqdm>=4.60" \
    "setuptools>=77"
ls -l "$WHEELS"
