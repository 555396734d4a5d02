"""Measure the paper's four stages on the showcase queries, check them, and choose the opening query.

For each query of sample-queries/showcase.jsonl (or --ids), runs `hopscope analyze --json` (Patchscopes
on the diagonal by default, `--grid` for the paper's full grid) and

1. recomputes the four stages from the JSON's per-layer fields with the paper's formulas
   (edenbiran/HoppingTooLate `analyze_results.py` `plot_stage_boxplots`: each layer list's minimum;
   information propagation the NaN-ignoring mean of the knockout, attention and t2-Patchscope layers),
   independently of hopscope's own `stages`, and fails if they differ;
2. for the queries whose composition is wrong and whose first hop is resolved (e2 decoded from t1),
   runs `hopscope backpatch --grid` at t1 and t2 (the paper's 10-token criterion) and counts the cells
   that fix the answer.

The showcase query is the one that shows the paper's phenomenon best: a query the paper would analyse
(both hops known and neither shortcut — "the r2 of e1", "the r2 of the r1" — gives e3, as hopscope's
own `evaluate` finds on the model: llama.cpp's measurement in showcase-measurements.jsonl rounds
differently and flips near-ties such as "The currency of Frankfurt is"), the bridge entity is decoded at t1 (the first hop
happens), the model still answers the composition wrongly, and back-patching fixes it. Among those, the most fixing cells (t1 + t2) wins, then the earliest first hop. With --write its id
and the reason go to sample-queries/opening.json, which the explorer reads to open on that query (the
showcase file's order, which tests and scripts rely on, stays as measure_showcase.py wrote it).

Writes sample-queries/results/<model>-showcase-stages.jsonl: per query the stages, the parts, the mode,
the answer and the back-patch counts.

    python3 scripts/queries/stage_showcase.py [--hopscope BIN] [--model PATH] [--grid] [--ids a,b] [--write] [--out F]
"""

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOWCASE = ROOT / "sample-queries" / "showcase.jsonl"
OPENING = ROOT / "sample-queries" / "opening.json"


def shortcut_free(hopscope, model):
    """Ids of showcase queries the paper keeps on this model: both hops right, neither shortcut gives e3."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "eval.jsonl"
        r = subprocess.run([hopscope, "evaluate", str(SHOWCASE), "--out", str(out)] + model, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"hopscope evaluate failed: {r.stderr.strip()}")
        rows = [json.loads(l) for l in out.read_text().splitlines() if l.strip()]
    return {e["id"] for e in rows if e["hop1_correct"] and e["hop2_correct"]
            and not e["shortcut_entity_correct"] and not e["shortcut_relation_correct"]}


def paper_stages(analysis):
    """The four stages from the per-layer fields, as the paper's plot_stage_boxplots computes them."""
    def first(test):
        layers = [l["layer"] for l in analysis["layers"] if test(l)]
        return min(layers) if layers else None

    def decodes(key, entity):
        return lambda l: l.get(key) is not None and entity in l[key]["decoded_any"]

    knockout = first(lambda l: l.get("knockout") is not None and l["knockout"].get("changed") is True)
    attention = first(lambda l: l.get("attn_e2_rank_t2") == 0)
    patchscope = first(decodes("patchscope_t2", "e2"))
    present = [v for v in (knockout, attention, patchscope) if v is not None]
    return {
        "first_hop": first(decodes("patchscope_t1", "e2")),
        "info_propagation": sum(present) / len(present) if present else None,
        "info_propagation_parts": {"knockout": knockout, "attention": attention, "patchscope": patchscope},
        "second_hop": first(decodes("patchscope_t2", "e3")),
        "prediction_extracted": first(lambda l: l.get("mlp_prediction_rank_t2") == 0),
    }


