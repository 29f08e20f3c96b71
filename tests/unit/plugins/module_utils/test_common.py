# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.scimops.datadog.plugins.module_utils import _common
from ansible_collections.scimops.datadog.plugins.module_utils._client import ScimError
from ansible_collections.scimops.datadog.plugins.module_utils._common import (
    ScimModule,
    connection_argument_spec,
    reject_empty,
    validate_email,
    validate_uuid,
)
from ansible_collections.scimops.datadog.tests.unit.plugins.module_utils.scim_doubles import (
    API_KEY,
    APP_KEY,
    LoopbackServer,
)

CONNECTION_ENV = (
    "DD_SITE",
    "DD_SCIM_URL",
    "DD_SCIM_BASE_URL",
    "DD_APP_KEY",
    "DATADOG_APP_KEY",
    "DD_BEARER_TOKEN",
    "DD_API_KEY",
    "DATADOG_API_KEY",
)
MODULE_SPEC = {"user_name": {"type": "str"}}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in CONNECTION_ENV:
        monkeypatch.delenv(name, raising=False)


def build_module(args, spec=None):
    """A ScimModule over the given task arguments; SystemExit if it fails while starting."""
    with patch_module_args(args):
        return ScimModule(spec if spec is not None else dict(MODULE_SPEC))


def module_outcome(capsys, args, handler=None):
    """Run a ScimModule to its end and return the JSON it printed."""
    # The module reads its argument profile when it exits, so it must exit inside the patch.
    with patch_module_args(args), pytest.raises(SystemExit):
        module = ScimModule(dict(MODULE_SPEC))
        module.run(handler or (lambda scim: {"changed": False}))
    return json.loads(capsys.readouterr().out)


class TestArgumentSpec:
    def test_options_types_and_defaults(self):
        spec = connection_argument_spec()
        assert list(spec) == [
            "site",
            "api_url",
            "app_key",
            "api_key",
            "validate_certs",
            "ca_path",
            "timeout",
            "max_retries",
            "max_wait",
        ]
        assert spec["site"]["default"] == "datadoghq.com"
        assert spec["app_key"]["required"] is True
        assert spec["app_key"]["no_log"] is True and spec["api_key"]["no_log"] is True
        assert spec["validate_certs"] == {"type": "bool", "default": True}
        assert spec["ca_path"]["type"] == "path"
        assert spec["timeout"] == {"type": "float", "default": 30.0}
        assert spec["max_retries"] == {"type": "int", "default": 5}
        assert spec["max_wait"] == {"type": "float", "default": 300.0}

    def test_environment_fallbacks_in_contract_order(self):
        spec = connection_argument_spec()
        fallbacks = {
            name: option["fallback"][1] for name, option in spec.items() if "fallback" in option
        }
        assert fallbacks == {
            "site": ["DD_SITE"],
            "api_url": ["DD_SCIM_URL", "DD_SCIM_BASE_URL"],
            "app_key": ["DD_APP_KEY", "DATADOG_APP_KEY", "DD_BEARER_TOKEN"],
            "api_key": ["DD_API_KEY", "DATADOG_API_KEY"],
        }

    def test_each_call_returns_a_fresh_spec(self):
        first = connection_argument_spec()
        first["site"]["default"] = "changed"
        assert connection_argument_spec()["site"]["default"] == "datadoghq.com"


