# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import threading
import time
from urllib.parse import unquote

import pytest

from ansible_collections.scimops.datadog.plugins.module_utils._client import (
    ScimError,
    ScimOptionError,
)
from ansible_collections.scimops.datadog.plugins.module_utils._sync import (
    CREATE,
    DEACTIVATE,
    REACTIVATE,
    UPDATE,
    SyncRunner,
    failure,
    named_groups,
    plan_sync,
    predicted_report,
)
from ansible_collections.scimops.datadog.tests.unit.plugins.module_utils.scim_doubles import (
    Answer,
    ClientKit,
)

ROLE = "bd28c0ad-4b1c-11ee-a6fa-da7ad0900002"


def server_user(number, name=None, active=True, **extra):
    user = {
        "id": "u-%d" % number,
        "userName": name or "user%d@example.com" % number,
        "name": {"formatted": "User %d" % number},
        "emails": [{"value": name or "user%d@example.com" % number, "primary": True}],
        "active": active,
    }
    user.update(extra)
    return user


def server_group(number, display_name, member_ids=()):
    return {
        "id": "g-%d" % number,
        "displayName": display_name,
        "members": [{"value": member_id} for member_id in member_ids],
    }


def row(number, **values):
    entry = {"user_name": "user%d@example.com" % number, "display_name": "User %d" % number}
    entry.update(values)
    return entry


def by_action(plan, action):
    return sorted(write.user_name for write in plan.user_writes if write.action == action)


def group_write(plan, display_name):
    matches = [write for write in plan.group_writes if write.display_name == display_name]
    assert len(matches) <= 1
    return matches[0] if matches else None


# --------------------------------------------------------------------------- users


def test_a_new_user_is_created_with_the_engine_payload():
    plan = plan_sync([row(1, title="SRE", roles=[ROLE])], [], [], [])

    (write,) = plan.user_writes
    assert write.action == CREATE
    assert write.wanted == {
        "user_name": "user1@example.com",
        "display_name": "User 1",
        "title": "SRE",
        "roles": [ROLE],
        "active": True,
    }
    assert write.after["email"] == "user1@example.com"
    assert plan.unchanged == 0


def test_a_user_that_matches_needs_no_write():
    plan = plan_sync([row(1)], [], [server_user(1)], [])

    assert plan.user_writes == []
    assert plan.group_writes == []
    assert plan.unchanged == 1
    assert predicted_report(plan).changed is False


def test_user_names_match_case_insensitively_and_are_not_rewritten():
    current = [server_user(1, name="User1@Example.COM")]
    plan = plan_sync([row(1, email="USER1@example.com")], [], current, [])

    assert plan.user_writes == []
    assert plan.unchanged == 1


def test_a_changed_attribute_is_one_patch_of_replace_operations():
    plan = plan_sync([row(1, title="Staff Engineer")], [], [server_user(1, title="Engineer")], [])

    (write,) = plan.user_writes
    assert write.action == UPDATE
    assert write.operations == [{"op": "replace", "path": "title", "value": "Staff Engineer"}]
    assert write.before == {"title": "Engineer"}
    assert write.after == {"title": "Staff Engineer"}


def test_unset_attributes_are_not_managed():
    current = [server_user(1, title="Engineer", roles=[{"value": ROLE}])]
    plan = plan_sync([{"user_name": "user1@example.com"}], [], current, [])

    assert plan.user_writes == []


def test_a_listed_user_without_active_is_reactivated_not_updated():
    current = [server_user(1, active=False, title="Old")]
    plan = plan_sync([row(1, title="New")], [], current, [])

    (write,) = plan.user_writes
    assert write.action == REACTIVATE
    assert {"op": "replace", "path": "active", "value": True} in write.operations
    assert {"op": "replace", "path": "title", "value": "New"} in write.operations
    summary = predicted_report(plan).result(0)["summary"]
    assert summary["reactivated"] == 1
    assert summary["updated"] == 0


def test_active_false_deactivates_an_active_user():
    plan = plan_sync([row(1, active=False)], [], [server_user(1)], [])

    assert by_action(plan, DEACTIVATE) == ["user1@example.com"]
    assert plan.user_writes[0].operations == [{"op": "replace", "path": "active", "value": False}]


