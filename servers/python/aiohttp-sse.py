"""aiohttp-sse: SSE with aiohttp's StreamResponse, a queue and a writer coroutine per client."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

from aiohttp import web

import pushcore
from aiohttp_app import make_app, serve
from async_sub import AsyncSub

config = pushcore.Config("sse")
core = pushcore.Core(config, pushcore.SseFramer)


async def events(request):
    last = pushcore.parse_last_event_id(request.headers.get("Last-Event-ID"))
    if last is None:
        last = pushcore.parse_last_event_id(request.query.get("lastEventId"))
    resp = web.StreamResponse(headers=pushcore.sse_headers())
    await resp.prepare(request)
    sub = AsyncSub()
    core.subscribe(sub, last, pushcore.place_of(request.query.get("client"), request.query.get("room")))
    try:
        while True:
            item = await sub.queue.get()
            if item is pushcore.CLOSE:
                break
            # A vanished client is noticed here, on the next write (an event or a heartbeat):
            # aiohttp 3.8 sees the socket close but does not cancel this handler; the write raises.
            await resp.write(item)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        core.unsubscribe(sub)
    return resp


app = make_app(core)
app.router.add_get("/events", events)
serve(app, config)
