# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No key shows up anywhere: console output at -vvvv with --diff, task results, or the request
bodies the server received; for every module and role, succeeding and failing, in both auth
styles, and with the server failing now and then so that retry messages are logged too.
"""

from __future__ import annotations

import concurrent.futures
import json
import os

import pytest
from datadog_scim_emulator import Emulator, EmulatorConfig
from reliability_harness import API_KEY, APP_KEY, Ansible

WRONG_KEY = "rel-wrong-key-91d4aa07-SECRET"
SECRETS = (APP_KEY, API_KEY, WRONG_KEY)
ROLE = "5d8a6a1e-0c3b-4c4e-9f6e-00000000ad03"


def module_tasks():
    tasks = [
        ("user create", "datadog_scim_user", {"user_name": "kim@example.com", "title": "SRE"}),
        ("user update", "datadog_scim_user", {"user_name": "kim@example.com", "roles": [ROLE]}),
        ("user bad role", "datadog_scim_user", {"user_name": "kim@example.com", "roles": ["x"]}),
        (
            "user wrong key",
            "datadog_scim_user",
            {"user_name": "kim@example.com", "app_key": WRONG_KEY},
        ),
        ("user info all", "datadog_scim_user_info", {}),
        ("user info one", "datadog_scim_user_info", {"user_name": "kim@example.com"}),
        ("user info bad filter", "datadog_scim_user_info", {"filter": "title pr"}),
        (
            "group create",
            "datadog_scim_group",
            {"display_name": "Keys", "members": ["kim@example.com"]},
        ),
        (
            "group unknown member",
            "datadog_scim_group",
            {"display_name": "Keys", "members": ["no@example.com"]},
        ),
        ("group info", "datadog_scim_group_info", {}),
        (
            "membership add",
            "datadog_scim_group_membership",
            {"group": "Keys", "users": ["lee@example.com"]},
        ),
        (
            "membership unknown group",
            "datadog_scim_group_membership",
            {"group": "Nope", "users": ["lee@example.com"]},
        ),
        (
            "sync",
            "datadog_scim_sync",
            {
                "users": [
                    {"user_name": "lee@example.com", "groups": ["Keys"]},
                    {"user_name": "kim@example.com", "groups": ["Keys"]},
                ]
            },
        ),
        (
            "sync duplicate",
            "datadog_scim_sync",
            {"users": [{"user_name": "lee@example.com"}, {"user_name": "LEE@example.com"}]},
        ),
        (
            "user delete",
            "datadog_scim_user",
            {"user_name": "kim@example.com", "state": "absent", "absent_action": "delete"},
        ),
    ]
    return [
        {"name": name, "scimops.datadog." + module: args, "ignore_errors": True}
        for name, module, args in tasks
    ]


def role_tasks():
    roles = [
        (
            "onboard ok",
            "onboard",
            {
                "datadog_scim_onboard_users": [
                    {"user_name": "max@example.com", "groups": ["Vault"]}
                ],
                "datadog_scim_onboard_create_groups": True,
            },
        ),
        ("onboard bad row", "onboard", {"datadog_scim_onboard_users": [{"user_name": "max@"}]}),
        ("offboard ok", "offboard", {"datadog_scim_offboard_users": ["max@example.com"]}),
        (
            "offboard protected",
            "offboard",
            {
                "datadog_scim_offboard_users": ["lee@example.com"],
                "datadog_scim_protected_users": ["lee@example.com"],
            },
        ),
        (
            "sync role ok",
            "sync",
            {"datadog_scim_sync_users": [{"user_name": "ray@example.com", "groups": ["Vault"]}]},
        ),
        ("sync role no source", "sync", {}),
    ]
    tasks = []
    for name, role_name, role_vars in roles:
        tasks.append(
            {
                "name": name,
                "block": [
                    {
                        "name": "include " + name,
                        "ansible.builtin.include_role": {"name": "scimops.datadog." + role_name},
                        "vars": role_vars,
                    }
                ],
                "rescue": [
                    {
                        "name": "rescued " + name,
                        "ansible.builtin.debug": {"msg": "{{ ansible_failed_result }}"},
                    }
                ],
            }
        )
    return tasks


def leak_plays(ansible, api_key):
    connection = ansible.connection(api_key=api_key)
    role_vars = {"datadog_scim_api_url": ansible.emulator.url, "datadog_scim_app_key": APP_KEY}
    if api_key:
        role_vars["datadog_scim_api_key"] = API_KEY
    return [
        ansible.play(module_tasks(), connection=connection),
        ansible.play(role_tasks(), connection={}, play_vars=role_vars),
    ]


@pytest.fixture(scope="module")
def leak_runs(ansible, emulator):
    """Both auth styles at once, each against its own emulator that fails now and then."""
    second_emulator = Emulator(EmulatorConfig(app_keys=[APP_KEY], api_keys=[API_KEY])).start()
    try:
        api_key_ansible = Ansible(second_emulator, os.path.join(ansible.scratch, "api_key"))
        for server in (emulator, second_emulator):
            server.reset(fault_5xx=0.1, fault_lost=0.03, seed=7)
        options = {"diff": True, "verbosity": 4, "mark_requests": False}
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            bearer = pool.submit(ansible.run, leak_plays(ansible, False), **options)
            api_key = pool.submit(api_key_ansible.run, leak_plays(api_key_ansible, True), **options)
            runs = {"bearer": bearer.result(), "api_key": api_key.result()}
    finally:
        second_emulator.stop()
        emulator.reset()
    return runs


@pytest.fixture(params=["bearer", "api_key"])
def leak_run(request, leak_runs):
    return leak_runs[request.param]


def test_no_key_in_output_results_or_request_bodies(leak_run):
    outcomes = {task["name"]: task["outcome"] for task in leak_run.tasks}
    # Both paths ran: modules that succeeded and modules that failed, roles that were rescued.
    assert outcomes["user create"] == "ok" and outcomes["sync"] == "ok", leak_run.output[-3000:]
    assert outcomes["user bad role"] == "failed" and outcomes["user wrong key"] == "failed"
    assert "rescued onboard bad row" in outcomes and "rescued sync role no source" in outcomes
    assert "include onboard ok" in outcomes and "rescued onboard ok" not in outcomes
    assert "<127.0.0.1>" in leak_run.output or "ESTABLISH LOCAL CONNECTION" in leak_run.output
    assert "--- before" in leak_run.output  # the diffs were printed

    results = json.dumps(leak_run.tasks)
    bodies = json.dumps(leak_run.request_log)
    for secret in SECRETS:
        assert secret not in leak_run.output
        assert secret not in results
        assert secret not in bodies


def test_playbook_with_keys_from_the_environment(ansible, emulator, staged_collection):
    """The shipped playbook, keys injected as environment variables the way AWX does it."""
    emulator.reset()
    playbook = staged_collection + "/playbooks/onboard.yml"
    users = [{"user_name": "env@example.com", "groups": ["Env"]}]
    run = ansible.run(
        None,
        playbook_path=playbook,
        extra_vars={
            "datadog_scim_onboard_users": users,
            "datadog_scim_onboard_create_groups": True,
        },
        env={"DD_SCIM_URL": emulator.url, "DD_APP_KEY": APP_KEY, "DD_API_KEY": API_KEY},
        diff=True,
        verbosity=4,
        mark_requests=False,
    )
    assert run.returncode == 0, run.output[-3000:]
    assert emulator.state()["users"] == 1
    for secret in (APP_KEY, API_KEY):
        assert secret not in run.output
        assert secret not in json.dumps(run.tasks)
        assert secret not in json.dumps(run.request_log)
