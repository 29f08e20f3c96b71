# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names built to break out of a SCIM filter match nothing but themselves.

The modules re-check every match on their side, so a module result alone could hide a filter
that matched too much. Each filter the server received is therefore also replayed against the
server, which must find exactly the one object it names.
"""

from __future__ import annotations

import sys

import pytest
import requests
from reliability_harness import APP_KEY, COLLECTIONS, writes

# Each is a valid login email by the collection's rule, and holds what a filter breakout
# needs: quotes, backslashes, escaped quotes, filter keywords, non-ASCII letters.
TRICKY_USER_NAMES = [
    'x"or"1@example.com',
    'a\\"@example.com',
    "a\\@example.com",
    'a\\\\"or\\\\"@example.com',
    'q"pr"@example.com',
    "o'brien@example.com",
    'zoë.ñandú"@exämple.com',
    "ada@example.com)or(userName",
]
# What a broken-out filter would also match.
NEIGHBOURS = ["x@example.com", "1@example.com", "a@example.com", "ada@example.com"]
TRICKY_TEAMS = [
    'Ops "On Call"',
    'Ops" or displayName pr or "',
    'Back\\slash \\" team',
    "Ünïcode Team",
]
NEIGHBOUR_TEAMS = ["Ops", "On Call"]


def replay(emulator, kind, filter_text):
    answer = requests.get(
        "%s/%s" % (emulator.url, kind),
        params={"filter": filter_text},
        headers={"Authorization": "Bearer " + APP_KEY},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["Resources"]


@pytest.fixture(scope="module")
def lookups(ansible, emulator):
    emulator.reset()
    emulator.seed(users=NEIGHBOURS, groups=[{"displayName": team} for team in NEIGHBOUR_TEAMS])
    create = [
        {
            "name": "Create tricky users",
            "scimops.datadog.datadog_scim_user": {"user_name": "{{ item }}"},
            "loop": TRICKY_USER_NAMES,
        },
        {
            "name": "Create tricky teams",
            "scimops.datadog.datadog_scim_group": {
                "display_name": "{{ item }}",
                "members": ["{{ tricky_user_names[0] }}"],
            },
            "loop": TRICKY_TEAMS,
        },
    ]
    look = [
        {
            "name": "Look up tricky users",
            "scimops.datadog.datadog_scim_user_info": {"user_name": "{{ item }}"},
            "loop": TRICKY_USER_NAMES,
        },
        {
            "name": "Look up tricky teams",
            "scimops.datadog.datadog_scim_group_info": {"display_name": "{{ item }}"},
            "loop": TRICKY_TEAMS,
        },
    ]
    play_vars = {"tricky_user_names": TRICKY_USER_NAMES}
    first = ansible.run([ansible.play(create + look, play_vars=play_vars)])
    emulator.clear_request_log()
    again = ansible.run([ansible.play(create, play_vars=play_vars)])
    return first, again


def test_each_tricky_user_finds_only_itself(lookups):
    first, _again = lookups
    assert first.returncode == 0, first.output[-4000:]
    results = first.result("Look up tricky users")["results"]
    found = {entry["item"]: [user["userName"] for user in entry["users"]] for entry in results}
    assert found == {name: [name] for name in TRICKY_USER_NAMES}


def test_each_tricky_team_finds_only_itself(lookups):
    first, _again = lookups
    results = first.result("Look up tricky teams")["results"]
    found = {
        entry["item"]: [
            (group["displayName"], group["member_user_names"]) for group in entry["groups"]
        ]
        for entry in results
    }
    assert found == {team: [(team, [TRICKY_USER_NAMES[0]])] for team in TRICKY_TEAMS}


def test_the_server_matches_each_sent_filter_to_one_object(lookups, emulator):
    first, _again = lookups
    filters = {
        (entry["path"].rsplit("/", 1)[-1], entry["query"]["filter"])
        for entry in first.request_log
        if entry["method"] == "GET" and "filter" in entry["query"]
    }
    assert len(filters) >= len(TRICKY_USER_NAMES) + len(TRICKY_TEAMS)
    for kind, filter_text in sorted(filters):
        matches = replay(emulator, kind, filter_text)
        assert len(matches) == 1, (filter_text, matches)


def test_creating_tricky_names_again_changes_nothing(lookups, emulator):
    _first, again = lookups
    assert again.returncode == 0, again.output[-4000:]
    for name in ("Create tricky users", "Create tricky teams"):
        assert [entry["changed"] for entry in again.result(name)["results"]] == [False] * len(
            again.result(name)["results"]
        )
    assert writes(again.request_log) == []
    state = emulator.state()
    assert state["users"] == len(TRICKY_USER_NAMES) + len(NEIGHBOURS)
    assert state["groups"] == len(TRICKY_TEAMS) + len(NEIGHBOUR_TEAMS)


def test_client_lookup_of_a_filter_breakout_with_spaces(emulator):
    """A server that takes any userName: the engine's lookup still finds only the one user."""
    sys.path.insert(0, COLLECTIONS)
    from ansible_collections.scimops.datadog.plugins.module_utils._client import (  # noqa: PLC0415
        ScimClient,
    )
    from ansible_collections.scimops.datadog.plugins.module_utils._engine import (  # noqa: PLC0415
        find_user,
    )

    emulator.reset(require_email_user_name=False)
    breakout = 'a" or userName pr or "x@x.io'
    emulator.seed(users=["x@x.io", "a", breakout, "a\\", '" or "" eq "'])
    client = ScimClient(emulator.url, APP_KEY)
    try:
        for name in (breakout, "a", "a\\", '" or "" eq "'):
            assert find_user(client, user_name=name)["userName"] == name
            sent = emulator.request_log()[-1]["query"]["filter"]
            assert [user["userName"] for user in replay(emulator, "Users", sent)] == [name]
    finally:
        emulator.reset()
