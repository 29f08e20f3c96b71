# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the scimops.datadog collection and is not a public API.
# Its names and behaviour may change in any release without notice.

"""The connection options every module shares, the module wrapper, and input validation."""

from __future__ import annotations

import re
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.scimops.datadog.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ScimClient,
    ScimError,
    ScimOptionError,
    build_base_url,
    scrub_secrets,
)

DEFAULT_SITE = "datadoghq.com"

# Deliberately loose: Datadog decides what it accepts; this only catches values that are
# clearly not an address (no @, spaces, no dot in the domain) before anything is sent.
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)

# A list option longer than this is echoed under ``invocation`` as a count below -vvv. Echoing
# an HR export of 5,000 users back costs Ansible about 3 s per run (masking, pickling, decoding
# it again), for a copy that its callbacks show only from -vvv on.
ECHO_LIST_LIMIT = 100
ECHO_VERBOSITY = 3


def connection_argument_spec():
    """The connection options of every module, with their environment fallbacks."""
    return {
        "site": {
            "type": "str",
            "default": DEFAULT_SITE,
            "fallback": (env_fallback, ["DD_SITE"]),
        },
        "api_url": {
            "type": "str",
            "fallback": (env_fallback, ["DD_SCIM_URL", "DD_SCIM_BASE_URL"]),
        },
        "app_key": {
            "type": "str",
            "required": True,
            "no_log": True,
            "fallback": (env_fallback, ["DD_APP_KEY", "DATADOG_APP_KEY", "DD_BEARER_TOKEN"]),
        },
        "api_key": {
            "type": "str",
            "no_log": True,
            "fallback": (env_fallback, ["DD_API_KEY", "DATADOG_API_KEY"]),
        },
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "timeout": {"type": "float", "default": 30.0},
        "max_retries": {"type": "int", "default": 5},
        "max_wait": {"type": "float", "default": 300.0},
    }


def validate_email(value, option):
    """Return value when it looks like an email address; raise ScimOptionError otherwise."""
    if not isinstance(value, str) or not _EMAIL_PATTERN.match(value):
        raise ScimOptionError(
            "%s must be an email address, got %r." % (option, value), option=option
        )
    return value


def validate_uuid(value, option):
    """Return value when it is a UUID in its usual 8-4-4-4-12 form; raise otherwise."""
    if not isinstance(value, str) or not _UUID_PATTERN.match(value):
        raise ScimOptionError("%s must be a UUID, got %r." % (option, value), option=option)
    return value


def reject_empty(values, options, prefix="", hint=""):
    """Fail on an option that is set but blank.

    Ansible passes an empty string through as a value: an empty id would read as "no id" and
    widen the lookup, and an empty key (DD_APP_KEY="") would fail later as a bare 403.
    ``prefix`` names the row of a bulk entry (``users[3].``); ``hint`` says what to do instead.
    """
    for option in options:
        value = values.get(option)
        if value is not None and not str(value).strip():
            raise ScimOptionError(
                "%s%s must not be empty%s." % (prefix, option, hint), option=prefix + option
            )


def validate_connection_params(params):
    """Check the connection options and return the SCIM root URL they give."""
    reject_empty(params, ("app_key", "api_key"))
    if params["timeout"] <= 0:
        raise ScimOptionError(
            "timeout must be a positive number of seconds, got %r." % (params["timeout"],),
            option="timeout",
        )
    if params["max_retries"] < 0:
        raise ScimOptionError(
            "max_retries must be 0 or more, got %r." % (params["max_retries"],),
            option="max_retries",
        )
    if params["max_wait"] < 0:
        raise ScimOptionError(
            "max_wait must be 0 or more seconds, got %r." % (params["max_wait"],),
            option="max_wait",
        )
    return build_base_url(params.get("site"), params.get("api_url"))


def _scrub_value(value, secrets):
    if isinstance(value, str):
        return scrub_secrets(value, secrets)
    if isinstance(value, dict):
        return {key: _scrub_value(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_value(item, secrets) for item in value]
    return value


class ScimModule:
    """An AnsibleModule with the connection options, a lazily built client and one error path.

    Set ``pool_size`` before the first use of ``client`` when the module sends requests
    from several threads.
    """

    def __init__(self, argument_spec, supports_check_mode=True, **kwargs):
        full_spec = connection_argument_spec()
        full_spec.update(argument_spec)
        self.module = AnsibleModule(
            argument_spec=full_spec, supports_check_mode=supports_check_mode, **kwargs
        )
        if not HAS_REQUESTS:
            self.module.fail_json(
                msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR
            )

        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.diff_mode = self.module._diff
        self.pool_size = 16
        self._secrets = tuple(
            key for key in (self.params.get("app_key"), self.params.get("api_key")) if key
        )
        self._client = None

        try:
            self.base_url = validate_connection_params(self.params)
        except ValueError as err:
            self.fail(err)

    @property
    def client(self):
        if self._client is None:
            self._client = ScimClient(
                self.base_url,
                self.params["app_key"],
                api_key=self.params.get("api_key"),
                validate_certs=self.params["validate_certs"],
                ca_path=self.params.get("ca_path"),
                timeout=self.params["timeout"],
                max_retries=self.params["max_retries"],
                max_wait=self.params["max_wait"],
                log=self.module.log,
                warn=self.module.warn,
                pool_size=self.pool_size,
            )
        return self._client

    def scrub(self, value):
        """Value (a string, or dicts and lists of them) with every key replaced."""
        return _scrub_value(value, self._secrets)

    def warn(self, message):
        self.module.warn(self.scrub(message))

    def fail(self, err):
        """Fail the task from a ScimError or a ValueError, keeping what was already changed."""
        result = dict(getattr(err, "details", None) or {})
        if isinstance(err, ScimError):
            result.update(err.to_fail_kwargs())
        else:
            result["msg"] = str(err)
            if not isinstance(err, ScimOptionError):
                # A ValueError that is not an option error is a bug: keep where it came from.
                result["exception"] = traceback.format_exc()
        result["changed"] = bool(getattr(err, "changed", False))
        self.module.fail_json(**self._with_invocation(self.scrub(result)))

    def run(self, handler):
        """Call handler(self) and exit with the result dict it returns."""
        try:
            result = handler(self)
        except (ScimError, ValueError) as err:
            self.fail(err)
        self.module.exit_json(**self._with_invocation(self.scrub(result)))

    def _with_invocation(self, result):
        """Result with a short ``invocation`` when a list option is long and verbosity low.

        Without it, AnsibleModule echoes every option in full. No-log options stay masked,
        since AnsibleModule removes their values from the whole result either way.
        """
        if self.module._verbosity >= ECHO_VERBOSITY or "invocation" in result:
            return result
        long_lists = {
            name: value
            for name, value in self.params.items()
            if isinstance(value, list) and len(value) > ECHO_LIST_LIMIT
        }
        if not long_lists:
            return result
        module_args = dict(self.params)
        for name, value in long_lists.items():
            module_args[name] = "(%d entries, shown in full at -vvv)" % len(value)
        return dict(result, invocation={"module_args": module_args})
