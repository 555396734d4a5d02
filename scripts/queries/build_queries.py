#!/usr/bin/env python3
"""Build sample-queries/{geography,companies,people,culture}.jsonl from the fact tables in facts.py.

Every two-hop query is a chain of two facts (e1, r1, e2) and (e2, r2, e3) from facts.py, for the
(kind of e1, r1, r2) combinations in PAIRS. Prompts follow the paper's templates (relations.py):

    hop1               "The r1 of e1 is"          -> e2
    hop2               "The r2 of e2 is"          -> e3
    query              "The r2 of the r1 of e1 is" -> e3
    shortcut_entity    "The r2 of e1 is"          -> e3
    shortcut_relation  "The r2 of the r1 is"      -> e3

Output is deterministic: rows sorted by (r1, r2, e1), ids derived from the content
("companies-toyota-origin-currency"), so adding a fact never renames another query.

    python3 scripts/queries/build_queries.py            # write the files
    python3 scripts/queries/build_queries.py --check    # validate, and fail if a file is out of date
"""

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facts import ENTITIES, FACTS, MULTI_VALUED  # noqa: E402
from relations import KEYS, PHRASES, hop, prompt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "sample-queries"

COUNTRY_FACTS = ["capital", "currency", "official language", "continent", "national anthem", "head of state"]
FAMILY = ["spouse", "father", "mother"]

# kind of e1 -> theme (output file)
THEMES = {"landmark": "geography", "city": "geography", "country": "geography",
          "company": "companies", "product": "companies",
          "person": "people",
          "song": "culture", "book": "culture", "film": "culture", "tradition": "culture"}

# (kind of e1, r1) -> the r2 that may follow
PAIRS = {
    ("landmark", "country"): COUNTRY_FACTS,
    ("city", "country"): COUNTRY_FACTS,
    ("country", "head of state"): FAMILY,
    ("company", "country of origin"): COUNTRY_FACTS,
    ("company", "founder"): ["country of citizenship"],
    ("company", "headquarters location"): ["country"],
    ("product", "manufacturer"): ["country of origin", "headquarters location", "founder", "CEO"],
    ("product", "developer"): ["country of origin", "headquarters location", "founder", "CEO"],
    ("person", "country of citizenship"): ["capital", "currency", "official language", "continent"],
    ("person", "father"): FAMILY,
    ("person", "mother"): FAMILY,
    ("person", "spouse"): ["father", "mother"],
    ("song", "performer"): ["spouse", "father", "mother", "country of citizenship", "country of origin"],
    ("book", "author"): ["country of citizenship"],
    ("film", "director"): ["country of citizenship", "father"],
    ("tradition", "country of origin"): ["capital", "currency", "official language", "continent"],
}

FIELDS = ["id", "e1", "r1", "e2", "r2", "e3", "e1_aliases", "e2_aliases", "e3_aliases",
          "query", "hop1", "hop2", "shortcut_entity", "shortcut_relation"]


