#!/usr/bin/env bash
# The GPU checks in one run, on a machine with an NVIDIA GPU where CuPy, PyTorch, NumPy,
# scikit-learn and pytest are installed. Installs nothing; finishes within ten minutes.
#   bash benchmarks/gpu_check.sh            (writes gpu.json into $OUT, or here)
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
out="${OUT:-.}"
status=0

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c "import cupy, numpy, sklearn, torch; print('cupy', cupy.__version__, '| numpy', numpy.__version__, '| sklearn', sklearn.__version__, '| torch', torch.__version__)" || exit 1

echo "== GPU tests: the CuPy backend and its kernels against NumPy, persistence"
timeout 150 python3 -m pytest -q -p no:cacheprovider -rs tests/test_backends.py \
    tests/test_cuda_kernels.py || status=1

echo "== the estimator suite on backend=cupy"
SKDNN_TEST_BACKEND=cupy timeout 240 python3 -m pytest -q -p no:cacheprovider -x \
    tests/test_classifier.py tests/test_persistence.py tests/test_numerics.py \
    tests/test_faults.py || status=1

echo "== GPU benchmark"
timeout 240 python3 benchmarks/bench_gpu.py --json "$out/gpu.json" || status=1
exit $status
