"""max_members_per_request: group writes naming too many members are refused whole with 413."""

from __future__ import annotations

import pytest
import requests
from datadog_scim_emulator import Emulator
from emulator_testing import ScimSession

LIMIT = 3
# Ids of no user: a count over the limit is refused before members are looked up.
UNKNOWN_IDS = ["ghost-1", "ghost-2", "ghost-3", "ghost-4"]


@pytest.fixture
def user_ids(emulator: Emulator) -> list[str]:
    """Six users, enough to go past the limit in every kind of request."""
    seeded = emulator.seed(users=[f"user{number}@example.com" for number in range(6)])
    return list(seeded["user_ids"].values())


@pytest.fixture
def limited(emulator: Emulator, admin: requests.Session, user_ids) -> Emulator:
    response = admin.patch(
        f"{emulator.admin_url}/config", json={"max_members_per_request": LIMIT}, timeout=5
    )
    assert response.status_code == 200, response.text
    return emulator


def values(user_ids: list[str]) -> list[dict[str, str]]:
    return [{"value": user_id} for user_id in user_ids]


def removal(user_id: str) -> dict[str, str]:
    return {"op": "remove", "path": f'members[value eq "{user_id}"]'}


def assert_refused(response: requests.Response, count: int) -> None:
    assert response.status_code == 413, response.text
    assert response.json() == {
        "errors": [f"Too many members in one request: {count} (at most {LIMIT})"]
    }


def member_ids(group: dict) -> list[str]:
    return [member["value"] for member in group["members"]]


def test_default_is_no_limit(emulator: Emulator, scim: ScimSession, user_ids):
    assert emulator.config.max_members_per_request is None
    group = scim.create_group("SRE", user_ids)
    assert len(group["members"]) == 6


@pytest.mark.parametrize("count", [LIMIT - 1, LIMIT])
def test_post_under_and_at_the_limit_creates(limited, scim: ScimSession, user_ids, count):
    group = scim.create_group("SRE", user_ids[:count])
    assert member_ids(group) == user_ids[:count]


def test_post_over_the_limit_creates_nothing(limited, scim: ScimSession, user_ids):
    response = scim.post("/Groups", {"displayName": "SRE", "members": values(user_ids[:4])})
    assert_refused(response, 4)
    assert scim.get("/Groups").json()["totalResults"] == 0
    assert limited.state()["groups"] == 0


def test_post_counts_every_entry_sent_even_repeated_ones(limited, scim: ScimSession, user_ids):
    repeated = [user_ids[0]] * 4
    assert_refused(scim.post("/Groups", {"displayName": "SRE", "members": values(repeated)}), 4)


def test_post_linking_an_existing_group_is_limited_too(limited, scim: ScimSession, user_ids):
    group = scim.create_group("SRE", user_ids[:1])
    response = scim.post("/Groups", {"displayName": "SRE", "members": values(user_ids[:5])})
    assert_refused(response, 5)
    assert scim.get(f"/Groups/{group['id']}").json() == group


@pytest.mark.parametrize("count", [LIMIT - 1, LIMIT])
def test_put_under_and_at_the_limit_replaces(limited, scim: ScimSession, user_ids, count):
    group = scim.create_group("SRE", user_ids[5:])
    response = scim.put(
        f"/Groups/{group['id']}", {"displayName": "SRE", "members": values(user_ids[:count])}
    )
    assert response.status_code == 200, response.text
    assert member_ids(response.json()) == user_ids[:count]


def test_put_over_the_limit_leaves_the_group_unchanged(limited, scim: ScimSession, user_ids):
    group = scim.create_group("SRE", user_ids[5:])
    response = scim.put(
        f"/Groups/{group['id']}", {"displayName": "Platform", "members": values(user_ids[:4])}
    )
    assert_refused(response, 4)
    assert scim.get(f"/Groups/{group['id']}").json() == group


@pytest.mark.parametrize(
    ("batches", "accepted"),
    [
        ([2], True),
        ([3], True),
        ([1, 2], True),
        ([4], False),
        ([2, 2], False),
    ],
    ids=["under", "at", "at-over-two-operations", "over", "over-over-two-operations"],
)
def test_patch_add_counts_values_of_every_operation(
    limited, scim: ScimSession, user_ids, batches, accepted
):
    group = scim.create_group("SRE")
    operations, start = [], 0
    for size in batches:
        operations.append(
            {"op": "add", "path": "members", "value": values(user_ids[start : start + size])}
        )
        start += size
    response = scim.patch(f"/Groups/{group['id']}", operations)
    if accepted:
        assert response.status_code == 200, response.text
        assert member_ids(response.json()) == user_ids[:start]
    else:
        assert_refused(response, start)
        assert scim.get(f"/Groups/{group['id']}").json() == group


