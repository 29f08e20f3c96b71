"""A local SCIM 2.0 server that behaves like Datadog's SCIM API, for tests and demos."""

from .config import ConfigError, EmulatorConfig
from .resources import DEFAULT_ROLES
from .server import ADMIN_ROOT, SCIM_ROOT, Emulator

__all__ = ["ADMIN_ROOT", "DEFAULT_ROLES", "SCIM_ROOT", "ConfigError", "Emulator", "EmulatorConfig"]
