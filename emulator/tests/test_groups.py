"""Groups (Datadog Teams): members, linking by name, PATCH forms, and integrity."""

from __future__ import annotations

import pytest
from emulator_testing import ScimSession


@pytest.fixture
def people(scim: ScimSession) -> list[dict]:
    return [
        scim.create_user(f"{name}@example.com", name={"formatted": name.title()})
        for name in ("ada", "bob", "cy")
    ]


def member_ids(group: dict) -> list[str]:
    return [member["value"] for member in group["members"]]


def test_create_group_with_members(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]], externalId="okta-1")
    assert group["displayName"] == "SRE"
    assert group["externalId"] == "okta-1"
    assert group["members"] == [
        {
            "value": people[0]["id"],
            "$ref": f"https://app.datadoghq.com/api/v2/Users/{people[0]['id']}",
            "display": "Ada",
            "type": "User",
        }
    ]
    assert group["meta"]["location"] == f"https://app.datadoghq.com/api/v2/Groups/{group['id']}"
    assert scim.get(f"/Groups/{group['id']}").json() == group


def test_post_with_an_existing_name_links_the_existing_group(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]])
    response = scim.post("/Groups", {"displayName": "SRE", "members": []})
    assert response.status_code == 200
    assert response.json() == group
    assert scim.get("/Groups").json()["totalResults"] == 1


def test_names_are_matched_exactly_when_linking(scim: ScimSession):
    scim.create_group("SRE")
    assert scim.post("/Groups", {"displayName": "sre"}).status_code == 201


def test_members_must_exist(scim: ScimSession, people):
    response = scim.post("/Groups", {"displayName": "SRE", "members": [{"value": "ghost"}]})
    assert response.status_code == 400
    assert response.json() == {"errors": ["Member ghost is not an existing user"]}
    group = scim.create_group("SRE")
    response = scim.patch(
        f"/Groups/{group['id']}",
        [
            {
                "op": "add",
                "path": "members",
                "value": [{"value": people[0]["id"]}, {"value": "ghost"}],
            }
        ],
    )
    assert response.status_code == 400
    assert "ghost" in response.json()["errors"][0]
    assert scim.get(f"/Groups/{group['id']}").json()["members"] == []


def test_display_name_is_limited_to_200_characters(scim: ScimSession):
    assert scim.post("/Groups", {"displayName": "x" * 200}).status_code == 201
    response = scim.post("/Groups", {"displayName": "y" * 201})
    assert response.status_code == 400
    assert "200" in response.json()["errors"][0]


def test_patch_add_and_remove_members(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]])
    added = scim.patch(
        f"/Groups/{group['id']}",
        [
            {
                "op": "add",
                "path": "members",
                "value": [{"value": people[1]["id"]}, {"value": people[0]["id"]}],
            }
        ],
    )
    assert added.status_code == 200
    assert member_ids(added.json()) == [people[0]["id"], people[1]["id"]]

    removed = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "remove", "path": f'members[value eq "{people[0]["id"]}"]'}],
    )
    assert removed.status_code == 200
    assert member_ids(removed.json()) == [people[1]["id"]]


def test_patch_remove_members_with_a_value_list(scim: ScimSession, people):
    group = scim.create_group("SRE", [person["id"] for person in people])
    response = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "remove", "path": "members", "value": [{"value": people[1]["id"]}]}],
    )
    assert member_ids(response.json()) == [people[0]["id"], people[2]["id"]]


def test_patch_replace_without_path(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]])
    response = scim.patch(
        f"/Groups/{group['id']}",
        [
            {
                "op": "replace",
                "value": {
                    "displayName": "Platform",
                    "externalId": "e-2",
                    "members": [{"value": people[2]["id"]}],
                },
            }
        ],
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["displayName"], body["externalId"]) == ("Platform", "e-2")
    assert member_ids(body) == [people[2]["id"]]


def test_patch_replace_display_name_path(scim: ScimSession):
    group = scim.create_group("SRE")
    response = scim.patch(
        f"/Groups/{group['id']}", [{"op": "replace", "path": "displayName", "value": "Platform"}]
    )
    assert response.json()["displayName"] == "Platform"
    found = scim.get("/Groups", params={"filter": 'displayName eq "Platform"'}).json()
    assert found["totalResults"] == 1
    assert (
        scim.get("/Groups", params={"filter": 'displayName eq "SRE"'}).json()["totalResults"] == 0
    )


def test_rename_onto_another_groups_name_conflicts(scim: ScimSession):
    scim.create_group("SRE")
    other = scim.create_group("Platform")
    response = scim.patch(
        f"/Groups/{other['id']}", [{"op": "replace", "path": "displayName", "value": "SRE"}]
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "remove", "path": "displayName"},
        {"op": "add", "path": "externalId", "value": "x"},
        {"op": "replace", "path": "nickName", "value": "x"},
        {"op": "move", "path": "members"},
    ],
)
def test_unsupported_group_patches_are_refused(scim: ScimSession, operation):
    group = scim.create_group("SRE")
    response = scim.patch(f"/Groups/{group['id']}", [operation])
    assert response.status_code == 400
    assert response.json()["errors"]


def test_put_replaces_the_group(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]])
    response = scim.put(
        f"/Groups/{group['id']}", {"displayName": "SRE", "members": [{"value": people[1]["id"]}]}
    )
    assert response.status_code == 200
    assert member_ids(response.json()) == [people[1]["id"]]


def test_delete_group_answers_204_then_404(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]])
    response = scim.delete(f"/Groups/{group['id']}")
    assert response.status_code == 204 and response.content == b""
    assert scim.get(f"/Groups/{group['id']}").status_code == 404


def test_removed_user_leaves_every_group(emulator, scim: ScimSession, people):
    emulator.configure(delete_user="remove")
    first = scim.create_group("SRE", [people[0]["id"], people[1]["id"]])
    second = scim.create_group("Platform", [people[0]["id"]])
    assert scim.delete(f"/Users/{people[0]['id']}").status_code == 204

    assert member_ids(scim.get(f"/Groups/{first['id']}").json()) == [people[1]["id"]]
    assert member_ids(scim.get(f"/Groups/{second['id']}").json()) == []
    assert emulator.state()["memberships"] == 1


def test_disabled_user_stays_a_member(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]])
    scim.delete(f"/Users/{people[0]['id']}")
    assert member_ids(scim.get(f"/Groups/{group['id']}").json()) == [people[0]["id"]]


def test_member_display_follows_the_users_name(scim: ScimSession, people):
    group = scim.create_group("SRE", [people[0]["id"]])
    scim.patch(
        f"/Users/{people[0]['id']}",
        [{"op": "replace", "path": "name.formatted", "value": "Countess"}],
    )
    assert scim.get(f"/Groups/{group['id']}").json()["members"][0]["display"] == "Countess"


@pytest.mark.parametrize("status", [400, 403, 404])
def test_teams_disabled_refuses_every_groups_request(emulator, scim: ScimSession, status):
    group = scim.create_group("SRE")
    emulator.configure(teams_enabled=False, teams_disabled_status=status)
    for response in (
        scim.get("/Groups"),
        scim.get(f"/Groups/{group['id']}"),
        scim.post("/Groups", {"displayName": "New"}),
        scim.delete(f"/Groups/{group['id']}"),
    ):
        assert response.status_code == status
        assert "not enabled" in response.json()["errors"][0]
    assert scim.get("/Users").status_code == 200
    emulator.configure(teams_enabled=True)
    assert scim.get(f"/Groups/{group['id']}").status_code == 200
