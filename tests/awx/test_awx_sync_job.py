# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs playbooks/sync.yml the way AWX runs a job template, through ansible-runner.

AWX hands a job to ansible-runner as a private data directory: the project checkout, an
inventory, the credential's injected environment in ``env/envvars`` and the survey answers in
``env/extravars``. These tests build exactly that around a loopback emulator and check the
run's status, its events, and that the key shows up in no event and no artifact.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import ansible_runner
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "emulator"))

from datadog_scim_emulator import Emulator, EmulatorConfig  # noqa: E402

APP_KEY = "awx-job-app-key-c0ffee-" + "4d1a9b"
SAMPLE_EXPORT = os.path.join(ROOT, "playbooks", "files", "hr_export.csv")
SERVICE_ACCOUNT = "provisioning-bot@example.com"
SYNC_TASK = "Reconcile users and groups"


@pytest.fixture(scope="module")
def collections_path(tmp_path_factory):
    """A collections path holding this checkout, as an execution environment would."""
    path = tmp_path_factory.mktemp("collections")
    namespace = path / "ansible_collections" / "scimops"
    namespace.mkdir(parents=True)
    os.symlink(ROOT, namespace / "datadog")
    return str(path)


@pytest.fixture
def emulator():
    with Emulator(EmulatorConfig(app_keys=[APP_KEY])) as running:
        running.seed(users=[{"user_name": SERVICE_ACCOUNT, "display_name": "Provisioning bot"}])
        running.clear_request_log()
        yield running


def private_data_dir(tmp_path, collections_path, api_url, extravars, export_text=None):
    """Lays out the directory AWX gives ansible-runner for one job."""
    project = tmp_path / "project"
    (project / "files").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "playbooks", "sync.yml"), project / "sync.yml")
    if export_text is None:
        shutil.copy(SAMPLE_EXPORT, project / "files" / "hr_export.csv")
    else:
        (project / "files" / "hr_export.csv").write_text(export_text, encoding="utf-8")

    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "hosts").write_text("localhost\n", encoding="utf-8")

    home = tmp_path / "home"
    home.mkdir()
    envvars = {
        # What the credential type of docs/awx/credential_type.yml injects.
        "DD_SCIM_URL": api_url,
        "DD_APP_KEY": APP_KEY,
        # What the execution environment provides.
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": collections_path,
        "HOME": str(home),
        "ANSIBLE_REMOTE_TMP": str(home / "remote-tmp"),
        "ANSIBLE_LOCAL_TEMP": str(home / "local-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
    }
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "envvars").write_text(yaml.safe_dump(envvars), encoding="utf-8")
    (tmp_path / "env" / "extravars").write_text(yaml.safe_dump(extravars), encoding="utf-8")
    return str(tmp_path)


def run_job(data_dir, ident, verbosity=0):
    return ansible_runner.run(
        private_data_dir=data_dir,
        playbook="sync.yml",
        ident=ident,
        verbosity=verbosity,
        quiet=True,
        timeout=300,
    )


def task_results(runner, task_name):
    return [
        event["event_data"]["res"]
        for event in runner.events
        if event.get("event") == "runner_on_ok"
        and event.get("event_data", {}).get("task") == task_name
    ]


def assert_key_nowhere(runner, data_dir, ident):
    events = list(runner.events)
    assert events, "ansible-runner recorded no events"
    for event in events:
        assert APP_KEY not in json.dumps(event), "the key is in event %s" % event.get("event")
    assert APP_KEY not in runner.stdout.read()
    artifacts = os.path.join(data_dir, "artifacts", ident)
    for folder, _subfolders, names in os.walk(artifacts):
        for name in names:
            # ansible-runner records the environment it was given in "command", as env/envvars
            # holds it: the job's input, not something the playbook produced.
            if folder == artifacts and name == "command":
                continue
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                assert APP_KEY not in handle.read(), "the key is in artifact %s" % name