def test_a_listed_leaver_who_has_no_account_is_not_created():
    plan = plan_sync([row(1, active=False, groups=["SRE"])], [], [], [server_group(1, "SRE")])

    assert plan.user_writes == []
    assert plan.group_writes == []
    assert plan.unchanged == 1


def test_a_protected_user_listed_inactive_stays_active_with_a_warning():
    plan = plan_sync(
        [row(1, active=False, title="Bot")],
        [],
        [server_user(1, title="Robot")],
        [],
        protected_users=["USER1@example.com"],
    )

    (write,) = plan.user_writes
    assert write.action == UPDATE
    assert write.operations == [{"op": "replace", "path": "title", "value": "Bot"}]
    assert len(plan.warnings) == 1
    assert "user1@example.com" in plan.warnings[0]
    assert "protected_users" in plan.warnings[0]


# --------------------------------------------------------------------------- prune


def test_prune_deactivates_active_users_the_source_does_not_list():
    current = [
        server_user(1),
        server_user(2),
        server_user(3, active=False),
        server_user(4, name="Robot@Example.com"),
    ]
    plan = plan_sync(
        [row(1)], [], current, [], prune_users=True, protected_users=["robot@example.com"]
    )

    assert by_action(plan, DEACTIVATE) == ["user2@example.com"]
    assert plan.user_writes[0].resource["id"] == "u-2"


def test_without_prune_unlisted_users_are_left_alone():
    plan = plan_sync([row(1)], [], [server_user(1), server_user(2)], [])

    assert plan.user_writes == []


def test_max_deactivations_counts_prune_and_inactive_rows_and_fails_before_any_write():
    current = [server_user(number) for number in range(1, 5)]
    users = [row(1), row(2, active=False)]

    with pytest.raises(ScimOptionError) as caught:
        plan_sync(users, [], current, [], prune_users=True, max_deactivations=2)

    assert caught.value.option == "max_deactivations"
    message = str(caught.value)
    assert "deactivate 3 users" in message
    for name in ("user2@example.com", "user3@example.com", "user4@example.com"):
        assert name in message


def test_max_deactivations_allows_exactly_the_limit():
    current = [server_user(number) for number in range(1, 4)]
    plan = plan_sync([row(1)], [], current, [], prune_users=True, max_deactivations=2)

    assert by_action(plan, DEACTIVATE) == ["user2@example.com", "user3@example.com"]


def test_deactivations_are_planned_after_every_other_user_write():
    current = [server_user(1), server_user(2, title="Old"), server_user(3)]
    users = [row(1, active=False), row(2, title="New"), row(4)]
    plan = plan_sync(users, [], current, [], prune_users=True)

    actions = [write.action for write in plan.user_writes]
    assert actions == [CREATE, UPDATE, DEACTIVATE, DEACTIVATE]


# --------------------------------------------------------------------------- bad input


def test_duplicate_user_names_fail_naming_them_and_their_rows():
    users = [row(1), row(2), {"user_name": "USER1@example.com"}]

    with pytest.raises(ScimOptionError) as caught:
        plan_sync(users, [], [], [])

    assert caught.value.option == "users"
    assert "user1@example.com (users[0], users[2])" in str(caught.value)


@pytest.mark.parametrize(
    "bad_row, option",
    [
        ({"user_name": "not-an-email"}, "users[1].user_name"),
        ({"user_name": "user9@example.com", "email": "nope"}, "users[1].email"),
        ({"user_name": "user9@example.com", "roles": ["admin"]}, "users[1].roles"),
        ({"user_name": "user9@example.com", "team": "SRE"}, "users[1].team"),
        ({"user_name": "user9@example.com", "groups": [""]}, "users[1].groups"),
        ({"user_name": "user9@example.com", "groups": ["x" * 201]}, "users[1].groups"),
        ({"display_name": "No Login"}, "users[1].user_name"),
    ],
)
def test_a_bad_row_fails_naming_its_index_and_field(bad_row, option):
    with pytest.raises(ScimOptionError) as caught:
        plan_sync([row(1), bad_row], [], [], [])

    assert caught.value.option == option
    assert option in str(caught.value)


