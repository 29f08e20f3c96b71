# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the collection the way a user does, ansible-playbook on localhost, and reads the outcome.

The collection runs from a copy under ``build/reliability`` (its own, so that these tests and
the rest of the suite never replace each other's files mid-run). Each playbook run gets a
scratch home and temporary folders, and a callback that writes every task result to JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "build", "reliability")
# One copy per test process, so that two runs at once never replace each other's files.
COLLECTIONS = os.path.join(WORK, "collections-%d" % os.getpid())
STAGED = os.path.join(COLLECTIONS, "ansible_collections", "scimops", "datadog")
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")
BIN = os.path.dirname(sys.executable)

sys.path.insert(0, os.path.join(ROOT, "tests", "utils"))
import suite  # noqa: E402  (the suite's list of what belongs to the collection)

# Recognisable keys: no output, result, diff or request body may ever hold them.
APP_KEY = "rel-app-key-3c9f0e1d-SECRET"
API_KEY = "rel-api-key-7b2a64c8-SECRET"
GROUP = "group/scimops.datadog.datadog_scim"


def stage_collection():
    """Copies the collection's files (as the suite defines them) to the scratch path."""
    if os.path.isdir(STAGED):
        shutil.rmtree(STAGED)
    for path in suite.collection_files():
        target = os.path.join(STAGED, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, path), target)
    return STAGED


def remove_staged_collection():
    shutil.rmtree(COLLECTIONS, ignore_errors=True)


class PlaybookRun:
    """The outcome of one ansible-playbook run: exit code, console output, task results."""

    def __init__(self, returncode, output, tasks, request_log):
        self.returncode = returncode
        self.output = output
        self.tasks = tasks
        self.request_log = request_log

    def task(self, name):
        """The record of the task with this name (the last one, if it ran more than once)."""
        matches = [task for task in self.tasks if task["name"] == name]
        if not matches:
            raise AssertionError(
                "task %r did not run; output tail:\n%s" % (name, self.output[-4000:])
            )
        return matches[-1]

    def result(self, name):
        return self.task(name)["result"]

    def requests_of_span(self, first, last):
        """The SCIM requests sent after the task named first and up to the end of last."""
        start = self.task(first)["log_length"]
        end = self.task(last)["log_length"]
        return self.request_log[start:end]

    def requests_of(self, name):
        """The SCIM requests that the named task sent, from the request log marks."""
        index = self.tasks.index(self.task(name))
        end = self.tasks[index]["log_length"]
        start = 0
        for earlier in reversed(self.tasks[:index]):
            if earlier["log_length"] is not None:
                start = earlier["log_length"]
                break
        return self.request_log[start:end]


class Ansible:
    """Builds playbooks on localhost and runs them against one emulator."""

    def __init__(self, emulator, scratch):
        self.emulator = emulator
        self.scratch = os.path.abspath(scratch)
        os.makedirs(scratch, exist_ok=True)

    def connection(self, api_key=False, app_key=APP_KEY):
        options = {"api_url": self.emulator.url, "app_key": app_key}
        if api_key:
            options["api_key"] = API_KEY
        return options

    def play(self, tasks, connection=None, roles=None, play_vars=None, hosts="localhost"):
        play = {
            "name": "Reliability scenario",
            "hosts": hosts,
            "connection": "local",
            "gather_facts": False,
            "vars": {"ansible_python_interpreter": sys.executable, **(play_vars or {})},
            "module_defaults": {GROUP: connection if connection is not None else self.connection()},
            "tasks": tasks,
        }
        if roles:
            play["roles"] = roles
        return play

    def run(
        self,
        plays,
        extra_vars=None,
        check=False,
        diff=False,
        verbosity=0,
        mark_requests=True,
        env=None,
        timeout=600,
        playbook_path=None,
        inventory=None,
    ):
        """Runs plays (a list of play dicts) or an existing playbook file.

        ``inventory`` is a YAML inventory as a dict; without one the play runs on localhost.
        """
        run_dir = os.path.join(self.scratch, uuid.uuid4().hex[:12])
        os.makedirs(os.path.join(run_dir, "home"))
        if playbook_path is None:
            playbook_path = os.path.join(run_dir, "playbook.yml")
            with open(playbook_path, "w", encoding="utf-8") as playbook:
                yaml.safe_dump(plays, playbook, sort_keys=False)
        results_file = os.path.join(run_dir, "results.json")

        inventory_arg = "localhost,"
        if inventory is not None:
            inventory_arg = os.path.join(run_dir, "inventory.yml")
            with open(inventory_arg, "w", encoding="utf-8") as handle:
                yaml.safe_dump(inventory, handle, sort_keys=False)
        command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory_arg, playbook_path]
        if extra_vars:
            vars_file = os.path.join(run_dir, "extra_vars.json")
            with open(vars_file, "w", encoding="utf-8") as handle:
                json.dump(extra_vars, handle)
            command += ["-e", "@" + vars_file]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)

        run_env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DD_", "DATADOG_", "ANSIBLE_"))
        }
        run_env.update(
            {
                "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
                "HOME": os.path.join(run_dir, "home"),
                "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
                "ANSIBLE_REMOTE_TMP": os.path.join(run_dir, "remote-tmp"),
                "ANSIBLE_LOCAL_TEMP": os.path.join(run_dir, "local-tmp"),
                "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
                "ANSIBLE_CALLBACKS_ENABLED": "reliability_results",
                "ANSIBLE_HOST_KEY_CHECKING": "False",
                "ANSIBLE_RETRY_FILES_ENABLED": "False",
                "ANSIBLE_NOCOLOR": "1",
                "NO_COLOR": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "RELIABILITY_RESULTS_FILE": results_file,
            }
        )
        if mark_requests:
            run_env["RELIABILITY_REQUESTS_URL"] = self.emulator.admin_url + "/requests"
        run_env.update(env or {})

        completed = subprocess.run(
            command,
            cwd=run_dir,
            env=run_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        tasks = []
        if os.path.exists(results_file):
            with open(results_file, encoding="utf-8") as handle:
                tasks = json.load(handle)
        return PlaybookRun(
            completed.returncode, completed.stdout, tasks, self.emulator.request_log()
        )


def writes(requests):
    return [entry for entry in requests if entry["method"] in ("POST", "PUT", "PATCH", "DELETE")]
