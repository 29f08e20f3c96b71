"""The state file: users and groups survive a restart, and the file is replaced atomically."""

from __future__ import annotations

import json
import time

from emulator_testing import ScimSession, start_emulator


def test_state_survives_a_restart(tmp_path):
    state_file = tmp_path / "state.json"
    with start_emulator(state_file=str(state_file)) as emulator:
        scim = ScimSession(emulator.url)
        ada = scim.create_user("ada@example.com", name={"formatted": "Ada"})
        group = scim.create_group("SRE", [ada["id"]])

    with start_emulator(state_file=str(state_file)) as emulator:
        scim = ScimSession(emulator.url)
        assert scim.get(f"/Users/{ada['id']}").json() == ada
        assert scim.get(f"/Groups/{group['id']}").json()["members"][0]["value"] == ada["id"]
        assert scim.post("/Users", {"userName": "ADA@example.com"}).status_code == 409
        assert emulator.state() == {"users": 1, "active_users": 1, "groups": 1, "memberships": 1}


def test_state_is_written_while_running_and_atomically(tmp_path):
    state_file = tmp_path / "state.json"
    with start_emulator(state_file=str(state_file)) as emulator:
        scim = ScimSession(emulator.url)
        scim.create_user("ada@example.com")
        for _ in range(50):
            if state_file.exists():
                break
            time.sleep(0.05)
        saved = json.loads(state_file.read_text())
        assert [user["userName"] for user in saved["users"]] == ["ada@example.com"]
    assert [path.name for path in tmp_path.iterdir()] == ["state.json"]


def test_reset_empties_the_state_file(tmp_path):
    state_file = tmp_path / "state.json"
    with start_emulator(state_file=str(state_file)) as emulator:
        ScimSession(emulator.url).create_user("ada@example.com")
        emulator.reset()
    assert json.loads(state_file.read_text()) == {"users": [], "groups": []}