def test_row_values_are_converted_to_their_types_in_place():
    users = [
        {"user_name": "user1@example.com", "active": "no", "external_id": 1042},
        {"user_name": "user2@example.com", "groups": "SRE, Ops", "roles": [ROLE]},
    ]
    plan = plan_sync(users, [], [server_user(1), server_user(2)], [])

    assert users[0]["active"] is False
    assert users[0]["external_id"] == "1042"
    assert users[1]["groups"] == ["SRE", "Ops"]
    assert by_action(plan, DEACTIVATE) == ["user1@example.com"]
    assert [write.display_name for write in plan.group_writes] == ["SRE", "Ops"]


@pytest.mark.parametrize(
    "bad_row, option",
    [
        ({"user_name": "user9@example.com", "active": "maybe"}, "users[1].active"),
        ({"user_name": "user9@example.com", "title": ["a"]}, "users[1].title"),
        ({"user_name": "user9@example.com", "groups": {"SRE": 1}}, "users[1].groups"),
        ({"user_name": "user9@example.com", "roles": [None]}, "users[1].roles"),
    ],
)
def test_a_value_of_the_wrong_type_fails_naming_its_row_and_field(bad_row, option):
    with pytest.raises(ScimOptionError) as caught:
        plan_sync([row(1), bad_row], [], [], [])

    assert caught.value.option == option
    assert option in str(caught.value)


def test_a_row_that_is_not_a_dictionary_fails_naming_it():
    with pytest.raises(ScimOptionError) as caught:
        plan_sync([row(1), "user2@example.com"], [], [], [])

    assert caught.value.option == "users[1]"


def test_a_bad_group_row_fails_naming_it():
    with pytest.raises(ScimOptionError) as caught:
        plan_sync([row(1)], [{"display_name": "SRE"}, {"display_name": "SRE"}], [], [])

    assert caught.value.option == "groups[1].display_name"


def test_a_protected_user_must_be_a_user_name():
    with pytest.raises(ScimOptionError) as caught:
        plan_sync([row(1)], [], [], [], protected_users=["svc@example.com", "robot"])

    assert caught.value.option == "protected_users[1]"


def test_several_server_users_with_one_listed_name_fail_before_any_write():
    current = [server_user(1, name="ann@example.com"), server_user(2, name="ANN@example.com")]

    with pytest.raises(ScimError) as caught:
        plan_sync([{"user_name": "Ann@example.com"}], [], current, [])

    assert "u-1" in str(caught.value)
    assert "u-2" in str(caught.value)


def test_duplicates_the_plan_does_not_touch_are_tolerated():
    current = [server_user(1, name="ann@example.com"), server_user(2, name="ANN@example.com")]
    plan = plan_sync([row(3)], [], current, [])

    assert by_action(plan, CREATE) == ["user3@example.com"]


# --------------------------------------------------------------------------- groups


def test_a_new_group_is_created_with_its_members_including_new_users():
    plan = plan_sync([row(1, groups=["SRE"]), row(2, groups=["SRE"])], [], [server_user(1)], [])

    write = group_write(plan, "SRE")
    assert write.is_create
    assert write.add_members == [("user1@example.com", "u-1"), ("user2@example.com", None)]
    summary = predicted_report(plan).result(0)["summary"]
    assert summary["groups_created"] == 1
    assert summary["members_added"] == 2


def test_create_groups_false_fails_on_a_missing_group_before_any_write():
    with pytest.raises(ScimOptionError) as caught:
        plan_sync(
            [row(1, groups=["SRE", "Ops"])],
            [{"display_name": "Data"}],
            [server_user(1)],
            [server_group(1, "SRE")],
            create_groups=False,
        )

    assert caught.value.option == "create_groups"
    assert "Data, Ops" in str(caught.value)


def test_create_groups_false_accepts_existing_groups():
    plan = plan_sync(
        [row(1, groups=["SRE"])],
        [],
        [server_user(1)],
        [server_group(1, "SRE")],
        create_groups=False,
    )

    assert group_write(plan, "SRE").add_members == [("user1@example.com", "u-1")]


def test_groups_match_display_names_exactly():
    plan = plan_sync([row(1, groups=["SRE"])], [], [server_user(1)], [server_group(1, "sre")])

    assert group_write(plan, "SRE").is_create


