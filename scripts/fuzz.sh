#!/usr/bin/env bash
# Builds the libFuzzer targets with Swift's -sanitize=fuzzer,address and runs each one.
#
#   scripts/fuzz.sh                  build, then run every target for FUZZ_RUNS executions (default 1000000)
#   scripts/fuzz.sh build            build only (.build/fuzz/fuzz-gguf, .build/fuzz/fuzz-tokenizer)
#   scripts/fuzz.sh gguf [args…]     run one target; extra arguments go to libFuzzer (e.g. -max_total_time=60)
#   FUZZ_SECONDS=600 scripts/fuzz.sh run each target for a bounded time instead of a run count
#
# Not a SwiftPM build: SwiftPM renames an executable's entry point, which clashes with libFuzzer's
# main. The script compiles the GGUF and Model sources (unchanged, from Sources/) into two
# instrumented modules with swiftc, the C kernels with clang, and links one binary per target.
# New inputs go to .build/fuzz/corpus-<target> (seeded from Fuzz/corpus/<target>); crashes to
# .build/fuzz/findings-<target>/. A crash is fixed, then its input is copied to
# Fuzz/regressions/<target>/ where the test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/.build/fuzz
SWIFTC=${SWIFTC:-swiftc}
CLANG=${CLANG:-$(dirname "$(command -v "$SWIFTC")")/clang}
SAN=(-sanitize=fuzzer,address)
FUZZ_RUNS=${FUZZ_RUNS:-1000000}
# Swift's own crash backtracer fights ASan's handler; libFuzzer reports the crash instead.
export SWIFT_BACKTRACE=enable=no

build() {
    mkdir -p "$B/obj" "$B/modulemaps/CKernels"
    local stamp="$B/.stamp" newest
    newest=$(find Sources/GGUF Sources/Model Sources/CKernels Fuzz -newer "$stamp" -name '*.[chs]*' 2>/dev/null | head -1 || true)
    if [[ -f $stamp && -z $newest && -x $B/fuzz-gguf && -x $B/fuzz-tokenizer ]]; then return; fi
    echo "fuzz: building instrumented modules in $B" >&2
    cat > "$B/modulemaps/CKernels/module.modulemap" <<MAP
module CKernels { header "$ROOT/Sources/CKernels/include/CKernels.h"
  export * }
MAP
    for c in Sources/CKernels/*.c; do
        "$CLANG" -O2 -fno-math-errno -fsanitize=fuzzer-no-link,address -I Sources/CKernels/include \
            -c "$c" -o "$B/obj/$(basename "$c" .c).o"
    done
    local blas_inc
    blas_inc=$(pkg-config --cflags-only-I openblas | sed 's/^-I//; s/ *$//')
    local common=(-O -parse-as-library -use-ld=lld -enable-testing "${SAN[@]}" -swift-version 5 -wmo
                  -I "$B" -I "$B/modulemaps/CKernels" -I Sources/COpenBLAS -Xcc "-I$blas_inc")
    "$SWIFTC" "${common[@]}" -module-name GGUF -emit-module -emit-module-path "$B/GGUF.swiftmodule" \
        -c Sources/GGUF/*.swift -o "$B/obj/GGUF.o"
    "$SWIFTC" "${common[@]}" -module-name Model -emit-module -emit-module-path "$B/Model.swiftmodule" \
        -c $(find Sources/Model -name '*.swift' | sort) -o "$B/obj/Model.o"
    local link=("$B"/obj/*.o $(pkg-config --libs openblas) -lm)
    "$SWIFTC" "${common[@]}" -module-name FuzzGGUF Fuzz/GGUFReader/*.swift "${link[@]}" -o "$B/fuzz-gguf"
    "$SWIFTC" "${common[@]}" -module-name FuzzTokenizer Fuzz/Tokenizer/*.swift "${link[@]}" -o "$B/fuzz-tokenizer"
    touch "$stamp"
}

# Per-target libFuzzer options. -malloc_limit_mb: no single allocation may approach what a lying
# count would request; the GGUF seeds are ≤ 64 KB, so 64 MB is already 1000× the input.
options() {
    case $1 in
        gguf) echo "-max_len=262144 -malloc_limit_mb=64 -rss_limit_mb=1024 -timeout=2 -dict=Fuzz/gguf.dict" ;;
        tokenizer) echo "-max_len=4096 -malloc_limit_mb=64 -rss_limit_mb=2048 -timeout=2" ;;
    esac
}

run() {
    local t=$1; shift
    mkdir -p "$B/corpus-$t" "$B/findings-$t" "Fuzz/regressions/$t"
    local limit=(-runs="$FUZZ_RUNS")
    [[ -n ${FUZZ_SECONDS:-} ]] && limit=(-max_total_time="$FUZZ_SECONDS")
    echo "fuzz: $t ${limit[*]}" >&2
    # shellcheck disable=SC2046
    "$B/fuzz-$t" $(options "$t") "${limit[@]}" -print_final_stats=1 -artifact_prefix="$B/findings-$t/" \
        "$@" "$B/corpus-$t" "Fuzz/corpus/$t" "Fuzz/regressions/$t"
}

case ${1:-all} in
    build) build ;;
    gguf | tokenizer) t=$1; shift; build; run "$t" "$@" ;;
    all) build; run gguf; run tokenizer ;;
    *) echo "usage: scripts/fuzz.sh [build | gguf | tokenizer | all] [libFuzzer options]" >&2; exit 64 ;;
esac
