# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An RFC-strict SCIM 2.0 peer for the integration tests: scim2-server with a request log.

The collection must work against any SCIM 2.0 service, not only Datadog's. The integration
targets run a second time against this server, an independent implementation of RFC 7643/7644,
and assert on its request log the same way they do on the emulator's: the log answers
``GET /_peer/requests`` (``?clear=true`` also empties it, and so does ``DELETE``);
``POST /_peer/reset`` empties the storage.
The SCIM root is ``http://HOST:PORT/v2``.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from scim2_models import ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


class RequestLog:
    """Records method, path and status of every SCIM request; never a header."""

    def __init__(self, application, storage):
        self.application = application
        self.storage = storage
        self.entries = []
        self.lock = threading.Lock()

    def admin(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if path == "/_peer/requests" and method == "GET":
            # ?clear=true also empties the log, as the emulator's admin API does.
            clear = environ.get("QUERY_STRING", "") == "clear=true"
            with self.lock:
                body = json.dumps(self.entries).encode()
                if clear:
                    self.entries = []
        elif path == "/_peer/requests" and method == "DELETE":
            with self.lock:
                self.entries = []
            body = b"[]"
        elif path == "/_peer/reset" and method == "POST":
            with self.lock:
                self.entries = []
                self.storage.resources = []
            body = b"{}"
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b"{}"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_peer/"):
            return self.admin(environ, start_response)

        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        answer = self.application(environ, recording_start_response)
        with self.lock:
            self.entries.append(
                {
                    "method": environ["REQUEST_METHOD"],
                    "path": environ.get("PATH_INFO", ""),
                    "query": environ.get("QUERY_STRING", ""),
                    "status": seen.get("status"),
                    "write": environ["REQUEST_METHOD"] in WRITE_METHODS,
                }
            )
        return answer


def build_application(bearer_tokens):
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    service = ScimService(provider, secret=os.urandom(16).hex())
    storage = InMemoryStorage()
    application = BearerTokenApplication(
        storage, provider, service=service, bearer_tokens=bearer_tokens
    )
    return RequestLog(application, storage)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the port the server listens on here")
    parser.add_argument("--bearer-token", action="append", required=True)
    args = parser.parse_args()

    application = build_application(args.bearer_token)
    with make_server(
        args.host, args.port, application, server_class=ThreadingServer, handler_class=QuietHandler
    ) as server:
        port = server.server_address[1]
        if args.port_file:
            with open(args.port_file + ".tmp", "w", encoding="utf-8") as port_file:
                port_file.write(str(port))
            os.replace(args.port_file + ".tmp", args.port_file)
        print(f"SCIM peer serving http://{args.host}:{port}/v2", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