def test_exclusive_groups_adds_and_removes_in_one_write_and_leaves_unnamed_groups_alone():
    current_users = [server_user(1), server_user(2), server_user(3)]
    current_groups = [server_group(1, "SRE", ["u-2", "u-3"]), server_group(2, "Ops", ["u-3"])]
    plan = plan_sync(
        [row(1, groups=["SRE"]), row(2, groups=["SRE"])], [], current_users, current_groups
    )

    (write,) = plan.group_writes
    assert write.display_name == "SRE"
    assert write.add_members == [("user1@example.com", "u-1")]
    assert write.remove_members == [("user3@example.com", "u-3")]


def test_a_user_listed_without_groups_leaves_the_named_groups():
    current_groups = [server_group(1, "SRE", ["u-1", "u-2"])]
    plan = plan_sync(
        [row(1, groups=["SRE"]), row(2)], [], [server_user(1), server_user(2)], current_groups
    )

    assert group_write(plan, "SRE").remove_members == [("user2@example.com", "u-2")]


def test_a_named_group_no_user_lists_is_emptied():
    current_groups = [server_group(1, "Legacy", ["u-1", "u-gone"])]
    plan = plan_sync([row(1)], [{"display_name": "Legacy"}], [server_user(1)], current_groups)

    # A member id that names no listed user is shown as the id itself.
    assert group_write(plan, "Legacy").remove_members == [
        ("user1@example.com", "u-1"),
        ("u-gone", "u-gone"),
    ]


def test_non_exclusive_groups_only_add():
    current_groups = [server_group(1, "SRE", ["u-2"])]
    plan = plan_sync(
        [row(1, groups=["SRE"]), row(2)],
        [],
        [server_user(1), server_user(2)],
        current_groups,
        exclusive_groups=False,
    )

    write = group_write(plan, "SRE")
    assert write.add_members == [("user1@example.com", "u-1")]
    assert write.remove_members == []


def test_pruned_users_leave_named_groups_before_they_are_deactivated():
    current_groups = [server_group(1, "SRE", ["u-1", "u-2"])]
    plan = plan_sync(
        [row(1, groups=["SRE"])],
        [],
        [server_user(1), server_user(2)],
        current_groups,
        prune_users=True,
    )

    assert group_write(plan, "SRE").remove_members == [("user2@example.com", "u-2")]
    assert by_action(plan, DEACTIVATE) == ["user2@example.com"]


def test_a_changed_external_id_travels_with_the_member_changes():
    current_groups = [dict(server_group(1, "SRE", ["u-2"]), externalId="old")]
    plan = plan_sync(
        [row(1, groups=["SRE"])],
        [{"display_name": "SRE", "external_id": "hr-42"}],
        [server_user(1)],
        current_groups,
    )

    (write,) = plan.group_writes
    assert write.operations == [{"op": "replace", "value": {"externalId": "hr-42"}}]
    assert write.add_members == [("user1@example.com", "u-1")]
    assert write.remove_members == [("u-2", "u-2")]


def test_an_external_id_the_server_does_not_return_is_not_rewritten():
    plan = plan_sync(
        [row(1, groups=["SRE"])],
        [{"display_name": "SRE", "external_id": "hr-42"}],
        [server_user(1)],
        [server_group(1, "SRE", ["u-1"])],
    )

    assert plan.group_writes == []


def test_named_groups_keeps_the_order_of_appearance_once_each():
    users = [
        {"user_name": "a@example.com", "groups": ["B", "A"]},
        {"user_name": "b@x.io", "groups": ["A", "C"]},
    ]

    assert named_groups(users, [{"display_name": "Z"}]) == ["Z", "B", "A", "C"]


# --------------------------------------------------------------------------- diff


def test_the_diff_holds_only_changed_objects():
    current_users = [server_user(1), server_user(2, title="Old"), server_user(3)]
    current_groups = [server_group(1, "SRE", ["u-1", "u-3"])]
    users = [row(1, groups=["SRE"]), row(2, title="New", groups=["SRE"]), row(3), row(4)]
    diff = plan_sync(users, [], current_users, current_groups).diff()

    assert diff["before"]["users"] == {"user2@example.com": {"title": "Old"}}
    assert diff["after"]["users"]["user2@example.com"] == {"title": "New"}
    assert diff["after"]["users"]["user4@example.com"]["email"] == "user4@example.com"
    assert "user1@example.com" not in diff["after"]["users"]
    assert diff["before"]["groups"] == {"SRE": {"members": ["user3@example.com"]}}
    assert diff["after"]["groups"] == {"SRE": {"members": ["user2@example.com"]}}


