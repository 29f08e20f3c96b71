"""Ten thousand users and eight clients stay fast; the bounds are loose, the README has numbers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from emulator_testing import ScimSession

USERS = 10_000


@pytest.fixture
def big_directory(emulator) -> list[str]:
    names = [f"user{index:05d}@example.com" for index in range(USERS)]
    started = time.monotonic()
    response = requests.post(f"{emulator.admin_url}/seed", json={"users": names}, timeout=60)
    assert response.status_code == 200
    assert time.monotonic() - started < 10
    return names


def test_listing_ten_thousand_users_in_pages_of_100(scim: ScimSession, big_directory):
    started = time.monotonic()
    seen, start = [], 1
    for _ in range(200):
        body = scim.get("/Users", params={"startIndex": start, "count": 100}).json()
        seen += [user["userName"] for user in body["Resources"]]
        start += body["itemsPerPage"]
        if start > body["totalResults"]:
            break
    elapsed = time.monotonic() - started
    assert seen == big_directory
    assert elapsed < 5, f"100 pages took {elapsed:.2f} s"


def test_user_name_filter_uses_the_index(scim: ScimSession, big_directory):
    started = time.monotonic()
    for index in range(0, USERS, 20):
        body = scim.get("/Users", params={"filter": f'userName eq "{big_directory[index]}"'})
        assert body.json()["totalResults"] == 1
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"500 filtered lookups took {elapsed:.2f} s"


def test_eight_clients_page_and_write_at_once(emulator, big_directory):
    def client(number: int) -> int:
        scim = ScimSession(emulator.url)
        for page in range(10):
            start = 1 + (number * 10 + page) * 100
            body = scim.get("/Users", params={"startIndex": start, "count": 100}).json()
            assert body["itemsPerPage"] == 100
            user_id = body["Resources"][0]["id"]
            patched = scim.patch(
                f"/Users/{user_id}",
                [{"op": "replace", "path": "title", "value": f"client {number}"}],
            )
            assert patched.status_code == 200
        return number

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(client, range(8))) == list(range(8))
    assert time.monotonic() - started < 10
