#!/usr/bin/env bash
# hopscope's speed next to llama.cpp's on the same model and machine, in one run.
# Usage: scripts/bench.sh [MODEL]   (default: the installed SmolLM2-135M-Instruct Q4_1)
# Needs a release build (make bench does it) and llama-cpp-python (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-${HOPSCOPE_MODEL:-${HOPSCOPE_HOME:-$HOME/.cache/hopscope}/models/SmolLM2-135M-Instruct.Q4_1.gguf}}
BIN=$(swift build -c release --show-bin-path)/hopscope
python3 -c 'import llama_cpp' 2>/dev/null || { echo "bench: installing llama-cpp-python (builds llama.cpp, a few minutes)" >&2; python3 -m pip install --quiet llama-cpp-python; }
ours=$("$BIN" bench --model "$MODEL" --prompt-tokens 16 --gen-tokens 32 --repeats 7 --grid --json)
theirs=$(python3 scripts/bench_llamacpp.py "$MODEL" --prompt-tokens 16 --gen-tokens 32 --repeats 7 --threads "$(nproc)")
python3 - "$ours" "$theirs" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"model: {o['model']}")
print(f"{'':28}{'hopscope':>12}{'llama.cpp':>12}{'ratio':>8}")
for key, label in [("prompt_tokens_per_s", f"prompt eval ({o['prompt_tokens']} tok), tok/s"), ("generation_tokens_per_s", "generation, tok/s")]:
    print(f"{label:28}{o[key]:12.1f}{t[key]:12.1f}{o[key]/t[key]:8.2f}×")
print(f"{'load, s':28}{o['load_s']:12.3f}{t['load_s']:12.3f}")
if o.get("grid_s") is not None:
    print(f"t2 back-patch grid (435 cells), 10-token criterion: {o['grid_s']:.2f} s; naive oracle (one full re-run per cell) {o['naive_grid_s']:.1f} s: {o['naive_grid_s']/o['grid_s']:.0f}x")
    print(f"t2 back-patch grid (435 cells), first-token metric: {o['grid_first_token_s']:.2f} s; naive oracle {o['naive_grid_first_token_s']:.1f} s: {o['naive_grid_first_token_s']/o['grid_first_token_s']:.0f}x")
print(f"peak RSS: {o['peak_rss_mb']:.0f} MB")
PY
