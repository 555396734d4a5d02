#!/usr/bin/env python3
"""Drive a hopscope workshop server from Python (a notebook, a script): the protocol of docs/protocol.md.

    hopscope serve --socket /tmp/hopscope.sock &
    python3 docs/examples/workshop_client.py /tmp/hopscope.sock

Only the standard library: a Unix socket, one JSON object per line each way.
"""
import json
import socket
import sys


class Workshop:
    """One connection: hello on open, then requests that return their result (or raise its error)."""

    def __init__(self, path, name="notebook"):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rwb")
        self.next_id = 0
        self.hello = self.call("hello", protocol=1, name=name)

    def call(self, op, on_event=None, **fields):
        """Sends one request; events before its result (progress, partial, cells) go to on_event."""
        self.next_id += 1
        rid = self.next_id
        self.file.write((json.dumps({"id": rid, "op": op, **fields}) + "\n").encode())
        self.file.flush()
        for raw in self.file:
            event = json.loads(raw)
            if event.get("id") != rid:
                continue                      # another request's event, or the server's own
            if event["event"] == "result":
                return event
            if event["event"] == "error":
                raise RuntimeError(f"{event['error']['code']}: {event['error']['message']}")
            if on_event:
                on_event(event)
        raise ConnectionError("the server closed the connection")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/hopscope.sock"
    w = Workshop(path)
    model = w.hello["models"][0]
    print(f"model {model['name']}: {model['layers']} layers, width {model['dim']}")

    query = "The currency of the country of origin of Toyota is | Toyota | Japan | yen"
    progress = lambda e: print(f"  [{e['fraction'] * 100:3.0f}%] {e['message']}", file=sys.stderr) if e["event"] == "progress" else None
    a = w.call("analyze", query=query, on_event=progress)["analysis"]
    print("answer:", repr(a["answer"]["generation"]), "correct" if a["answer"]["correct"] else "wrong")
    print("stages:", {k: a["stages"][k] for k in ("first_hop", "info_propagation", "second_hop", "prediction_extracted")})
    best = min(a["layers"], key=lambda l: l["e2_rank_t1"])
    print(f"e2 ({a['e2']}) ranks best at t1 in layer {best['layer']}: rank {best['e2_rank_t1']}")

    L = model["layers"]
    cell = w.call("cell", query=query, position="t2", source=L - 4, target=4)
    c = cell["cell"]
    print(f"back-patch t2 {c['source']}→{c['target']}: {c['generation']!r} ({'fixed' if c['correct'] else 'not fixed'}),"
          f" p(e3) {cell['base_prob']:.4f} → {c['answer_prob']:.4f}")
    try:
        w.call("cell", query=query, source=2, target=5)
    except RuntimeError as e:
        print("an error comes back as an object:", e)


if __name__ == "__main__":
    main()
