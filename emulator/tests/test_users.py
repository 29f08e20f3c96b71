"""Users: create, read, replace, patch and delete, as Datadog answers them."""

from __future__ import annotations

import json

import pytest
from datadog_scim_emulator import DEFAULT_ROLES
from emulator_testing import ScimSession, start_emulator

ADMIN_ROLE, STANDARD_ROLE, READ_ONLY_ROLE = DEFAULT_ROLES


def test_create_returns_the_datadog_shape(scim: ScimSession):
    user = scim.create_user(
        "ada@example.com",
        name={"formatted": "Ada Lovelace"},
        title="Analyst",
    )

    assert user["userName"] == "ada@example.com"
    assert user["name"] == {"formatted": "Ada Lovelace"}
    assert user["emails"] == [{"value": "ada@example.com", "type": "work", "primary": True}]
    assert user["title"] == "Analyst"
    assert user["active"] is True
    assert user["roles"] == [{"value": STANDARD_ROLE, "display": "Datadog Standard Role"}]
    assert user["meta"]["resourceType"] == "User"
    assert user["meta"]["location"] == f"https://app.datadoghq.com/api/v2/Users/{user['id']}"
    assert scim.get(f"/Users/{user['id']}").json() == user


def test_local_locations_point_into_the_scim_root():
    with start_emulator(foreign_locations=False) as emulator:
        user = ScimSession(emulator.url).create_user("ada@example.com")
        assert user["meta"]["location"] == f"{emulator.url}/Users/{user['id']}"


def test_primary_email_is_kept_apart_from_user_name(scim: ScimSession):
    user = scim.create_user(
        "ada@example.com",
        emails=[
            {"value": "other@example.com", "type": "home"},
            {"value": "work@example.com", "type": "work", "primary": True},
        ],
    )
    assert user["emails"] == [{"value": "work@example.com", "type": "work", "primary": True}]


def test_undocumented_attributes_are_accepted_but_not_returned_by_default(scim: ScimSession):
    user = scim.create_user(
        "ada@example.com",
        externalId="hr-1",
        name={"formatted": "Ada Lovelace", "givenName": "Ada", "familyName": "Lovelace"},
    )
    assert "externalId" not in user
    assert user["name"] == {"formatted": "Ada Lovelace"}


def test_return_undocumented_gives_them_back(emulator, scim: ScimSession):
    emulator.configure(return_undocumented=True)
    user = scim.create_user(
        "ada@example.com", externalId="hr-1", name={"givenName": "Ada", "familyName": "Lovelace"}
    )
    assert user["externalId"] == "hr-1"
    assert user["name"] == {"givenName": "Ada", "familyName": "Lovelace"}


@pytest.mark.parametrize("user_name", ["not-an-email", "", "two@@example"])
def test_user_name_must_be_an_email(scim: ScimSession, user_name):
    response = scim.post("/Users", {"userName": user_name})
    assert response.status_code == 400
    assert "userName" in response.json()["errors"][0]


def test_allow_any_user_name_switch(emulator, scim: ScimSession):
    emulator.configure(require_email_user_name=False)
    assert scim.post("/Users", {"userName": "plain-name"}).status_code == 201


def test_roles_keep_known_ids_and_drop_unknown_ones(scim: ScimSession):
    user = scim.create_user(
        "ada@example.com", roles=[{"value": ADMIN_ROLE}, {"value": "no-such-role"}]
    )
    assert [role["value"] for role in user["roles"]] == [ADMIN_ROLE]
    assert user["roles"][0]["display"] == "Datadog Admin Role"


def test_only_unknown_roles_give_the_standard_role(scim: ScimSession):
    user = scim.create_user("ada@example.com", roles=[{"value": "no-such-role"}])
    assert [role["value"] for role in user["roles"]] == [STANDARD_ROLE]


