"""timestamp_precision: meta.created and meta.lastModified with 3 or 9 fractional digits."""

from __future__ import annotations

import json
import re

import pytest
import requests
from datadog_scim_emulator import Emulator
from emulator_testing import ScimSession, start_emulator

SHAPES = {
    "ms": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"),
    "ns": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$"),
}


def meta_times(resource: dict) -> tuple[str, str]:
    return resource["meta"]["created"], resource["meta"]["lastModified"]


def assert_shape(resource: dict, precision: str) -> None:
    for moment in meta_times(resource):
        assert SHAPES[precision].match(moment), f"{moment} is not {precision} precision"


def test_default_is_milliseconds(emulator: Emulator, scim: ScimSession):
    assert emulator.config.timestamp_precision == "ms"
    user = scim.create_user("ada@example.com")
    assert_shape(user, "ms")
    assert_shape(scim.create_group("SRE", [user["id"]]), "ms")


@pytest.mark.parametrize("precision", ["ms", "ns"])
def test_every_user_answer_has_the_precision(
    emulator: Emulator, admin: requests.Session, scim: ScimSession, precision
):
    admin.patch(f"{emulator.admin_url}/config", json={"timestamp_precision": precision}, timeout=5)
    user = scim.create_user("ada@example.com")
    assert_shape(user, precision)
    patched = scim.patch(
        f"/Users/{user['id']}", [{"op": "replace", "path": "title", "value": "Engineer"}]
    ).json()
    assert_shape(patched, precision)
    replaced = scim.put(f"/Users/{user['id']}", {"userName": "ada@example.com"}).json()
    assert_shape(replaced, precision)
    assert_shape(scim.get(f"/Users/{user['id']}").json(), precision)
    listed = scim.get("/Users", params={"filter": 'userName eq "ada@example.com"'}).json()
    assert_shape(listed["Resources"][0], precision)


@pytest.mark.parametrize("precision", ["ms", "ns"])
def test_every_group_answer_has_the_precision(
    emulator: Emulator, admin: requests.Session, scim: ScimSession, precision
):
    admin.patch(f"{emulator.admin_url}/config", json={"timestamp_precision": precision}, timeout=5)
    user = scim.create_user("ada@example.com")
    group = scim.create_group("SRE")
    assert_shape(group, precision)
    patched = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "add", "path": "members", "value": [{"value": user["id"]}]}],
    ).json()
    assert_shape(patched, precision)
    replaced = scim.put(f"/Groups/{group['id']}", {"displayName": "Platform"}).json()
    assert_shape(replaced, precision)
    assert_shape(scim.get(f"/Groups/{group['id']}").json(), precision)
    assert_shape(scim.get("/Groups").json()["Resources"][0], precision)


def test_switching_precision_renders_the_same_moments(emulator: Emulator, scim: ScimSession):
    emulator.configure(timestamp_precision="ns")
    user = scim.create_user("ada@example.com")
    fine = meta_times(scim.get(f"/Users/{user['id']}").json())

    emulator.configure(timestamp_precision="ms")
    coarse = meta_times(scim.get(f"/Users/{user['id']}").json())
    # Milliseconds are the nanoseconds cut after three digits, not a second clock reading.
    assert coarse == tuple(moment[:23] + "Z" for moment in fine)


@pytest.mark.parametrize(("written_with", "read_with"), [("ms", "ns"), ("ns", "ms")])
def test_state_file_reads_under_the_other_precision(tmp_path, written_with, read_with):
    state_file = tmp_path / "state.json"
    with start_emulator(state_file=str(state_file), timestamp_precision=written_with) as emulator:
        scim = ScimSession(emulator.url)
        user = scim.create_user("ada@example.com")
        group = scim.create_group("SRE", [user["id"]])

    with start_emulator(state_file=str(state_file), timestamp_precision=read_with) as emulator:
        scim = ScimSession(emulator.url)
        for path, before in ((f"/Users/{user['id']}", user), (f"/Groups/{group['id']}", group)):
            after = scim.get(path).json()
            assert_shape(after, read_with)
            for old, new in zip(meta_times(before), meta_times(after), strict=True):
                assert old[:23] == new[:23]


@pytest.mark.parametrize("precision", ["ms", "ns"])
def test_state_file_with_millisecond_records_reads_under_both(tmp_path, precision):
    # The shape earlier emulators stored: three fractional digits.
    state_file = tmp_path / "state.json"
    moment = "2026-01-05T10:00:00.123Z"
    user = {
        "id": "0b6a1f4e-1d3c-4c62-9a55-3c1f4f0e7a01",
        "userName": "ada@example.com",
        "formatted": None,
        "givenName": None,
        "familyName": None,
        "email": "ada@example.com",
        "title": None,
        "active": True,
        "roles": ["5d8a6a1e-0c3b-4c4e-9f6e-00000000ad02"],
        "externalId": None,
        "created": moment,
        "lastModified": moment,
    }
    group = {
        "id": "7c2e9d10-5b4a-4f1e-8d3c-2a9b8c7d6e02",
        "displayName": "SRE",
        "externalId": None,
        "members": [user["id"]],
        "created": moment,
        "lastModified": moment,
    }
    state_file.write_text(json.dumps({"users": [user], "groups": [group]}))

    expected = {"ms": moment, "ns": "2026-01-05T10:00:00.123000000Z"}[precision]
    with start_emulator(state_file=str(state_file), timestamp_precision=precision) as emulator:
        scim = ScimSession(emulator.url)
        assert meta_times(scim.get(f"/Users/{user['id']}").json()) == (expected, expected)
        assert meta_times(scim.get(f"/Groups/{group['id']}").json()) == (expected, expected)


@pytest.mark.parametrize("bad_value", ["us", "NS", 9, None])
def test_bad_precision_is_refused_naming_the_switch(
    emulator: Emulator, admin: requests.Session, bad_value
):
    response = admin.patch(
        f"{emulator.admin_url}/config", json={"timestamp_precision": bad_value}, timeout=5
    )
    assert response.status_code == 400
    assert "timestamp_precision" in response.json()["errors"][0]
    assert emulator.config.timestamp_precision == "ms"