# --------------------------------------------------------------------------- execution


class FakeDirectory:
    """A small SCIM service behind the scripted transport: enough of Users and Groups."""

    def __init__(self, users=(), groups=(), refuse=(), delay=0.0, member_limit=None):
        # member_limit: the most members one group POST or PATCH may carry before a 413.
        self.member_limit = member_limit
        self.users = {user["id"]: dict(user) for user in users}
        self.groups = {group["id"]: dict(group) for group in groups}
        self.refuse = set(refuse)
        self.delay = delay
        self.writes = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self._next_id = 100

    def __call__(self, sent):
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            with self._lock:
                return self._answer(sent)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, sent):
        parts = unquote(sent.path).split("/scim/", 1)[1].split("/")
        kind, resource_id = parts[0], (parts[1] if len(parts) > 1 else None)
        store = self.users if kind == "Users" else self.groups
        if sent.method == "GET":
            wanted = sent.query.get("filter", "")
            found = [
                r
                for r in store.values()
                if json.dumps(r.get("userName", r.get("displayName"))) in wanted
            ]
            return Answer(200, {"totalResults": len(found), "Resources": found})
        self.writes.append((sent.method, kind, resource_id, sent.json))
        name = (sent.json or {}).get("userName") or (sent.json or {}).get("displayName")
        if name in self.refuse or resource_id in self.refuse:
            return Answer(400, {"errors": ["refused %s" % (name or resource_id)]})
        if kind == "Groups" and self._too_many_members(sent):
            return Answer(413, {"errors": ["too many members in one request"]})
        if sent.method == "POST":
            self._next_id += 1
            resource = dict(sent.json, id="%s-%d" % (kind[0].lower(), self._next_id))
            store[resource["id"]] = resource
            return Answer(201, resource)
        resource = store[resource_id]
        for operation in sent.json["Operations"]:
            if operation["op"] == "add":
                resource.setdefault("members", []).extend(operation["value"])
            elif operation["op"] == "remove":
                gone = operation["path"].split('"')[1]
                resource["members"] = [m for m in resource["members"] if m["value"] != gone]
            elif operation.get("path") == "active":
                resource["active"] = operation["value"]
        return Answer(200, resource)

    def _too_many_members(self, sent):
        if self.member_limit is None:
            return False
        if sent.method == "POST":
            carried = len(sent.json.get("members", []))
        else:
            carried = sum(
                len(operation["value"]) if operation["op"] == "add" else 1
                for operation in sent.json["Operations"]
                if operation.get("path", "").startswith("members")
            )
        return carried > self.member_limit


def run_sync(directory, users, groups=(), concurrency=4, **options):
    kit = ClientKit(responder=directory, max_retries=0)
    plan = plan_sync(
        users,
        list(groups),
        list(directory.users.values()),
        list(directory.groups.values()),
        **options,
    )
    warnings = []
    report = SyncRunner(kit.client, concurrency, warnings.append).run(plan)
    return report, warnings, kit


def test_writes_run_users_then_new_groups_then_group_patches_then_deactivations():
    directory = FakeDirectory(
        users=[server_user(1), server_user(2)], groups=[server_group(1, "Ops", ["u-2"])]
    )
    users = [row(1, groups=["Ops"]), row(3, groups=["SRE"])]
    report, _warnings, _kit = run_sync(directory, users, concurrency=1, prune_users=True)

    steps = [(method, kind) for method, kind, _id, _body in directory.writes]
    assert steps == [("POST", "Users"), ("POST", "Groups"), ("PATCH", "Groups"), ("PATCH", "Users")]
    (new_id,) = [i for i, u in directory.users.items() if u["userName"] == "user3@example.com"]
    assert directory.writes[1][3]["members"] == [{"value": new_id}]
    assert directory.writes[2][3]["Operations"] == [
        {"op": "add", "path": "members", "value": [{"value": "u-1"}]},
        {"op": "remove", "path": 'members[value eq "u-2"]'},
    ]
    result = report.result(0)
    assert result["created"] == ["user3@example.com"]
    assert result["deactivated"] == ["user2@example.com"]
    assert result["summary"]["members_added"] == 2
    assert result["summary"]["members_removed"] == 1


