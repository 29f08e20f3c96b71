"""The command line: every switch of EmulatorConfig as a flag."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from .config import (
    DELETE_USER_CHOICES,
    DUPLICATE_USER_POST_CHOICES,
    ERROR_BODY_CHOICES,
    FAULT_METHODS,
    INACTIVE_USERS_CHOICES,
    TIMESTAMP_PRECISION_CHOICES,
    ConfigError,
    EmulatorConfig,
)
from .server import Emulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m datadog_scim_emulator",
        description="Serve a Datadog-flavoured SCIM 2.0 API on a local port.",
    )
    listen = parser.add_argument_group("listening")
    listen.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    listen.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    listen.add_argument("--port-file", help="write the chosen port to this file once listening")

    auth = parser.add_argument_group("credentials")
    auth.add_argument(
        "--app-key",
        action="append",
        default=[],
        dest="app_keys",
        help="accepted application key (repeatable); none means no auth check",
    )
    auth.add_argument(
        "--api-key",
        action="append",
        default=[],
        dest="api_keys",
        help="accepted DD-API-KEY (repeatable); none means any non-empty one",
    )

    state = parser.add_argument_group("state")
    state.add_argument("--state-file", help="keep users and groups in this JSON file")
    state.add_argument("--roles-file", help="JSON object {role uuid: role name}")

    switches = parser.add_argument_group("Datadog behaviour switches")
    switches.add_argument("--delete-user", choices=DELETE_USER_CHOICES, default="disable")
    switches.add_argument(
        "--duplicate-user-post", choices=DUPLICATE_USER_POST_CHOICES, default="conflict"
    )
    switches.add_argument("--inactive-users", choices=INACTIVE_USERS_CHOICES, default="listed")
    switches.add_argument("--max-page-size", type=int, default=100)
    switches.add_argument(
        "--return-undocumented",
        action="store_true",
        help="return externalId, givenName and familyName of users",
    )
    switches.add_argument(
        "--uneven-pages",
        action="store_true",
        help="answer pages shorter than asked, by a varying amount",
    )
    switches.add_argument(
        "--total-drift", action="store_true", help="make totalResults change from page to page"
    )
    switches.add_argument(
        "--teams-disabled",
        action="store_false",
        dest="teams_enabled",
        help="answer every /Groups request as an org without team provisioning",
    )
    switches.add_argument("--teams-disabled-status", type=int, default=403, choices=(400, 403, 404))
    switches.add_argument("--case-sensitive-user-names", action="store_true")
    switches.add_argument(
        "--allow-any-user-name",
        action="store_false",
        dest="require_email_user_name",
        help="accept a userName that is not an email address",
    )
    switches.add_argument(
        "--local-locations",
        action="store_false",
        dest="foreign_locations",
        help="point meta.location and $ref into this server, not app.datadoghq.com",
    )

    switches.add_argument(
        "--error-body",
        choices=ERROR_BODY_CHOICES,
        default="datadog",
        help='datadog: {"errors": [...]}; scim: the RFC 7644 error schema',
    )
    switches.add_argument(
        "--max-members-per-request",
        type=int,
        metavar="N",
        help="answer 413 to a group write that carries more than N members (default no limit)",
    )
    switches.add_argument(
        "--timestamp-precision",
        choices=TIMESTAMP_PRECISION_CHOICES,
        default="ms",
        help="fractional digits of meta.created and meta.lastModified: ms 3, ns 9",
    )

    traffic = parser.add_argument_group("rate limit, latency and faults")
    traffic.add_argument("--rate-limit", type=int, default=10000, help="requests per window")
    traffic.add_argument("--rate-period", type=float, default=10.0, help="window in seconds")
    traffic.add_argument(
        "--duplicate-reset-header", action="store_true", help='send X-RateLimit-Reset as "7, 7"'
    )
    traffic.add_argument("--latency-ms", type=float, default=0.0)
    for kind, help_text in (
        ("5xx", "answer 500, 502 or 503 before doing anything"),
        ("429", "answer 429 before doing anything"),
        ("drop", "close the connection without an answer, before doing anything"),
        ("lost", "do the change, then close the connection without an answer"),
    ):
        traffic.add_argument(
            f"--fault-{kind}",
            type=float,
            default=0.0,
            metavar="RATE",
            help=f"share of requests that {help_text}",
        )
    traffic.add_argument(
        "--fault-methods",
        default=",".join(FAULT_METHODS),
        help="comma-separated methods faults apply to (default all)",
    )
    traffic.add_argument("--seed", type=int, help="random seed of the faults")
    return parser


def config_from_arguments(arguments: argparse.Namespace) -> EmulatorConfig:
    options = vars(arguments).copy()
    options.pop("port_file")
    options["fault_methods"] = [m.strip() for m in options["fault_methods"].split(",") if m.strip()]
    for kind in ("5xx", "429", "drop", "lost"):
        options[f"fault_{kind}"] = options.pop(f"fault_{kind}")
    return EmulatorConfig(**options)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        config = config_from_arguments(arguments)
    except (ConfigError, ValueError) as error:
        print(f"datadog_scim_emulator: {error}", file=sys.stderr)
        return 2
    emulator = Emulator(config)
    emulator.start()
    if arguments.port_file:
        temporary = f"{arguments.port_file}.tmp"
        with open(temporary, "w", encoding="utf-8") as port_file:
            port_file.write(f"{emulator.port}\n")
        os.replace(temporary, arguments.port_file)

    # SIGTERM (what a Makefile or CI sends) stops as cleanly as Ctrl-C, so the state file
    # gets its last write.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if not config.app_keys:
        print("warning: no --app-key given, requests are not authenticated", file=sys.stderr)
    print(f"Datadog SCIM emulator listening on {emulator.url}", flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0
