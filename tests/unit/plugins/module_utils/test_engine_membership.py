# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The membership engine and the group engine against an in-memory SCIM directory."""

from __future__ import annotations

import re
import uuid

import pytest

from ansible_collections.scimops.datadog.plugins.module_utils._client import (
    ScimError,
    ScimOptionError,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    GroupEngine,
    MembershipEngine,
    Outcome,
    UserDirectory,
    member_ids,
    with_member_user_names,
)
from ansible_collections.scimops.datadog.tests.unit.plugins.module_utils.scim_doubles import (
    Answer,
    ClientKit,
)

ROOT = "/api/v2/scim"
_MEMBER_PATH = re.compile(r'^members\[value eq "([^"]+)"\]$')
_FILTER = re.compile(r'^(\w+) eq "(.*)"$')


class Directory:
    """A small SCIM server: users, groups, paged lists, filters and group PATCH.

    ``patch_limit`` is the most members (added or removed) one PATCH may carry before the
    answer is 413, and ``post_limit`` the most a POST may carry; ``patch_status`` 204 answers
    a PATCH without a body, as scim2-server does.
    """

    def __init__(self, patch_limit=None, patch_status=200, page_cap=100, post_limit=None):
        self.users = {}
        self.groups = {}
        self.patch_limit = patch_limit
        self.post_limit = post_limit
        self.patch_status = patch_status
        self.page_cap = page_cap
        self.fail_next_patch = None
        self.teams_disabled = None

    def add_user(self, user_name):
        user_id = str(uuid.uuid4())
        self.users[user_id] = {"id": user_id, "userName": user_name, "active": True}
        return user_id

    def add_group(self, display_name, user_ids=()):
        group_id = str(uuid.uuid4())
        self.groups[group_id] = {
            "id": group_id,
            "displayName": display_name,
            "members": [{"value": user_id} for user_id in user_ids],
        }
        return group_id

    def __call__(self, sent):
        path = sent.path[len(ROOT) :]
        parts = [part for part in path.split("/") if part]
        kind, resource_id = parts[0], (parts[1] if len(parts) > 1 else None)
        if kind == "Groups" and self.teams_disabled:
            return Answer(self.teams_disabled, {"errors": ["Team provisioning is not enabled"]})
        store = self.users if kind == "Users" else self.groups
        if sent.method == "GET" and resource_id is None:
            return self._list(store, sent.query)
        if sent.method == "GET":
            found = store.get(resource_id)
            return Answer(200, found) if found else Answer(404, {"detail": "not found"})
        if sent.method == "POST":
            return self._create_group(sent.json)
        if sent.method == "PATCH":
            return self._patch_group(resource_id, sent.json["Operations"])
        if sent.method == "DELETE":
            return Answer(204) if self.groups.pop(resource_id, None) else Answer(404, {})
        raise AssertionError("unexpected %s %s" % (sent.method, sent.path))

    def _list(self, store, query):
        resources = list(store.values())
        if "filter" in query:
            attribute, value = _FILTER.match(query["filter"]).groups()
            if attribute == "userName":
                resources = [r for r in resources if r["userName"].lower() == value.lower()]
            else:
                resources = [r for r in resources if r.get(attribute) == value]
        start = int(query.get("startIndex", 1))
        count = min(int(query.get("count", 20)), self.page_cap)
        page = resources[start - 1 : start - 1 + count]
        body = {"totalResults": len(resources), "itemsPerPage": len(page), "Resources": page}
        return Answer(200, dict(body, startIndex=start))

    def _create_group(self, payload):
        if self.post_limit is not None and len(payload.get("members", [])) > self.post_limit:
            return Answer(413, {"errors": ["too many members in one request"]})
        existing = [g for g in self.groups.values() if g["displayName"] == payload["displayName"]]
        if existing:
            # Datadog links an existing team of the same name instead of making a second one.
            group = existing[0]
            group["members"] += [m for m in payload.get("members", []) if m not in group["members"]]
            return Answer(200, group)
        group_id = self.add_group(payload["displayName"], member_ids(payload))
        if "externalId" in payload:
            self.groups[group_id]["externalId"] = payload["externalId"]
        return Answer(201, self.groups[group_id])

    def _patch_group(self, group_id, operations):
        if self.fail_next_patch:
            status, self.fail_next_patch = self.fail_next_patch, None
            return Answer(status, {"detail": "refused"})
        group = self.groups.get(group_id)
        if group is None:
            return Answer(404, {"detail": "not found"})
        size = sum(len(op.get("value") or [None]) for op in operations if op["op"] != "replace")
        if self.patch_limit is not None and size > self.patch_limit:
            return Answer(413, {"detail": "too many members in one request"})
        members = [entry["value"] for entry in group["members"]]
        for operation in operations:
            if operation["op"] == "add":
                assert operation["path"] == "members"
                members += [m["value"] for m in operation["value"] if m["value"] not in members]
            elif operation["op"] == "remove":
                assert "value" not in operation, "remove must name the member in its path"
                leaving = _MEMBER_PATH.match(operation["path"]).group(1)
                members = [m for m in members if m != leaving]
            else:
                assert operation["op"] == "replace" and "path" not in operation
                group.update(operation["value"])
        group["members"] = [{"value": m} for m in members]
        return Answer(204) if self.patch_status == 204 else Answer(200, group)

    def member_names(self, group_id):
        ids = member_ids(self.groups[group_id])
        return sorted(self.users[user_id]["userName"] for user_id in ids)


