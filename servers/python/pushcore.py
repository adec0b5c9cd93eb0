"""The shared contract logic of every Python server (servers/CONTRACT.md).

One ring, one schedule, one framing and one control handler for all of them, so a pair differs
only in its transport -- the Python twin of servers/node/core.ts. Servers built on asyncio and
servers built on threads share the same Core; only the small driver that sleeps differs.
t0/t1 are time.monotonic_ns(): CLOCK_MONOTONIC, the clock Node's process.hrtime.bigint() reads.
"""

import base64
import json
import math
import os
import re
import struct
import threading
import time
from collections import deque

EVENT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
NAME = EVENT_NAME  # client ids and room names (messages addition): the same alphabet
PAD = "x" * (1 << 20)
# The versioned additions to contract v1 every Python server speaks (servers/contract.ts ADDITIONS).
ADDITIONS = {"messages": 1, "binary": 1}
MESSAGE_EVENTS = {"room": "msg", "sender": "echo"}


def env_int(name, default, minimum):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    # A server that silently ignored a bad knob would measure something else than asked.
    if value is None or value < minimum:
        raise SystemExit(f"{name}={raw} is not an integer >= {minimum}")
    return value


class Config:
    def __init__(self, protocol):
        self.protocol = protocol
        self.host = os.environ.get("HOST") or "127.0.0.1"
        self.port = env_int("PORT", 0, 0)
        self.ring = env_int("PUSHBENCH_RING", 10000, 1)
        self.heartbeat_ms = env_int("PUSHBENCH_HEARTBEAT_MS", 15000, 1)
        self.retry_ms = env_int("PUSHBENCH_RETRY_MS", 1000, 0)
        # PUSHBENCH_RETRY_FIELD=0: streams start without a retry hint (the browser's own default applies).
        self.retry_field = os.environ.get("PUSHBENCH_RETRY_FIELD") != "0"
        self.coalesce = os.environ.get("PUSHBENCH_COALESCE") == "1"
        self.seq_start = env_int("PUSHBENCH_SEQ_START", 1, 1)


def sse_headers():
    """The SSE response headers; PUSHBENCH_ACCEL_HEADER=0 leaves out X-Accel-Buffering (the
    path scenario's nginx-noheader mode, as servers/node/transport-sse.ts)."""
    headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    if os.environ.get("PUSHBENCH_ACCEL_HEADER") != "0":
        headers["X-Accel-Buffering"] = "no"
    return headers


def data_json(seq, t0, t1, size):
    """The event's data, padded so the JSON is about `size` bytes (as servers/node/payload.ts)."""
    head = f'{{"seq":{seq},"t0":"{t0}","t1":"{t1}","pad":"'
    pad = max(0, min(len(PAD), size - len(head) - 2))
    return f'{head}{PAD[:pad]}"}}'


def envelope_json(seq, event, data):
    return f'{{"id":{seq},"event":{json.dumps(event)},"data":{data}}}'


def binary_data_json(seq, t0, t1, raw):
    """The binary addition's data for SSE: the random bytes base64-encoded in `bin`."""
    return f'{{"seq":{seq},"t0":"{t0}","t1":"{t1}","bin":"{base64.b64encode(raw).decode()}"}}'


def message_data_json(seq, t0, t1, pad):
    """A relayed message's data (messages addition), as servers/node/payload.ts messageDataJson."""
    return f'{{"seq":{seq},"t0":"{t0}","t1":"{t1}","pad":{json.dumps(pad)}}}'


def binary_event(seq, event, t0, t1, raw):
    """The binary addition's WS message: seq, t0, t1 as u64 big-endian, the name's length and name, the bytes."""
    name = event.encode("latin-1")
    return struct.pack(">QQQB", seq, t0, t1, len(name)) + name + raw


class SseFramer:
    """Bytes of one whole SSE block, built once per event and written to every client."""

    heartbeat = b": hb\n\n"

    @staticmethod
    def frame(seq, event, data):
        return f"id: {seq}\nevent: {event}\ndata: {data}\n\n".encode()

    @staticmethod
    def frame_binary(seq, event, t0, t1, raw):
        # SSE is UTF-8 text: binary goes base64-encoded in the data.
        return f"id: {seq}\nevent: {event}\ndata: {binary_data_json(seq, t0, t1, raw)}\n\n".encode()

    @staticmethod
    def message(event, data):
        # No id line: a relayed message never moves a client's Last-Event-ID.
        return f"event: {event}\ndata: {data}\n\n".encode()

    @staticmethod
    def hello(retry_ms):
        if retry_ms is None:
            return b": pushbench\n\n"
        return f"retry: {retry_ms}\n: pushbench\n\n".encode()

    @staticmethod
    def batch(frames):
        """Several frames as the items to write: one joined write (hello + replay, coalesce)."""
        return frames if len(frames) == 1 else [b"".join(frames)]


