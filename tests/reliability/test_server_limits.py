# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Servers that page differently from what the client asks still yield every object once.

Datadog's timestamps come with milliseconds or nanoseconds; one variant has the finer ones.
"""

from __future__ import annotations

import collections

import pytest
from reliability_harness import writes

USER_COUNT = 457
GROUP_COUNT = 163

LIMITS = {
    "page-size-capped": {"max_page_size": 7},
    "uneven-pages": {"uneven_pages": True},
    "total-drifts": {"total_drift": True},
    "all-at-once": {"max_page_size": 13, "uneven_pages": True, "total_drift": True},
    "nanosecond-timestamps": {"timestamp_precision": "ns"},
}


def user_names():
    return ["paged%03d@example.com" % number for number in range(USER_COUNT)]


def team_names():
    return ["Paged Team %03d" % number for number in range(GROUP_COUNT)]


@pytest.fixture(scope="module", params=sorted(LIMITS))
def limited(request, ansible, emulator):
    emulator.reset(**LIMITS[request.param])
    users = user_names()
    emulator.seed(
        users=users,
        groups=[
            {"displayName": team, "members": users[number : number + 3]}
            for number, team in enumerate(team_names())
        ],
    )
    desired = [
        {"user_name": name, "groups": ["Paged Team %03d" % (number % GROUP_COUNT)]}
        for number, name in enumerate(users)
    ]
    tasks = [
        {"name": "List users", "scimops.datadog.datadog_scim_user_info": {}},
        {"name": "List groups", "scimops.datadog.datadog_scim_group_info": {}},
        {
            "name": "Sync in check mode",
            "scimops.datadog.datadog_scim_sync": {"users": "{{ paged_users }}"},
            "check_mode": True,
        },
    ]
    run = ansible.run([ansible.play(tasks)], extra_vars={"paged_users": desired})
    yield run, desired
    emulator.reset()


def test_user_info_lists_every_user_once(limited):
    run, _desired = limited
    assert run.returncode == 0, run.output[-3000:]
    names = [user["userName"] for user in run.result("List users")["users"]]
    assert sorted(names) == sorted(user_names())
    # More than one page was read: the test is about paging, not about one big answer.
    assert len([e for e in run.requests_of("List users") if e["method"] == "GET"]) > 3


def test_group_info_lists_every_group_once(limited):
    run, _desired = limited
    groups = run.result("List groups")["groups"]
    assert sorted(group["displayName"] for group in groups) == sorted(team_names())
    members = {group["displayName"]: group["member_user_names"] for group in groups}
    users = user_names()
    assert members == {
        team: sorted(users[number : number + 3]) for number, team in enumerate(team_names())
    }


def test_sync_plan_sees_every_user_and_group_once(limited):
    """Paging that lost or doubled a user would plan a create; a lost group, a group create."""
    run, desired = limited
    result = run.result("Sync in check mode")
    summary = result["summary"]
    assert summary["created"] == 0
    assert summary["groups_created"] == 0
    assert summary["unchanged"] == len(desired)
    expected_added = collections.Counter()
    users = user_names()
    for number, name in enumerate(users):
        team = number % GROUP_COUNT
        if not team <= number < team + 3:
            expected_added[name] += 1
    assert summary["members_added"] == sum(expected_added.values())
    assert writes(run.requests_of("Sync in check mode")) == []