class TestConnectionParams:
    def test_defaults_give_the_us1_scim_root(self):
        module = build_module({"app_key": APP_KEY})
        assert module.base_url == "https://api.datadoghq.com/api/v2/scim"
        assert module.params["user_name"] is None

    def test_site_from_the_environment(self, monkeypatch):
        monkeypatch.setenv("DD_SITE", "datadoghq.eu")
        assert build_module({"app_key": APP_KEY}).base_url == (
            "https://api.datadoghq.eu/api/v2/scim"
        )

    def test_dd_scim_url_wins_over_dd_scim_base_url(self, monkeypatch):
        monkeypatch.setenv("DD_SCIM_URL", "http://127.0.0.1:1/first")
        monkeypatch.setenv("DD_SCIM_BASE_URL", "http://127.0.0.1:1/second")
        assert build_module({"app_key": APP_KEY}).base_url == "http://127.0.0.1:1/first"
        monkeypatch.delenv("DD_SCIM_URL")
        assert build_module({"app_key": APP_KEY}).base_url == "http://127.0.0.1:1/second"

    @pytest.mark.parametrize(
        "present, expected",
        [
            (("DD_APP_KEY", "DATADOG_APP_KEY", "DD_BEARER_TOKEN"), "DD_APP_KEY"),
            (("DATADOG_APP_KEY", "DD_BEARER_TOKEN"), "DATADOG_APP_KEY"),
            (("DD_BEARER_TOKEN",), "DD_BEARER_TOKEN"),
        ],
    )
    def test_app_key_fallback_order(self, monkeypatch, present, expected):
        for name in present:
            monkeypatch.setenv(name, "key-from-%s" % name)
        assert build_module({}).params["app_key"] == "key-from-%s" % expected

    def test_api_key_fallback_order(self, monkeypatch):
        monkeypatch.setenv("DATADOG_API_KEY", "second")
        assert build_module({"app_key": APP_KEY}).params["api_key"] == "second"
        monkeypatch.setenv("DD_API_KEY", "first")
        assert build_module({"app_key": APP_KEY}).params["api_key"] == "first"

    def test_task_arguments_win_over_the_environment(self, monkeypatch):
        monkeypatch.setenv("DD_APP_KEY", "from-env")
        monkeypatch.setenv("DD_SITE", "datadoghq.eu")
        module = build_module({"app_key": APP_KEY, "site": "us3.datadoghq.com"})
        assert module.params["app_key"] == APP_KEY
        assert module.base_url == "https://api.us3.datadoghq.com/api/v2/scim"

    def test_missing_app_key_fails_naming_it(self, capsys):
        result = module_outcome(capsys, {})
        assert result["failed"] is True
        assert "app_key" in result["msg"]

    def test_empty_app_key_fails(self, capsys, monkeypatch):
        monkeypatch.setenv("DD_APP_KEY", "")
        result = module_outcome(capsys, {})
        assert result["failed"] is True
        assert result["msg"] == "app_key must not be empty."

    def test_plain_http_to_another_host_fails_before_anything_runs(self, capsys):
        handled = []
        result = module_outcome(
            capsys,
            {"app_key": APP_KEY, "api_url": "http://scim.example.com/api/v2/scim"},
            lambda scim: handled.append(1) or {},
        )
        assert result["failed"] is True
        assert "api_url" in result["msg"] and "http://scim.example.com/api/v2/scim" in result["msg"]
        assert handled == []

    @pytest.mark.parametrize(
        "option, value", [("timeout", 0), ("max_retries", -1), ("max_wait", -5)]
    )
    def test_out_of_range_numbers_fail_naming_the_option(self, capsys, option, value):
        result = module_outcome(capsys, {"app_key": APP_KEY, option: value})
        assert result["failed"] is True
        assert result["msg"].startswith(option + " must be")
        assert str(value) in result["msg"]