def test_roles_file_replaces_the_role_table(tmp_path):
    roles_file = tmp_path / "roles.json"
    roles_file.write_text(
        json.dumps(
            {
                "11111111-1111-4111-8111-111111111111": "Standard",
                "22222222-2222-4222-8222-222222222222": "Billing",
            }
        )
    )
    with start_emulator(roles_file=str(roles_file)) as emulator:
        scim = ScimSession(emulator.url)
        user = scim.create_user("ada@example.com", roles=[{"value": ADMIN_ROLE}])
        assert user["roles"] == [
            {"value": "11111111-1111-4111-8111-111111111111", "display": "Standard"}
        ]
        user = scim.create_user(
            "bob@example.com", roles=[{"value": "22222222-2222-4222-8222-222222222222"}]
        )
        assert user["roles"][0]["display"] == "Billing"


def test_duplicate_post_conflicts_by_default(scim: ScimSession):
    scim.create_user("ada@example.com")
    response = scim.post("/Users", {"userName": "ADA@example.com"})
    assert response.status_code == 409
    assert response.json() == {"errors": ["User with userName ADA@example.com already exists"]}


def test_duplicate_post_can_answer_the_existing_user(emulator, scim: ScimSession):
    emulator.configure(duplicate_user_post="existing")
    first = scim.create_user("ada@example.com", title="First")
    response = scim.post("/Users", {"userName": "ada@example.com", "title": "Second"})
    assert response.status_code == 200
    assert response.json() == first


@pytest.mark.parametrize("answer, status", [("conflict", 409), ("existing", 200)])
def test_disabled_users_name_follows_the_duplicate_switch(emulator, scim, answer, status):
    emulator.configure(duplicate_user_post=answer)
    user = scim.create_user("ada@example.com")
    assert scim.delete(f"/Users/{user['id']}").status_code == 204

    response = scim.post("/Users", {"userName": "ada@example.com"})
    assert response.status_code == status
    if status == 200:
        assert response.json()["active"] is False


def test_user_names_match_case_insensitively_by_default(scim: ScimSession):
    scim.create_user("Ada@Example.com")
    found = scim.get("/Users", params={"filter": 'userName eq "ada@example.COM"'}).json()
    assert [user["userName"] for user in found["Resources"]] == ["Ada@Example.com"]


def test_case_sensitive_switch(emulator, scim: ScimSession):
    emulator.configure(case_sensitive_user_names=True)
    scim.create_user("Ada@Example.com")
    assert scim.post("/Users", {"userName": "ada@example.com"}).status_code == 201
    found = scim.get("/Users", params={"filter": 'userName eq "ADA@example.com"'}).json()
    assert found["totalResults"] == 0


PATCH_CASES = [
    ({"op": "replace", "path": "title", "value": "Boss"}, lambda u: u["title"] == "Boss"),
    ({"op": "replace", "path": "active", "value": False}, lambda u: u["active"] is False),
    ({"op": "Replace", "path": "active", "value": "False"}, lambda u: u["active"] is False),
    (
        {"op": "add", "path": "name.formatted", "value": "Ada L."},
        lambda u: u["name"]["formatted"] == "Ada L.",
    ),
    (
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
        lambda u: u["emails"][0]["value"] == "new@example.com",
    ),
    (
        {"op": "replace", "path": "userName", "value": "renamed@example.com"},
        lambda u: u["userName"] == "renamed@example.com",
    ),
    (
        {"op": "replace", "path": "roles", "value": [{"value": READ_ONLY_ROLE}]},
        lambda u: [r["value"] for r in u["roles"]] == [READ_ONLY_ROLE],
    ),
    (
        {"op": "add", "path": "roles", "value": [{"value": ADMIN_ROLE}]},
        lambda u: [r["value"] for r in u["roles"]] == [STANDARD_ROLE, ADMIN_ROLE],
    ),
    (
        {"op": "replace", "value": {"title": "Chief", "name": {"formatted": "Ada C."}}},
        lambda u: u["title"] == "Chief" and u["name"]["formatted"] == "Ada C.",
    ),
]


@pytest.mark.parametrize("operation, check", PATCH_CASES)
def test_user_patch_operations(scim: ScimSession, operation, check):
    user = scim.create_user("ada@example.com", name={"formatted": "Ada"})
    response = scim.patch(f"/Users/{user['id']}", [operation])
    assert response.status_code == 200, response.text
    assert check(response.json())
    assert check(scim.get(f"/Users/{user['id']}").json())