@pytest.mark.parametrize(("count", "accepted"), [(2, True), (3, True), (4, False)])
def test_patch_remove_counts_each_member_path(
    limited, scim: ScimSession, user_ids, count, accepted
):
    limited.configure(max_members_per_request=None)
    group = scim.create_group("SRE", user_ids)
    limited.configure(max_members_per_request=LIMIT)

    response = scim.patch(
        f"/Groups/{group['id']}", [removal(user_id) for user_id in user_ids[:count]]
    )
    if accepted:
        assert response.status_code == 200, response.text
        assert member_ids(response.json()) == user_ids[count:]
    else:
        assert_refused(response, count)
        assert scim.get(f"/Groups/{group['id']}").json() == group


def test_patch_remove_with_a_value_list_counts_each_value(limited, scim: ScimSession, user_ids):
    group = scim.create_group("SRE", user_ids[:3])
    response = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "remove", "path": "members", "value": values(user_ids[:4])}],
    )
    assert_refused(response, 4)
    assert scim.get(f"/Groups/{group['id']}").json() == group


@pytest.mark.parametrize(
    ("added", "removed", "accepted"),
    [(1, 1, True), (2, 1, True), (2, 2, False), (1, 3, False)],
)
def test_patch_mixing_add_and_remove_counts_both(
    limited, scim: ScimSession, user_ids, added, removed, accepted
):
    current, newcomers = user_ids[:3], user_ids[3:]
    group = scim.create_group("SRE", current)
    operations = [{"op": "add", "path": "members", "value": values(newcomers[:added])}]
    operations += [removal(user_id) for user_id in current[:removed]]

    response = scim.patch(f"/Groups/{group['id']}", operations)
    if accepted:
        assert response.status_code == 200, response.text
        assert member_ids(response.json()) == current[removed:] + newcomers[:added]
    else:
        assert_refused(response, added + removed)
        assert scim.get(f"/Groups/{group['id']}").json() == group


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "members", "value": values(UNKNOWN_IDS)},
        {"op": "replace", "value": {"displayName": "Platform", "members": values(UNKNOWN_IDS)}},
    ],
    ids=["replace-path", "replace-without-path"],
)
def test_patch_replace_of_members_counts_its_values(limited, scim: ScimSession, operation):
    group = scim.create_group("SRE")
    assert_refused(scim.patch(f"/Groups/{group['id']}", [operation]), 4)
    assert scim.get(f"/Groups/{group['id']}").json() == group


def test_patch_operations_on_other_attributes_count_nothing(limited, scim: ScimSession, user_ids):
    group = scim.create_group("SRE")
    response = scim.patch(
        f"/Groups/{group['id']}",
        [
            {"op": "replace", "path": "displayName", "value": "Platform"},
            {"op": "add", "path": "members", "value": values(user_ids[:LIMIT])},
            {"op": "replace", "value": {"externalId": "okta-7"}},
        ],
    )
    assert response.status_code == 200, response.text
    assert (response.json()["displayName"], response.json()["externalId"]) == (
        "Platform",
        "okta-7",
    )


def test_refusal_uses_the_scim_error_body_when_configured(limited, scim: ScimSession, user_ids):
    limited.configure(error_body="scim")
    response = scim.post("/Groups", {"displayName": "SRE", "members": values(user_ids[:4])})
    assert response.status_code == 413
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "413",
        "detail": f"Too many members in one request: 4 (at most {LIMIT})",
    }


def test_limit_switches_on_and_off_through_the_admin_api(
    emulator: Emulator, admin: requests.Session, scim: ScimSession, user_ids
):
    config_url = f"{emulator.admin_url}/config"
    body = {"displayName": "SRE", "members": values(user_ids[:5])}

    switched_on = admin.patch(config_url, json={"max_members_per_request": 4}, timeout=5)
    assert switched_on.json()["max_members_per_request"] == 4
    assert admin.get(config_url, timeout=5).json()["max_members_per_request"] == 4
    response = scim.post("/Groups", body)
    assert response.status_code == 413
    assert response.json() == {"errors": ["Too many members in one request: 5 (at most 4)"]}

    switched_off = admin.patch(config_url, json={"max_members_per_request": None}, timeout=5)
    assert switched_off.json()["max_members_per_request"] is None
    assert scim.post("/Groups", body).status_code == 201


@pytest.mark.parametrize("bad_value", [0, -1, "100", 2.5, True])
def test_bad_limits_are_refused_naming_the_switch(
    emulator: Emulator, admin: requests.Session, bad_value
):
    emulator.configure(max_members_per_request=LIMIT)
    response = admin.patch(
        f"{emulator.admin_url}/config", json={"max_members_per_request": bad_value}, timeout=5
    )
    assert response.status_code == 400
    assert "max_members_per_request" in response.json()["errors"][0]
    assert emulator.config.max_members_per_request == LIMIT


@pytest.mark.parametrize("bad_value", [0, -5, "many"])
def test_bad_limits_are_refused_when_unset_too(
    emulator: Emulator, admin: requests.Session, bad_value
):
    # With no limit set, the type of the current value can't catch a string.
    response = admin.patch(
        f"{emulator.admin_url}/config", json={"max_members_per_request": bad_value}, timeout=5
    )
    assert response.status_code == 400
    assert "max_members_per_request" in response.json()["errors"][0]
    assert emulator.config.max_members_per_request is None