class TestRun:
    def test_the_handler_result_is_the_module_result(self, capsys):
        result = module_outcome(
            capsys, {"app_key": APP_KEY}, lambda scim: {"changed": True, "user": {"id": "u-1"}}
        )
        assert result["changed"] is True
        assert result["user"] == {"id": "u-1"}
        assert "failed" not in result

    def test_a_scim_error_fails_once_with_what_was_already_done(self, capsys):
        def handler(scim):
            error = ScimError(
                "Could not add members: PATCH /Groups/g-1 answered HTTP 400: bad member.",
                operation="add members",
                path="/Groups/g-1",
                url="https://api.datadoghq.com/api/v2/scim/Groups/g-1",
                status=400,
                server_message="bad member",
            )
            error.changed = True
            error.details = {"created": ["u-9"], "group": {"id": "g-1"}}
            raise error

        result = module_outcome(capsys, {"app_key": APP_KEY}, handler)
        assert result["failed"] is True
        assert result["changed"] is True
        assert result["created"] == ["u-9"]
        assert result["group"] == {"id": "g-1"}
        assert result["http_status"] == 400
        assert result["http_url"] == "https://api.datadoghq.com/api/v2/scim/Groups/g-1"
        assert result["operation"] == "add members"
        assert result["server_message"] == "bad member"
        assert result["msg"].startswith("Could not add members")

    def test_a_validation_error_fails_with_its_message(self, capsys):
        def handler(scim):
            validate_email(scim.params["user_name"], "user_name")
            return {}

        result = module_outcome(capsys, {"app_key": APP_KEY, "user_name": "bob"}, handler)
        assert result["failed"] is True
        assert result["changed"] is False
        assert result["msg"] == "user_name must be an email address, got 'bob'."

    def test_keys_are_scrubbed_from_failures_and_results(self, capsys):
        def handler(scim):
            raise ScimError("server said %s and %s" % (APP_KEY, API_KEY))

        output = module_outcome(capsys, {"app_key": APP_KEY, "api_key": API_KEY}, handler)
        text = json.dumps(output)
        assert APP_KEY not in text and API_KEY not in text
        assert "********" in output["msg"]

    @staticmethod
    def _echoed(capsys, users, verbosity=0, handler=None):
        args = {"app_key": APP_KEY, "users": users, "_ansible_verbosity": verbosity}
        with patch_module_args(args), pytest.raises(SystemExit):
            module = ScimModule({"users": {"type": "list", "elements": "str"}})
            module.run(handler or (lambda scim: {"changed": False}))
        return json.loads(capsys.readouterr().out)

    def test_a_long_list_is_echoed_as_a_count_below_vvv(self, capsys):
        users = ["user%d@example.com" % number for number in range(_common.ECHO_LIST_LIMIT + 1)]
        result = self._echoed(capsys, users)
        module_args = result["invocation"]["module_args"]
        assert module_args["users"] == "(101 entries, shown in full at -vvv)"
        assert module_args["app_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
        assert module_args["max_retries"] == 5

    def test_a_failure_echoes_a_long_list_as_a_count_too(self, capsys):
        def handler(scim):
            raise ScimError("server down")

        users = ["user%d@example.com" % number for number in range(_common.ECHO_LIST_LIMIT + 1)]
        result = self._echoed(capsys, users, handler=handler)
        assert result["failed"] is True
        assert result["invocation"]["module_args"]["users"].startswith("(101 entries")

    def test_a_long_list_is_echoed_in_full_at_vvv(self, capsys):
        users = ["user%d@example.com" % number for number in range(_common.ECHO_LIST_LIMIT + 1)]
        result = self._echoed(capsys, users, verbosity=3)
        assert result["invocation"]["module_args"]["users"] == users
        assert APP_KEY not in json.dumps(result)

    def test_a_short_list_is_echoed_in_full(self, capsys):
        users = ["user%d@example.com" % number for number in range(_common.ECHO_LIST_LIMIT)]
        result = self._echoed(capsys, users)
        assert result["invocation"]["module_args"]["users"] == users

    def test_missing_requests_fails_with_the_install_hint(self, capsys, monkeypatch):
        monkeypatch.setattr(_common, "HAS_REQUESTS", False)
        monkeypatch.setattr(_common, "REQUESTS_IMPORT_ERROR", "Traceback: No module named requests")
        result = module_outcome(capsys, {"app_key": APP_KEY})
        assert result["failed"] is True
        assert "Failed to import the required Python library (requests)" in result["msg"]

    def test_modes_are_exposed(self):
        with patch_module_args(
            {"app_key": APP_KEY, "_ansible_check_mode": True, "_ansible_diff": True}
        ):
            module = ScimModule({})
        assert module.check_mode is True and module.diff_mode is True


class TestClient:
    def test_the_client_talks_to_the_configured_root_with_the_configured_keys(self):
        with LoopbackServer(lambda request: (200, {}, {"id": "u-1"})) as server:
            module = build_module({"app_key": APP_KEY, "api_url": server.url, "max_retries": 2})
            client = module.client
            assert module.client is client
            assert client.get_resource("Users", "u-1") == {"id": "u-1"}
        assert server.received[0]["headers"]["authorization"] == "Bearer %s" % APP_KEY
        assert client.base_url == server.url
        assert client.request_count == 1

    def test_pool_size_and_api_key_reach_the_client(self):
        with LoopbackServer(lambda request: (200, {}, {"id": "g-1"})) as server:
            module = build_module({"app_key": APP_KEY, "api_key": API_KEY, "api_url": server.url})
            module.pool_size = 3
            adapter = module.client._session.get_adapter(server.url)
            assert adapter._pool_maxsize == 3
            module.client.get_resource("Groups", "g-1")
        headers = server.received[0]["headers"]
        assert headers["dd-api-key"] == API_KEY and "authorization" not in headers


class TestValidation:
    @pytest.mark.parametrize("value", ["ada@example.com", "a.b+c@sub.example.co.uk", "X@Y.IO"])
    def test_email_accepted(self, value):
        assert validate_email(value, "user_name") == value

    @pytest.mark.parametrize(
        "value",
        [
            "bob",
            "bob@",
            "@example.com",
            "a b@example.com",
            "bob@localhost",
            "a@b@example.com",
            "",
            None,
        ],
    )
    def test_email_refused_naming_option_and_value(self, value):
        with pytest.raises(ValueError) as caught:
            validate_email(value, "email")
        assert str(caught.value) == "email must be an email address, got %r." % (value,)
        assert caught.value.option == "email"

    def test_uuid_accepted(self):
        value = "8C5DE1A2-6C6F-11EF-9E7D-DA7AD0900002"
        assert validate_uuid(value, "roles") == value

    @pytest.mark.parametrize(
        "value",
        ["admin", "8c5de1a26c6f11ef9e7dda7ad0900002", "{8c5de1a2-6c6f-11ef-9e7d-da7ad0900002}", 12],
    )
    def test_uuid_refused(self, value):
        with pytest.raises(ValueError) as caught:
            validate_uuid(value, "roles")
        assert "roles must be a UUID" in str(caught.value)
        assert repr(value) in str(caught.value)

    @pytest.mark.parametrize("blank", ["", "   ", "\t"])
    def test_blank_option_refused_naming_the_row_and_option(self, blank):
        with pytest.raises(ValueError) as caught:
            reject_empty({"display_name": blank}, ("display_name",), prefix="users[3].")
        assert str(caught.value) == "users[3].display_name must not be empty."
        assert caught.value.option == "users[3].display_name"

    def test_blank_option_message_carries_the_hint(self):
        with pytest.raises(ValueError) as caught:
            reject_empty({"id": None, "filter": " "}, ("id", "filter"), hint="; leave it out")
        assert str(caught.value) == "filter must not be empty; leave it out."

    def test_unset_and_filled_options_pass(self):
        assert reject_empty({"id": None, "group_id": "g-1"}, ("id", "group_id")) is None
