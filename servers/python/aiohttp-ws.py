"""aiohttp-ws: WebSocket with aiohttp's WebSocketResponse, a queue and a writer coroutine per client."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

import asyncio

from aiohttp import web

import pushcore
from aiohttp_app import make_app, serve
from async_sub import AsyncSub

config = pushcore.Config("ws")
core = pushcore.Core(config, pushcore.WsFramer)


async def ws_handler(request):
    last = pushcore.parse_last_event_id(request.query.get("lastEventId"))
    ws = web.WebSocketResponse(compress=False, autoping=True)
    await ws.prepare(request)
    sub = AsyncSub()
    core.subscribe(sub, last, pushcore.place_of(request.query.get("client"), request.query.get("room")))

    async def reader():
        # Relays the client's messages (the messages addition) and drains the rest (pongs, close),
        # so aiohttp notices a closing client.
        async for frame in ws:
            if frame.type == web.WSMsgType.TEXT:
                msg = pushcore.parse_message(frame.data)
                if msg is not None:
                    core.relay(sub, msg)
        sub.close()

    read_task = asyncio.get_running_loop().create_task(reader())
    try:
        while not ws.closed:
            item = await sub.queue.get()
            if item is pushcore.CLOSE:
                read_task.cancel()  # close() reads the client's reply itself
                await ws.close(code=1012, message=b"drop")
                break
            if item is pushcore.PING:
                await ws.ping()
            elif isinstance(item, bytes):
                await ws.send_bytes(item)  # the binary addition's events
            else:
                await ws.send_str(item)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        core.unsubscribe(sub)
        read_task.cancel()
    return ws


app = make_app(core)
app.router.add_get("/ws", ws_handler)
serve(app, config)
