"""Test driver for pushcore.test.ts: runs pushcore's pure pieces on cases read from stdin (JSON) and
prints what they return (JSON), so the test can hold them against the Node servers' twins.
Not a server; nothing imports it."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

import json
import os

import pushcore


class Recorder:
    """A subscriber that keeps what the core hands it."""

    def __init__(self):
        self.items = []
        self.closed = False

    def write(self, item):
        self.items.append(item.decode() if isinstance(item, bytes) else item)

    def close(self):
        self.closed = True


def config(protocol, **env):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return pushcore.Config(protocol)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def core_with_events(protocol, framer, ring, seq_start, count):
    core = pushcore.Core(config(protocol, PUSHBENCH_RING=str(ring), PUSHBENCH_SEQ_START=str(seq_start), PUSHBENCH_RETRY_MS="777"), framer)
    schedule = core.start_broadcast({"rate": 1000, "count": count, "bytes": 0, "event": "e"})
    core.emit(schedule, [schedule.due_at(k) for k in range(count)])
    return core


def ids_of(frames):
    return [json.loads(f)["id"] for f in frames]


def run(cases):
    out = {}
    out["broadcast"] = [pushcore.valid_broadcast(dict(b) if isinstance(b, dict) else b) for b in cases["broadcast"]]
    out["lastEventId"] = [pushcore.parse_last_event_id(raw) for raw in cases["lastEventId"]]
    out["data"] = [pushcore.data_json(seq, int(t0), int(t1), size) for seq, t0, t1, size in cases["data"]]
    out["sseFrame"] = [pushcore.SseFramer.frame(seq, ev, data).decode() for seq, ev, data in cases["frame"]]
    out["wsText"] = [pushcore.WsFramer.frame(seq, ev, data) for seq, ev, data in cases["frame"]]
    out["dueAt"] = []
    for rate, k in cases["dueAt"]:
        s = pushcore.Schedule(rate, k + 1)
        out["dueAt"].append(s.due_at(k) - s.start)

    # Replay after a wrapped ring that started at seq 41, through subscribe (hello first).
    ws = core_with_events("ws", pushcore.WsFramer, 5, 41, 8)
    out["replay"] = {str(last): ids_of(ws.replay_after(last)) for last in (0, 40, 43, 46, 48, 99)}
    sub = Recorder()
    ws.subscribe(sub, 45)
    out["wsSubscribe"] = sub.items
    sse = core_with_events("sse", pushcore.SseFramer, 5, 41, 8)
    sub = Recorder()
    sse.subscribe(sub, 46)
    out["sseSubscribe"] = sub.items
    out["health"] = sse.health()

    # Drop: every k-th subscriber for a fraction; a bad fraction drops all.
    drops = {}
    for label, body in (("0.3", b'{"fraction":0.3}'), ("0.01", b'{"fraction":0.01}'), ("none", b""), ("bad", b'{"fraction":7}')):
        core = pushcore.Core(config("sse"), pushcore.SseFramer)
        subs = [Recorder() for _ in range(10)]
        for s in subs:
            core.subscribe(s, None)
        status, payload, _ = core.control("POST", "/control/drop", body)
        drops[label] = {"status": status, "payload": payload, "closed": [i for i, s in enumerate(subs) if s.closed], "left": core.health()["connections"]}
    out["drop"] = drops

    core = core_with_events("sse", pushcore.SseFramer, 5, 1, 3)
    answers = {}
    for label, method, path, body in (
        ("notJson", "POST", "/control/broadcast", b"{"),
        ("invalid", "POST", "/control/broadcast", b'{"rate":-1}'),
        ("valid", "POST", "/control/broadcast", b'{"rate":5,"count":2.0,"bytes":9,"event":"x"}'),
        ("getBroadcast", "GET", "/control/broadcast", b""),
        ("unknown", "POST", "/control/nope", b""),
        ("healthBeforeReset", "GET", "/healthz", b""),
        ("reset", "POST", "/control/reset", b""),
        ("healthAfterReset", "GET", "/healthz", b""),
    ):
        answer = core.control(method, path, body)
        answers[label] = None if answer is None else {"status": answer[0], "payload": answer[1], "schedule": answer[2] is not None}
    out["control"] = answers
    out["replayAfterReset"] = ids_of(core.replay_after(0))

    # The additions: message parsing, a relayed message's data, binary events (SSE base64, WS bytes).
    def message_fields(m):
        return None if m is None else [m["to"], m["seq"], m["t0"], m["pad"]]
    out["message"] = [message_fields(pushcore.parse_message(text)) for text in cases["message"]]
    out["messageData"] = [pushcore.message_data_json(seq, t0, int(t1), pad) for seq, t0, t1, pad in cases["messageData"]]
    out["binarySse"] = [pushcore.SseFramer.frame_binary(seq, ev, int(t0), int(t1), bytes.fromhex(raw)).decode() for seq, ev, t0, t1, raw in cases["binary"]]
    out["binaryWs"] = [pushcore.WsFramer.frame_binary(seq, ev, int(t0), int(t1), bytes.fromhex(raw)).hex() for seq, ev, t0, t1, raw in cases["binary"]]
    # Rooms and echoes through relay and the POST handler, and what /healthz then counts.
    core = pushcore.Core(config("sse", PUSHBENCH_RETRY_FIELD="0"), pushcore.SseFramer)
    a, b, other = Recorder(), Recorder(), Recorder()
    core.subscribe(a, None, pushcore.place_of("a", "r1"))
    core.subscribe(b, None, pushcore.place_of("b", "r1"))
    core.subscribe(other, None, pushcore.place_of("c", "r2"))
    posts = [core.message_post("a", b'{"to":"room","seq":5,"t0":"100","pad":"p"}'), core.message_post("b", b'{"to":"sender","seq":9,"t0":"200","pad":""}'),
             core.message_post("nobody", b'{"to":"room","seq":1,"t0":"1","pad":""}'), core.message_post("a", b'{"to":"all","seq":1,"t0":"1","pad":""}')]
    out["relay"] = {"posts": posts, "a": a.items, "b": b.items, "other": other.items, "messagesIn": core.health()["messagesIn"]}

    errors = {}
    for name, raw in (("PUSHBENCH_RING", "abc"), ("PUSHBENCH_RING", "0"), ("PUSHBENCH_HEARTBEAT_MS", "1.5")):
        try:
            config("sse", **{name: raw})
            errors[f"{name}={raw}"] = None
        except SystemExit as e:
            errors[f"{name}={raw}"] = str(e)
    out["envErrors"] = errors
    return out


json.dump(run(json.load(sys.stdin)), sys.stdout)
