# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test doubles for the SCIM client: a scripted transport, a fake clock and a loopback server."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import HTTPResponse

from ansible_collections.scimops.datadog.plugins.module_utils._client import ScimClient

APP_KEY = "appkey-SECRET-7f3a9c1e5b2d4f60"
API_KEY = "apikey-SECRET-0b1c2d3e4f5a6b7c"
BASE_URL = "https://scim.test/api/v2/scim"


class Answer:
    """One scripted answer of the fake transport."""

    def __init__(self, status=200, body=None, headers=None, text=None, reason=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.text = text
        self.reason = reason


class SentRequest:
    """What the transport received: method, path, query, headers and JSON body."""

    def __init__(self, prepared):
        parts = urlsplit(prepared.url)
        self.method = prepared.method
        self.url = prepared.url
        self.path = parts.path
        self.query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.headers = dict(prepared.headers)
        raw = prepared.body
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        self.json = json.loads(raw) if raw else None


class ScriptedAdapter(HTTPAdapter):
    """A requests transport that answers from a script (or a responder) instead of a socket.

    Each script entry is an Answer or an exception instance to raise, as a broken
    connection would. A responder is called with each SentRequest and returns the same.
    """

    def __init__(self, script=None, responder=None):
        super().__init__()
        self.script = list(script or [])
        self.responder = responder
        self.sent = []
        self._lock = threading.Lock()

    def send(self, request, **kwargs):
        sent = SentRequest(request)
        with self._lock:
            self.sent.append(sent)
            if self.responder is None:
                if not self.script:
                    raise AssertionError("unscripted request: %s %s" % (sent.method, sent.url))
                step = self.script.pop(0)
        if self.responder is not None:
            step = self.responder(sent)
        if isinstance(step, BaseException):
            raise step

        if step.text is not None:
            content = step.text.encode("utf-8")
        elif step.body is not None:
            content = json.dumps(step.body).encode("utf-8")
        else:
            content = b""
        headers = {"Content-Type": "application/json"} if step.body is not None else {}
        headers.update(step.headers)
        raw = HTTPResponse(
            body=io.BytesIO(content),
            headers=headers,
            status=step.status,
            reason=step.reason,
            preload_content=False,
        )
        return self.build_response(request, raw)

    def methods(self):
        return [sent.method for sent in self.sent]


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def sleep(self, seconds):
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


class Recorder:
    """Collects the log lines and warnings the client emits."""

    def __init__(self):
        self.logs = []
        self.warnings = []

    def log(self, message):
        self.logs.append(message)

    def warn(self, message):
        self.warnings.append(message)


class ClientKit:
    """A client wired to a scripted transport, a fake clock and a recorder."""

    def __init__(self, script=None, responder=None, random_value=0.5, **client_options):
        base_url = client_options.pop("base_url", BASE_URL)
        self.adapter = ScriptedAdapter(script=script, responder=responder)
        self.clock = FakeClock()
        self.recorder = Recorder()
        session = requests.Session()
        session.mount("https://", self.adapter)
        session.mount("http://", self.adapter)
        options = {
            "app_key": APP_KEY,
            "log": self.recorder.log,
            "warn": self.recorder.warn,
            "session": session,
            "sleep": self.clock.sleep,
            "clock": self.clock,
            "random": lambda: random_value,
        }
        options.update(client_options)
        self.client = ScimClient(base_url, **options)

    @property
    def sent(self):
        return self.adapter.sent


class LoopbackServer:
    """A real HTTP/1.1 server on 127.0.0.1 whose answers come from a route function.

    route(request) returns (status, headers, body) where body is a dict (sent as JSON),
    bytes, or None; or the string "drop" to close the connection without answering.
    Every request is recorded with its headers and body.
    """

    def __init__(self, route):
        self.route = route
        self.received = []
        self.client_ports = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                return

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                record = {
                    "method": self.command,
                    "path": parts.path,
                    "raw_path": self.path,
                    "query": {k: v[-1] for k, v in parse_qs(parts.query).items()},
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(raw) if raw else None,
                }
                server.received.append(record)
                server.client_ports.add(self.client_address[1])
                answer = server.route(record)
                if answer == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                status, headers, body = answer
                if isinstance(body, dict):
                    content = json.dumps(body).encode("utf-8")
                    headers = dict({"Content-Type": "application/json"}, **headers)
                else:
                    content = body or b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/api/v2/scim" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
