"""The HTTP front: auth, rate limits, latency, faults, the request log and the admin API.

A plain threaded ``http.server`` is used rather than a WSGI stack because dropping a
connection without an answer (before or after committing a change) needs the socket.
"""

from __future__ import annotations

import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .config import ConfigError, EmulatorConfig
from .directory import Directory, StatePersister
from .errors import ApiError, error_body
from .resources import DEFAULT_ROLES, RoleTable, read_json_object
from .scim import ScimApi
from .seeding import seed_directory
from .traffic import FAULT_429_RESET_SECONDS, FaultInjector, RateLimiter

SCIM_ROOT = "/api/v2/scim"
ADMIN_ROOT = "/_emulator"
JSON_TYPES = ("application/json", "application/scim+json")
REQUEST_LOG_LIMIT = 200_000


class Emulator:
    """One Datadog-flavoured SCIM server on a loopback port, in a background thread.

    >>> with Emulator(EmulatorConfig(app_keys=["key"])) as emulator:
    ...     emulator.url  # http://127.0.0.1:<port>/api/v2/scim
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.startup_config = config if config is not None else EmulatorConfig()
        self.config = self.startup_config
        roles_file = self.startup_config.roles_file
        self.roles = RoleTable.from_file(roles_file) if roles_file else RoleTable(DEFAULT_ROLES)
        self.directory = Directory(
            case_sensitive_user_names=self.startup_config.case_sensitive_user_names
        )
        self.scim = ScimApi(self.directory, self.roles, lambda: self.config)
        self.rate_limiter = RateLimiter(self.config.rate_limit, self.config.rate_period)
        self.faults = FaultInjector(self.config.seed)
        self.persister = (
            StatePersister(self.directory, self.config.state_file)
            if self.config.state_file
            else None
        )
        self._log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self._config_lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> Emulator:
        if self.persister is not None:
            self.persister.load()
            self.persister.start()
        self._httpd = _Server((self.config.host, self.config.port), _Handler)
        self._httpd.emulator = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="datadog-scim-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (the command line uses this)."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.persister is not None:
            self.persister.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the emulator is not running")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def url(self) -> str:
        """The SCIM root, as a client's api_url."""
        return f"{self.base_url}{SCIM_ROOT}"

    @property
    def admin_url(self) -> str:
        return f"{self.base_url}{ADMIN_ROOT}"

    # -- control -------------------------------------------------------------------------

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change switches at runtime; the next request sees all of them at once."""
        with self._config_lock:
            self._apply_config(self.config.updated(changes))
            return self.config.public_view()

    def reset(self, **changes: Any) -> None:
        """Empty the directory and the log; go back to the start-up config plus ``changes``."""
        with self._config_lock:
            self.directory.clear()
            self.clear_request_log()
            config = self.startup_config.updated(changes)
            self._apply_config(config)
            self.faults.reseed(config.seed)

    def seed(
        self, users: list[Any] | None = None, groups: list[Any] | None = None
    ) -> dict[str, Any]:
        return seed_directory(self.directory, self.roles, self.config, users or [], groups or [])

    def state(self) -> dict[str, int]:
        return self.directory.counts()

    def request_log(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def take_request_log(self) -> list[dict[str, Any]]:
        """The request log so far, emptied in the same step."""
        with self._log_lock:
            entries, self._log = list(self._log), []
            return entries

    def _apply_config(self, config: EmulatorConfig) -> None:
        previous = self.config
        self.config = config
        if (config.rate_limit, config.rate_period) != (previous.rate_limit, previous.rate_period):
            self.rate_limiter.configure(config.rate_limit, config.rate_period)
        if config.seed != previous.seed:
            self.faults.reseed(config.seed)
        if config.case_sensitive_user_names != self.directory.case_sensitive_user_names:
            self.directory.set_case_sensitivity(config.case_sensitive_user_names)

    def _record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            if len(self._log) < REQUEST_LOG_LIMIT:
                self._log.append(entry)

    # -- serving -------------------------------------------------------------------------

    def authorized(self, headers: Any, config: EmulatorConfig) -> bool:
        """Bearer app key, or the DD-API-KEY and DD-APPLICATION-KEY pair."""
        if not config.app_keys:
            return True
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and _one_of(token.strip(), config.app_keys):
            return True
        api_key = headers.get("DD-API-KEY") or ""
        app_key = headers.get("DD-APPLICATION-KEY") or ""
        api_key_ok = _one_of(api_key, config.api_keys) if config.api_keys else bool(api_key)
        return api_key_ok and _one_of(app_key, config.app_keys)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connection attempts of a burst of clients, which then
    # wait a whole second for the SYN to be sent again.
    request_queue_size = 128
    allow_reuse_address = True
    emulator: Emulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, each answer
    # on a kept-alive connection would wait for a delayed ACK (about 40 ms).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # The request log of the admin API replaces the access log; stderr stays quiet.
        return

    def _dispatch(self) -> None:
        raw_body = self._read_body()
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        if url.path == ADMIN_ROOT or url.path.startswith(f"{ADMIN_ROOT}/"):
            self._serve_admin(url.path[len(ADMIN_ROOT) :], query, raw_body)
        elif url.path == SCIM_ROOT or url.path.startswith(f"{SCIM_ROOT}/"):
            self._serve_scim(url.path, url.path[len(SCIM_ROOT) :], query, raw_body)
        else:
            self._send(404, {"errors": [f"No endpoint at {url.path}"]}, {})

    # -- SCIM ----------------------------------------------------------------------------

    def _serve_scim(
        self, full_path: str, path: str, query: dict[str, str], raw_body: bytes
    ) -> None:
        emulator = self.server.emulator
        config = emulator.config
        entry: dict[str, Any] = {
            "method": self.command,
            "path": full_path,
            "query": query,
            "status": None,
            "body": _logged_body(raw_body),
            "fault": None,
        }
        if config.latency_ms:
            time.sleep(config.latency_ms / 1000)

        fault = emulator.faults.draw(self.command, config)
        entry["fault"] = fault
        if fault == "drop":
            emulator._record(entry)
            self._drop()
            return
        if fault == "5xx":
            status = emulator.faults.server_error_status()
            self._answer_scim(
                entry,
                status,
                _error(status, "Internal Server Error", config),
                emulator.rate_limiter.peek(),
                config,
            )
            return
        if fault == "429":
            headers = emulator.rate_limiter.peek()
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Reset"] = str(FAULT_429_RESET_SECONDS)
            self._answer_scim(entry, 429, _error(429, "Too many requests", config), headers, config)
            return

        if not emulator.authorized(self.headers, config):
            self._answer_scim(
                entry, 403, _error(403, "Forbidden", config), emulator.rate_limiter.peek(), config
            )
            return
        allowed, headers = emulator.rate_limiter.take()
        if not allowed:
            self._answer_scim(entry, 429, _error(429, "Too many requests", config), headers, config)
            return

        status, body = self._run_scim(path, query, raw_body, config)
        if fault == "lost":
            # The change is committed; only the answer goes missing.
            entry["status"] = status
            emulator._record(entry)
            self._drop()
            return
        self._answer_scim(entry, status, body, headers, config)

    def _run_scim(
        self, path: str, query: dict[str, str], raw_body: bytes, config: EmulatorConfig
    ) -> tuple[int, dict[str, Any] | None]:
        content_type = (self.headers.get("Content-Type") or "").partition(";")[0].strip().lower()
        if raw_body and content_type and content_type not in JSON_TYPES:
            return 415, _error(415, f"Unsupported content type {content_type}", config)
        host = self.headers.get("Host") or f"{config.host}:{self.server.server_address[1]}"
        root_url = f"http://{host}{SCIM_ROOT}"
        try:
            return self.server.emulator.scim.handle(self.command, path, query, raw_body, root_url)
        except ApiError as error:
            return error.status, error.body(config.error_body)

    def _answer_scim(
        self,
        entry: dict[str, Any],
        status: int,
        body: dict[str, Any] | None,
        headers: dict[str, str],
        config: EmulatorConfig,
    ) -> None:
        entry["status"] = status
        self.server.emulator._record(entry)
        if config.duplicate_reset_header:
            reset = headers["X-RateLimit-Reset"]
            headers = {**headers, "X-RateLimit-Reset": f"{reset}, {reset}"}
        self._send(status, body, headers)

    # -- admin ---------------------------------------------------------------------------

    def _serve_admin(self, path: str, query: dict[str, str], raw_body: bytes) -> None:
        try:
            status, body = self._run_admin(path.rstrip("/"), query, raw_body)
        except (ApiError, ConfigError, ValueError) as error:
            message = error.message if isinstance(error, ApiError) else str(error)
            status, body = getattr(error, "status", 400), {"errors": [message]}
        self._send(status, body, {})

    def _run_admin(self, path: str, query: dict[str, str], raw_body: bytes) -> tuple[int, Any]:
        emulator = self.server.emulator
        route = (self.command, path)
        if route == ("GET", "/health"):
            return 200, {"status": "ok", "url": emulator.url}
        if route == ("GET", "/requests"):
            # ?clear=true reads and empties the log in one request, for clients that can only
            # GET (an Ansible url lookup, which costs no module run).
            if query.get("clear") == "true":
                return 200, emulator.take_request_log()
            return 200, emulator.request_log()
        if route == ("DELETE", "/requests"):
            emulator.clear_request_log()
            return 204, None
        if route == ("GET", "/config"):
            return 200, emulator.config.public_view()
        if route == ("PATCH", "/config"):
            return 200, emulator.configure(**read_json_object(raw_body))
        if route == ("POST", "/reset"):
            emulator.reset(**(read_json_object(raw_body) if raw_body.strip() else {}))
            return 200, emulator.config.public_view()
        if route == ("POST", "/seed"):
            body = read_json_object(raw_body)
            return 200, emulator.seed(body.get("users"), body.get("groups"))
        if route == ("GET", "/state"):
            return 200, emulator.state()
        raise ApiError(404, f"No admin endpoint {self.command} {ADMIN_ROOT}{path}")

    # -- wire ----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        if status != 204:
            self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _error(status: int, message: str, config: EmulatorConfig) -> dict[str, Any]:
    return error_body(status, message, config.error_body)


def _one_of(candidate: str, keys: list[str]) -> bool:
    # Constant-time comparison against every key, so timing does not reveal a prefix.
    found = False
    for key in keys:
        found |= hmac.compare_digest(candidate.encode(), key.encode())
    return found


def _logged_body(raw_body: bytes) -> Any:
    if not raw_body:
        return None
    try:
        return json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw_body.decode("utf-8", errors="replace")
