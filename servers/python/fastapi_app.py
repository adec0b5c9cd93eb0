"""The FastAPI app both FastAPI servers share: contract control endpoints, the heartbeat, and
uvicorn started without its own signal handling (SIGTERM must end the server at once)."""

import asyncio

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import pushcore

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def make_app(core):
    app = FastAPI()

    @app.on_event("startup")
    async def start_heartbeat():
        asyncio.get_running_loop().create_task(pushcore.heartbeat_async(core))

    # Every method: a wrong one gets the contract's 404 from core.control, as the Node servers answer.
    @app.api_route("/healthz", methods=METHODS)
    @app.api_route("/control/{name}", methods=METHODS)
    async def control(request: Request):
        body = await request.body() if request.method == "POST" else b""
        answer = core.control(request.method, request.url.path, body)
        if answer is None:
            return JSONResponse({"ok": False, "error": "not found"}, status_code=404)
        status, payload, schedule = answer
        if schedule is not None:
            asyncio.get_running_loop().create_task(pushcore.run_schedule_async(core, schedule))
        return JSONResponse(payload, status_code=status)

    # The messages addition: an SSE client's message, relayed to its room or back to it.
    @app.post("/messages")
    async def messages(request: Request):
        status, payload = core.message_post(request.query_params.get("client"), await request.body())
        return JSONResponse(payload, status_code=status)

    return app


class _Server(uvicorn.Server):
    def install_signal_handlers(self):
        pushcore.exit_on_sigterm()


def serve(app, config):
    pushcore.quiet_asyncio_lost_writes()
    # Starlette has no ping API: the WS heartbeat is uvicorn's own ping at the contract's interval.
    ping_s = config.heartbeat_ms / 1000
    _Server(uvicorn.Config(app, host=config.host, port=config.port, backlog=4096, log_level="warning", access_log=False, lifespan="on", ws_ping_interval=ping_s, ws_ping_timeout=max(20.0, ping_s))).run()