def user_names(count, prefix="user"):
    return ["%s%04d@example.com" % (prefix, number) for number in range(count)]


class Fixture:
    def __init__(self, check_mode=False, **directory_options):
        self.directory = Directory(**directory_options)
        self.kit = ClientKit(responder=self.directory)
        self.warnings = []
        self.check_mode = check_mode

    @property
    def client(self):
        return self.kit.client

    def membership(self):
        return MembershipEngine(self.client, self.check_mode, self.warnings.append)

    def groups(self):
        return GroupEngine(self.client, self.check_mode, self.warnings.append)

    def sent(self, method=None):
        return [sent for sent in self.kit.sent if method is None or sent.method == method]

    def writes(self):
        return [sent for sent in self.kit.sent if sent.method != "GET"]

    def forget_requests(self):
        self.kit.adapter.sent.clear()


@pytest.fixture
def team():
    """A directory of five users, three of whom are members of the SRE team."""
    fixture = Fixture()
    ids = [fixture.directory.add_user(name) for name in user_names(5)]
    group_id = fixture.directory.add_group("SRE", ids[:3])
    fixture.ids = ids
    fixture.group_id = group_id
    return fixture


class TestPlan:
    def test_present_adds_only_users_that_are_not_members(self, team):
        plan = team.membership().plan_references(
            team.ids[:3], user_names(5)[2:], "present", "fail", "users"
        )
        assert plan.add_ids == team.ids[3:]
        assert plan.remove_ids == []
        assert plan.added == user_names(5)[3:]
        assert plan.removed == []
        assert plan.before_names == user_names(3)
        assert plan.after_names == user_names(5)

    def test_absent_removes_only_users_that_are_members(self, team):
        plan = team.membership().plan_references(
            team.ids[:3], [user_names(5)[0], user_names(5)[4]], "absent", "fail", "users"
        )
        assert plan.add_ids == []
        assert plan.remove_ids == [team.ids[0]]
        assert plan.removed == [user_names(5)[0]]
        assert plan.after_names == user_names(3)[1:]

    def test_exact_adds_and_removes(self, team):
        plan = team.membership().plan_references(
            team.ids[:3], [team.ids[4], user_names(5)[1]], "exact", "fail", "users"
        )
        assert plan.add_ids == [team.ids[4]]
        assert sorted(plan.remove_ids) == sorted([team.ids[0], team.ids[2]])
        assert plan.added == [user_names(5)[4]]
        assert plan.removed == [user_names(5)[0], user_names(5)[2]]
        assert plan.after_names == [user_names(5)[1], user_names(5)[4]]

    def test_nothing_to_do_is_no_change(self, team):
        plan = team.membership().plan_references(
            team.ids[:3], user_names(3), "exact", "fail", "users"
        )
        assert not plan.changes

    def test_user_names_match_case_insensitively(self, team):
        plan = team.membership().plan_references(
            team.ids[:3], ["USER0001@Example.COM"], "present", "fail", "users"
        )
        assert not plan.changes