def source_users():
    with open(SAMPLE_EXPORT, encoding="utf-8") as export:
        return export.read().strip().splitlines()[1:]


def test_scheduled_sync_job_converges_and_never_shows_the_key(tmp_path, collections_path, emulator):
    extravars = {
        "datadog_scim_sync_source": "hr_export.csv",
        "datadog_scim_protected_users": [SERVICE_ACCOUNT],
    }
    data_dir = private_data_dir(tmp_path, collections_path, emulator.url, extravars)

    first = run_job(data_dir, "first")

    assert first.status == "successful", first.stdout.read()
    assert first.rc == 0
    event_names = {event.get("event") for event in first.events}
    assert {"playbook_on_start", "playbook_on_task_start", "playbook_on_stats"} <= event_names
    (sync_result,) = task_results(first, SYNC_TASK)
    assert sync_result["changed"] is True
    state = emulator.state()
    created = sync_result["summary"]["created"]
    # Every row of the export becomes a user, unless it is inactive and was never created.
    assert 0 < created <= len(source_users())
    assert state["users"] == created + 1  # the service account was there before
    assert state["groups"] == sync_result["summary"]["groups_created"] > 0
    assert state["memberships"] == sync_result["summary"]["members_added"]
    assert first.stats["changed"] == {"localhost": 1}
    assert_key_nowhere(first, data_dir, "first")

    emulator.clear_request_log()
    # The second run of the schedule, at the highest verbosity an operator may choose.
    second = run_job(data_dir, "second", verbosity=4)

    assert second.status == "successful", second.stdout.read()
    (again,) = task_results(second, SYNC_TASK)
    assert again["changed"] is False
    assert again["summary"]["created"] == 0
    writes = [entry for entry in emulator.request_log() if entry["method"] != "GET"]
    assert writes == []
    assert emulator.state() == state
    assert_key_nowhere(second, data_dir, "second")


def test_bad_export_fails_the_job_before_any_write(tmp_path, collections_path, emulator):
    export = (
        "user_name,active,groups\nann@example.com,yes,Sales\n,no,Sales\nbob@example.com,perhaps,\n"
    )
    extravars = {"datadog_scim_sync_source": "hr_export.csv"}
    data_dir = private_data_dir(tmp_path, collections_path, emulator.url, extravars, export)

    runner = run_job(data_dir, "bad-export")

    assert runner.status == "failed"
    failures = [
        event["event_data"] for event in runner.events if event.get("event") == "runner_on_failed"
    ]
    assert len(failures) == 1
    message = failures[0]["res"]["msg"]
    assert "row 3, column user_name" in message
    assert "row 4, column active" in message
    assert failures[0]["task"] == "Read and check the HR export"
    assert emulator.request_log() == []
    assert emulator.state()["users"] == 1
    assert_key_nowhere(runner, data_dir, "bad-export")


def test_survey_that_turns_pruning_on_respects_the_guard_rail(tmp_path, collections_path, emulator):
    # A directory with more active strangers than the job may deactivate in one run.
    emulator.seed(users=["stranger%d@example.com" % number for number in range(4)])
    emulator.clear_request_log()
    extravars = {
        "datadog_scim_sync_source": "hr_export.csv",
        "datadog_scim_sync_prune_users": True,
        "datadog_scim_sync_max_deactivations": 3,
        "datadog_scim_protected_users": [SERVICE_ACCOUNT],
    }
    data_dir = private_data_dir(tmp_path, collections_path, emulator.url, extravars)

    runner = run_job(data_dir, "prune")

    assert runner.status == "failed"
    (failure,) = [
        event["event_data"] for event in runner.events if event.get("event") == "runner_on_failed"
    ]
    assert failure["task"] == SYNC_TASK
    assert "max_deactivations=3" in failure["res"]["msg"]
    writes = [entry for entry in emulator.request_log() if entry["method"] != "GET"]
    assert writes == []
    assert_key_nowhere(runner, data_dir, "prune")
