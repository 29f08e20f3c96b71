# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input, case by case: each fails with an error that names the option or the row, and
sends no write (and, when the input can be judged without the server, no request at all).

Every case runs in one playbook (one ansible-playbook start for all of them); the request log
marks that the results callback takes after each task tell which requests each case sent.
"""

from __future__ import annotations

import concurrent.futures
import json
import os

import pytest
from datadog_scim_emulator import Emulator, EmulatorConfig
from reliability_harness import APP_KEY, Ansible, writes

ADA = "ada@example.com"
BOB = "bob@example.com"
ROLE = "5d8a6a1e-0c3b-4c4e-9f6e-00000000ad01"
USER = "scimops.datadog.datadog_scim_user"
USER_INFO = "scimops.datadog.datadog_scim_user_info"
GROUP = "scimops.datadog.datadog_scim_group"
GROUP_INFO = "scimops.datadog.datadog_scim_group_info"
MEMBERSHIP = "scimops.datadog.datadog_scim_group_membership"
SYNC = "scimops.datadog.datadog_scim_sync"

# "none": refused before any request. "reads": the server had to be asked (a wrong key, a
# group that does not exist), but nothing was written.
NONE, READS = "none", "reads"


class Case:
    def __init__(self, case_id, action, args, expect, sent=NONE, play="main"):
        self.case_id = case_id
        self.action = action
        self.args = args
        self.expect = expect
        self.sent = sent
        self.play = play

    @property
    def task_name(self):
        return "case " + self.case_id


def module(case_id, action, args, expect, sent=NONE, play="main"):
    return Case(case_id, action, args, expect, sent, play)


def role(case_id, role_name, role_vars, expect, sent=NONE):
    return Case(case_id, "role:" + role_name, role_vars, expect, sent, play="roles")


LONG_TEAM = "T" * 201
LOOPBACK = "http://127.0.0.1:9/api/v2/scim"

MODULE_CASES = [
    # datadog_scim_user: user names and emails
    module("user-name-not-email", USER, {"user_name": "ada.lovelace"}, ["user_name"]),
    module("user-name-empty", USER, {"user_name": ""}, ["user_name"]),
    module("user-name-with-space", USER, {"user_name": "ada lovelace@example.com"}, ["user_name"]),
    module(
        "user-name-filter-breakout",
        USER,
        {"user_name": 'a" or userName pr or "x@x.io'},
        ["user_name"],
    ),
    module("user-name-two-ats", USER, {"user_name": "ada@@example.com"}, ["user_name"]),
    module("user-name-no-domain-dot", USER, {"user_name": "ada@localhost"}, ["user_name"]),
    module("user-name-oversized", USER, {"user_name": "a" * 300 + "@example.com"}, ["user_name"]),
    module("email-malformed", USER, {"user_name": ADA, "email": "ada@"}, ["email"]),
    module("display-name-empty", USER, {"user_name": ADA, "display_name": ""}, ["display_name"]),
    module("role-not-uuid", USER, {"user_name": ADA, "roles": ["admin"]}, ["roles", "admin"]),
    module(
        "role-truncated-uuid",
        USER,
        {"user_name": ADA, "roles": [ROLE[:-1]]},
        ["roles", ROLE[:-1]],
    ),
    module(
        "absent-action-with-present",
        USER,
        {"user_name": ADA, "state": "present", "absent_action": "delete"},
        ["absent_action"],
    ),
    module("state-unknown", USER, {"user_name": ADA, "state": "gone"}, ["state", "gone"]),
    module("user-without-name-or-id", USER, {"title": "Engineer"}, ["user_name", "id"]),
    module("user-unknown-option", USER, {"user_name": ADA, "team": "SRE"}, ["team"]),
    # connection options
    module(
        "site-not-a-host", USER, {"user_name": ADA, "site": "datadog hq"}, ["site"], play="site"
    ),
    module(
        "site-given-as-url",
        USER,
        {"user_name": ADA, "site": "https://datadoghq.com"},
        ["site"],
        play="site",
    ),
    module(
        "site-without-domain", USER, {"user_name": ADA, "site": "datadoghq"}, ["site"], play="site"
    ),
    module("api-url-not-a-url", USER, {"user_name": ADA, "api_url": "scim endpoint"}, ["api_url"]),
    module(
        "api-url-ftp",
        USER,
        {"user_name": ADA, "api_url": "ftp://127.0.0.1/api/v2/scim"},
        ["api_url", "http"],
    ),
    module(
        "api-url-http-remote",
        USER,
        {"user_name": ADA, "api_url": "http://scim.example.com/api/v2/scim"},
        ["api_url", "https"],
    ),
    module(
        "api-url-with-credentials",
        USER,
        {"user_name": ADA, "api_url": "https://ops:hunter2@127.0.0.1/api/v2/scim"},
        ["api_url", "credentials"],
    ),
    module(
        "api-url-with-query",
        USER,
        {"user_name": ADA, "api_url": LOOPBACK + "?token=1"},
        ["api_url", "query"],
    ),
    module(
        "api-url-bad-port",
        USER,
        {"user_name": ADA, "api_url": "http://127.0.0.1:99999/api/v2/scim"},
        ["api_url"],
    ),
    module("app-key-empty", USER, {"user_name": ADA, "app_key": ""}, ["app_key"]),
    module("app-key-blank", USER, {"user_name": ADA, "app_key": "   "}, ["app_key"]),
    module("app-key-missing", USER, {"user_name": ADA}, ["app_key"], play="nokey"),
    module(
        "app-key-wrong",
        USER,
        {"user_name": ADA, "app_key": "not-the-key-of-this-org"},
        ["app_key", "403"],
        sent=READS,
    ),
    module("timeout-zero", USER, {"user_name": ADA, "timeout": 0}, ["timeout"]),
    module("max-retries-negative", USER, {"user_name": ADA, "max_retries": -1}, ["max_retries"]),
    module("max-wait-negative", USER, {"user_name": ADA, "max_wait": -5}, ["max_wait"]),
    # datadog_scim_user_info and datadog_scim_group_info
    module(
        "user-info-name-and-filter",
        USER_INFO,
        {"user_name": ADA, "filter": 'userName eq "x@x.io"'},
        ["user_name", "filter"],
    ),
    module(
        "group-info-name-and-id",
        GROUP_INFO,
        {"display_name": "SRE", "id": "1234"},
        ["display_name", "id"],
    ),
    # datadog_scim_group
    module("team-name-empty", GROUP, {"display_name": ""}, ["display_name"]),
    module("team-name-oversized", GROUP, {"display_name": LONG_TEAM}, ["display_name", "200"]),
    module(
        "team-member-malformed",
        GROUP,
        {"display_name": "SRE", "members": [ADA, "bob@"]},
        ["members", "bob@"],
    ),
    module("team-member-empty", GROUP, {"display_name": "SRE", "members": [ADA, ""]}, ["members"]),
    module(
        "team-member-unknown",
        GROUP,
        {"display_name": "New Team", "members": [ADA, "nobody@example.com"]},
        ["nobody@example.com"],
        sent=READS,
    ),
    module(
        "team-missing-users-choice",
        GROUP,
        {"display_name": "SRE", "members": [ADA], "missing_users": "skip"},
        ["missing_users", "skip"],
    ),
    # datadog_scim_group_membership
    module(
        "membership-unknown-group",
        MEMBERSHIP,
        {"group": "No Such Team", "users": [ADA]},
        ["No Such Team"],
        sent=READS,
    ),
    module(
        "membership-user-malformed",
        MEMBERSHIP,
        {"group": "SRE", "users": ["ada at example.com@"]},
        ["users"],
    ),
    module(
        "membership-state-unknown",
        MEMBERSHIP,
        {"group": "SRE", "users": [ADA], "state": "replace"},
        ["state", "replace"],
    ),
    module("membership-without-group", MEMBERSHIP, {"users": [ADA]}, ["group", "group_id"]),
    module(
        "membership-unknown-user",
        MEMBERSHIP,
        {"group": "SRE", "users": ["nobody@example.com"]},
        ["nobody@example.com"],
        sent=READS,
    ),
    # datadog_scim_sync
    module(
        "sync-duplicate-rows",
        SYNC,
        {"users": [{"user_name": "Ada@example.com"}, {"user_name": ADA}]},
        ["Ada@example.com", "users[1]"],
    ),
    module(
        "sync-row-bad-email",
        SYNC,
        {"users": [{"user_name": BOB}, {"user_name": "carol.example.com"}]},
        ["carol.example.com"],
    ),
    module(
        "sync-row-bad-role",
        SYNC,
        {"users": [{"user_name": BOB, "roles": ["Datadog Admin Role"]}]},
        ["roles", "Datadog Admin Role"],
    ),
    module(
        "sync-row-without-user-name",
        SYNC,
        {"users": [{"display_name": "Nobody"}]},
        ["user_name"],
    ),
    module(
        "sync-team-oversized",
        SYNC,
        {"users": [{"user_name": BOB, "groups": [LONG_TEAM]}]},
        ["groups", "200"],
    ),
    module(
        "sync-unknown-group-without-create",
        SYNC,
        {"users": [{"user_name": BOB, "groups": ["No Such Team"]}], "create_groups": False},
        ["No Such Team"],
        sent=READS,
    ),
    module(
        "sync-too-many-deactivations",
        SYNC,
        {"users": [{"user_name": ADA}], "prune_users": True, "max_deactivations": 1},
        ["max_deactivations"],
        sent=READS,
    ),
    module(
        "sync-concurrency-zero",
        SYNC,
        {"users": [{"user_name": ADA}], "concurrency": 0},
        ["concurrency"],
    ),
    module(
        "sync-max-deactivations-negative",
        SYNC,
        {"users": [{"user_name": ADA}], "max_deactivations": -1},
        ["max_deactivations"],
    ),
]


def role_cases(inputs):
    def source(name):
        return os.path.join(inputs, name)

    return [
        role(
            "onboard-row-bad-email",
            "onboard",
            {"datadog_scim_onboard_users": [{"user_name": BOB}, {"user_name": "carol@"}]},
            ["row 2", "carol@"],
        ),
        role(
            "onboard-duplicate-rows",
            "onboard",
            {"datadog_scim_onboard_users": [{"user_name": BOB}, {"user_name": "BOB@example.com"}]},
            ["row 2", "BOB@example.com", "row 1"],
        ),
        role(
            "onboard-users-not-a-list",
            "onboard",
            {"datadog_scim_onboard_users": 42},
            ["datadog_scim_onboard_users"],
        ),
        role(
            "onboard-group-missing-without-create",
            "onboard",
            {
                "datadog_scim_onboard_users": [
                    {"user_name": "dora@example.com", "groups": ["No Such Team"]}
                ]
            },
            ["No Such Team"],
            sent=READS,
        ),
        role(
            "offboard-entry-not-a-user-name",
            "offboard",
            {"datadog_scim_offboard_users": [ADA, "bob"]},
            ["datadog_scim_offboard_users", "bob"],
        ),
        role(
            "offboard-protected-user",
            "offboard",
            {
                "datadog_scim_offboard_users": [ADA],
                "datadog_scim_protected_users": ["ADA@example.com"],
            },
            ["datadog_scim_protected_users", ADA],
        ),
        role(
            "offboard-action-unknown",
            "offboard",
            {"datadog_scim_offboard_users": [ADA], "datadog_scim_offboard_action": "purge"},
            ["datadog_scim_offboard_action", "purge"],
        ),
        role(
            "sync-source-and-users",
            "sync",
            {
                "datadog_scim_sync_source": source("good.csv"),
                "datadog_scim_sync_users": [{"user_name": ADA}],
            },
            ["datadog_scim_sync_source", "datadog_scim_sync_users"],
        ),
        role(
            "sync-no-source",
            "sync",
            {},
            ["datadog_scim_sync_source", "datadog_scim_sync_users"],
        ),
        role(
            "sync-csv-without-user-name-column",
            "sync",
            {"datadog_scim_sync_source": source("no_user_name.csv")},
            ["user_name"],
        ),
        role(
            "sync-csv-row-bad-email",
            "sync",
            {"datadog_scim_sync_source": source("bad_email.csv")},
            ["row 3", "carol.example.com"],
        ),
        role(
            "sync-csv-duplicate-rows",
            "sync",
            {"datadog_scim_sync_source": source("duplicates.csv")},
            ["row 4", "Ada@Example.com", "row 2"],
        ),
        role(
            "sync-csv-bad-active",
            "sync",
            {"datadog_scim_sync_source": source("bad_active.csv")},
            ["active", "maybe"],
        ),
        role(
            "sync-json-not-a-list",
            "sync",
            {"datadog_scim_sync_source": source("scalar.json")},
            ["scalar.json"],
        ),
        role(
            "sync-source-missing",
            "sync",
            {"datadog_scim_sync_source": source("absent.csv")},
            ["absent.csv"],
        ),
        role(
            "sync-user-names-with-spaces",
            "sync",
            {"datadog_scim_sync_users": [{"user_name": "ada lovelace@example.com"}]},
            ["ada lovelace@example.com"],
        ),
    ]


SOURCES = {
    "good.csv": "user_name,display_name\nada@example.com,Ada\n",
    "no_user_name.csv": "email,display_name\nada@example.com,Ada\n",
    "bad_email.csv": "user_name,display_name\nada@example.com,Ada\ncarol.example.com,Carol\n",
    "duplicates.csv": "user_name,groups\nada@example.com,SRE\nbob@example.com,\nAda@Example.com,\n",
    "bad_active.csv": "user_name,active\nada@example.com,maybe\n",
    "scalar.json": json.dumps("ada@example.com"),
}


def case_tasks(cases):
    tasks = []
    for case in cases:
        if case.action.startswith("role:"):
            # A role's failure comes from one of its own tasks; the rescue records it under
            # the case's name, and the first task marks where the case's requests begin.
            tasks.append(
                {
                    "name": "begin " + case.case_id,
                    "ansible.builtin.set_fact": {"case_begins": case.case_id},
                }
            )
            tasks.append(
                {
                    "name": "run " + case.case_id,
                    "block": [
                        {
                            "name": "include " + case.case_id,
                            "ansible.builtin.include_role": {
                                "name": "scimops.datadog." + case.action[5:]
                            },
                            "vars": case.args,
                        },
                        {
                            "name": case.task_name,
                            "ansible.builtin.set_fact": {"case_outcome": {"failed": False}},
                        },
                    ],
                    "rescue": [
                        {
                            "name": case.task_name,
                            "ansible.builtin.set_fact": {
                                "case_outcome": {
                                    "failed": True,
                                    "msg": "{{ ansible_failed_result.msg | default('') }}",
                                    "task": "{{ ansible_failed_task.name }}",
                                }
                            },
                        }
                    ],
                }
            )
        else:
            tasks.append(
                {
                    "name": "begin " + case.case_id,
                    "ansible.builtin.set_fact": {"case_begins": case.case_id},
                }
            )
            tasks.append(
                {
                    "name": case.task_name,
                    case.action: case.args,
                    "ignore_errors": True,
                }
            )
    return tasks


def seed_directory(emulator):
    emulator.reset()
    emulator.seed(
        users=[ADA, BOB, "erin@example.com"],
        groups=[{"displayName": "SRE", "members": [ADA]}],
    )


def module_plays(ansible, cases):
    url = ansible.emulator.url
    return [
        ansible.play(case_tasks([case for case in cases if case.play == "main"])),
        ansible.play(
            case_tasks([case for case in cases if case.play == "nokey"]),
            connection={"api_url": url},
        ),
        ansible.play(
            case_tasks([case for case in cases if case.play == "site"]),
            connection={"app_key": APP_KEY},
        ),
    ]


def role_plays(ansible, cases):
    return [
        ansible.play(
            case_tasks([case for case in cases if case.play == "roles"]),
            connection={},
            play_vars={
                "datadog_scim_api_url": ansible.emulator.url,
                "datadog_scim_app_key": APP_KEY,
            },
        )
    ]


@pytest.fixture(scope="module")
def catalogue(ansible, emulator):
    """Module cases and role cases run at once, each against its own emulator."""
    inputs = os.path.join(ansible.scratch, "hr_exports")
    os.makedirs(inputs, exist_ok=True)
    for name, text in SOURCES.items():
        with open(os.path.join(inputs, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    cases = MODULE_CASES + role_cases(inputs)

    second_emulator = Emulator(EmulatorConfig(app_keys=[APP_KEY])).start()
    try:
        role_ansible = Ansible(second_emulator, os.path.join(ansible.scratch, "roles"))
        seed_directory(emulator)
        seed_directory(second_emulator)
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            module_run = pool.submit(ansible.run, module_plays(ansible, cases))
            role_run = pool.submit(role_ansible.run, role_plays(role_ansible, cases))
            runs = {"modules": module_run.result(), "roles": role_run.result()}
    finally:
        second_emulator.stop()
    return {
        case.case_id: (case, runs["roles" if case.play == "roles" else "modules"]) for case in cases
    }


def all_case_ids():
    return [case.case_id for case in MODULE_CASES + role_cases("")]


def failure_message(run, case):
    record = run.task(case.task_name)
    if case.action.startswith("role:"):
        outcome = record["result"]["ansible_facts"]["case_outcome"]
        assert outcome["failed"] is True, "the role did not fail"
        return outcome["msg"]
    assert record["outcome"] == "failed", record["result"]
    return record["result"]["msg"]


@pytest.mark.parametrize("case_id", all_case_ids())
def test_bad_input_is_refused_clearly_without_writes(catalogue, case_id):
    case, run = catalogue[case_id]
    message = failure_message(run, case)

    for expected in case.expect:
        assert expected in message, message
    requests = run.requests_of_span("begin " + case_id, case.task_name)
    assert writes(requests) == []
    if case.sent == NONE:
        assert requests == []
    assert APP_KEY not in json.dumps(run.task(case.task_name))


def test_catalogue_is_large_enough():
    assert len(all_case_ids()) >= 40
    assert len(set(all_case_ids())) == len(all_case_ids())