class WsFramer:
    """The text of one WS message, built once per event; the framework frames it per client."""

    heartbeat = None  # WS ping

    @staticmethod
    def frame(seq, event, data):
        return envelope_json(seq, event, data)

    @staticmethod
    def frame_binary(seq, event, t0, t1, raw):
        # bytes: the server's writer sends it as one binary message (str items go as text).
        return binary_event(seq, event, t0, t1, raw)

    @staticmethod
    def message(event, data):
        return f'{{"event":{json.dumps(event)},"data":{data}}}'

    @staticmethod
    def hello(retry_ms):
        if retry_ms is None:
            return '{"hello":true}'
        return f'{{"hello":true,"retry":{retry_ms}}}'

    @staticmethod
    def batch(frames):
        # Each event stays its own message. The Python WS APIs (aiohttp send_str, Starlette
        # send_text) write each message at once, with no way to put several in one socket write:
        # with PUSHBENCH_COALESCE the WS servers get the events of a tick back to back, in one
        # wake-up of their writer, but not one write. Node's ws servers cork them into one.
        return frames


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_integer(v):
    # JS Number.isInteger: 5 and 5.0 are both integers (JSON cannot tell them apart).
    return _is_number(v) and (isinstance(v, int) or v.is_integer())


def valid_broadcast(body):
    """servers/contract.ts isBroadcastRequest; normalizes count/bytes to int in place."""
    if not isinstance(body, dict):
        return False
    rate, count, size, event = body.get("rate"), body.get("count"), body.get("bytes"), body.get("event")
    ok = (
        _is_number(rate) and math.isfinite(rate) and rate > 0
        and _is_integer(count) and count >= 0
        and _is_integer(size) and size >= 0
        and isinstance(event, str) and EVENT_NAME.fullmatch(event) is not None
        and body.get("payload", "text") in ("text", "binary")
    )
    if ok:
        body["count"], body["bytes"] = int(count), int(size)
    return ok


def parse_message(text):
    """servers/contract.ts parseMessage: the message dict, or None when the body is not one."""
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    if not isinstance(msg, dict):
        return None
    to, seq, t0, pad = msg.get("to"), msg.get("seq"), msg.get("t0"), msg.get("pad")
    if to not in ("room", "sender") or isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        return None
    if not isinstance(t0, str) or not re.fullmatch(r"\d{1,20}", t0, re.ASCII) or not isinstance(pad, str):
        return None
    return msg


def place_of(client, room):
    """A stream's place under the messages addition from its ?client= and ?room=; bad names count as none."""
    client = client if client is not None and NAME.fullmatch(client) else None
    room = room if room is not None and NAME.fullmatch(room) else None
    return (client, room)


def parse_last_event_id(raw):
    if raw is None:
        return None
    raw = raw.strip()
    if not re.fullmatch(r"\d{1,15}", raw, re.ASCII):
        return None
    return int(raw)


class Schedule:
    """Fixed rate: event k (0-based) is due at start + k/rate. The maths every driver shares."""

    def __init__(self, rate, count):
        self.rate = rate
        self.count = count
        self.start = time.monotonic_ns()
        self.next = 0
        self.stopped = False

    def due_at(self, k):
        # floor(x + 0.5) is JS Math.round (Python's round() rounds halves to even).
        return self.start + math.floor(k * 1e9 / self.rate + 0.5)

    def take_due(self, now):
        due = []
        while self.next < self.count and self.due_at(self.next) <= now:
            due.append(self.due_at(self.next))
            self.next += 1
        return due

    def done(self):
        return self.stopped or self.next >= self.count

    def wait_s(self):
        return max(0.0, (self.due_at(self.next) - time.monotonic_ns()) / 1e9)