def test_patch_of_undocumented_paths_is_stored(emulator, scim: ScimSession):
    user = scim.create_user("ada@example.com")
    scim.patch(
        f"/Users/{user['id']}",
        [
            {"op": "replace", "path": "externalId", "value": "hr-9"},
            {"op": "replace", "path": "name.givenName", "value": "Ada"},
            {"op": "replace", "path": "name.familyName", "value": "Lovelace"},
        ],
    )
    emulator.configure(return_undocumented=True)
    stored = scim.get(f"/Users/{user['id']}").json()
    assert stored["externalId"] == "hr-9"
    assert stored["name"] == {"givenName": "Ada", "familyName": "Lovelace"}


def test_patch_remove_is_refused_and_changes_nothing(scim: ScimSession):
    user = scim.create_user("ada@example.com", title="Analyst")
    response = scim.patch(
        f"/Users/{user['id']}",
        [
            {"op": "replace", "path": "title", "value": "Changed"},
            {"op": "remove", "path": "title"},
        ],
    )
    assert response.status_code == 400
    assert response.json() == {"errors": ["Patch operation remove is not supported on users"]}
    assert scim.get(f"/Users/{user['id']}").json()["title"] == "Analyst"


def test_patch_unknown_path_is_refused(scim: ScimSession):
    user = scim.create_user("ada@example.com")
    response = scim.patch(
        f"/Users/{user['id']}", [{"op": "replace", "path": "nickName", "value": "x"}]
    )
    assert response.status_code == 400
    assert "nickName" in response.json()["errors"][0]


def test_patch_rename_onto_a_taken_name_conflicts(scim: ScimSession):
    scim.create_user("ada@example.com")
    bob = scim.create_user("bob@example.com")
    response = scim.patch(
        f"/Users/{bob['id']}", [{"op": "replace", "path": "userName", "value": "ADA@example.com"}]
    )
    assert response.status_code == 409


def test_put_replaces_the_user(scim: ScimSession):
    user = scim.create_user("ada@example.com", title="Analyst")
    response = scim.put(f"/Users/{user['id']}", {"userName": "ada@example.com", "active": False})
    assert response.status_code == 200
    replaced = response.json()
    assert replaced["title"] is None and replaced["active"] is False
    assert replaced["meta"]["created"] == user["meta"]["created"]


def test_delete_disables_by_default(scim: ScimSession):
    user = scim.create_user("ada@example.com")
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    after = scim.get(f"/Users/{user['id']}")
    assert after.status_code == 200 and after.json()["active"] is False


def test_delete_remove_switch_forgets_the_user(emulator, scim: ScimSession):
    emulator.configure(delete_user="remove")
    user = scim.create_user("ada@example.com")
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    missing = scim.get(f"/Users/{user['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"errors": [f"User {user['id']} not found"]}
    assert scim.post("/Users", {"userName": "ada@example.com"}).status_code == 201


def test_unknown_user_is_404(scim: ScimSession):
    for response in (
        scim.get("/Users/nope"),
        scim.patch("/Users/nope", [{"op": "replace", "path": "title", "value": "x"}]),
        scim.delete("/Users/nope"),
    ):
        assert response.status_code == 404
        assert response.json() == {"errors": ["User nope not found"]}


def test_bad_bodies_get_datadog_errors(scim: ScimSession):
    response = scim.request(
        "POST", "/Users", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("Request body is not valid JSON")
    response = scim.post("/Users", {"userName": "ada@example.com", "active": "maybe"})
    assert response.status_code == 400
    assert response.json() == {"errors": ['active must be a boolean, not "maybe"']}


def test_scim_json_requests_are_accepted(scim: ScimSession):
    response = scim.request(
        "POST",
        "/Users",
        data=json.dumps({"userName": "ada@example.com"}),
        headers={"Content-Type": "application/scim+json"},
    )
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"


def test_no_service_provider_config_nor_bulk(scim: ScimSession):
    assert scim.get("/ServiceProviderConfig").status_code == 404
    assert scim.post("/Bulk", {}).status_code == 404
