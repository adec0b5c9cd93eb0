"""flask-sse: Flask's threaded development server, a generator response per stream (a thread each).

As it is, on purpose: werkzeug writes each chunk of a streamed response as four unbuffered sends
(size, CRLF, data, CRLF), so every event costs four syscalls per client -- and a client that left is
noticed within its first write after leaving (a later send of the same write fails), where gunicorn's
one sendall per event notices on the second."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repo

import logging

from werkzeug.serving import make_server

import pushcore
from flask_app import make_app

app, config = make_app()
# No per-request access log (the other servers have none either): it costs a write per request.
logging.getLogger("werkzeug").setLevel(logging.WARNING)
pushcore.exit_on_sigterm()
server = make_server(config.host, config.port, app, threaded=True)
# werkzeug's listen backlog is fixed at its socketserver default: raise it to the contract's 4096.
server.socket.listen(4096)
server.serve_forever()
