"""The admin API under /_emulator/ and its Python counterparts."""

from __future__ import annotations

import requests
from datadog_scim_emulator import DEFAULT_ROLES
from emulator_testing import APP_KEY, ScimSession


def test_health(emulator, admin: requests.Session):
    response = admin.get(f"{emulator.admin_url}/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "url": emulator.url}


def test_request_log_holds_requests_but_never_headers(emulator, admin, scim: ScimSession):
    scim.post("/Users", {"userName": "ada@example.com"})
    scim.get("/Users", params={"filter": 'userName eq "ada@example.com"'})
    log = admin.get(f"{emulator.admin_url}/requests", timeout=5).json()
    assert log == [
        {
            "method": "POST",
            "path": "/api/v2/scim/Users",
            "query": {},
            "status": 201,
            "body": {"userName": "ada@example.com"},
            "fault": None,
        },
        {
            "method": "GET",
            "path": "/api/v2/scim/Users",
            "query": {"filter": 'userName eq "ada@example.com"'},
            "status": 200,
            "body": None,
            "fault": None,
        },
    ]
    assert APP_KEY not in admin.get(f"{emulator.admin_url}/requests", timeout=5).text
    assert admin.delete(f"{emulator.admin_url}/requests", timeout=5).status_code == 204
    assert emulator.request_log() == []


def test_request_log_read_with_clear_is_emptied_in_the_same_request(emulator, admin, scim):
    scim.post("/Users", {"userName": "ada@example.com"})
    taken = admin.get(f"{emulator.admin_url}/requests", params={"clear": "true"}, timeout=5)
    assert [entry["method"] for entry in taken.json()] == ["POST"]
    assert emulator.request_log() == []

    scim.get("/Users")
    kept = admin.get(f"{emulator.admin_url}/requests", params={"clear": "no"}, timeout=5)
    assert [entry["method"] for entry in kept.json()] == ["GET"]
    assert len(emulator.request_log()) == 1


def test_config_get_hides_keys_and_patch_changes_switches(emulator, admin, scim: ScimSession):
    config = admin.get(f"{emulator.admin_url}/config", timeout=5).json()
    assert config["delete_user"] == "disable" and config["app_key_count"] == 1
    assert APP_KEY not in str(config)

    changed = admin.patch(
        f"{emulator.admin_url}/config",
        json={"delete_user": "remove", "max_page_size": 5},
        timeout=5,
    )
    assert changed.status_code == 200
    assert (changed.json()["delete_user"], changed.json()["max_page_size"]) == ("remove", 5)
    user = scim.create_user("ada@example.com")
    scim.delete(f"/Users/{user['id']}")
    assert scim.get(f"/Users/{user['id']}").status_code == 404


def test_config_patch_refuses_bad_values_naming_them(emulator, admin):
    for change, expected in (
        ({"delete_user": "explode"}, "delete_user"),
        ({"nonsense": 1}, "nonsense"),
        ({"fault_5xx": 2}, "fault_5xx"),
        ({"max_page_size": "ten"}, "max_page_size"),
        ({"port": 1}, "port"),
        ({"teams_enabled": "yes"}, "teams_enabled"),
    ):
        response = admin.patch(f"{emulator.admin_url}/config", json=change, timeout=5)
        assert response.status_code == 400
        assert expected in response.json()["errors"][0]
    assert emulator.config.delete_user == "disable"


def test_null_switches_a_nullable_option_off(emulator, admin):
    config_url = f"{emulator.admin_url}/config"
    assert admin.patch(config_url, json={"seed": 7}, timeout=5).json()["seed"] == 7
    response = admin.patch(config_url, json={"seed": None}, timeout=5)
    assert response.status_code == 200
    assert response.json()["seed"] is None
    refused = admin.patch(config_url, json={"max_page_size": None}, timeout=5)
    assert refused.status_code == 400
    assert "max_page_size" in refused.json()["errors"][0]


def test_app_keys_can_be_rotated_but_are_not_echoed(emulator, admin):
    response = admin.patch(
        f"{emulator.admin_url}/config", json={"app_keys": ["rotated"]}, timeout=5
    )
    assert "rotated" not in response.text
    assert ScimSession(emulator.url, "rotated").get("/Users").status_code == 200
    assert ScimSession(emulator.url, APP_KEY).get("/Users").status_code == 403


def test_reset_empties_state_and_restores_config(emulator, admin, scim: ScimSession):
    scim.create_user("ada@example.com")
    emulator.configure(delete_user="remove")
    response = admin.post(f"{emulator.admin_url}/reset", timeout=5)
    assert response.status_code == 200
    assert emulator.state()["users"] == 0
    assert emulator.request_log() == []
    assert emulator.config.delete_user == "disable"

    admin.post(f"{emulator.admin_url}/reset", json={"inactive_users": "hidden"}, timeout=5)
    assert emulator.config.inactive_users == "hidden"


def test_seed_loads_users_and_groups(emulator, admin, scim: ScimSession):
    admin_role = next(iter(DEFAULT_ROLES))
    response = admin.post(
        f"{emulator.admin_url}/seed",
        json={
            "users": [
                "ada@example.com",
                {
                    "user_name": "bob@example.com",
                    "display_name": "Bob",
                    "active": False,
                    "roles": [admin_role],
                },
                {"userName": "cy@example.com", "name": {"formatted": "Cy"}},
            ],
            "groups": [{"displayName": "SRE", "members": ["ada@example.com", "cy@example.com"]}],
        },
        timeout=5,
    )
    assert response.status_code == 200
    result = response.json()
    assert (result["users"], result["groups"]) == (3, 1)

    bob = scim.get(f"/Users/{result['user_ids']['bob@example.com']}").json()
    assert (bob["name"]["formatted"], bob["active"]) == ("Bob", False)
    assert bob["roles"][0]["value"] == admin_role
    group = scim.get(f"/Groups/{result['group_ids']['SRE']}").json()
    assert [m["value"] for m in group["members"]] == [
        result["user_ids"]["ada@example.com"],
        result["user_ids"]["cy@example.com"],
    ]

    state = admin.get(f"{emulator.admin_url}/state", timeout=5).json()
    assert state == {"users": 3, "active_users": 2, "groups": 1, "memberships": 2}


def test_bad_seed_writes_nothing(emulator, admin):
    for seed, expected in (
        ({"users": ["ada@example.com", "ADA@example.com"]}, "ADA@example.com"),
        (
            {
                "users": ["ada@example.com"],
                "groups": [{"displayName": "SRE", "members": ["ghost@example.com"]}],
            },
            "ghost@example.com",
        ),
        ({"users": [{"user_name": "x@example.com", "colour": "red"}]}, "colour"),
    ):
        response = admin.post(f"{emulator.admin_url}/seed", json=seed, timeout=5)
        assert response.status_code in (400, 409)
        assert expected in response.json()["errors"][0]
    assert emulator.state()["users"] == 0


def test_unknown_admin_endpoint(emulator, admin):
    response = admin.get(f"{emulator.admin_url}/nope", timeout=5)
    assert response.status_code == 404
    assert response.json()["errors"]
