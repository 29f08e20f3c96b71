# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""datadog_scim_user and datadog_scim_user_info, run whole against a loopback SCIM server."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.scimops.datadog.plugins.modules import (
    datadog_scim_user,
    datadog_scim_user_info,
)
from ansible_collections.scimops.datadog.tests.unit.plugins.module_utils.scim_doubles import (
    APP_KEY,
    LoopbackServer,
)
from ansible_collections.scimops.datadog.tests.unit.plugins.module_utils.test_engine_users import (
    ROLE_ADMIN,
    ROLE_STANDARD,
    WRITES,
    FakeUserDirectory,
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


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in CONNECTION_ENV:
        monkeypatch.delenv(name, raising=False)


class Scim:
    """A FakeUserDirectory served over HTTP on 127.0.0.1, and a way to run modules at it."""

    def __init__(self, capsys, directory):
        self.capsys = capsys
        self.directory = directory
        self.server = LoopbackServer(self._route)

    def _route(self, record):
        path = record["path"].split("/api/v2/scim", 1)[1]
        status, body = self.directory.answer(record["method"], path, record["query"], record["json"])
        return status, {}, body

    @property
    def received(self):
        return self.server.received

    def writes(self):
        return [entry for entry in self.received if entry["method"] in WRITES]

    def run(self, module, check_mode=False, diff=False, **options):
        """One module run; returns its result and the requests it sent."""
        args = dict(api_url=self.server.url, app_key=APP_KEY)
        args.update(options)
        args["_ansible_check_mode"] = check_mode
        args["_ansible_diff"] = diff
        before = len(self.received)
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        output = self.capsys.readouterr().out
        assert APP_KEY not in output
        return json.loads(output), self.received[before:]


@pytest.fixture
def scim(capsys):
    served = Scim(capsys, FakeUserDirectory())
    with served.server:
        yield served


def methods(requests):
    return [entry["method"] for entry in requests]


# --------------------------------------------------------------------------- bad input


class TestBadInputFailsBeforeAnyRequest:
    @pytest.mark.parametrize(
        "options, option",
        [
            ({"user_name": "jane"}, "user_name"),
            ({"user_name": ""}, "user_name"),
            ({"user_name": "jane@example.com", "email": "jane@@example.com"}, "email"),
            ({"user_name": "jane@example.com", "display_name": ""}, "display_name"),
            ({"user_name": "jane@example.com", "roles": ["Datadog Admin Role"]}, "roles"),
            ({"user_name": "jane@example.com", "absent_action": "delete"}, "absent_action"),
            ({"id": "  "}, "id"),
        ],
    )
    def test_bad_value_names_the_option(self, scim, options, option):
        result, requests = scim.run(datadog_scim_user, **options)
        assert result["failed"] is True
        assert result["msg"].startswith(option)
        assert result["changed"] is False
        assert requests == []

    def test_absent_action_with_present_names_both_options(self, scim):
        result, requests = scim.run(
            datadog_scim_user, user_name="jane@example.com", absent_action="deactivate"
        )
        assert "state=absent" in result["msg"] and "absent_action=deactivate" in result["msg"]
        assert requests == []

    def test_neither_user_name_nor_id_fails(self, scim):
        result, requests = scim.run(datadog_scim_user, title="Engineer")
        assert result["failed"] is True
        assert "user_name" in result["msg"] and "id" in result["msg"]
        assert requests == []

    def test_plain_http_to_a_remote_host_is_refused(self, scim):
        result, requests = scim.run(
            datadog_scim_user,
            user_name="jane@example.com",
            api_url="http://scim.example.com/api/v2/scim",
        )
        assert result["failed"] is True
        assert result["msg"].startswith("api_url must use https")
        assert requests == []

    def test_a_bad_value_is_shown_but_a_key_never(self, scim):
        result, _requests = scim.run(datadog_scim_user, user_name=APP_KEY)
        assert result["failed"] is True
        assert APP_KEY not in json.dumps(result)


# --------------------------------------------------------------------------- lifecycle


class TestLifecycle:
    def test_create_update_deactivate_reactivate_delete(self, scim):
        jane = dict(user_name="jane.doe@example.com", display_name="Jane Doe", title="Engineer")

        result, requests = scim.run(datadog_scim_user, check_mode=True, diff=True, **jane)
        assert result["changed"] is True and result["user"]["id"] is None
        assert result["diff"]["before"] == {}
        assert result["diff"]["after"]["email"] == "jane.doe@example.com"
        assert not set(methods(requests)) & set(WRITES)

        result, requests = scim.run(datadog_scim_user, **jane)
        assert result["changed"] is True and "diff" not in result
        assert methods(requests).count("POST") == 1
        user_id = result["user"]["id"]
        assert result["user"]["active"] is True

        for check_mode in (False, True):
            result, requests = scim.run(datadog_scim_user, check_mode=check_mode, **jane)
            assert result["changed"] is False
            assert scim.writes() and not set(methods(requests)) & set(WRITES)

        result, requests = scim.run(
            datadog_scim_user, diff=True, **dict(jane, title="Lead", roles=[ROLE_ADMIN])
        )
        patches = [entry for entry in requests if entry["method"] == "PATCH"]
        assert methods(requests).count("PATCH") == 1 and len(methods(requests)) == 2
        assert [op["path"] for op in patches[0]["json"]["Operations"]] == ["title", "roles"]
        assert result["diff"] == {
            "before": {
                "user_name": "jane.doe@example.com",
                "display_name": "Jane Doe",
                "title": "Engineer",
                "roles": [ROLE_STANDARD],
            },
            "after": {
                "user_name": "jane.doe@example.com",
                "display_name": "Jane Doe",
                "title": "Lead",
                "roles": [ROLE_ADMIN],
            },
        }

        result, requests = scim.run(
            datadog_scim_user, user_name="JANE.DOE@example.com", state="absent"
        )
        assert result["changed"] is True and result["user"]["active"] is False
        assert result["user"]["userName"] == "jane.doe@example.com"
        result, requests = scim.run(datadog_scim_user, id=user_id, state="absent")
        assert result["changed"] is False and not set(methods(requests)) & set(WRITES)

        result, requests = scim.run(datadog_scim_user, id=user_id, active=True)
        assert result["changed"] is True and result["user"]["active"] is True

        result, requests = scim.run(
            datadog_scim_user, user_name=jane["user_name"], state="absent", absent_action="delete"
        )
        assert result["changed"] is True and "user" not in result
        assert methods(requests)[-1] == "DELETE"
        assert requests[-1]["path"].endswith("/Users/%s" % user_id)
        assert scim.directory.users == {}

    def test_an_id_that_names_nobody_fails_with_state_present(self, scim):
        result, requests = scim.run(datadog_scim_user, id="u-404", title="Engineer")
        assert result["failed"] is True
        assert result["msg"].startswith("No user has id 'u-404'")
        assert methods(requests) == ["GET"]

    def test_server_error_reaches_the_user_with_its_message(self, scim):
        scim.directory.add("jane@example.com")
        scim.directory.duplicate_post = "conflict"
        scim.directory.hide_inactive = "everywhere"
        scim.directory.users["u-1"]["active"] = False
        result, _requests = scim.run(datadog_scim_user, user_name="jane@example.com")
        assert result["failed"] is True
        assert result["http_status"] == 409
        assert "already exists" in result["server_message"]
        assert "id" in result["msg"]


# --------------------------------------------------------------------------- info


class TestUserInfo:
    def test_every_user_by_default(self, scim):
        for number in range(3):
            scim.directory.add("user%d@example.com" % number)
        result, requests = scim.run(datadog_scim_user_info)
        assert result["changed"] is False
        assert [user["userName"] for user in result["users"]] == [
            "user0@example.com",
            "user1@example.com",
            "user2@example.com",
        ]
        assert requests[0]["query"]["count"] == "100"

    def test_user_name_matches_case_insensitively(self, scim):
        scim.directory.add("Jane.Doe@Example.com")
        scim.directory.add("john@example.com")
        result, requests = scim.run(datadog_scim_user_info, user_name="jane.doe@example.com")
        assert [user["id"] for user in result["users"]] == ["u-1"]
        assert requests[0]["query"]["filter"] == 'userName eq "jane.doe@example.com"'

    def test_user_name_without_match_is_an_empty_list(self, scim):
        result, _requests = scim.run(datadog_scim_user_info, user_name="nobody@example.com")
        assert result["users"] == [] and "failed" not in result

    def test_id_returns_that_user_or_nothing(self, scim):
        scim.directory.add("jane@example.com", active=False)
        result, requests = scim.run(datadog_scim_user_info, id="u-1")
        assert [user["userName"] for user in result["users"]] == ["jane@example.com"]
        assert requests[0]["path"].endswith("/Users/u-1")
        result, _requests = scim.run(datadog_scim_user_info, id="u-404")
        assert result["users"] == [] and "failed" not in result

    def test_filter_is_sent_as_given(self, scim):
        scim.directory.add("jane@example.com")
        result, requests = scim.run(datadog_scim_user_info, filter='userName eq "jane@example.com"')
        assert requests[0]["query"]["filter"] == 'userName eq "jane@example.com"'
        assert len(result["users"]) == 1

    def test_a_filter_the_server_refuses_fails_with_its_message(self, scim):
        result, _requests = scim.run(datadog_scim_user_info, filter='title eq "Engineer"')
        assert result["failed"] is True and result["http_status"] == 400
        assert "Unsupported filter" in result["msg"]

    def test_check_mode_reads_the_same(self, scim):
        scim.directory.add("jane@example.com")
        result, requests = scim.run(datadog_scim_user_info, check_mode=True)
        assert len(result["users"]) == 1 and methods(requests) == ["GET"]

    @pytest.mark.parametrize(
        "options, needle",
        [
            ({"user_name": "jane@example.com", "id": "u-1"}, "mutually exclusive"),
            ({"id": "u-1", "filter": "x"}, "mutually exclusive"),
            ({"user_name": "jane"}, "user_name must be an email address"),
            ({"filter": " "}, "filter must not be empty"),
            ({"id": ""}, "id must not be empty"),
        ],
    )
    def test_bad_options_fail_before_any_request(self, scim, options, needle):
        result, requests = scim.run(datadog_scim_user_info, **options)
        assert result["failed"] is True and needle in result["msg"]
        assert requests == []
