"""Lists and filters: paging, page-size caps, uneven pages, drift, and the accepted filters."""

from __future__ import annotations

import pytest
from emulator_testing import ScimSession


@pytest.fixture
def many_users(emulator) -> list[str]:
    names = [f"user{index:03d}@example.com" for index in range(250)]
    emulator.seed(users=names)
    return names


def page(scim: ScimSession, path: str = "/Users", **params) -> dict:
    response = scim.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_list_response_shape_and_default_count(scim: ScimSession, many_users):
    body = page(scim)
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (250, 1, 20)
    assert [user["userName"] for user in body["Resources"]] == many_users[:20]


def test_start_index_is_one_based(scim: ScimSession, many_users):
    body = page(scim, startIndex=241, count=100)
    assert body["itemsPerPage"] == 10
    assert body["Resources"][0]["userName"] == many_users[240]


def test_count_is_capped_by_max_page_size(emulator, scim: ScimSession, many_users):
    assert page(scim, count=1000)["itemsPerPage"] == 100
    emulator.configure(max_page_size=30)
    assert page(scim, count=100)["itemsPerPage"] == 30


def test_zero_count_and_bad_numbers(scim: ScimSession, many_users):
    body = page(scim, count=0)
    assert (body["totalResults"], body["itemsPerPage"], body["Resources"]) == (250, 0, [])
    response = scim.get("/Users", params={"count": "ten"})
    assert response.status_code == 400
    assert response.json() == {"errors": ["count must be an integer, not ten"]}


def walk(scim: ScimSession, step_by_items_per_page: bool) -> list[str]:
    seen, start = [], 1
    for _ in range(100):
        body = page(scim, startIndex=start, count=100)
        seen += [user["userName"] for user in body["Resources"]]
        start += body["itemsPerPage"] if step_by_items_per_page else 100
        if start > body["totalResults"] or not body["Resources"]:
            return seen
    raise AssertionError("paging did not end")


def test_uneven_pages_are_short_but_consistent(emulator, scim: ScimSession, many_users):
    emulator.configure(uneven_pages=True)
    sizes = {page(scim, startIndex=start, count=100)["itemsPerPage"] for start in (1, 2, 3)}
    assert len(sizes) > 1 and max(sizes) < 100
    assert page(scim, startIndex=5, count=100) == page(scim, startIndex=5, count=100)
    assert walk(scim, step_by_items_per_page=True) == many_users
    assert walk(scim, step_by_items_per_page=False) != many_users


def test_total_drift_changes_total_results(emulator, scim: ScimSession, many_users):
    emulator.configure(total_drift=True)
    totals = {page(scim, count=1)["totalResults"] for _ in range(4)}
    assert len(totals) > 1
    assert all(abs(total - 250) <= 2 for total in totals)


def test_inactive_users_listed_or_hidden(emulator, scim: ScimSession):
    active = scim.create_user("ada@example.com")
    inactive = scim.create_user("bob@example.com", active=False)
    assert page(scim)["totalResults"] == 2
    emulator.configure(inactive_users="hidden")
    listed = page(scim)
    assert [user["id"] for user in listed["Resources"]] == [active["id"]]
    assert page(scim, filter='userName eq "bob@example.com"')["totalResults"] == 0
    assert scim.get(f"/Users/{inactive['id']}").status_code == 200


def test_user_name_filter(scim: ScimSession, many_users):
    body = page(scim, filter='userName eq "user007@example.com"')
    assert body["totalResults"] == 1
    assert body["Resources"][0]["userName"] == "user007@example.com"
    assert page(scim, filter='userName eq "nobody@example.com"')["totalResults"] == 0


@pytest.mark.parametrize(
    "user_name", ['a"b@example.com', "back\\slash@example.com", 'both\\"@example.com']
)
def test_escaped_filter_values(emulator, scim: ScimSession, user_name):
    emulator.configure(require_email_user_name=False)
    scim.create_user(user_name)
    escaped = user_name.replace("\\", "\\\\").replace('"', '\\"')
    body = page(scim, filter=f'userName eq "{escaped}"')
    assert [user["userName"] for user in body["Resources"]] == [user_name]


@pytest.mark.parametrize(
    "expression",
    [
        'userName co "ada"',
        'userName sw "a"',
        'emails.value eq "ada@example.com"',
        'userName eq "a" or userName eq "b"',
        'userName eq "a" and userName eq "b"',
        "userName pr",
        "active eq true",
        'userName eq "unterminated',
        'userName eq "bad escape \\q"',
        'displayName eq "SRE"',
    ],
)
def test_refused_user_filters(scim: ScimSession, expression):
    response = scim.get("/Users", params={"filter": expression})
    assert response.status_code == 400
    message = response.json()["errors"][0]
    assert message.endswith(expression) and ("Unsupported" in message or "Invalid" in message)


def test_group_filters(scim: ScimSession):
    ada = scim.create_user("ada@example.com")
    bob = scim.create_user("bob@example.com")
    sre = scim.create_group("SRE", [ada["id"]], externalId="ext-sre")
    scim.create_group("Platform", [bob["id"]])

    def ids(expression):
        return [group["id"] for group in page(scim, "/Groups", filter=expression)["Resources"]]

    assert ids('displayName eq "SRE"') == [sre["id"]]
    assert ids('externalId eq "ext-sre"') == [sre["id"]]
    assert ids(f'id eq "{sre["id"]}" and members eq "{ada["id"]}"') == [sre["id"]]
    assert ids(f'members eq "{ada["id"]}" and id eq "{sre["id"]}"') == [sre["id"]]
    assert ids(f'id eq "{sre["id"]}" and members eq "{bob["id"]}"') == []


@pytest.mark.parametrize(
    "expression",
    [
        'displayName co "S"',
        'id eq "x"',
        'members eq "x"',
        'userName eq "ada@example.com"',
        'displayName eq "a" or displayName eq "b"',
    ],
)
def test_refused_group_filters(scim: ScimSession, expression):
    response = scim.get("/Groups", params={"filter": expression})
    assert response.status_code == 400
    assert response.json()["errors"][0].endswith(expression)


def test_discovery_endpoints(scim: ScimSession):
    resource_types = page(scim, "/ResourceTypes")
    assert [rt["id"] for rt in resource_types["Resources"]] == ["User", "Group"]
    schemas = page(scim, "/Schemas")
    assert schemas["totalResults"] == 2
    user_schema = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    assert "userName" in [attribute["name"] for attribute in user_schema["attributes"]]
    assert scim.get("/ResourceTypes/Nope").status_code == 404
    assert scim.post("/Schemas", {}).status_code == 405
