#!/usr/bin/env bash
# hopscope's speed next to llama.cpp's on the same models and machine, in one run.
# Usage: scripts/bench.sh [MODEL...]   (chosen files: grids too unless BENCH_GRID=0)
#   default: the installed SmolLM2-135M-Instruct Q4_1, then synthetic Llama-2-7B-shaped files in every
#   format of FORMATS (dim 4096, 32 layers, ffn 11008, 32 heads, SmolLM2's tokenizer; random weights),
#   then a Llama-3-8B-shaped Q4_K_M (dim 4096, 32 layers, ffn 14336, 32 heads, 8 kv heads, vocab
#   128,256), each written once by `hopscope synthetic` to $HOPSCOPE_HOME/synthetic/ (20 s – 2 min each).
#   FORMATS="q5_k_m f16" (make bench FORMATS="q5_k_m f16") runs only those 7B formats; BENCH_8B=0 skips
#   the 8B shape, BENCH_7B=0 every 7B format; GRID_FORMATS (default "q4_k_m") are the 7B formats whose
#   back-patch grids are timed (minutes each; the 8B file's always are). KEEP_FILES=0 deletes each
#   7B file after its run (the F16/BF16 files are 13.5 GB each). BENCH_GEN (16) and BENCH_REPEATS (3) set
#   the generated tokens and timed repetitions on files over 1 GB (a busy machine: BENCH_GEN=8 BENCH_REPEATS=2).
#   BENCH_ROUNDS=N (1) runs both engines N times per file, alternating which goes first, prints every
#   round and the median ratios.
# Needs a release build (make bench does it) and llama-cpp-python (PYTHON, default python3; installed if
# missing). Both engines use all cores (nproc); the load average is printed: other jobs slow both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOME_DIR=${HOPSCOPE_HOME:-$HOME/.cache/hopscope}
BIN=$(swift build -c release --show-bin-path)/hopscope
PY=${PYTHON:-python3}
"$PY" -c 'import llama_cpp' 2>/dev/null || { echo "bench: installing llama-cpp-python (builds llama.cpp, a few minutes)" >&2; "$PY" -m pip install --quiet llama-cpp-python; }
SMOL=${HOPSCOPE_MODEL:-$HOME_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf}
FORMATS=${FORMATS:-f16 bf16 q8_0 q6_k q5_k_m q4_k_m q4_0 q5_k q4_k q5_1 q5_0 q4_1}
GRID_FORMATS=" ${GRID_FORMATS:-q4_k_m} "

# synthetic PRESET TYPE: the path of the benchmark file, written first if missing.
synthetic() {
    local f=$HOME_DIR/synthetic/$1-$2.gguf
    if [ ! -f "$f" ]; then
        echo "bench: writing the $1-shaped $2 benchmark file $f (once)" >&2
        "$BIN" synthetic --preset "$1" --type "$2" --tokenizer-from "$SMOL" --out "$f" >&2
    fi
    echo "$f"
}

