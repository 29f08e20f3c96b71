# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The user part of the engine against a small in-memory SCIM user directory.

The directory answers like Datadog does under each of its undocumented behaviours (hidden
inactive users, duplicate POST answered with 409 or with the existing user, DELETE that
deactivates or removes, attributes it does not echo, roles with ``display``), so that each
behaviour the collection promises is checked against each of them.
"""

from __future__ import annotations

import copy
import itertools
import json
import re

import pytest

from ansible_collections.scimops.datadog.plugins.module_utils._client import (
    ScimError,
    ScimOptionError,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    USER_ATTRIBUTES,
    Outcome,
    UserEngine,
    validate_user_values,
    wanted_values,
)
from ansible_collections.scimops.datadog.tests.unit.plugins.module_utils.scim_doubles import (
    Answer,
    ClientKit,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ROLE_STANDARD = "bd28c0ad-4b1c-11ee-a6fa-da7ad0900002"
ROLE_ADMIN = "bd28c0ad-4b1c-11ee-a6fa-da7ad0900001"
ROLE_NAMES = {ROLE_STANDARD: "Datadog Standard Role", ROLE_ADMIN: "Datadog Admin Role"}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
_FILTER = re.compile(r'^userName eq (".*")$')


class FakeUserDirectory:
    """SCIM /Users in memory, with a switch for each behaviour Datadog leaves open.

    ``answer(method, path, query, body)`` returns ``(status, body)``; paths are relative to
    the SCIM root. Every request is kept in ``requests`` as ``(method, path)``.
    """

    def __init__(
        self,
        hide_inactive="no",
        duplicate_post="conflict",
        delete="remove",
        echo_undocumented=True,
        shout=False,
        reversed_keys=False,
        patch_status=200,
    ):
        # hide_inactive: "no", "everywhere", or "filter" (hidden from filters, listed in lists)
        self.hide_inactive = hide_inactive
        self.duplicate_post = duplicate_post
        self.delete = delete
        self.echo_undocumented = echo_undocumented
        self.shout = shout
        self.reversed_keys = reversed_keys
        self.patch_status = patch_status
        self.users = {}
        self.requests = []
        self._ids = itertools.count(1)

    # -- state

    def add(self, user_name, active=True, **fields):
        user_id = "u-%d" % next(self._ids)
        self.users[user_id] = {
            "id": user_id,
            "userName": user_name,
            "formatted": fields.get("display_name"),
            "givenName": fields.get("given_name"),
            "familyName": fields.get("family_name"),
            "email": fields.get("email", user_name),
            "title": fields.get("title"),
            "active": active,
            "roles": list(fields.get("roles", [ROLE_STANDARD])),
            "externalId": fields.get("external_id"),
        }
        return user_id

    def writes(self):
        return [entry for entry in self.requests if entry[0] in WRITES]

    # -- rendering

    def render(self, user):
        name = {"formatted": user["formatted"]}
        if self.echo_undocumented:
            name.update(givenName=user["givenName"], familyName=user["familyName"])
        email = user["email"].upper() if self.shout else user["email"]
        roles = [
            {"value": role.upper() if self.shout else role, "display": ROLE_NAMES.get(role)}
            for role in reversed(user["roles"])
        ]
        resource = {
            "schemas": [USER_SCHEMA],
            "id": user["id"],
            "userName": user["userName"],
            "name": {key: value for key, value in name.items() if value is not None},
            "emails": [{"primary": True, "type": "work", "value": email}],
            "title": user["title"],
            "active": user["active"],
            "roles": roles,
            "meta": {
                "resourceType": "User",
                "location": "https://app.datadoghq.com/api/v2/Users/%s" % user["id"],
            },
        }
        if self.echo_undocumented and user["externalId"] is not None:
            resource["externalId"] = user["externalId"]
        if self.reversed_keys:
            resource = dict(reversed(list(resource.items())))
        return resource

    # -- endpoints

    def answer(self, method, path, query, body):
        self.requests.append((method, path))
        parts = [part for part in path.split("/") if part]
        if parts[:1] != ["Users"]:
            return 404, {"errors": ["no such endpoint"]}
        if len(parts) == 1:
            return self._list(query) if method == "GET" else self._create(body)
        user = self.users.get(parts[1])
        if user is None:
            return 404, {"errors": ["User %s not found" % parts[1]]}
        if method == "GET":
            return 200, self.render(user)
        if method == "PATCH":
            return self._patch(user, body)
        if method == "DELETE":
            if self.delete == "remove":
                del self.users[user["id"]]
            else:
                user["active"] = False
            return 204, None
        return 405, {"errors": ["method not allowed"]}

    def _visible(self, user, filtered):
        if user["active"] or self.hide_inactive == "no":
            return True
        return self.hide_inactive == "filter" and not filtered

    def _list(self, query):
        users = list(self.users.values())
        filtered = "filter" in query
        if filtered:
            match = _FILTER.match(query["filter"])
            if match is None:
                return 400, {"errors": ["Unsupported filter"]}
            wanted = json.loads(match.group(1)).casefold()
            users = [user for user in users if user["userName"].casefold() == wanted]
        users = [user for user in users if self._visible(user, filtered)]
        start = int(query.get("startIndex", 1))
        count = int(query.get("count", 20))
        page = users[start - 1 : start - 1 + count]
        return 200, {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(users),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": [self.render(user) for user in page],
        }

    def _create(self, body):
        for user in self.users.values():
            if user["userName"].casefold() == body["userName"].casefold():
                if self.duplicate_post == "existing":
                    return 200, self.render(user)
                return 409, {"errors": ["User with userName %s already exists" % body["userName"]]}
        name = body.get("name") or {}
        user_id = self.add(
            body["userName"],
            active=body.get("active", True),
            display_name=name.get("formatted"),
            given_name=name.get("givenName"),
            family_name=name.get("familyName"),
            email=body["emails"][0]["value"],
            title=body.get("title"),
            roles=[role["value"] for role in body.get("roles", [{"value": ROLE_STANDARD}])],
            external_id=body.get("externalId"),
        )
        return 201, self.render(self.users[user_id])

    def _patch(self, user, body):
        for operation in body["Operations"]:
            if operation["op"] not in ("add", "replace"):
                return 400, {"errors": ["Patch operation %s is not supported" % operation["op"]]}
            path, value = operation["path"], operation["value"]
            if path == "userName":
                user["userName"] = value
            elif path.startswith("name."):
                user[path[len("name.") :]] = value
            elif path in ("title", "active", "externalId"):
                user[path] = value
            elif path == "roles":
                user["roles"] = [role["value"] for role in value]
            elif path == 'emails[type eq "work"].value':
                user["email"] = value
            else:
                return 400, {"errors": ["Unsupported patch path %s" % path]}
        if self.patch_status == 204:
            return 204, None
        return 200, self.render(user)


class Harness:
    """A client wired to a FakeUserDirectory, and the engine over it."""

    def __init__(self, directory=None, check_mode=False, **switches):
        self.directory = directory or FakeUserDirectory(**switches)
        self.warnings = []
        self.kit = ClientKit(responder=self._respond)
        self.check_mode = check_mode

    def _respond(self, sent):
        path = sent.path[len("/api/v2/scim") :]
        status, body = self.directory.answer(sent.method, path, sent.query, sent.json)
        return Answer(status=status, body=body)

    @property
    def sent(self):
        return self.kit.sent

    def writes(self):
        return [sent for sent in self.kit.sent if sent.method in WRITES]

    def engine(self, check_mode=None):
        return UserEngine(
            self.kit.client,
            self.check_mode if check_mode is None else check_mode,
            self.warnings.append,
        )

    def present(self, check_mode=None, user_id=None, **options):
        """Runs one ensure_present as the module does; returns (user, outcome, writes sent)."""
        return self._run("present", check_mode, user_id, None, options)

    def absent(self, action="deactivate", check_mode=None, user_id=None, **options):
        return self._run("absent", check_mode, user_id, action, options)

    def _run(self, state, check_mode, user_id, action, options):
        before = len(self.writes())
        engine = self.engine(check_mode)
        outcome = Outcome()
        current = engine.find(user_name=options.get("user_name"), user_id=user_id)
        if state == "present":
            user = engine.ensure_present(current, wanted_values(USER_ATTRIBUTES, options), outcome)
        else:
            user = engine.ensure_absent(current, action, outcome)
        return user, outcome, self.writes()[before:]


def stored(harness, user_name):
    matches = [
        user
        for user in harness.directory.users.values()
        if user["userName"].casefold() == user_name.casefold()
    ]
    assert len(matches) <= 1
    return copy.deepcopy(matches[0]) if matches else None


JANE = dict(
    user_name="jane.doe@example.com",
    display_name="Jane Doe",
    given_name="Jane",
    family_name="Doe",
    title="Engineer",
    roles=[ROLE_ADMIN, ROLE_STANDARD],
    external_id="E-1001",
)


# --------------------------------------------------------------------------- create


class TestCreate:
    def test_create_sends_one_post_with_every_attribute_and_reports_it(self):
        harness = Harness()
        user, outcome, writes = harness.present(**JANE)

        assert [sent.method for sent in writes] == ["POST"]
        payload = writes[0].json
        assert payload["userName"] == "jane.doe@example.com"
        assert payload["name"] == {"formatted": "Jane Doe", "givenName": "Jane", "familyName": "Doe"}
        assert payload["emails"] == [
            {"value": "jane.doe@example.com", "type": "work", "primary": True}
        ]
        assert payload["active"] is True
        assert payload["externalId"] == "E-1001"
        assert outcome.changed is True
        assert user["id"] == "u-1"
        assert stored(harness, "jane.doe@example.com")["title"] == "Engineer"

    def test_create_diff_holds_option_names_sorted_lists_and_no_meta(self):
        harness = Harness()
        _user, outcome, _writes = harness.present(**JANE)
        assert outcome.before == {}
        assert outcome.after == {
            "user_name": "jane.doe@example.com",
            "display_name": "Jane Doe",
            "given_name": "Jane",
            "family_name": "Doe",
            "email": "jane.doe@example.com",
            "title": "Engineer",
            "active": True,
            "roles": sorted([ROLE_ADMIN, ROLE_STANDARD]),
            "external_id": "E-1001",
        }

    def test_check_mode_predicts_a_user_without_id_and_writes_nothing(self):
        harness = Harness()
        user, outcome, writes = harness.present(check_mode=True, **JANE)
        assert writes == []
        assert outcome.changed is True
        assert user["id"] is None
        assert user["userName"] == "jane.doe@example.com"
        assert user["active"] is True
        assert harness.directory.users == {}

    def test_a_user_created_inactive_stays_inactive(self):
        harness = Harness()
        user, _outcome, writes = harness.present(user_name="temp@example.com", active=False)
        assert writes[0].json["active"] is False
        assert user["active"] is False


# --------------------------------------------------------------------------- update


class TestUpdate:
    def test_only_changed_attributes_go_in_one_patch_of_replace_operations(self):
        harness = Harness()
        harness.directory.add("jane.doe@example.com", display_name="Jane Doe", title="Engineer")
        user, outcome, writes = harness.present(
            user_name="jane.doe@example.com",
            display_name="Jane Doe",
            title="Site Reliability Engineer",
            roles=[ROLE_ADMIN],
        )
        assert [sent.method for sent in writes] == ["PATCH"]
        operations = writes[0].json["Operations"]
        assert operations == [
            {"op": "replace", "path": "title", "value": "Site Reliability Engineer"},
            {"op": "replace", "path": "roles", "value": [{"value": ROLE_ADMIN}]},
        ]
        assert outcome.changed is True
        assert outcome.before == {
            "user_name": "jane.doe@example.com",
            "display_name": "Jane Doe",
            "title": "Engineer",
            "roles": [ROLE_STANDARD],
        }
        assert outcome.after == {
            "user_name": "jane.doe@example.com",
            "display_name": "Jane Doe",
            "title": "Site Reliability Engineer",
            "roles": [ROLE_ADMIN],
        }
        assert user["title"] == "Site Reliability Engineer"

    def test_check_mode_predicts_the_update_without_writing(self):
        harness = Harness()
        harness.directory.add("jane.doe@example.com", title="Engineer")
        user, outcome, writes = harness.present(
            check_mode=True, user_name="jane.doe@example.com", title="Manager"
        )
        assert writes == []
        assert outcome.changed is True
        assert user["title"] == "Manager" and user["id"] == "u-1"
        assert stored(harness, "jane.doe@example.com")["title"] == "Engineer"

    def test_a_patch_answered_with_204_is_read_back(self):
        harness = Harness(patch_status=204)
        harness.directory.add("jane.doe@example.com", title="Engineer")
        user, _outcome, writes = harness.present(user_name="jane.doe@example.com", title="Lead")
        assert [sent.method for sent in writes] == ["PATCH"]
        assert harness.sent[-1].method == "GET" and harness.sent[-1].path.endswith("/Users/u-1")
        assert user["title"] == "Lead"

    def test_email_is_compared_case_insensitively(self):
        harness = Harness()
        harness.directory.add("jane.doe@example.com", email="Jane.Doe@Example.com")
        _user, outcome, writes = harness.present(
            user_name="jane.doe@example.com", email="jane.doe@example.com"
        )
        assert writes == [] and outcome.changed is False


# --------------------------------------------------------------------------- idempotence


@pytest.mark.parametrize(
    "switches",
    [
        {},
        {"echo_undocumented": False},
        {"shout": True},
        {"reversed_keys": True},
        {"echo_undocumented": False, "shout": True, "reversed_keys": True},
    ],
    ids=["plain", "no-undocumented", "upper-case", "reordered", "all"],
)
class TestIdempotence:
    def test_second_run_writes_nothing_and_reports_no_change(self, switches):
        harness = Harness(**switches)
        _user, first, _writes = harness.present(**JANE)
        assert first.changed is True

        user, second, writes = harness.present(**JANE)
        assert writes == []
        assert second.changed is False
        assert second.before == second.after
        assert user["id"] == "u-1"

        _user, check, writes = harness.present(check_mode=True, **JANE)
        assert writes == [] and check.changed is False

    def test_an_unchanged_update_after_a_real_one_writes_nothing(self, switches):
        harness = Harness(**switches)
        harness.present(**JANE)
        promoted = dict(JANE)
        promoted.update(title="Lead", roles=[ROLE_STANDARD])
        _user, outcome, writes = harness.present(**promoted)
        assert outcome.changed is True and [sent.method for sent in writes] == ["PATCH"]
        _user, outcome, writes = harness.present(**promoted)
        assert outcome.changed is False and writes == []


# --------------------------------------------------------------------------- matching


class TestMatching:
    def test_user_name_differing_in_case_matches_and_is_not_rewritten(self):
        harness = Harness()
        harness.directory.add("Jane.Doe@Example.com", title="Engineer")
        user, outcome, writes = harness.present(user_name="jane.doe@example.com", title="Engineer")
        assert writes == [] and outcome.changed is False
        assert user["userName"] == "Jane.Doe@Example.com"

    def test_id_wins_and_a_different_user_name_renames(self):
        harness = Harness()
        user_id = harness.directory.add("jane.doe@example.com")
        harness.directory.add("other@example.com")
        _user, outcome, writes = harness.present(user_id=user_id, user_name="jane.smith@example.com")
        assert writes[0].json["Operations"] == [
            {"op": "replace", "path": "userName", "value": "jane.smith@example.com"}
        ]
        assert outcome.changed is True
        assert harness.directory.users[user_id]["userName"] == "jane.smith@example.com"

    def test_two_matches_fail_naming_both_ids_before_any_write(self):
        harness = Harness()
        first = harness.directory.add("jane.doe@example.com")
        second = harness.directory.add("JANE.DOE@example.com")
        with pytest.raises(ScimError) as caught:
            harness.present(user_name="Jane.Doe@example.com", title="Engineer")
        assert first in caught.value.msg and second in caught.value.msg
        assert "2 users match" in caught.value.msg
        assert harness.writes() == []

    def test_an_id_that_names_nobody_is_not_found(self):
        harness = Harness()
        assert harness.engine().find(user_id="u-404") is None


# --------------------------------------------------------------------------- active


class TestActive:
    def test_active_is_left_alone_when_not_set(self):
        harness = Harness()
        harness.directory.add("jane.doe@example.com", active=False, title="Engineer")
        user, outcome, writes = harness.present(user_name="jane.doe@example.com", title="Lead")
        assert [op["path"] for op in writes[0].json["Operations"]] == ["title"]
        assert user["active"] is False
        assert "active" not in outcome.after

    def test_deactivate_then_reactivate(self):
        harness = Harness()
        harness.directory.add("jane.doe@example.com")
        user, outcome, writes = harness.absent(user_name="jane.doe@example.com")
        assert writes[0].json["Operations"] == [{"op": "replace", "path": "active", "value": False}]
        assert outcome.changed is True
        assert outcome.before == {"active": True} and outcome.after == {"active": False}
        assert user["active"] is False

        _user, outcome, writes = harness.absent(user_name="jane.doe@example.com")
        assert writes == [] and outcome.changed is False

        user, outcome, writes = harness.present(user_name="jane.doe@example.com", active=True)
        assert writes[0].json["Operations"] == [{"op": "replace", "path": "active", "value": True}]
        assert user["active"] is True
        _user, outcome, writes = harness.present(user_name="jane.doe@example.com", active=True)
        assert writes == [] and outcome.changed is False

    def test_deactivate_in_check_mode_predicts_without_writing(self):
        harness = Harness()
        harness.directory.add("jane.doe@example.com")
        user, outcome, writes = harness.absent(check_mode=True, user_name="jane.doe@example.com")
        assert writes == [] and outcome.changed is True and user["active"] is False
        assert stored(harness, "jane.doe@example.com")["active"] is True

    def test_absent_user_that_does_not_exist_is_no_change(self):
        harness = Harness()
        user, outcome, writes = harness.absent(user_name="nobody@example.com")
        assert user is None and outcome.changed is False and writes == []


# --------------------------------------------------------------------------- delete


class TestDelete:
    @pytest.mark.parametrize("delete", ["remove", "disable"])
    def test_delete_converges_whatever_delete_does(self, delete):
        harness = Harness(delete=delete)
        harness.directory.add("jane.doe@example.com", title="Engineer")

        user, outcome, writes = harness.absent("delete", check_mode=True, user_name=JANE["user_name"])
        assert writes == [] and outcome.changed is True and user is None

        user, outcome, writes = harness.absent("delete", user_name=JANE["user_name"])
        assert [sent.method for sent in writes] == ["DELETE"]
        assert writes[0].path.endswith("/Users/u-1")
        assert outcome.changed is True and outcome.after == {}
        assert outcome.before["title"] == "Engineer"
        assert user is None

        for check_mode in (False, True):
            _user, outcome, writes = harness.absent(
                "delete", check_mode=check_mode, user_name=JANE["user_name"]
            )
            assert writes == [] and outcome.changed is False

    def test_deleted_user_is_gone_on_a_removing_server(self):
        harness = Harness(delete="remove")
        harness.directory.add("jane.doe@example.com")
        harness.absent("delete", user_name=JANE["user_name"])
        assert stored(harness, JANE["user_name"]) is None

    def test_a_deactivated_user_counts_as_deleted(self):
        harness = Harness(delete="remove")
        harness.directory.add("jane.doe@example.com", active=False)
        user, outcome, writes = harness.absent("delete", user_name=JANE["user_name"])
        assert writes == [] and outcome.changed is False
        assert user["active"] is False and outcome.before == outcome.after


# --------------------------------------------------------------------------- hidden users


class TestHiddenInactiveUsers:
    """A deactivated user that lookups do not show, re-onboarded by user name."""

    def deactivated(self, **switches):
        harness = Harness(hide_inactive="everywhere", **switches)
        harness.directory.add("jane.doe@example.com", active=False, title="Engineer")
        return harness

    def test_conflict_without_any_lookup_seeing_it_fails_asking_for_the_id(self):
        harness = self.deactivated(duplicate_post="conflict")
        with pytest.raises(ScimError) as caught:
            harness.present(user_name=JANE["user_name"], active=True)
        assert caught.value.status == 409
        assert "Give the user's id" in caught.value.msg
        assert [sent.method for sent in harness.writes()] == ["POST"]
        # The filter, then the full list, were tried before giving up.
        lists = [sent for sent in harness.sent if sent.method == "GET"]
        assert [("filter" in sent.query) for sent in lists] == [True, True, False]

    def test_conflict_for_a_task_that_wants_it_inactive_is_no_change(self):
        harness = self.deactivated(duplicate_post="conflict")
        user, outcome, _writes = harness.present(user_name=JANE["user_name"], active=False)
        assert user is None and outcome.changed is False
        assert outcome.before == outcome.after == {}
        assert any("hides it" in warning for warning in harness.warnings)
        assert stored(harness, JANE["user_name"])["active"] is False

    def test_conflict_finds_a_user_the_full_list_shows(self):
        harness = Harness(hide_inactive="filter", duplicate_post="conflict")
        harness.directory.add("jane.doe@example.com", active=False, title="Engineer")
        user, outcome, writes = harness.present(
            user_name=JANE["user_name"], title="Lead", active=True
        )
        assert [sent.method for sent in writes] == ["POST", "PATCH"]
        assert writes[1].json["Operations"] == [
            {"op": "replace", "path": "title", "value": "Lead"},
            {"op": "replace", "path": "active", "value": True},
        ]
        assert outcome.changed is True
        assert outcome.before == {
            "user_name": JANE["user_name"],
            "title": "Engineer",
            "active": False,
        }
        assert user["active"] is True and user["id"] == "u-1"

    def test_existing_answer_reactivates_when_asked_and_then_converges(self):
        harness = self.deactivated(duplicate_post="existing")
        user, outcome, writes = harness.present(user_name=JANE["user_name"], active=True)
        assert [sent.method for sent in writes] == ["POST", "PATCH"]
        assert outcome.changed is True
        assert outcome.before == {"user_name": JANE["user_name"], "active": False}
        assert user["active"] is True
        assert len(harness.directory.users) == 1

        _user, outcome, writes = harness.present(user_name=JANE["user_name"], active=True)
        assert writes == [] and outcome.changed is False

    def test_existing_answer_leaves_active_alone_when_not_set(self):
        harness = self.deactivated(duplicate_post="existing")
        user, outcome, writes = harness.present(user_name=JANE["user_name"], title="Lead")
        assert [sent.method for sent in writes] == ["POST", "PATCH"]
        assert [op["path"] for op in writes[1].json["Operations"]] == ["title"]
        assert user["active"] is False and outcome.changed is True
        assert any("deactivated" in warning for warning in harness.warnings)

        # Nothing left to change: the create request that finds it changes nothing either.
        _user, outcome, writes = harness.present(user_name=JANE["user_name"], title="Lead")
        assert [sent.method for sent in writes] == ["POST"]
        assert outcome.changed is False

    def test_a_user_created_for_real_after_a_lookup_miss_is_a_creation(self):
        harness = Harness(hide_inactive="everywhere", duplicate_post="existing")
        user, outcome, writes = harness.present(user_name="new@example.com")
        assert [sent.method for sent in writes] == ["POST"]
        assert outcome.changed is True and user["id"] == "u-1"

    def test_state_absent_of_a_hidden_deactivated_user_is_no_change(self):
        harness = self.deactivated()
        user, outcome, writes = harness.absent(user_name=JANE["user_name"])
        assert user is None and outcome.changed is False and writes == []


# --------------------------------------------------------------------------- validation


class TestValidation:
    @pytest.mark.parametrize(
        "values, option",
        [
            ({"user_name": "not-an-email"}, "user_name"),
            ({"user_name": "   "}, "user_name"),
            ({"user_name": "jane@example.com", "email": "jane at example"}, "email"),
            ({"user_name": "jane@example.com", "display_name": "  "}, "display_name"),
            ({"user_name": "jane@example.com", "roles": ["admin"]}, "roles"),
            ({"user_name": "a" * 250 + "@example.com"}, "user_name"),
        ],
    )
    def test_bad_values_fail_naming_the_option(self, values, option):
        with pytest.raises(ScimOptionError) as caught:
            validate_user_values(values)
        assert caught.value.option == option
        assert caught.value.msg.startswith(option)

    def test_a_sync_row_prefix_is_part_of_the_option_name(self):
        with pytest.raises(ScimOptionError) as caught:
            validate_user_values({"user_name": "x"}, prefix="users[3].")
        assert caught.value.option == "users[3].user_name"

    def test_good_values_pass(self):
        validate_user_values(dict(JANE, email="Jane.Doe@example.com"))
