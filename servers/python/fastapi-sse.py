"""fastapi-sse: FastAPI's StreamingResponse with the write-up's headers, fed by a queue per client."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

from fastapi import Request
from fastapi.responses import StreamingResponse

import pushcore
from async_sub import AsyncSub
from fastapi_app import make_app, serve

config = pushcore.Config("sse")
core = pushcore.Core(config, pushcore.SseFramer)
app = make_app(core)


@app.get("/events")
async def events(request: Request):
    last = pushcore.parse_last_event_id(request.headers.get("last-event-id"))
    if last is None:
        last = pushcore.parse_last_event_id(request.query_params.get("lastEventId"))
    sub = AsyncSub()
    core.subscribe(sub, last, pushcore.place_of(request.query_params.get("client"), request.query_params.get("room")))

    async def stream():
        try:
            while True:
                item = await sub.queue.get()
                if item is pushcore.CLOSE:
                    return
                # No write is needed to notice a vanished client: Starlette's StreamingResponse
                # listens for uvicorn's http.disconnect (sent when the socket closes) beside this
                # generator and cancels it, so `finally` unsubscribes within milliseconds.
                yield item
        finally:
            core.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=pushcore.sse_headers())


serve(app, config)
