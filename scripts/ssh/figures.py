#!/usr/bin/env python3
"""Reads what ssh-test.sh measures: screens (tmux capture-pane), the explorers' UI logs and the
server's log. Stdlib only.

  figures.py cursor < CAPTURE          the layer view's selected row ("12", "emb"; "none"), from
                                       `tmux capture-pane -p -e` (the row painted in the cursor style)
  figures.py grid-done < CAPTURE       cells done of the back-patch grid ("grid t2: 212/435" → 212)
  figures.py ui-stats FROM TO FILE…    per UI log: n, median, p95, max of "ms" for lines with FROM ≤ t ≤ TO
  figures.py event LOG KEY=VALUE…      the first server-log line with every KEY=VALUE (t>=X, t<=X too)
  figures.py request LOG NAME OP AFTER the first OP request of session NAME started at t ≥ AFTER, once it
                                       has ended: "SECONDS EVENT" — arrival (start's t − queued) to its
                                       done / cancelled / failed line; exit 1 while it runs
  figures.py since JSON T              the "t" of a server-log line minus T (seconds)
  figures.py follow-latency SOCKET PRESENTER FOLLOWER REPS TIMEOUT
                                       presses j/k in the presenter's pane REPS times; for each, seconds
                                       until the follower's selected row changes (one per line)
"""
import json
import re
import statistics
import subprocess
import sys
import time

CSI = re.compile(r"\x1b\[([0-9;:?]*)([A-Za-z])")
ROW = re.compile(r"^│ *(emb|\d+) ")


def styled_lines(text):
    """Yields (plain line, [style per character]) for a capture with SGR escapes; a style is
    (foreground, background, reverse). The SGR state carries across lines, as on a terminal."""
    fg, bg, rev = None, None, False
    for raw in text.split("\n"):
        plain, styles, i = [], [], 0
        while i < len(raw):
            m = CSI.match(raw, i)
            if m:
                if m.group(2) == "m":
                    ps = [p for p in re.split("[;:]", m.group(1))] if m.group(1) else ["0"]
                    k = 0
                    while k < len(ps):
                        p = int(ps[k]) if ps[k].isdigit() else 0
                        if p == 0:
                            fg, bg, rev = None, None, False
                        elif p == 7:
                            rev = True
                        elif p == 27:
                            rev = False
                        elif p in (38, 48) and k + 1 < len(ps):
                            if ps[k + 1] == "5" and k + 2 < len(ps):
                                v, k = "5;" + ps[k + 2], k + 2
                            elif ps[k + 1] == "2" and k + 4 < len(ps):
                                v, k = "2;" + ";".join(ps[k + 2:k + 5]), k + 4
                            else:
                                v = None
                            if p == 38:
                                fg = v
                            else:
                                bg = v
                        elif 30 <= p <= 37 or 90 <= p <= 97:
                            fg = str(p)
                        elif p == 39:
                            fg = None
                        elif 40 <= p <= 47 or 100 <= p <= 107:
                            bg = str(p)
                        elif p == 49:
                            bg = None
                        k += 1
                i = m.end()
                continue
            if raw[i] == "\x1b":          # another escape (OSC, charset): skip its introducer
                i += 2
                continue
            plain.append(raw[i])
            styles.append((fg, bg, rev))
            i += 1
        yield "".join(plain), styles


def cursor(text):
    rows = []
    for plain, styles in styled_lines(text):
        m = ROW.match(plain)
        if m and len(styles) > 4:
            # The label's last character: drawn in the row's style, painted over by the cursor role.
            label_end = m.end(1) - 1
            s = styles[label_end]
            rows.append((m.group(1), (s[1], s[2])))
    if not rows:
        return "none"
    counts = {}
    for _, s in rows:
        counts[s] = counts.get(s, 0) + 1
    odd = [label for label, s in rows if counts[s] == 1]
    if len(rows) >= 3 and len(odd) == 1:
        return odd[0]
    return "none"


def grid_done(text):
    for line in text.split("\n")[:3]:
        # The grid view's progress line (Render.swift: gridProgressText): "grid t2: 212/435 ▕████▏".
        m = re.search(r"grid t[12]: (\d+)/(\d+)", line)
        if m:
            return m.group(1)
    return "none"


def ui_stats(lo, hi, files):
    for f in files:
        ms = []
        try:
            with open(f) as fh:
                for line in fh:
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue
                    if lo <= float(r.get("t", 0)) <= hi and "ms" in r:
                        ms.append(float(r["ms"]))
        except OSError:
            pass
        if ms:
            ms.sort()
            p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
            print(f"{f} {len(ms)} {statistics.median(ms):.2f} {p95:.2f} {ms[-1]:.2f}")
        else:
            print(f"{f} 0 - - -")


def records(log):
    """The log's JSON lines as dicts (none when the file is missing; unreadable lines skipped)."""
    try:
        fh = open(log)
    except OSError:
        return
    with fh:
        for line in fh:
            try:
                yield json.loads(line)
            except ValueError:
                continue


def event(log, conds):
    want = []
    for c in conds:
        m = re.match(r"^(\w+)(>=|<=|=)(.*)$", c)
        if not m:
            sys.exit(f"figures.py event: bad condition {c!r}")
        want.append(m.groups())
    for r in records(log):
        ok = True
        for k, op, v in want:
            x = r.get(k)
            if op == "=":
                ok = str(x) == v
            elif x is None:
                ok = False
            elif op == ">=":
                ok = float(x) >= float(v)
            else:
                ok = float(x) <= float(v)
            if not ok:
                break
        if ok:
            print(json.dumps(r))
            return 0
    return 1


def request(log, name, op, after):
    start = None
    for r in records(log):
        if start is None:
            if r.get("event") == "start" and r.get("name") == name and r.get("op") == op and float(r.get("t", 0)) >= after:
                start = r
        elif r.get("client") == start.get("client") and r.get("id") == start.get("id") \
                and r.get("event") in ("done", "cancelled", "failed"):
            arrival = float(start["t"]) - float(start.get("queued") or 0)
            print(f"{float(r['t']) - arrival:.3f} {r['event']}")
            return 0
    return 1


def follow_latency(sock, presenter, follower, reps, timeout):
    def tmux(*a):
        return subprocess.run(["tmux", "-L", sock] + list(a), capture_output=True, text=True).stdout

    def row():
        return cursor(tmux("capture-pane", "-p", "-e", "-t", follower))

    for i in range(reps):
        before = row()
        t0 = time.monotonic()
        tmux("send-keys", "-t", presenter, "j" if i % 2 == 0 else "k")
        seen = None
        while time.monotonic() - t0 < timeout:
            now = row()
            if now != before and now != "none":
                seen = time.monotonic() - t0
                break
            time.sleep(0.01)
        print(f"{seen:.3f}" if seen is not None else "timeout", flush=True)
        time.sleep(0.3)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "cursor":
        print(cursor(sys.stdin.read()))
    elif cmd == "grid-done":
        print(grid_done(sys.stdin.read()))
    elif cmd == "ui-stats":
        ui_stats(float(args[0]), float(args[1]), args[2:])
    elif cmd == "event":
        sys.exit(event(args[0], args[1:]))
    elif cmd == "request":
        sys.exit(request(args[0], args[1], args[2], float(args[3])))
    elif cmd == "since":
        print(f"{float(json.loads(args[0])['t']) - float(args[1]):.3f}")
    elif cmd == "follow-latency":
        follow_latency(args[0], args[1], args[2], int(args[3]), float(args[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