class Core:
    """Ring, subscribers, broadcast, drop, reset and health. A subscriber has write(item) and close()."""

    def __init__(self, config, framer):
        self.config = config
        self.framer = framer
        self.ring = deque(maxlen=config.ring)  # (seq, frame), seqs consecutive
        # A dict as an insertion-ordered set: O(1) unsubscribe when thousands leave at once.
        self.subscribers = {}
        self.next_seq = config.seq_start
        self.sent = 0
        self.schedule = None
        self.lock = threading.Lock()
        # Messages addition: rooms by name ({"members": dict, "next": seq}), streams by client id,
        # and each placed stream's (room, client).
        self.rooms = {}
        self.clients = {}
        self.places = {}
        self.messages_in = 0

    def subscribe(self, sub, last_event_id, place=(None, None)):
        """Hello, the replay after last_event_id (0/None: live only), then live events. `place`
        (client id, room name) is the stream's place under the messages addition."""
        with self.lock:
            first = [self.framer.hello(self.config.retry_ms if self.config.retry_field else None)]
            if last_event_id:
                first.extend(self.replay_after(last_event_id))
            for item in self.framer.batch(first):
                sub.write(item)
            self.subscribers[sub] = None
            client, room_name = place
            if client is not None or room_name is not None:
                room = None
                if room_name is not None:
                    room = self.rooms.setdefault(room_name, {"members": {}, "next": 1})
                    room["members"][sub] = None
                if client is not None:
                    self.clients[client] = sub
                self.places[sub] = (room, client)

    def replay_after(self, last_event_id):
        """Frames with seq > last_event_id still in the ring, oldest first. Walks back from the
        newest so the cost is the replay's length, not the ring's (a resume storm of thousands)."""
        newer = []
        for seq, frame in reversed(self.ring):
            if seq <= last_event_id:
                break
            newer.append(frame)
        newer.reverse()
        return newer

    def unsubscribe(self, sub):
        with self.lock:
            self.subscribers.pop(sub, None)
            room, client = self.places.pop(sub, (None, None))
            if room is not None:
                room["members"].pop(sub, None)
            if client is not None and self.clients.get(client) is sub:
                del self.clients[client]

    def relay(self, sender, msg):
        """One message from `sender` (messages addition): 'relayed', or 'no-room'. Room: the room's
        next seq, framed once, the same item to every member (the sender too); sender: back to it."""
        with self.lock:
            t1 = time.monotonic_ns()
            if msg["to"] == "sender":
                self.messages_in += 1
                sender.write(self.framer.message(MESSAGE_EVENTS["sender"], message_data_json(msg["seq"], msg["t0"], t1, msg["pad"])))
                return "relayed"
            room = self.places.get(sender, (None, None))[0]
            if room is None:
                return "no-room"
            self.messages_in += 1
            seq = room["next"]
            room["next"] += 1
            item = self.framer.message(MESSAGE_EVENTS["room"], message_data_json(seq, msg["t0"], t1, msg["pad"]))
            for member in room["members"]:
                member.write(item)
            return "relayed"

    def message_post(self, client, body_bytes):
        """POST /messages?client=<id> (SSE servers): (status, json)."""
        msg = parse_message(body_bytes) if body_bytes else None
        if msg is None:
            return 400, {"ok": False, "error": 'body must be {"to":"room"|"sender","seq":N,"t0":"<ns>","pad":".."}'}
        if client is None or not NAME.fullmatch(client):
            return 400, {"ok": False, "error": "name the sending client: POST /messages?client=<id>"}
        sender = self.clients.get(client)
        if sender is None:
            return 404, {"ok": False, "error": f"no open stream of client {client}"}
        if self.relay(sender, msg) != "relayed":
            return 404, {"ok": False, "error": f"client {client}'s stream is in no room"}
        return 200, {"ok": True}

    def start_broadcast(self, body):
        """Returns the new Schedule; the server's driver runs it (a new one replaces the old)."""
        with self.lock:
            if self.schedule is not None:
                self.schedule.stopped = True
            self.schedule = Schedule(body["rate"], body["count"])
            self.schedule.size = body["bytes"]
            self.schedule.event = body["event"]
            self.schedule.binary = body.get("payload") == "binary"
            return self.schedule

    def emit(self, schedule, due):
        """Frames each due event once and hands the same frame to every subscriber."""
        with self.lock:
            if schedule is not self.schedule or schedule.stopped:
                return
            frames = []
            for t0 in due:
                seq = self.next_seq
                self.next_seq += 1
                t1 = time.monotonic_ns()
                if schedule.binary:
                    frame = self.framer.frame_binary(seq, schedule.event, t0, t1, os.urandom(schedule.size))
                else:
                    frame = self.framer.frame(seq, schedule.event, data_json(seq, t0, t1, schedule.size))
                self.ring.append((seq, frame))
                self.sent += 1
                if self.config.coalesce:
                    frames.append(frame)
                else:
                    for sub in self.subscribers:
                        sub.write(frame)
            if frames:
                # Joined once per tick (SSE), the same bytes to every client.
                items = self.framer.batch(frames)
                for sub in self.subscribers:
                    for item in items:
                        sub.write(item)

    def heartbeat(self):
        with self.lock:
            subs = list(self.subscribers)
        for sub in subs:
            sub.write(self.framer.heartbeat if self.framer.heartbeat is not None else PING)

    def drop(self, fraction):
        with self.lock:
            subs = list(self.subscribers)
            if fraction >= 1:
                chosen = subs
            elif not subs:
                chosen = []
            else:
                want = max(1, round(len(subs) * fraction))
                step = len(subs) / want
                chosen = [subs[int(i * step)] for i in range(want)]
            for sub in chosen:
                del self.subscribers[sub]
        for sub in chosen:
            sub.close()
        return len(chosen)

    def reset(self):
        with self.lock:
            if self.schedule is not None:
                self.schedule.stopped = True
            self.schedule = None
            self.ring.clear()
            self.sent = 0
            self.next_seq = self.config.seq_start
            self.messages_in = 0
            for room in self.rooms.values():
                room["next"] = 1

    def health(self):
        return {
            "ok": True,
            "protocol": self.config.protocol,
            "connections": len(self.subscribers),
            "sent": self.sent,
            "lastSeq": self.next_seq - 1,
            "additions": dict(ADDITIONS),
            "messagesIn": self.messages_in,
        }

    def control(self, method, path, body_bytes):
        """The contract's control endpoints, framework-free: (status, json) or None (not ours).

        A broadcast returns a Schedule as a third element for the server's driver to run."""
        if method == "GET" and path == "/healthz":
            return 200, self.health(), None
        if method != "POST" or path not in ("/control/broadcast", "/control/drop", "/control/reset"):
            return None
        try:
            body = json.loads(body_bytes) if body_bytes and body_bytes.strip() else {}
        except ValueError:
            return 400, {"ok": False, "error": "body is not JSON"}, None
        if path == "/control/broadcast":
            if not valid_broadcast(body):
                return 400, {"ok": False, "error": 'body must be {"rate">0,"count">=0,"bytes">=0,"event":name}'}, None
            return 202, {"ok": True}, self.start_broadcast(body)
        if path == "/control/drop":
            fraction = body.get("fraction", 1) if isinstance(body, dict) else 1
            if not _is_number(fraction) or not 0 < fraction <= 1:
                fraction = 1
            return 200, {"ok": True, "dropped": self.drop(fraction)}, None
        self.reset()
        return 200, {"ok": True}, None