class TestResolution:
    def test_many_users_are_resolved_from_list_pages_not_one_request_each(self):
        fixture = Fixture()
        for name in user_names(450):
            fixture.directory.add_user(name)
        plan = fixture.membership().plan_references([], user_names(450), "present", "fail", "users")
        assert len(plan.add_ids) == 450
        gets = fixture.sent("GET")
        # One request for the total, then five pages of 100.
        assert len(gets) == 6
        assert all(sent.path == ROOT + "/Users" and "filter" not in sent.query for sent in gets)

    def test_a_few_users_cost_one_lookup_each(self):
        fixture = Fixture()
        for name in user_names(450):
            fixture.directory.add_user(name)
        fixture.membership().plan_references([], user_names(2), "present", "fail", "users")
        filters = [sent.query.get("filter") for sent in fixture.sent("GET")]
        assert filters.count(None) == 1
        assert 'userName eq "user0000@example.com"' in filters
        assert len(filters) == 3

    def test_missing_users_fail_names_the_option_and_the_users(self, team):
        with pytest.raises(ScimOptionError) as raised:
            team.membership().plan_references(
                [], ["ghost@example.com", user_names(1)[0]], "present", "fail", "users"
            )
        assert raised.value.option == "users"
        assert "ghost@example.com" in raised.value.msg
        assert team.writes() == []

    def test_missing_users_warn_leaves_them_out_with_a_warning(self, team):
        plan = team.membership().plan_references(
            [], ["ghost@example.com", user_names(4)[3]], "present", "warn", "members"
        )
        assert plan.added == [user_names(4)[3]]
        assert len(team.warnings) == 1 and "ghost@example.com" in team.warnings[0]

    def test_missing_users_ignore_is_silent(self, team):
        plan = team.membership().plan_references(
            [], ["ghost@example.com"], "present", "ignore", "users"
        )
        assert not plan.changes
        assert team.warnings == []

    def test_check_mode_predicts_a_missing_user_name_as_added(self, team):
        team.check_mode = True
        plan = team.membership().plan_references(
            team.ids[:3], ["new.hire@example.com"], "present", "fail", "users"
        )
        assert plan.changes
        assert plan.added == ["new.hire@example.com"]
        assert "new.hire@example.com" in plan.after_names
        assert "shown as added" in team.warnings[0]

    def test_check_mode_takes_a_missing_user_as_not_a_member_when_removing(self, team):
        team.check_mode = True
        plan = team.membership().plan_references(
            team.ids[:3], ["new.hire@example.com"], "absent", "fail", "users"
        )
        assert not plan.changes
        assert plan.after_names == user_names(3)
        assert "not members" in team.warnings[0]

    def test_check_mode_still_fails_for_a_missing_id(self, team):
        team.check_mode = True
        with pytest.raises(ScimOptionError):
            team.membership().plan_references(
                [], ["0b6e7e4a-0000-4000-8000-000000000000"], "present", "fail", "users"
            )


