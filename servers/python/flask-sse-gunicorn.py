"""flask-sse-gunicorn: the same Flask app on gunicorn's gthread worker, as it is deployed.
Streams beyond workers × threads wait for a free thread: that ceiling is what this server shows.
/healthz and /control/* need a thread too, so they wait as well once every thread holds a stream:
give it more threads than the streams you open when the harness must talk to it.
Use one worker (the default): each worker process would have its own ring and schedule."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

import os
import signal

from gunicorn.app.base import BaseApplication

import pushcore
from flask_app import make_app

app, config = make_app()


def exit_worker_on_sigterm(worker):
    # gunicorn's graceful stop waits for requests to finish, and a stream never does: the worker
    # would sit out its poll second and graceful_timeout until the master SIGKILLs it. The contract
    # wants SIGTERM to end the server at once, so the worker exits on the master's SIGTERM.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


class Gunicorn(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", f"{config.host}:{config.port}")
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("workers", pushcore.env_int("PUSHBENCH_GUNICORN_WORKERS", 1, 1))
        threads = pushcore.env_int("PUSHBENCH_GUNICORN_THREADS", 4, 1)
        self.cfg.set("threads", threads)
        # gthread stops accepting once a worker holds worker_connections (default 1000) sockets,
        # held streams and queued ones alike. Raised with the threads so PUSHBENCH_GUNICORN_THREADS
        # alone sets how many streams are served; the headroom lets control requests in.
        self.cfg.set("worker_connections", max(1000, threads + 100))
        self.cfg.set("backlog", 4096)
        self.cfg.set("graceful_timeout", 1)  # a backstop: exit_worker_on_sigterm is the real exit
        self.cfg.set("post_worker_init", exit_worker_on_sigterm)
        self.cfg.set("timeout", 0)  # streams are long-lived: no worker timeout
        self.cfg.set("accesslog", None)
        self.cfg.set("loglevel", "warning")

    def load(self):
        return app


sys.argv = sys.argv[:1]
Gunicorn().run()
