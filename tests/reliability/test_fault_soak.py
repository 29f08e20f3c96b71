# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Convergence under faults: every kind of fault the emulator injects, at once, on every method.

The desired state is checked against the emulator's own directory with faults turned off, so
the check cannot be fooled by the same faults it is checking.
"""

from __future__ import annotations

import collections

import pytest
from reliability_harness import writes

# 10% 5xx, 5% 429 (with X-RateLimit-Reset), 3% dropped connections, 3% answers lost after
# the change was committed; on GET, POST, PATCH and DELETE alike.
FAULTS = {"fault_5xx": 0.10, "fault_429": 0.05, "fault_drop": 0.03, "fault_lost": 0.03}
ROLE_ADMIN = "5d8a6a1e-0c3b-4c4e-9f6e-00000000ad01"
ROLE_READ_ONLY = "5d8a6a1e-0c3b-4c4e-9f6e-00000000ad03"

USER_COUNT = 2000
GROUP_COUNT = 30

# About 21% of requests meet a fault. With the default five retries a request fails for good
# with probability 0.21 ** 6, close to 1 in 10,000: over the ~5,000 requests of the soak that
# is a coin toss per run. Ten retries make it about 1 in 30 million per request, so a failure
# here means the collection mishandled a fault, not that the dice were unkind.
SOAK_RETRIES = 10


def soak_connection(ansible):
    return {**ansible.connection(), "max_retries": SOAK_RETRIES}


def team_name(number):
    return "Team %02d" % number


def desired_directory():
    """2,000 users, each in one to three of 30 teams, with a few attributes each."""
    users = []
    for number in range(USER_COUNT):
        teams = sorted({team_name(number % GROUP_COUNT), team_name((number * 7) % GROUP_COUNT)})
        if number % 5 == 0:
            teams.append(team_name((number // 5 + 3) % GROUP_COUNT))
        users.append(
            {
                "user_name": "soak.user%04d@example.com" % number,
                "display_name": "Soak User %04d" % number,
                "title": "Engineer %d" % (number % 9),
                "roles": [ROLE_READ_ONLY if number % 3 else ROLE_ADMIN],
                "groups": sorted(set(teams)),
            }
        )
    return users


def seed_drift(emulator, users):
    """A directory that is partly there and partly wrong, so that the run must also PATCH."""
    existing = []
    for number, user in enumerate(users[:600]):
        existing.append(
            {
                "user_name": user["user_name"],
                "display_name": user["display_name"],
                "title": "Old title" if number % 2 else user["title"],
                "active": number % 10 != 0,
                "roles": user["roles"],
            }
        )
    strangers = ["soak.stranger%02d@example.com" % number for number in range(20)]
    groups = [
        # Wrong members: some strangers that must go, and only part of the right ones.
        {"displayName": team_name(number), "members": strangers[number : number + 3]}
        for number in range(0, GROUP_COUNT, 3)
    ]
    emulator.seed(users=existing + strangers, groups=groups)
    return strangers


def server_directory(emulator):
    """userName -> user and displayName -> sorted member userNames, straight from storage."""
    emulator.configure(fault_5xx=0, fault_429=0, fault_drop=0, fault_lost=0)
    client = _plain_session(emulator)
    users = _list(client, emulator.url + "/Users")
    groups = _list(client, emulator.url + "/Groups")
    names_by_id = {user["id"]: user["userName"] for user in users}
    members = {
        group["displayName"]: sorted(
            names_by_id[member["value"]] for member in group.get("members") or []
        )
        for group in groups
    }
    return users, groups, members


def _plain_session(emulator):
    import requests  # noqa: PLC0415

    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + emulator.startup_config.app_keys[0]
    return session


def _list(session, url):
    found, start = [], 1
    for _page in range(1000):
        page = session.get(url, params={"startIndex": start, "count": 100}, timeout=30).json()
        found.extend(page["Resources"])
        start += len(page["Resources"])
        if not page["Resources"] or start > page["totalResults"]:
            return found
    raise AssertionError("the list did not end")


def assert_directory_matches(emulator, users, strangers):
    server_users, groups, members = server_directory(emulator)

    names = [user["userName"].lower() for user in server_users]
    duplicates = [name for name, count in collections.Counter(names).items() if count > 1]
    assert duplicates == []
    assert set(names) == {user["user_name"] for user in users} | set(strangers)

    by_name = {user["userName"]: user for user in server_users}
    wrong = []
    for user in users:
        found = by_name[user["user_name"]]
        if (
            found["active"] is not True
            or found["title"] != user["title"]
            or found["name"].get("formatted") != user["display_name"]
            or [role["value"] for role in found["roles"]] != user["roles"]
        ):
            wrong.append(user["user_name"])
    assert wrong == []

    expected = collections.defaultdict(list)
    for user in users:
        for team in user["groups"]:
            expected[team].append(user["user_name"])
    assert sorted(group["displayName"] for group in groups) == sorted(expected)
    for team, wanted in expected.items():
        assert members[team] == sorted(wanted), team


@pytest.fixture
def faulty(emulator):
    emulator.reset(seed=20260101, **FAULTS)
    yield emulator
    emulator.reset()


def sync_task():
    return {
        "name": "Sync the directory",
        "scimops.datadog.datadog_scim_sync": {"users": "{{ soak_users }}", "concurrency": 64},
        "register": "soak_result",
        "ignore_errors": True,
    }


def test_sync_of_2000_users_converges_under_faults(ansible, faulty):
    users = desired_directory()
    strangers = seed_drift(faulty, users)
    play = [ansible.play([sync_task()], connection=soak_connection(ansible))]

    first = ansible.run(play, extra_vars={"soak_users": users}, mark_requests=False)
    result = first.result("Sync the directory")
    faults = collections.Counter(entry["fault"] for entry in first.request_log)
    # The faults really happened, of every kind, and on writes too.
    assert all(faults[kind] > 0 for kind in ("5xx", "429", "drop", "lost")), faults
    lost_writes = [e for e in first.request_log if e["fault"] == "lost" and e["method"] != "GET"]
    assert {entry["method"] for entry in lost_writes} >= {"POST", "PATCH"}

    assert first.returncode == 0, first.output[-6000:]
    assert result["changed"] is True
    assert result["summary"]["created"] == USER_COUNT - 600
    assert result["summary"]["groups_created"] == GROUP_COUNT - 10
    assert_directory_matches(faulty, users, strangers)

    # Faults on again for the second run: reading through them must still find nothing to do.
    faulty.configure(**FAULTS)
    faulty.clear_request_log()
    second = ansible.run(play, extra_vars={"soak_users": users}, mark_requests=False)
    again = second.result("Sync the directory")
    assert second.returncode == 0, second.output[-6000:]
    assert again["changed"] is False
    assert writes(second.request_log) == []
    assert_directory_matches(faulty, users, strangers)


SMALL = 20
# The single-object calls are shared among a few inventory hosts (all local), so that their
# back-off waits overlap as they would in a play over several hosts.
WORKERS = 4


def single_object_tasks():
    """Twenty users, twenty groups and twenty membership changes, one module call each.

    The membership changes go to other (seeded) teams than the groups the group module
    manages, since a group's O(members) and a membership change on the same group would undo
    each other on every run.
    """
    users = ["fault.user%02d@example.com" % number for number in range(SMALL)]
    leavers = ["fault.leaver%02d@example.com" % number for number in range(5)]
    groups = [
        {
            "display_name": "Fault Group %02d" % number,
            "members": sorted({users[number], users[(number + 1) % SMALL]}),
        }
        for number in range(SMALL)
    ]
    changes = [
        {
            "display_name": "Fault Team %02d" % number,
            "seeded": sorted({leavers[number % 5], users[number % 10]}),
            "users": sorted({users[(number + 5) % SMALL], users[(number + 9) % SMALL]}),
            "state": ("present", "exact", "absent")[number % 3],
        }
        for number in range(SMALL)
    ]
    tasks = [
        {
            "name": "Create users one by one",
            "scimops.datadog.datadog_scim_user": {
                "user_name": "{{ item }}",
                "display_name": "Fault {{ item | split('@') | first }}",
                "title": "Operator",
                "active": True,
            },
            "loop": "{{ fault_work.users }}",
        },
        {
            "name": "Deactivate leavers one by one",
            "scimops.datadog.datadog_scim_user": {"user_name": "{{ item }}", "state": "absent"},
            "loop": "{{ fault_work.leavers }}",
        },
        {
            "name": "Create groups with members",
            "scimops.datadog.datadog_scim_group": {
                "display_name": "{{ item.display_name }}",
                "members": "{{ item.members }}",
            },
            "loop": "{{ fault_work.groups }}",
            "loop_control": {"label": "{{ item.display_name }}"},
        },
        {
            "name": "Change memberships",
            "scimops.datadog.datadog_scim_group_membership": {
                "group": "{{ item.display_name }}",
                "users": "{{ item.users }}",
                "state": "{{ item.state }}",
            },
            "loop": "{{ fault_work.changes }}",
            "loop_control": {"label": "{{ item.display_name }}"},
        },
    ]
    expected_members = {group["display_name"]: group["members"] for group in groups}
    for change in changes:
        wanted = {
            "present": set(change["seeded"]) | set(change["users"]),
            "exact": set(change["users"]),
            "absent": set(change["seeded"]) - set(change["users"]),
        }[change["state"]]
        expected_members[change["display_name"]] = sorted(wanted)
    seed_groups = [
        {"displayName": change["display_name"], "members": change["seeded"]} for change in changes
    ]
    work = {"users": users, "leavers": leavers, "groups": groups, "changes": changes}
    inventory = {
        "all": {
            "hosts": {
                "worker%d" % worker: {
                    "ansible_connection": "local",
                    "fault_work": {kind: items[worker::WORKERS] for kind, items in work.items()},
                }
                for worker in range(WORKERS)
            }
        }
    }
    return tasks, inventory, users, leavers, seed_groups, expected_members


def test_single_object_modules_converge_under_faults(ansible, faulty):
    tasks, inventory, users, leavers, seed_groups, expected_members = single_object_tasks()
    # Seeding goes around the faults. Half the users exist already (the run updates them),
    # half do not (the run creates them).
    faulty.seed(users=leavers + users[:10], groups=seed_groups)
    play = [ansible.play(tasks, connection=soak_connection(ansible), hosts="all")]

    first = ansible.run(play, mark_requests=False, inventory=inventory)
    assert first.returncode == 0, first.output[-6000:]
    faults = collections.Counter(entry["fault"] for entry in first.request_log)
    assert faults["5xx"] and faults["429"] and faults["drop"] and faults["lost"], faults

    server_users, _groups, members = server_directory(faulty)
    names = [user["userName"] for user in server_users]
    assert sorted(names) == sorted(users + leavers)
    active = {user["userName"]: user["active"] for user in server_users}
    assert [name for name in users if active[name] is not True] == []
    assert [name for name in leavers if active[name] is not False] == []
    assert members == expected_members

    faulty.configure(**FAULTS)
    faulty.clear_request_log()
    second = ansible.run(play, mark_requests=False, inventory=inventory)
    assert second.returncode == 0, second.output[-6000:]
    assert len(second.tasks) == len(tasks) * WORKERS
    for task in second.tasks:
        changed = [item.get("item") for item in task["result"]["results"] if item["changed"]]
        assert changed == [], (task["host"], task["name"])
    assert writes(second.request_log) == []
    assert server_directory(faulty)[2] == expected_members