PING = object()  # a heartbeat for WS subscribers: their writer sends a ping
CLOSE = object()  # tells a subscriber's writer to end the stream


# --- drivers: the same schedule, slept on by asyncio or by a thread -------------------------

async def run_schedule_async(core, schedule):
    import asyncio

    while not schedule.done():
        due = schedule.take_due(time.monotonic_ns())
        if due:
            core.emit(schedule, due)
        if not schedule.done():
            await asyncio.sleep(schedule.wait_s())


def run_schedule_thread(core, schedule):
    def loop():
        while not schedule.done():
            due = schedule.take_due(time.monotonic_ns())
            if due:
                core.emit(schedule, due)
            if not schedule.done():
                time.sleep(schedule.wait_s())

    threading.Thread(target=loop, daemon=True).start()


async def heartbeat_async(core):
    import asyncio

    while True:
        await asyncio.sleep(core.config.heartbeat_ms / 1000)
        core.heartbeat()


def heartbeat_thread(core):
    def loop():
        while True:
            time.sleep(core.config.heartbeat_ms / 1000)
            core.heartbeat()

    threading.Thread(target=loop, daemon=True).start()


def quiet_asyncio_lost_writes():
    """asyncio logs "socket.send() raised exception." for each write, from the 5th on, to a connection
    already lost in the same loop pass (uvicorn writes queued events before it hears of the loss).
    A stream of warnings during a disconnect storm costs CPU and says nothing: keep errors only."""
    import logging

    logging.getLogger("asyncio").setLevel(logging.ERROR)


def exit_on_sigterm():
    """The contract: SIGTERM ends the server within 2 s, open streams or not."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