class TestApply:
    def test_one_patch_adds_and_removes_with_member_paths(self, team):
        engine = team.groups()
        group = engine.find(group_id=team.group_id)
        outcome = Outcome()
        engine.ensure_members(group, user_names(5)[2:], "exact", "fail", outcome)
        patches = team.sent("PATCH")
        assert len(patches) == 1
        operations = patches[0].json["Operations"]
        assert operations[0] == {
            "op": "add",
            "path": "members",
            "value": [{"value": team.ids[3]}, {"value": team.ids[4]}],
        }
        assert sorted(op["path"] for op in operations[1:]) == sorted(
            'members[value eq "%s"]' % user_id for user_id in team.ids[:2]
        )
        assert team.directory.member_names(team.group_id) == user_names(5)[2:]
        assert outcome.changed
        assert outcome.extra == {"added": user_names(5)[3:], "removed": user_names(2)}
        assert outcome.before == {"members": user_names(3)}
        assert outcome.after == {"members": user_names(5)[2:]}

    def test_a_patch_answered_204_is_followed_by_a_get(self):
        fixture = Fixture(patch_status=204)
        user_id = fixture.directory.add_user("jane@example.com")
        group_id = fixture.directory.add_group("SRE")
        engine = fixture.groups()
        group = engine.find(group_id=group_id)
        fixture.forget_requests()
        group = engine.ensure_members(group, ["jane@example.com"], "present", "fail", Outcome())
        assert member_ids(group) == [user_id]
        assert fixture.kit.adapter.methods()[-2:] == ["PATCH", "GET"]

    def test_re_run_sends_no_write(self, team):
        engine = team.groups()
        engine.ensure_members(
            engine.find(group_id=team.group_id), user_names(4), "exact", "fail", Outcome()
        )
        team.forget_requests()
        outcome = Outcome()
        engine = team.groups()
        engine.ensure_members(
            engine.find(group_id=team.group_id), user_names(4), "exact", "fail", outcome
        )
        assert not outcome.changed
        assert team.writes() == []

    def test_check_mode_sends_no_write_and_predicts_the_members(self, team):
        team.check_mode = True
        engine = team.groups()
        outcome = Outcome()
        group = engine.ensure_members(
            engine.find(group_id=team.group_id), user_names(5)[3:], "present", "fail", outcome
        )
        assert team.writes() == []
        assert outcome.changed
        assert sorted(member_ids(group)) == sorted(team.ids)
        assert team.directory.member_names(team.group_id) == user_names(3)

    def test_a_refused_size_is_split_until_the_server_takes_it(self):
        fixture = Fixture(patch_limit=100)
        ids = [fixture.directory.add_user(name) for name in user_names(500)]
        group_id = fixture.directory.add_group("Everyone")
        engine = fixture.groups()
        engine.ensure_members(engine.find(group_id=group_id), ids, "present", "fail", Outcome())
        assert fixture.directory.member_names(group_id) == user_names(500)
        accepted = [
            sent
            for sent in fixture.sent("PATCH")
            if len(sent.json["Operations"][0]["value"]) <= 100
        ]
        assert sum(len(sent.json["Operations"][0]["value"]) for sent in accepted) == 500
        # 500 halves to 250, then to 125, then to 62/63: bounded by the halvings, not by users.
        assert len(fixture.sent("PATCH")) <= 16

    def test_a_failure_after_a_split_reports_the_change_already_made(self):
        fixture = Fixture(patch_limit=2)
        ids = [fixture.directory.add_user(name) for name in user_names(4)]
        group_id = fixture.directory.add_group("SRE")
        engine = fixture.groups()
        group = engine.find(group_id=group_id)
        original = fixture.directory._patch_group
        calls = []

        def fail_second_accepted(target_id, operations):
            answer = original(target_id, operations)
            if answer.status != 413:
                calls.append(answer)
                if len(calls) == 2:
                    return Answer(400, {"detail": "refused"})
            return answer

        fixture.directory._patch_group = fail_second_accepted
        with pytest.raises(ScimError) as raised:
            engine.ensure_members(group, ids, "present", "fail", Outcome())
        assert raised.value.changed is True
        assert raised.value.details["group_id"] == group_id


