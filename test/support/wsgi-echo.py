"""A real WSGI upstream (stdlib wsgiref): answers every request with the CGI environ's HTTP_*
variables as JSON, the way a WSGI application reads request headers ("-" and "_" both become "_").
Listens on 127.0.0.1, port 0; prints "listening <port>" once ready."""
import json
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server


def app(environ, start_response):
    seen = {k: v for k, v in environ.items() if k.startswith("HTTP_")}
    body = json.dumps({"path": environ.get("PATH_INFO"), "environ": seen}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Upstream", "wsgi")])
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
print(f"listening {server.server_port}", flush=True)
server.serve_forever()
