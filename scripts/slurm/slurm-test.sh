#!/bin/bash
# `make slurm-test`: run a sweep as a real Slurm job array and check it against an unsharded run.
#
#  1. installs Debian's slurm-wlm and munge if missing (root);
#  2. starts a single-node cluster on localhost (local-cluster.sh: munged, slurmctld, slurmd; all
#     state in a temp dir, free ports);
#  3. submits scripts/slurm/sweep.sbatch as a 4-task array over the first few showcase queries and
#     waits for it;
#  4. runs the same sweep unsharded, merges the four part files with `hopscope report --merged`, and
#     checks that every query has exactly one row, each part holds exactly its shard's queries, and the
#     merged rows equal the unsharded ones;
#  5. prints the report, and stops the daemons it started (also on failure or Ctrl-C).
#
# Knobs: SLURM_TEST_QUERIES (default 4), SLURM_TEST_ARGS (sweep flags, default
# "--grid-metric first-token"), SLURM_TEST_TIMEOUT (seconds for the array, default 1800),
# HOPSCOPE_BIN (default: the release build), KEEP=1 keeps the temp dir.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/scripts/slurm
n_queries=${SLURM_TEST_QUERIES:-4}
sweep_args=${SLURM_TEST_ARGS:---grid-metric first-token}
array_timeout=${SLURM_TEST_TIMEOUT:-1800}
tasks=4

say() { printf 'slurm-test: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    [[ $(id -u) -eq 0 ]] || fail "slurm-wlm and munge are not installed; as root: apt-get install -y slurm-wlm munge"
    say "installing slurm-wlm and munge (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null; }
fi
[[ $(id -u) -eq 0 ]] || fail "needs root to run slurmd"

bin=${HOPSCOPE_BIN:-$(cd "$root" && swift build -c release --show-bin-path 2>/dev/null)/hopscope}
[[ -x $bin ]] || fail "no hopscope binary at $bin (make release)"

work=$(mktemp -d /tmp/hopscope-slurm-test.XXXXXX)
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    "$here/local-cluster.sh" stop "$work/cluster" || true
    if [[ $rc -eq 0 && -z ${KEEP:-} ]]; then
        rm -rf "$work"
    else
        say "files kept in $work (cluster logs in $work/cluster, job logs in $work/logs)"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

head -n "$n_queries" "$root/sample-queries/showcase.jsonl" > "$work/queries.jsonl"
mkdir -p "$work/logs" "$work/parts"

# 2. Cluster.
say "starting a single-node cluster in $work/cluster"
conf_line=$("$here/local-cluster.sh" start "$work/cluster") || fail "the local cluster did not start"
eval "$conf_line"
export SLURM_CONF
sinfo >&2

# 3. The array: one CPU per task so two tasks share the node at a time.
say "submitting a $tasks-task array over $n_queries queries (sweep $sweep_args)"
start=$(date +%s)
export QUERIES=$work/queries.jsonl OUT=$work/parts HOPSCOPE=$bin SWEEP_ARGS=$sweep_args
set +e
timeout "$array_timeout" sbatch --wait --array=0-$((tasks - 1)) --cpus-per-task=1 --chdir="$work" \
    --output="$work/logs/%A_%a.log" "$here/sweep.sbatch" >&2
array_rc=$?
set -e
array_s=$(( $(date +%s) - start ))
for f in "$work"/logs/*.log; do [[ -f $f ]] && { echo "--- $(basename "$f")"; cat "$f"; } >&2; done
[[ $array_rc -eq 0 ]] || fail "the array job failed or timed out (sbatch --wait exit $array_rc)"
say "array done in ${array_s}s"

# 4. Unsharded run, merge, compare.
start=$(date +%s)
# shellcheck disable=SC2086
"$bin" sweep "$work/queries.jsonl" --out "$work/unsharded.jsonl" $sweep_args
unsharded_s=$(( $(date +%s) - start ))
say "unsharded run done in ${unsharded_s}s"

parts=()
for i in $(seq 0 $((tasks - 1))); do parts+=("$work/parts/part-$i-of-$tasks.jsonl"); done
"$bin" report "${parts[@]}" --merged "$work/merged.jsonl" --queries "$work/queries.jsonl" --json > "$work/report.json"

python3 - "$work/queries.jsonl" "$work/unsharded.jsonl" "$work/merged.jsonl" "$tasks" "${parts[@]}" <<'PY'
import json, sys
queries, unsharded, merged, tasks, parts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
def rows(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            assert line.endswith("\n"), f"{path}:{n}: torn line"
            out.append(json.loads(line))
    return out
ids = [json.loads(l)["id"] for l in open(queries) if l.strip()]
seen = {}
for i, p in enumerate(parts):
    got = [r["id"] for r in rows(p)]
    want = [q for k, q in enumerate(ids) if k % tasks == i]
    assert sorted(got) == sorted(want), f"{p}: rows {got}, expected shard {i}/{tasks} = {want}"
    for q in got:
        assert q not in seen, f"{q} in {p} and {seen[q]}"
        seen[q] = p
assert sorted(seen) == sorted(ids), "every query exactly once across the parts"
u = {r["id"]: r for r in rows(unsharded)}
m = {r["id"]: r for r in rows(merged)}
assert len(u) == len(ids) and len(m) == len(ids), (len(u), len(m), len(ids))
diff = [q for q in ids if u[q] != m[q]]
assert not diff, f"merged rows differ from the unsharded run for {diff}"
print(f"slurm-test: {len(ids)} queries; {tasks} parts partition them; merged rows == unsharded rows", file=sys.stderr)
PY

missing=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["missing_ids"]))' "$work/report.json")
[[ $missing -eq 0 ]] || fail "report --queries lists $missing queries without a row"

# 5. The report.
"$bin" report "${parts[@]}" --queries "$work/queries.jsonl"
say "PASSED (array ${array_s}s, unsharded ${unsharded_s}s)"
