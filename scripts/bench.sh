#!/usr/bin/env bash
# hopscope's speed next to llama.cpp's on the same models and machine, in one run.
# Usage: scripts/bench.sh [MODEL...]
#   default: the installed SmolLM2-135M-Instruct Q4_1, then a synthetic Llama-2-7B-shaped Q4_0 file
#   (dim 4096, 32 layers, ffn 11008, 32 heads, SmolLM2's tokenizer; random weights, 3.9 GB) written once
#   by `hopscope synthetic` to $HOPSCOPE_HOME/synthetic/ (about 30 s). BENCH_7B=0 skips the 7B shape.
# Needs a release build (make bench does it) and llama-cpp-python (installed here if missing).
# Both engines use all cores (nproc); the load average is printed: other jobs on the machine slow both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOME_DIR=${HOPSCOPE_HOME:-$HOME/.cache/hopscope}
BIN=$(swift build -c release --show-bin-path)/hopscope
python3 -c 'import llama_cpp' 2>/dev/null || { echo "bench: installing llama-cpp-python (builds llama.cpp, a few minutes)" >&2; python3 -m pip install --quiet llama-cpp-python; }
SMOL=${HOPSCOPE_MODEL:-$HOME_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf}
BIG=$HOME_DIR/synthetic/llama2-7b-q4_0.gguf
if [ $# -gt 0 ]; then MODELS=("$@"); else
    MODELS=("$SMOL")
    if [ "${BENCH_7B:-1}" != 0 ]; then
        [ -f "$BIG" ] || { echo "bench: writing the 7B-shaped benchmark file $BIG (once, ~30 s)" >&2; "$BIN" synthetic --preset llama2-7b --type q4_0 --tokenizer-from "$SMOL" --out "$BIG"; }
        MODELS+=("$BIG")
    fi
fi
for MODEL in "${MODELS[@]}"; do
    size=$(stat -c %s "$MODEL")
    if [ "$size" -gt 1000000000 ]; then ours_args=(--gen-tokens 16 --repeats 3 --grid-repeats 1); theirs_args=(--gen-tokens 16 --repeats 3)
    else ours_args=(--gen-tokens 32 --repeats 7); theirs_args=(--gen-tokens 32 --repeats 7); fi
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    ours=$("$BIN" bench --model "$MODEL" --prompt-tokens 16 "${ours_args[@]}" --grid --json)
    theirs=$(python3 scripts/bench_llamacpp.py "$MODEL" --prompt-tokens 16 "${theirs_args[@]}" --threads "$(nproc)")
    python3 - "$ours" "$theirs" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"model: {o['model']}")
print(f"{'':28}{'hopscope':>12}{'llama.cpp':>12}{'ratio':>8}")
for key, label in [("prompt_tokens_per_s", f"prompt eval ({o['prompt_tokens']} tok), tok/s"), ("generation_tokens_per_s", "generation, tok/s")]:
    print(f"{label:28}{o[key]:12.1f}{t[key]:12.1f}{o[key]/t[key]:8.2f}×")
print(f"{'load, s':28}{o['load_s']:12.3f}{t['load_s']:12.3f}")
print(f"{'one-time repack, s':28}{o['prepare_s']:12.2f}{'(in load)':>12}")
print(f"{'first prompt after that, s':28}{o['first_prompt_s']:12.2f}{t['first_prompt_s']:12.2f}")
print(f"{'peak RSS, MB':28}{o['peak_rss_mb']:12.0f}{t['peak_rss_mb']:12.0f}")
if o.get("grid_s") is not None:
    print(f"t2 back-patch grid, 10-token criterion: {o['grid_s']:.2f} s; naive oracle (one full re-run per cell) {o['naive_grid_s']:.1f} s: {o['naive_grid_s']/o['grid_s']:.0f}x")
    print(f"t2 back-patch grid, first-token metric: {o['grid_first_token_s']:.2f} s; naive oracle {o['naive_grid_first_token_s']:.1f} s: {o['naive_grid_first_token_s']/o['grid_first_token_s']:.0f}x")
PY
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
done