# run MODEL GRID(0/1): both engines on MODEL, one table.
run() {
    local MODEL=$1 grid=$2 size ours theirs ours_args theirs_args
    size=$(stat -c %s "$MODEL")
    if [ "$size" -gt 1000000000 ]; then
        ours_args=(--gen-tokens "${BENCH_GEN:-16}" --repeats "${BENCH_REPEATS:-3}" --grid-repeats 1)
        theirs_args=(--gen-tokens "${BENCH_GEN:-16}" --repeats "${BENCH_REPEATS:-3}")
    else ours_args=(--gen-tokens 32 --repeats 7); theirs_args=(--gen-tokens 32 --repeats 7); fi
    [ "$grid" = 1 ] && ours_args+=(--grid)
    # Both engines start from the file in the page cache (whoever ran first would otherwise pay the disk
    # read inside its load or repack): read it once here.
    cat "$MODEL" > /dev/null
    local rounds=${BENCH_ROUNDS:-1} round ratios
    ratios=$(mktemp)
    for round in $(seq 1 "$rounds"); do
        echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (round $round of $rounds)"
        # Rounds alternate which engine goes first, so a swing of the machine (this VM's bandwidth moves by a
        # third within minutes) does not always fall on the same side; the grid is timed in round 1 only.
        if [ "$round" -gt 1 ]; then
            local a kept=()
            for a in "${ours_args[@]}"; do [ "$a" != --grid ] && kept+=("$a"); done
            ours_args=("${kept[@]}")
        fi
        if [ $((round % 2)) = 1 ]; then
            ours=$("$BIN" bench --model "$MODEL" --prompt-tokens 16 "${ours_args[@]}" --json)
            theirs=$("$PY" scripts/bench_llamacpp.py "$MODEL" --prompt-tokens 16 "${theirs_args[@]}" --threads "$(nproc)")
        else
            theirs=$("$PY" scripts/bench_llamacpp.py "$MODEL" --prompt-tokens 16 "${theirs_args[@]}" --threads "$(nproc)")
            ours=$("$BIN" bench --model "$MODEL" --prompt-tokens 16 "${ours_args[@]}" --json)
        fi
        python3 - "$ours" "$theirs" "$size" "$MODEL" "$ratios" <<'PY'
import json, sys
o, t, size = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
print(f"model: {o['model']} ({sys.argv[4]}, {size / 1e9:.2f} GB)")
print(f"{'':34}{'hopscope':>12}{'llama.cpp':>12}{'ratio':>8}")
ratios = []
for key, label in [("prompt_tokens_per_s", f"prompt eval ({o['prompt_tokens']} tok), tok/s"), ("generation_tokens_per_s", "generation, tok/s")]:
    ratios.append(o[key] / t[key])
    print(f"{label:34}{o[key]:12.2f}{t[key]:12.2f}{ratios[-1]:8.2f}×")
with open(sys.argv[5], "a") as f:   # this round's ratios, for the median over rounds
    print(*ratios, file=f)
if o.get("generation_bandwidth_fraction") is not None:
    bw, wb = o["read_bandwidth_gb_s"], o["weight_bytes_per_token"]
    theirs = t["generation_tokens_per_s"] * size / (bw * 1e9)
    print(f"{'generation / bandwidth bound':34}{100 * o['generation_bandwidth_fraction']:11.0f}%{100 * theirs:11.0f}%"
          f"   ({wb / 1e9:.2f} GB per token (llama.cpp: ~the file), read bandwidth {bw:.1f} GB/s)")
print(f"{'load, s':34}{o['load_s']:12.3f}{t['load_s']:12.3f}")
print(f"{'one-time repack, s':34}{o['prepare_s']:12.2f}{'(in load)':>12}{o['prepare_s'] / max(t['load_s'], 1e-9):8.2f}×")
if o.get("repacked_bytes") and o.get("first_touch_gb_s"):
    gb, ft = o["repacked_bytes"] / 1e9, o["first_touch_gb_s"]
    print(f"{'  of which new memory (floor)':34}{gb / ft:12.2f}   ({gb:.2f} GB made resident at {ft:.2f} GB/s on this machine)")
if o.get("repack_resident_s") is not None:
    print(f"{'  as it went: resident / packing':34}{o['repack_resident_s']:12.2f}{o['repack_packing_s']:12.2f}")
print(f"{'first prompt after that, s':34}{o['first_prompt_s']:12.2f}{t['first_prompt_s']:12.2f}")
bar = size / 1e6 + 1536
print(f"{'peak RSS, MB':34}{o['peak_rss_mb']:12.0f}{t['peak_rss_mb']:12.0f}   (bar: file + 1.5 GB = {bar:.0f} MB: {'met' if o['peak_rss_mb'] <= bar else 'MISSED'})")
if o.get("grid_s") is not None:
    print(f"t2 back-patch grid, 10-token criterion: {o['grid_s']:.2f} s; naive oracle (one full re-run per cell) {o['naive_grid_s']:.1f} s: {o['naive_grid_s']/o['grid_s']:.0f}x")
    print(f"t2 back-patch grid, first-token metric: {o['grid_first_token_s']:.2f} s; naive oracle {o['naive_grid_first_token_s']:.1f} s: {o['naive_grid_first_token_s']/o['grid_first_token_s']:.0f}x")
PY
        echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo
    done
    if [ "$rounds" -gt 1 ]; then
        python3 - "$ratios" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
p, g = [r[0] for r in rows], [r[1] for r in rows]
print(f"over {len(rows)} rounds: prompt eval ratio median {statistics.median(p):.2f}× (each: {', '.join(f'{x:.2f}' for x in p)}); "
      f"generation median {statistics.median(g):.2f}× (each: {', '.join(f'{x:.2f}' for x in g)})")
PY
        echo
    fi
    rm -f "$ratios"
}

if [ $# -gt 0 ]; then
    for MODEL in "$@"; do run "$MODEL" "${BENCH_GRID:-1}"; done
    exit 0
fi
[ "${BENCH_SMOL:-1}" != 0 ] && run "$SMOL" 1
if [ "${BENCH_7B:-1}" != 0 ]; then
    for fmt in $FORMATS; do
        f=$(synthetic llama2-7b "$fmt")
        case "$GRID_FORMATS" in *" $fmt "*) run "$f" 1 ;; *) run "$f" 0 ;; esac
        [ "${KEEP_FILES:-1}" = 0 ] && rm -f "$f"
    done
fi
if [ "${BENCH_8B:-1}" != 0 ]; then
    run "$(synthetic llama3-8b q4_k_m)" 1
fi