def slug(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def names(label):
    return [label] + ENTITIES[label]["aliases"]


def mention(label):
    return ENTITIES[label]["mention"]


def leaks(e1, other):
    """True when a name of `other` (len > 2) occurs as a word inside e1's mention: the answer would be
    in the prompt."""
    text = mention(e1).lower()
    return any(len(n) > 2 and re.search(r"(?<!\w)" + re.escape(n.lower()) + r"(?!\w)", text)
               for n in names(other))


def index_facts():
    table = {}
    for s, r, o in FACTS:
        assert s in ENTITIES, f"unknown subject {s!r}"
        assert o in ENTITIES, f"unknown object {o!r} ({s}, {r})"
        assert r in PHRASES, f"unknown relation {r!r}"
        assert (s, r) not in table or table[(s, r)] == o, \
            f"({s!r}, {r!r}) has two values: {table[(s, r)]!r} and {o!r}"
        table[(s, r)] = o
    return table


def make_query(e1, r1, e2, r2, e3):
    theme = THEMES[ENTITIES[e1]["kind"]]
    return {
        "id": f"{theme}-{slug(e1)}-{KEYS[r1].replace(' ', '-')}-{KEYS[r2].replace(' ', '-')}",
        "e1": e1, "r1": r1, "e2": e2, "r2": r2, "e3": e3,
        "e1_aliases": ENTITIES[e1]["aliases"], "e2_aliases": ENTITIES[e2]["aliases"],
        "e3_aliases": ENTITIES[e3]["aliases"],
        "query": prompt(hop(r2, hop(r1, mention(e1)))),
        "hop1": prompt(hop(r1, mention(e1))),
        "hop2": prompt(hop(r2, mention(e2))),
        "shortcut_entity": prompt(hop(r2, mention(e1))),
        "shortcut_relation": prompt(hop(r2, f"the {PHRASES[r1]}")),
    }, theme


def compose():
    table = index_facts()
    by_subject = {}
    for (s, r), o in table.items():
        by_subject.setdefault(s, []).append((r, o))
    themes = {}
    for (e1, r1), e2 in table.items():
        allowed = PAIRS.get((ENTITIES[e1]["kind"], r1))
        if not allowed:
            continue
        for r2, e3 in sorted(by_subject.get(e2, [])):
            if r2 not in allowed or e3 in (e1, e2) or leaks(e1, e2) or leaks(e1, e3):
                continue
            if any(key in MULTI_VALUED and e1 not in MULTI_VALUED[key]["only_from"]
                   for key in [(e1, r1), (e2, r2)]):
                continue
            q, theme = make_query(e1, r1, e2, r2, e3)
            themes.setdefault(theme, []).append(q)
    for rows in themes.values():
        rows.sort(key=lambda q: (q["r1"], q["r2"], q["e1"].lower(), q["e1"]))
    return themes


def validate(rows, where):
    """Schema and template checks; shared with measure_showcase.py for showcase.jsonl."""
    errors = []
    seen = set()
    for i, q in enumerate(rows, 1):
        at = f"{where}:{i}"
        if list(q.keys()) != FIELDS:
            errors.append(f"{at}: fields {list(q.keys())}, expected {FIELDS}")
            continue
        for key in ["id", "e1", "r1", "e2", "r2", "e3", "query", "hop1", "hop2", "shortcut_entity",
                    "shortcut_relation"]:
            if not isinstance(q[key], str) or not q[key]:
                errors.append(f"{at}: {key} must be a non-empty string")
        for key in ["e1_aliases", "e2_aliases", "e3_aliases"]:
            if not isinstance(q[key], list) or not all(isinstance(a, str) and a for a in q[key]):
                errors.append(f"{at}: {key} must be a list of non-empty strings")
        if errors and errors[-1].startswith(at):
            continue
        if q["id"] in seen:
            errors.append(f"{at}: duplicate id {q['id']}")
        seen.add(q["id"])
        if q["r1"] not in PHRASES or q["r2"] not in PHRASES:
            errors.append(f"{at}: unknown relation in ({q['r1']}, {q['r2']})")
            continue
        if q["e1"] not in q["query"]:
            errors.append(f"{at}: e1 {q['e1']!r} does not occur in query")
        m1 = ENTITIES.get(q["e1"], {}).get("mention", q["e1"])
        m2 = ENTITIES.get(q["e2"], {}).get("mention", q["e2"])
        expect = {
            "query": prompt(hop(q["r2"], hop(q["r1"], m1))),
            "hop1": prompt(hop(q["r1"], m1)),
            "hop2": prompt(hop(q["r2"], m2)),
            "shortcut_entity": prompt(hop(q["r2"], m1)),
            "shortcut_relation": prompt(hop(q["r2"], f"the {PHRASES[q['r1']]}")),
        }
        for key, want in expect.items():
            if q[key] != want:
                errors.append(f"{at}: {key} {q[key]!r}, expected {want!r}")
            if q[key].endswith(" ") or not q[key][0].isupper():
                errors.append(f"{at}: {key} must start with a capital and have no trailing space")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="validate and compare with the files on disk")
    ap.add_argument("--table", action="store_true", help="print the per-(r1, r2) counts as Markdown")
    args = ap.parse_args()
    themes = compose()
    all_rows = [q for t in sorted(themes) for q in themes[t]]
    errors = validate(all_rows, "all")
    if errors:
        sys.exit("\n".join(errors))
    stale = []
    for theme, rows in sorted(themes.items()):
        text = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in rows)
        path = OUT / f"{theme}.jsonl"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            OUT.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    pairs = Counter((q["r1"], q["r2"]) for q in all_rows)
    print(f"{len(all_rows)} queries, {len(pairs)} (r1, r2) pairs: "
          + ", ".join(f"{t} {len(r)}" for t, r in sorted(themes.items())), file=sys.stderr)
    if args.table:
        per_theme = Counter((q["r1"], q["r2"], q["id"].split("-", 1)[0]) for q in all_rows)
        names = sorted(themes)
        print("| r1 | r2 | " + " | ".join(names) + " | total |")
        print("|---|---|" + "---:|" * (len(names) + 1))
        for (r1, r2), n in sorted(pairs.items()):
            cells = [str(per_theme[(r1, r2, t)] or "") for t in names]
            print(f"| {r1} | {r2} | " + " | ".join(cells) + f" | {n} |")
        print(f"| **all** | | " + " | ".join(str(len(themes[t])) for t in names) + f" | {len(all_rows)} |")
    showcase = OUT / "showcase.jsonl"
    if args.check and showcase.exists():
        rows = [json.loads(line) for line in showcase.read_text(encoding="utf-8").splitlines()]
        errors = validate(rows, "showcase.jsonl")
        known = {json.dumps(dict(q, id=None), sort_keys=True) for q in all_rows}
        errors += [f"showcase.jsonl: {q['id']} is not one of the built queries" for q in rows
                   if json.dumps(dict(q, id=None), sort_keys=True) not in known]
        if errors:
            sys.exit("\n".join(errors))
    if stale:
        sys.exit("out of date (run scripts/queries/build_queries.py): " + ", ".join(stale))


if __name__ == "__main__":
    main()