def same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9)
    return a == b


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd[:2])} failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def entity_args(q):
    args = ["--query", q["query"], "--e1", q["e1"], "--e2", q["e2"], "--e3", q["e3"]]
    for a in q.get("e2_aliases", []):
        args += ["--e2-alias", a]
    for a in q.get("e3_aliases", []):
        args += ["--e3-alias", a]
    return args


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hopscope", default=os.environ.get("HOPSCOPE_BIN", "hopscope"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--grid", action="store_true", help="the paper's full Patchscope grid (slow: minutes a query)")
    ap.add_argument("--ids", default=None, help="comma-separated ids (default: every showcase query)")
    ap.add_argument("--write", action="store_true", help="move the chosen query to the first line of showcase.jsonl")
    ap.add_argument("--out", default=None)
    ap.add_argument("--from", dest="source", default=None, help="choose from a results file this script wrote, measuring nothing")
    args = ap.parse_args()

    lines = [l for l in SHOWCASE.read_text().splitlines() if l.strip()]
    queries = [json.loads(l) for l in lines]
    if args.ids:
        wanted = set(args.ids.split(","))
        queries = [q for q in queries if q["id"] in wanted]
    model = ["--model", args.model] if args.model else []
    mode = ["--patchscope-layers", "grid"] if args.grid else []
    model_name = Path(args.model).stem if args.model else "smollm2"
    out = Path(args.out) if args.out else ROOT / "sample-queries" / "results" / f"{model_name}-showcase-stages.jsonl"

    rows, mismatches = [], 0
    if args.source:
        rows = [json.loads(l) for l in Path(args.source).read_text().splitlines() if l.strip()]
        mismatches = sum(not r["stages_recomputed_equal"] for r in rows)
        queries = []
    for q in queries:
        a = run([args.hopscope, "analyze", "--json"] + model + mode + entity_args(q))
        recomputed = paper_stages(a)
        ok = same(recomputed, a["stages"])
        mismatches += not ok
        row = {"id": q["id"], "composition_correct": a["answer"]["correct"], "composition_generation": a["answer"]["generation"],
               "prediction": a["prediction_piece"], "patchscope": a["patchscope"], "stages": a["stages"],
               "stages_recomputed_equal": ok}
        if not a["answer"]["correct"] and a["stages"]["first_hop"] is not None:
            fixed = {}
            for p in ("t1", "t2"):
                g = run([args.hopscope, "backpatch", "--json", "--grid", "--position", p, "--query", q["query"],
                         "--e1", q["e1"], "--e3", q["e3"]] + model + sum((["--e3-alias", x] for x in q.get("e3_aliases", [])), []))
                fixed[p] = sum(1 for c in g["cells"] if c["correct"])
            row["backpatch_cells_correct"] = fixed
        rows.append(row)
        s = a["stages"]
        print(f"{q['id']:45} {'right' if row['composition_correct'] else 'wrong'}  first hop {s['first_hop']}  "
              f"propagation {s['info_propagation']} {s['info_propagation_parts']}  second hop {s['second_hop']}  "
              f"prediction {s['prediction_extracted']} ({a['prediction_piece']!r})  recomputed {'=' if ok else '≠'}"
              + (f"  back-patch cells {row['backpatch_cells_correct']}" if "backpatch_cells_correct" in row else ""),
              flush=True)

    if not args.source:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    kept = shortcut_free(args.hopscope, model)
    candidates = [r for r in rows if r["id"] in kept and sum(r.get("backpatch_cells_correct", {}).values()) > 0]
    if candidates:
        best = max(candidates, key=lambda r: (sum(r["backpatch_cells_correct"].values()), -r["stages"]["first_hop"]))
        print(f"showcase: {best['id']} (first hop {best['stages']['first_hop']}, composition wrong, "
              f"{best['backpatch_cells_correct']} back-patch cells fix it)")
        if args.write:
            why = (f"bridge decoded at t1 from layer {best['stages']['first_hop']} (Patchscope, "
                   f"{best['patchscope']['layers']}), composition wrong ({best['composition_generation'].strip()[:40]!r}), "
                   f"fixed by {best['backpatch_cells_correct']['t1']} back-patch cells at t1 and "
                   f"{best['backpatch_cells_correct']['t2']} at t2 (10-token criterion): the most of the "
                   f"{len(candidates)} shortcut-free showcase queries with all three")
            OPENING.write_text(json.dumps({"id": best["id"], "why": why, "measured_by": "scripts/queries/stage_showcase.py"},
                                          ensure_ascii=False, indent=1) + "\n")
    else:
        print("showcase: no query has its bridge decoded at t1, a wrong composition and a back-patch fix")
    if mismatches:
        sys.exit(f"{mismatches} queries whose stages differ from the paper's formulas over their per-layer fields")


if __name__ == "__main__":
    main()