def test_a_rerun_after_convergence_sends_only_reads():
    directory = FakeDirectory()
    users = [row(number, groups=["SRE"]) for number in range(1, 6)]
    run_sync(directory, users)
    directory.writes.clear()

    report, _warnings, kit = run_sync(directory, users)

    assert directory.writes == []
    assert kit.client.write_count == 0
    assert report.changed is False
    assert report.result(0)["summary"]["unchanged"] == 5


def test_one_failed_create_leaves_that_user_out_of_its_group_and_the_rest_is_applied():
    directory = FakeDirectory(refuse=["user2@example.com"])
    users = [row(number, groups=["SRE"]) for number in range(1, 4)]
    report, warnings, _kit = run_sync(directory, users)

    result = report.result(7)
    assert result["created"] == ["user1@example.com", "user3@example.com"]
    assert result["summary"]["groups_created"] == 1
    assert result["summary"]["members_added"] == 2
    (error,) = result["errors"]
    assert error["object"] == "user"
    assert error["name"] == "user2@example.com"
    assert error["operation"] == "create user"
    assert error["status"] == 400
    assert "refused user2@example.com" in error["msg"]
    (group,) = directory.groups.values()
    assert len(group["members"]) == 2
    assert any("user2@example.com" in warning and "SRE" in warning for warning in warnings)

    err = failure(report, 7)
    assert err.changed is True
    assert err.details["summary"]["created"] == 2
    assert err.details["errors"] == result["errors"]
    assert "create user user2@example.com" in str(err)


def test_a_failed_group_write_is_reported_and_deactivations_still_run():
    directory = FakeDirectory(
        users=[server_user(1), server_user(2)], groups=[server_group(1, "SRE", [])], refuse=["g-1"]
    )
    report, _warnings, _kit = run_sync(directory, [row(1, groups=["SRE"])], prune_users=True)

    result = report.result(0)
    assert [(e["object"], e["name"], e["operation"]) for e in result["errors"]] == [
        ("group", "SRE", "update group")
    ]
    assert result["deactivated"] == ["user2@example.com"]
    assert directory.users["u-2"]["active"] is False


def test_a_new_group_whose_members_the_post_refuses_gets_them_in_patches():
    directory = FakeDirectory(member_limit=2)
    users = [row(number, groups=["SRE"]) for number in range(1, 6)]
    report, _warnings, _kit = run_sync(directory, users)

    result = report.result(0)
    assert result["errors"] == []
    assert result["summary"]["groups_created"] == 1
    assert result["summary"]["members_added"] == 5
    (group,) = directory.groups.values()
    assert sorted(member["value"] for member in group["members"]) == sorted(directory.users)
    group_posts = [body for method, kind, _id, body in directory.writes if kind == "Groups"]
    assert len(group_posts[0]["members"]) == 5 and "members" not in group_posts[1]


def test_a_group_created_whose_members_then_fail_counts_as_changed():
    # No member fits in any request: the group is created, and every PATCH is refused.
    directory = FakeDirectory(users=[server_user(1)], member_limit=0)
    report, _warnings, _kit = run_sync(directory, [row(1, groups=["SRE"])])

    result = report.result(0)
    assert [(e["object"], e["name"], e["operation"]) for e in result["errors"]] == [
        ("group", "SRE", "create group")
    ]
    assert result["errors"][0]["status"] == 413
    assert len(directory.groups) == 1
    assert result["changed"] is True
    assert failure(report, 0).changed is True


def test_writes_run_concurrently_up_to_the_limit():
    directory = FakeDirectory(delay=0.05)
    users = [row(number) for number in range(1, 13)]
    report, _warnings, _kit = run_sync(directory, users, concurrency=4)

    assert len(report.result(0)["created"]) == 12
    assert 2 <= directory.most_in_flight <= 4
