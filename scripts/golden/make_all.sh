#!/usr/bin/env bash
# Re-make every golden file from the independent references (llama.cpp via llama-cpp-python,
# gguf + numpy). Needs the models installed by `make setup` and `pip install gguf llama-cpp-python`.
# Outputs are deterministic: re-running rewrites identical files (check with `git diff --stat`).
#   Tests/GGUFTests/Fixtures/dequant-<TYPE>.json      make_dequant_golden_kernels.py
#   Tests/ModelTests/Fixtures/smollm2-logits.{json,npy}, smollm2-blocks-<k>.npy, gemma3-top1.json
#                                                     make_logits_golden.py
#   tokenizer golden files                            make_tokenizer_golden.py (if present)
#   Tests/ModelTests/Fixtures/families/<case>.json, <case>-blocks.npy, <case>-wide.json (Q4_K_M)
#                                                     make_families_golden.py (tiny files of every family,
#                                                     written by the release `hopscope synthetic --family`)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

"$PY" -c 'import gguf, numpy, llama_cpp' 2>/dev/null || {
  echo "make_all.sh: needs python packages gguf, numpy, llama-cpp-python (pip install gguf llama-cpp-python)" >&2
  exit 1
}

echo "== dequantization golden files" >&2
"$PY" scripts/golden/make_dequant_golden_kernels.py

if [[ -f scripts/golden/make_tokenizer_golden.py ]]; then
  echo "== tokenizer golden files" >&2
  "$PY" scripts/golden/make_tokenizer_golden.py
fi

echo "== logits and hidden-state golden files" >&2
"$PY" scripts/golden/make_logits_golden.py

echo "== family golden files (llama.cpp and the float64 family reference)" >&2
swift build -c release --product hopscope >&2
HOPSCOPE_BIN="$(swift build -c release --show-bin-path)/hopscope" "$PY" scripts/golden/make_families_golden.py
