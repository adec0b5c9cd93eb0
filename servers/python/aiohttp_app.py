"""The aiohttp app both aiohttp servers share: contract control endpoints and the heartbeat."""

import asyncio

from aiohttp import web

import pushcore


def make_app(core):
    async def control(request):
        body = await request.read() if request.method == "POST" else b""
        answer = core.control(request.method, request.path, body)
        if answer is None:
            raise web.HTTPNotFound()
        status, payload, schedule = answer
        if schedule is not None:
            asyncio.get_running_loop().create_task(pushcore.run_schedule_async(core, schedule))
        return web.json_response(payload, status=status)

    async def start_heartbeat(app):
        app["heartbeat"] = asyncio.get_running_loop().create_task(pushcore.heartbeat_async(core))

    async def messages(request):
        # The messages addition: an SSE client's message, relayed to its room or back to it.
        status, payload = core.message_post(request.query.get("client"), await request.read())
        return web.json_response(payload, status=status)

    app = web.Application()
    # Every method: a wrong one gets the contract's 404 from core.control, as the Node servers answer.
    app.router.add_route("*", "/healthz", control)
    app.router.add_route("*", "/control/{name}", control)
    app.router.add_post("/messages", messages)
    app.on_startup.append(start_heartbeat)
    return app


def serve(app, config):
    pushcore.exit_on_sigterm()
    pushcore.quiet_asyncio_lost_writes()  # as fastapi_app.py: both async families alike
    # handle_signals=False: our SIGTERM handler exits at once instead of waiting for open streams.
    web.run_app(app, host=config.host, port=config.port, backlog=4096, access_log=None, print=None, handle_signals=False)