class TestGroupEngine:
    def test_a_new_group_gets_its_members_in_the_post(self, team):
        engine = team.groups()
        outcome = Outcome()
        group = engine.ensure_present(
            None,
            {"display_name": "On-call", "external_id": "hr-7"},
            user_names(2),
            "fail",
            outcome,
        )
        posts = team.sent("POST")
        assert len(posts) == 1 and team.sent("PATCH") == []
        assert posts[0].json["members"] == [{"value": team.ids[0]}, {"value": team.ids[1]}]
        assert posts[0].json["externalId"] == "hr-7"
        assert team.directory.member_names(group["id"]) == user_names(2)
        assert outcome.extra == {"added": user_names(2), "removed": []}
        assert outcome.after == {
            "display_name": "On-call",
            "external_id": "hr-7",
            "members": user_names(2),
        }

    def test_a_post_refused_for_its_size_creates_the_group_and_patches_the_members(self):
        fixture = Fixture(patch_limit=100, post_limit=100)
        ids = [fixture.directory.add_user(name) for name in user_names(250)]
        engine = fixture.groups()
        outcome = Outcome()
        group = engine.ensure_present(
            None, {"display_name": "Everyone"}, user_names(250), "fail", outcome
        )
        posts = fixture.sent("POST")
        assert [len(post.json.get("members", [])) for post in posts] == [250, 0]
        assert fixture.directory.member_names(group["id"]) == user_names(250)
        assert sorted(member_ids(group)) == sorted(ids)
        sizes = [len(sent.json["Operations"][0]["value"]) for sent in fixture.sent("PATCH")]
        assert sum(size for size in sizes if size <= 100) == 250
        assert outcome.extra == {"added": user_names(250), "removed": []}

    def test_a_413_to_a_post_without_members_is_not_repeated(self):
        # A server that answers 413 even to an empty group: there is nothing to leave out.
        fixture = Fixture(post_limit=-1)
        engine = fixture.groups()
        with pytest.raises(ScimError) as raised:
            engine.ensure_present(None, {"display_name": "Empty"}, [], "fail", Outcome())
        assert raised.value.status == 413
        assert len(fixture.sent("POST")) == 1

    def test_a_linked_team_with_other_members_is_brought_to_the_list(self, team):
        # The lookup misses the team (Datadog teams not yet linked to SCIM are not listed);
        # the POST links it, with its members.
        engine = team.groups()
        outcome = Outcome()
        group = engine.ensure_present(
            None, {"display_name": "SRE"}, user_names(5)[3:], "fail", outcome
        )
        assert team.directory.member_names(team.group_id) == user_names(5)[3:]
        assert group["id"] == team.group_id
        assert outcome.extra["removed"] == user_names(3)

    def test_rename_and_members_travel_in_one_patch(self, team):
        engine = team.groups()
        outcome = Outcome()
        group = engine.ensure_present(
            engine.find(group_id=team.group_id),
            {"display_name": "Site Reliability"},
            user_names(1),
            "fail",
            outcome,
        )
        patches = team.sent("PATCH")
        assert len(patches) == 1
        assert patches[0].json["Operations"][0] == {
            "op": "replace",
            "value": {"displayName": "Site Reliability"},
        }
        assert group["displayName"] == "Site Reliability"
        assert outcome.before == {"display_name": "SRE", "members": user_names(3)}
        assert outcome.after == {"display_name": "Site Reliability", "members": user_names(1)}

    def test_members_not_given_are_left_alone(self, team):
        engine = team.groups()
        outcome = Outcome()
        engine.ensure_present(
            engine.find(display_name="SRE"), {"display_name": "SRE"}, None, "fail", outcome
        )
        assert not outcome.changed
        assert team.writes() == []
        assert "added" not in outcome.extra

    def test_delete_and_a_group_already_gone(self, team):
        engine = team.groups()
        group = engine.find(display_name="SRE")
        outcome = Outcome()
        engine.ensure_absent(group, outcome)
        assert outcome.changed and team.sent("DELETE")
        outcome = Outcome()
        # Deleted by someone else between the lookup and the DELETE.
        engine.ensure_absent(group, outcome)
        assert not outcome.changed
        outcome = Outcome()
        engine.ensure_absent(engine.find(display_name="SRE"), outcome)
        assert not outcome.changed

    def test_check_mode_predicts_a_missing_group_for_a_membership_task(self, team):
        team.check_mode = True
        engine = team.groups()
        group = engine.find_target(display_name="Not yet")
        assert group["id"] is None and group["displayName"] == "Not yet"
        assert "Not yet" in team.warnings[0]
        outcome = Outcome()
        group = engine.ensure_members(group, user_names(2), "present", "fail", outcome)
        assert outcome.extra["added"] == user_names(2)
        assert team.writes() == []

    def test_a_missing_group_fails_outside_check_mode(self, team):
        with pytest.raises(ScimOptionError) as raised:
            team.groups().find_target(display_name="Not yet")
        assert raised.value.option == "group"
        with pytest.raises(ScimOptionError) as raised:
            team.groups().find_target(group_id="0b6e7e4a-0000-4000-8000-000000000000")
        assert raised.value.option == "group_id"

    @pytest.mark.parametrize("status", [400, 403, 404])
    def test_disabled_team_provisioning_is_said_in_plain_words(self, team, status):
        team.directory.teams_disabled = status
        for lookup in ({"display_name": "SRE"}, {"group_id": team.group_id}):
            with pytest.raises(ScimError) as raised:
                team.groups().find(**lookup)
            assert "Team provisioning through SCIM is not enabled" in raised.value.msg
            assert raised.value.status == status
            assert "app_key" not in raised.value.msg


class TestMemberUserNames:
    def test_many_groups_are_resolved_with_one_pass_over_the_users(self):
        fixture = Fixture()
        ids = [fixture.directory.add_user(name) for name in user_names(300)]
        for number in range(50):
            start = (number * 7) % 200
            fixture.directory.add_group("team-%02d" % number, ids[start : start + 100])
        engine = fixture.groups()
        directory = UserDirectory(fixture.client)
        groups = with_member_user_names(engine.list_groups(), directory)
        assert len(groups) == 50
        assert groups[3]["member_user_names"] == user_names(300)[21:121]
        # One page of groups, then the user total and three pages of users.
        assert len(fixture.sent("GET")) == 5

    def test_a_member_that_names_no_user_is_shown_by_its_id(self):
        fixture = Fixture()
        fixture.directory.add_group("ghosts", ["5e0d6f1c-0000-4000-8000-000000000000"])
        groups = with_member_user_names(
            fixture.groups().list_groups(), UserDirectory(fixture.client)
        )
        assert groups[0]["member_user_names"] == ["5e0d6f1c-0000-4000-8000-000000000000"]
