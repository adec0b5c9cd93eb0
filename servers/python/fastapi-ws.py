"""fastapi-ws: a FastAPI WebSocket route on uvicorn, fed by a queue per client."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

import asyncio

from fastapi import WebSocket, WebSocketDisconnect
# uvicorn's WS protocol is the websockets package: a send racing a vanished client raises its
# ConnectionClosed, which Starlette passes through unchanged.
from websockets.exceptions import ConnectionClosed

import pushcore
from async_sub import AsyncSub
from fastapi_app import make_app, serve

config = pushcore.Config("ws")
core = pushcore.Core(config, pushcore.WsFramer)
app = make_app(core)


@app.websocket("/ws")
async def ws_endpoint(websocket: WebSocket):
    last = pushcore.parse_last_event_id(websocket.query_params.get("lastEventId"))
    await websocket.accept()
    sub = AsyncSub()
    core.subscribe(sub, last, pushcore.place_of(websocket.query_params.get("client"), websocket.query_params.get("room")))

    async def reader():
        # Receives the client's messages (the messages addition) and its close, so the writer stops.
        try:
            while True:
                frame = await websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                # A binary frame carries no message: only text is parsed.
                msg = pushcore.parse_message(frame["text"]) if frame.get("text") is not None else None
                if msg is not None:
                    core.relay(sub, msg)
            sub.close()
        except (WebSocketDisconnect, RuntimeError):
            sub.close()

    read_task = asyncio.get_running_loop().create_task(reader())
    try:
        while True:
            item = await sub.queue.get()
            if item is pushcore.CLOSE:
                read_task.cancel()
                await websocket.close(code=1012)
                break
            if item is pushcore.PING:
                # Starlette has no ping API: uvicorn pings at the heartbeat interval (fastapi_app.py).
                continue
            if isinstance(item, bytes):
                await websocket.send_bytes(item)  # the binary addition's events
            else:
                await websocket.send_text(item)
    except (WebSocketDisconnect, ConnectionClosed, RuntimeError, ConnectionError):
        pass
    finally:
        core.unsubscribe(sub)
        read_task.cancel()


serve(app, config)
