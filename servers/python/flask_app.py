"""The Flask app both Flask servers share. Flask is synchronous: each SSE stream is a generator
that holds a worker thread for as long as the client stays (the write-up's caveat), woken by a
queue per client instead of polling. The schedule and heartbeat run on their own threads."""

import queue
import threading

from flask import Flask, Response, request

import pushcore

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ThreadSub:
    __slots__ = ("queue",)

    def __init__(self):
        self.queue = queue.SimpleQueue()

    def write(self, item):
        self.queue.put(item)

    def close(self):
        self.queue.put(pushcore.CLOSE)


def make_app():
    config = pushcore.Config("sse")
    core = pushcore.Core(config, pushcore.SseFramer)
    app = Flask(__name__)
    started = []
    start_lock = threading.Lock()

    def start_threads():
        # Started by the first request, so in the serving process (gunicorn forks after import);
        # the lock keeps two concurrent first requests from starting two heartbeats.
        with start_lock:
            if not started:
                started.append(True)
                pushcore.heartbeat_thread(core)

    # Every method: a wrong one gets the contract's 404 from core.control, as the Node servers answer.
    @app.route("/healthz", methods=METHODS)
    @app.route("/control/<name>", methods=METHODS)
    def control(name=None):
        start_threads()
        answer = core.control(request.method, request.path, request.get_data())
        if answer is None:
            return {"ok": False, "error": "not found"}, 404
        status, payload, schedule = answer
        if schedule is not None:
            pushcore.run_schedule_thread(core, schedule)
        return payload, status

    @app.route("/messages", methods=["POST"])
    def messages():
        # The messages addition: an SSE client's message, relayed to its room or back to it.
        start_threads()
        status, payload = core.message_post(request.args.get("client"), request.get_data())
        return payload, status

    @app.route("/events")
    def events():
        start_threads()
        last = pushcore.parse_last_event_id(request.headers.get("Last-Event-ID"))
        if last is None:
            last = pushcore.parse_last_event_id(request.args.get("lastEventId"))
        sub = ThreadSub()
        core.subscribe(sub, last, pushcore.place_of(request.args.get("client"), request.args.get("room")))

        def stream():
            try:
                while True:
                    item = sub.queue.get()
                    if item is pushcore.CLOSE:
                        return
                    # A vanished client is noticed only when a write fails: no one reads the socket
                    # while this thread waits on the queue. The server's write then raises (werkzeug
                    # or gunicorn closes this generator, `finally` unsubscribes) -- on the first
                    # write after the client left, or the second when the kernel still accepted the
                    # first. With no events flowing that is 1-2 heartbeat intervals.
                    yield item
            finally:
                core.unsubscribe(sub)

        return Response(stream(), headers=pushcore.sse_headers())

    return app, config
