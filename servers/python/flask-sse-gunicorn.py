"""flask-sse-gunicorn: the same Flask app on gunicorn's gthread worker, as it is deployed.
Streams beyond workers × threads wait for a free thread: that ceiling is what this server shows.
Use one worker (the default): each worker process would have its own ring and schedule."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

import os
import sys

from gunicorn.app.base import BaseApplication

import pushcore
from flask_app import make_app

app, config = make_app()


class Gunicorn(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", f"{config.host}:{config.port}")
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("workers", int(os.environ.get("PUSHBENCH_GUNICORN_WORKERS", "1")))
        self.cfg.set("threads", int(os.environ.get("PUSHBENCH_GUNICORN_THREADS", "4")))
        self.cfg.set("backlog", 4096)
        self.cfg.set("graceful_timeout", 1)
        self.cfg.set("timeout", 0)  # streams are long-lived: no worker timeout
        self.cfg.set("accesslog", None)
        self.cfg.set("loglevel", "warning")

    def load(self):
        return app


sys.argv = sys.argv[:1]
Gunicorn().run()
