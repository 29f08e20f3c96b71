"""Every switch of the emulator, with its validation.

Each behaviour that Datadog does not document is a switch here, so that a client can be
tested under every plausible answer of the real service.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

DELETE_USER_CHOICES = ("disable", "remove")
DUPLICATE_USER_POST_CHOICES = ("conflict", "existing")
INACTIVE_USERS_CHOICES = ("listed", "hidden")
ERROR_BODY_CHOICES = ("datadog", "scim")
TIMESTAMP_PRECISION_CHOICES = ("ms", "ns")
FAULT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FAULT_RATES = ("fault_5xx", "fault_429", "fault_drop", "fault_lost")

# Options that only take effect at start-up: they are shown by the admin API but can't
# be changed there, since the socket and the state file are already open.
STARTUP_ONLY = ("host", "port", "state_file", "roles_file")

# Secrets are accepted by the admin API but never shown by it.
SECRET_OPTIONS = ("app_keys", "api_keys")

# Options where null means "not set" (no file, no seed, no limit), so null switches them off.
NULLABLE_OPTIONS = ("state_file", "roles_file", "seed", "max_members_per_request")


class ConfigError(ValueError):
    """A switch was given a value it does not take."""


@dataclass
class EmulatorConfig:
    """The configuration of one emulator: keys, switches, limits and faults."""

    app_keys: list[str] = field(default_factory=list)
    api_keys: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    state_file: str | None = None
    roles_file: str | None = None

    delete_user: str = "disable"
    duplicate_user_post: str = "conflict"
    inactive_users: str = "listed"
    max_page_size: int = 100
    return_undocumented: bool = False
    uneven_pages: bool = False
    total_drift: bool = False
    teams_enabled: bool = True
    teams_disabled_status: int = 403
    case_sensitive_user_names: bool = False
    require_email_user_name: bool = True
    foreign_locations: bool = True
    error_body: str = "datadog"
    max_members_per_request: int | None = None
    timestamp_precision: str = "ms"

    rate_limit: int = 10000
    rate_period: float = 10.0
    duplicate_reset_header: bool = False
    latency_ms: float = 0.0

    fault_5xx: float = 0.0
    fault_429: float = 0.0
    fault_drop: float = 0.0
    fault_lost: float = 0.0
    fault_methods: list[str] = field(default_factory=lambda: list(FAULT_METHODS))
    seed: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Refuse a configuration that names an unknown choice or an impossible number."""
        _check_choice("delete_user", self.delete_user, DELETE_USER_CHOICES)
        _check_choice("duplicate_user_post", self.duplicate_user_post, DUPLICATE_USER_POST_CHOICES)
        _check_choice("inactive_users", self.inactive_users, INACTIVE_USERS_CHOICES)
        _check_choice("error_body", self.error_body, ERROR_BODY_CHOICES)
        _check_choice("timestamp_precision", self.timestamp_precision, TIMESTAMP_PRECISION_CHOICES)
        if not isinstance(self.max_page_size, int) or self.max_page_size < 1:
            raise ConfigError(
                f"max_page_size must be a positive integer, not {self.max_page_size!r}"
            )
        limit = self.max_members_per_request
        if limit is not None and not _positive_integer(limit):
            raise ConfigError(
                f"max_members_per_request must be a positive integer or null, not {limit!r}"
            )
        if not isinstance(self.rate_limit, int) or self.rate_limit < 1:
            raise ConfigError(f"rate_limit must be a positive integer, not {self.rate_limit!r}")
        if not isinstance(self.rate_period, (int, float)) or self.rate_period <= 0:
            raise ConfigError(f"rate_period must be a positive number, not {self.rate_period!r}")
        if not isinstance(self.latency_ms, (int, float)) or self.latency_ms < 0:
            raise ConfigError(f"latency_ms must be zero or more, not {self.latency_ms!r}")
        if self.teams_disabled_status not in (400, 403, 404):
            raise ConfigError(
                f"teams_disabled_status must be 400, 403 or 404, not {self.teams_disabled_status!r}"
            )
        for name in FAULT_RATES:
            rate = getattr(self, name)
            if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                raise ConfigError(f"{name} must be a rate between 0 and 1, not {rate!r}")
        if sum(getattr(self, name) for name in FAULT_RATES) > 1:
            raise ConfigError("the fault rates together must not exceed 1")
        self.fault_methods = [str(method).upper() for method in self.fault_methods]
        for method in self.fault_methods:
            _check_choice("fault_methods", method, FAULT_METHODS)
        for name in SECRET_OPTIONS:
            keys = getattr(self, name)
            if not isinstance(keys, list) or not all(isinstance(key, str) and key for key in keys):
                raise ConfigError(f"{name} must be a list of non-empty strings")

    def public_view(self) -> dict[str, Any]:
        """Return the configuration as JSON, with the keys replaced by their number."""
        view = dataclasses.asdict(self)
        for name in SECRET_OPTIONS:
            view[f"{name[:-1]}_count"] = len(view.pop(name))
        return view

    def updated(self, changes: dict[str, Any], *, startup: bool = False) -> EmulatorConfig:
        """Return a copy with some switches changed, refusing unknown or start-up-only ones."""
        known = {item.name: item for item in dataclasses.fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ConfigError(f"unknown switch {name!r}")
            if name in STARTUP_ONLY and not startup:
                raise ConfigError(f"{name} can only be set when the emulator starts")
            _check_type(name, value, getattr(self, name))
        return dataclasses.replace(self, **changes)


def _positive_integer(value: Any) -> bool:
    # True is an int to Python, but a limit of "true" members is a mistake, not 1.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")


def _check_type(name: str, value: Any, current: Any) -> None:
    # JSON has no int/float distinction worth enforcing, but a string where a number is
    # expected would otherwise fail much later, inside a request.
    if value is None and name in NULLABLE_OPTIONS:
        return
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, not {value!r}")
    elif isinstance(current, (int, float)) and current is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name} must be a number, not {value!r}")
