"""The benchmark of scimops.datadog: real modules, run by ansible-playbook, against the emulator.

    python tests/performance/bench.py            # the full report (a few minutes)
    python tests/performance/bench.py --smoke    # tiny sizes, to check that it works

Every scenario starts from a fresh emulator that waits ``latency_ms`` before each answer, as a
round trip to Datadog would. The modules run from a copy of the collection, through
``ansible-playbook`` on localhost, exactly as a user runs them. Requests and writes are counted
from the emulator's request log, not from what the modules say about themselves.

The report goes to ``build/bench/report.json`` and a table to stdout. A missed target is
reported, not fatal: the exit status is 0. It is 1 when something broke (a module run failed,
a re-run wrote, a count is wrong), since the figures of a broken run mean nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "build" / "bench"
COLLECTIONS = BENCH / "collections"
COLLECTION = COLLECTIONS / "ansible_collections" / "scimops" / "datadog"
CALLBACK_PLUGINS = Path(__file__).resolve().parent / "callback_plugins"
PYTHON = sys.executable
BIN = Path(PYTHON).parent

sys.path.insert(0, str(ROOT / "emulator"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests" / "utils"))

import suite  # noqa: E402  (the one list of the files that make up the collection)
from datadog_scim_emulator import DEFAULT_ROLES, Emulator, EmulatorConfig  # noqa: E402
from people import drift, people, teams  # noqa: E402

# What a module needs at run time; the rest of the repository is development tooling.
COLLECTION_PARTS = ("plugins/", "meta/", "roles/", "playbooks/")
COLLECTION_FILES = ("galaxy.yml",)

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# High enough that no scenario but the rate-limited one ever meets the limit.
UNLIMITED_RATE = 1_000_000
MIB = 1024 * 1024


@dataclass(frozen=True)
class Sizes:
    sync_users: int
    teams: int
    loop_users: int
    drift_share: float
    rate_users: int
    rate_limit: int
    rate_period: float
    memory_users: int
    latency_ms: float = 25.0
    playbook_timeout: float = 900.0


FULL = Sizes(
    sync_users=5000,
    teams=50,
    loop_users=200,
    drift_share=0.01,
    rate_users=1000,
    rate_limit=300,
    rate_period=10.0,
    memory_users=10_000,
)
SMOKE = Sizes(
    sync_users=50,
    teams=5,
    loop_users=10,
    drift_share=0.1,
    rate_users=60,
    rate_limit=40,
    rate_period=2.0,
    memory_users=200,
    playbook_timeout=120.0,
)

# The targets, each with the direction in which it passes.
TARGETS = {
    "cold_sync_seconds": ("<", 60.0),
    "loop_to_sync_per_user_ratio": (">=", 50.0),
    "noop_seconds": ("<", 10.0),
    "rate_limited_time_to_floor": ("<=", 1.2),
    "module_peak_rss_mib": ("<", 200.0),
}

# The export reaches the module as the sync role hands it over: read from a file by the
# collection's filter, so that it enters the task as plain data.
SYNC_PLAYBOOK = """\
- name: Reconcile the generated directory in one task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Sync every user and team of the export
      scimops.datadog.datadog_scim_sync:
        users: >-
          {{ lookup('ansible.builtin.file', bench_export)
             | scimops.datadog.hr_export('json', source=bench_export) }}
        groups: "{{ lookup('ansible.builtin.file', bench_teams) | ansible.builtin.from_json }}"
"""

# The same task with the export given as extra variables (-e @file), the other way a job can
# pass it. Ansible loads, copies and templates variables far more slowly than it reads a file
# through a filter; the no-op measures both ways side by side.
EXTRA_VARS_PLAYBOOK = """\
- name: Reconcile the generated directory in one task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Sync every user and team of the export, given as extra variables
      scimops.datadog.datadog_scim_sync:
        users: "{{ bench_users }}"
        groups: "{{ bench_groups }}"
"""

# The scheduled job's way: the sync role reads the export itself, checks it, syncs, reports.
ROLE_PLAYBOOK = """\
- name: Reconcile the generated directory through the sync role
  hosts: localhost
  gather_facts: false
  roles:
    - role: scimops.datadog.sync
      vars:
        datadog_scim_sync_source: "{{ bench_export }}"
        datadog_scim_sync_groups: >-
          {{ lookup('ansible.builtin.file', bench_teams) | ansible.builtin.from_json }}
"""
ROLE_SYNC_TASK = "Reconcile users and groups"

# How the export can reach the sync task: the playbook, and the task whose result counts.
SYNC_WAYS = {
    "file": ("sync.yml", None),
    "extra_vars": ("sync-extra-vars.yml", None),
    "role": ("sync-role.yml", ROLE_SYNC_TASK),
}

LOOP_PLAYBOOK = """\
- name: Ensure the same users one module run at a time
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ensure each user
      scimops.datadog.datadog_scim_user:
        user_name: "{{ item.user_name }}"
        display_name: "{{ item.display_name }}"
        given_name: "{{ item.given_name }}"
        family_name: "{{ item.family_name }}"
        title: "{{ item.title }}"
        roles: "{{ item.roles }}"
        external_id: "{{ item.external_id }}"
      loop: "{{ bench_users }}"
      loop_control:
        label: "{{ item.user_name }}"
"""


class BenchError(Exception):
    """A scenario could not be measured: a run failed or the emulator disagrees with it."""


@dataclass
class PlaybookRun:
    name: str
    returncode: int
    wall_seconds: float
    task_seconds: float | None
    result: dict[str, Any]
    log_path: Path


@dataclass
class Scenario:
    name: str
    description: str
    measures: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def check(self, what: str, expected: Any, actual: Any) -> bool:
        """Record a correctness check; a failed one makes the whole benchmark fail."""
        passed = expected == actual
        self.checks.append({"check": what, "expected": expected, "actual": actual, "ok": passed})
        return passed

    @property
    def ok(self) -> bool:
        return self.error is None and all(check["ok"] for check in self.checks)


# -- the collection and ansible-playbook ---------------------------------------------------------


def stage_collection() -> int:
    """Copy the collection's run-time files (tracked or new, not ignored) to a collections path."""
    paths = [
        path
        for path in suite.collection_files()
        if path.startswith(COLLECTION_PARTS) or path in COLLECTION_FILES
    ]
    if COLLECTION.exists():
        shutil.rmtree(COLLECTION)
    for path in paths:
        target = COLLECTION / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target)
    return len(paths)


class Ansible:
    """Runs generated playbooks on localhost, isolated under build/bench."""

    def __init__(self, app_key: str) -> None:
        self.app_key = app_key
        self.inventory = BENCH / "inventory.ini"
        self.playbooks = BENCH / "playbooks"
        self.variables = BENCH / "vars"
        self.logs = BENCH / "logs"
        for folder in (self.playbooks, self.variables, self.logs, BENCH / "home"):
            folder.mkdir(parents=True, exist_ok=True)
        # Interpreter discovery would pick whatever python3 is first on the path; the modules
        # must run on the interpreter that has the pinned requests.
        self.inventory.write_text(
            f"localhost ansible_connection=local ansible_python_interpreter={PYTHON}\n",
            encoding="utf-8",
        )
        (self.playbooks / "sync.yml").write_text(SYNC_PLAYBOOK, encoding="utf-8")
        (self.playbooks / "sync-extra-vars.yml").write_text(EXTRA_VARS_PLAYBOOK, "utf-8")
        (self.playbooks / "sync-role.yml").write_text(ROLE_PLAYBOOK, encoding="utf-8")
        (self.playbooks / "loop.yml").write_text(LOOP_PLAYBOOK, encoding="utf-8")
        # An empty configuration of its own, so that no ansible.cfg of the caller's applies;
        # every setting the benchmark needs is in the environment of each run.
        self.config = BENCH / "ansible.cfg"
        self.config.write_text("[defaults]\n", encoding="utf-8")

    def write_variables(
        self, name: str, users: list[dict[str, Any]], groups: list[dict[str, Any]]
    ) -> Path:
        """Users and groups as extra variables, for the loop and the extra-variables sync."""
        # JSON rather than YAML: ansible reads a JSON file with the json parser, many times
        # faster than its YAML loader on an export of thousands of users.
        path = self.variables / f"{name}.json"
        path.write_text(json.dumps({"bench_users": users, "bench_groups": groups}), "utf-8")
        return path

    def write_export(
        self, name: str, users: list[dict[str, Any]], groups: list[dict[str, Any]]
    ) -> Path:
        """Users and groups as export files, and the variables that name them."""
        export = self.variables / f"{name}-export.json"
        export.write_text(json.dumps({"users": users}), "utf-8")
        team_file = self.variables / f"{name}-teams.json"
        team_file.write_text(json.dumps(groups), "utf-8")
        path = self.variables / f"{name}-files.json"
        path.write_text(
            json.dumps({"bench_export": str(export), "bench_teams": str(team_file)}), "utf-8"
        )
        return path

    def environment(
        self, run_dir: Path, api_url: str, *, app_key: str | None = None, **extra: str
    ) -> dict[str, str]:
        # Connection settings of the caller's shell (another site, an API key) must not leak
        # into the benchmark.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DD_", "DATADOG_", "ANSIBLE_"))
        }
        env.update(
            {
                "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
                "HOME": str(BENCH / "home"),
                "ANSIBLE_CONFIG": str(self.config),
                "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
                "ANSIBLE_REMOTE_TMP": str(run_dir / "remote-tmp"),
                "ANSIBLE_LOCAL_TEMP": str(run_dir / "local-tmp"),
                "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACK_PLUGINS),
                "ANSIBLE_CALLBACKS_ENABLED": "bench_results",
                "SCIMOPS_BENCH_RESULTS": str(run_dir / "results.json"),
                "ANSIBLE_RETRY_FILES_ENABLED": "false",
                "ANSIBLE_NOCOLOR": "1",
                "NO_COLOR": "1",
                "DD_SCIM_URL": api_url,
                "DD_APP_KEY": app_key or self.app_key,
            }
        )
        env.update(extra)
        return env

    def playbook(
        self,
        name: str,
        playbook: str,
        variables: Path,
        api_url: str,
        *,
        timeout: float,
        keep_remote_files: bool = False,
        app_key: str | None = None,
        task: str | None = None,
    ) -> PlaybookRun:
        """Run one generated playbook; its result is that of ``task``, or of its last task."""
        run_dir = BENCH / "runs" / name
        if run_dir.exists():
            shutil.rmtree(run_dir)
        run_dir.mkdir(parents=True)
        extra = {"ANSIBLE_KEEP_REMOTE_FILES": "1"} if keep_remote_files else {}
        command = [
            str(BIN / "ansible-playbook"),
            "-i",
            str(self.inventory),
            "-e",
            f"@{variables}",
            str(self.playbooks / playbook),
        ]
        log_path = self.logs / f"{name}.log"
        with log_path.open("w", encoding="utf-8") as log:
            started = time.monotonic()
            try:
                completed = subprocess.run(
                    command,
                    cwd=BENCH,
                    env=self.environment(run_dir, api_url, app_key=app_key, **extra),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as error:
                raise BenchError(f"{name}: ansible-playbook ran over {timeout:.0f} s") from error
            wall_seconds = time.monotonic() - started
        record = _task_record(run_dir / "results.json", task)
        for key in {self.app_key, app_key or self.app_key}:
            if key in log_path.read_text(encoding="utf-8", errors="replace"):
                raise BenchError(f"{name}: the app key appeared in the ansible-playbook output")
        return PlaybookRun(
            name=name,
            returncode=completed.returncode,
            wall_seconds=wall_seconds,
            task_seconds=record.get("seconds"),
            result=record.get("result", {}),
            log_path=log_path,
        )


def _task_record(results_path: Path, task: str | None = None) -> dict[str, Any]:
    # Most generated playbooks have one task; the record holds its result and duration.
    if not results_path.is_file():
        return {}
    tasks = json.loads(results_path.read_text(encoding="utf-8")).get("tasks", [])
    if task is not None:
        tasks = [record for record in tasks if record["task"] == task]
    return tasks[-1] if tasks else {}


def require_success(run: PlaybookRun) -> dict[str, Any]:
    if run.returncode != 0 or run.result.get("failed"):
        message = run.result.get("msg") or "see the log"
        raise BenchError(
            f"{run.name}: ansible-playbook exited {run.returncode}: {message} "
            f"(log: {run.log_path.relative_to(ROOT)})"
        )
    return run.result


# -- the emulator and its request log ------------------------------------------------------------


def new_emulator(
    app_key: str, sizes: Sizes, *, rate_limit: int = UNLIMITED_RATE, rate_period: float = 10.0
) -> Emulator:
    config = EmulatorConfig(
        app_keys=[app_key],
        latency_ms=sizes.latency_ms,
        rate_limit=rate_limit,
        rate_period=rate_period,
    )
    return Emulator(config).start()


def traffic(emulator: Emulator) -> dict[str, Any]:
    log = emulator.request_log()
    methods = Counter(entry["method"] for entry in log)
    statuses = Counter(entry["status"] for entry in log)
    return {
        "requests": len(log),
        "writes": sum(methods[method] for method in WRITE_METHODS),
        "throttled": statuses.get(429, 0),
        "by_method": dict(sorted(methods.items())),
        "by_status": {str(status): count for status, count in sorted(statuses.items(), key=str)},
    }


def memberships(users: list[dict[str, Any]]) -> int:
    return sum(len(user.get("groups", [])) for user in users)


def team_names_of(emulator: Emulator, user_name: str) -> list[str]:
    directory = emulator.directory
    user = directory.find_user_by_name(user_name)
    if user is None:
        return []
    return sorted(
        directory.get_group(group_id)["displayName"]
        for group_id in directory.groups_of_user(user["id"])
    )


# -- scenarios -----------------------------------------------------------------------------------


class Bench:
    def __init__(self, sizes: Sizes) -> None:
        self.sizes = sizes
        # A fresh key each run: it exists only in this process and the environment of its
        # children, never in a file or the report.
        self.app_key = f"bench-{secrets.token_hex(16)}"
        self.ansible = Ansible(self.app_key)
        self.role_ids = sorted(DEFAULT_ROLES)
        self.export = people(sizes.sync_users, team_count=sizes.teams, role_ids=self.role_ids)
        self.teams = teams(sizes.teams)

    def sync(
        self,
        name: str,
        emulator: Emulator,
        users,
        groups,
        *,
        keep_remote_files: bool = False,
        way: str = "file",
    ) -> PlaybookRun:
        """Run the sync on users and groups, handed over in one of SYNC_WAYS."""
        playbook, task = SYNC_WAYS[way]
        if way == "extra_vars":
            variables = self.ansible.write_variables(name, users, groups)
        else:
            variables = self.ansible.write_export(name, users, groups)
        return self.ansible.playbook(
            name,
            playbook,
            variables,
            emulator.url,
            timeout=self.sizes.playbook_timeout,
            keep_remote_files=keep_remote_files,
            task=task,
        )

    def cold_sync_and_reruns(self) -> list[Scenario]:
        """Scenarios 1, 3 and 4: they share one directory, as the same job run daily would."""
        sizes = self.sizes
        cold = Scenario(
            "cold_sync",
            f"datadog_scim_sync creates {sizes.sync_users} users in {sizes.teams} teams "
            f"({memberships(self.export)} memberships) on an empty directory",
        )
        noop = Scenario("noop", "the same task again, with nothing to change")
        drifted = Scenario(
            "drift",
            f"the same task after {sizes.drift_share:.0%} of users changed title or team",
        )
        emulator = new_emulator(self.app_key, sizes)
        try:
            self._cold(cold, emulator)
            if cold.ok:
                emulator.clear_request_log()
                self._noop(noop, emulator)
            else:
                noop.error = "not run: the cold sync failed"
            if cold.ok:
                emulator.clear_request_log()
                self._drift(drifted, emulator)
            else:
                drifted.error = "not run: the cold sync failed"
        finally:
            emulator.stop()
        return [cold, noop, drifted]

    def _cold(self, scenario: Scenario, emulator: Emulator) -> None:
        users, sizes = self.export, self.sizes
        run = self.sync("cold-sync", emulator, users, self.teams)
        scenario.measures.update(_timing(run))
        result = require_success(run)
        summary = result.get("summary", {})
        wire = traffic(emulator)
        scenario.measures.update(wire)
        scenario.measures["seconds_per_user"] = run.wall_seconds / len(users)
        scenario.measures["summary"] = summary
        state = emulator.state()
        scenario.check("task reports changed", True, result.get("changed"))
        scenario.check("users created", len(users), summary.get("created"))
        scenario.check("teams created", sizes.teams, summary.get("groups_created"))
        scenario.check("members added", memberships(users), summary.get("members_added"))
        scenario.check("errors", [], result.get("errors", []))
        scenario.check("users in the directory", len(users), state["users"])
        scenario.check("teams in the directory", sizes.teams, state["groups"])
        scenario.check("memberships in the directory", memberships(users), state["memberships"])
        scenario.check("requests the task counted", wire["requests"], summary.get("requests"))

    def _noop(self, scenario: Scenario, emulator: Emulator) -> None:
        run = self.sync("noop", emulator, self.export, self.teams, keep_remote_files=True)
        scenario.measures.update(_timing(run))
        result = require_success(run)
        summary = result.get("summary", {})
        wire = traffic(emulator)
        scenario.measures.update(wire)
        scenario.measures["summary"] = summary
        scenario.check("writes", 0, wire["writes"])
        scenario.check("task reports changed", False, result.get("changed"))
        scenario.check("users unchanged", len(self.export), summary.get("unchanged"))
        scenario.check("requests the task counted", wire["requests"], summary.get("requests"))

        # The same module process once more, outside ansible-playbook: what is left of the
        # task's time is Ansible's own work on an argument of thousands of users (templating,
        # building the payload, reading the result back).
        run_dir = BENCH / "runs" / "noop"
        try:
            emulator.clear_request_log()
            payload = _kept_payload(run_dir / "remote-tmp")
            module = self._measured_module_run(payload, emulator, "noop")
        finally:
            shutil.rmtree(run_dir / "remote-tmp", ignore_errors=True)
        scenario.measures["module_process_seconds"] = module["measures"]["seconds"]
        scenario.measures["module_peak_rss_mib"] = module["measures"]["peak_rss_mib"]
        scenario.check("writes of the module process alone", 0, traffic(emulator)["writes"])

        # The same no-op again, with the export reaching the task in the other ways a job has.
        for way, label in (("extra_vars", "with extra variables"), ("role", "through the role")):
            emulator.clear_request_log()
            run = self.sync(f"noop-{way}", emulator, self.export, self.teams, way=way)
            result = require_success(run)
            scenario.measures[f"{way}_wall_seconds"] = run.wall_seconds
            scenario.measures[f"{way}_task_seconds"] = run.task_seconds
            scenario.check(f"writes {label}", 0, traffic(emulator)["writes"])
            scenario.check(f"changed {label}", False, result.get("changed"))
            unchanged = result.get("summary", {}).get("unchanged")
            scenario.check(f"users unchanged {label}", len(self.export), unchanged)

    def _drift(self, scenario: Scenario, emulator: Emulator) -> None:
        sizes = self.sizes
        users, changes = drift(self.export, sizes.drift_share, team_count=sizes.teams)
        expected_writes = len(changes["retitled"]) + len(changes["teams"])
        scenario.measures["changed"] = {
            "users_retitled": len(changes["retitled"]),
            "users_moved": len(changes["moved"]),
            "teams_changed": len(changes["teams"]),
        }
        scenario.measures["expected_writes"] = expected_writes

        run = self.sync("drift", emulator, users, self.teams)
        scenario.measures.update(_timing(run))
        result = require_success(run)
        summary = result.get("summary", {})
        wire = traffic(emulator)
        scenario.measures.update(wire)
        scenario.measures["summary"] = summary
        # One PATCH per retitled user and one per team whose membership changed: a write for
        # each changed object, none for the 99% that did not change.
        scenario.check("writes (one per changed user or team)", expected_writes, wire["writes"])
        scenario.check("users updated", changes["retitled"], result.get("updated"))
        scenario.check("members added", len(changes["moved"]), summary.get("members_added"))
        scenario.check("members removed", len(changes["moved"]), summary.get("members_removed"))

        by_name = {user["user_name"]: user for user in users}
        wrong_titles = [
            name
            for name in changes["retitled"]
            if (emulator.directory.find_user_by_name(name) or {}).get("title")
            != by_name[name]["title"]
        ]
        wrong_teams = [
            name
            for name in changes["moved"]
            if team_names_of(emulator, name) != by_name[name]["groups"]
        ]
        scenario.check("retitled users with the wrong title afterwards", [], wrong_titles)
        scenario.check("moved users in the wrong teams afterwards", [], wrong_teams)

    def loop(self, cold: Scenario | None) -> Scenario:
        """Scenario 2: the per-user cost of one datadog_scim_user run per user."""
        sizes = self.sizes
        users = self.export[: sizes.loop_users]
        scenario = Scenario(
            "user_loop",
            f"a loop of datadog_scim_user creates {len(users)} of the same users, "
            "one module run each",
        )
        emulator = new_emulator(self.app_key, sizes)
        try:
            variables = self.ansible.write_variables("user-loop", users, [])
            run = self.ansible.playbook(
                "user-loop",
                "loop.yml",
                variables,
                emulator.url,
                timeout=self.sizes.playbook_timeout,
            )
            scenario.measures.update(_timing(run))
            result = require_success(run)
            wire = traffic(emulator)
            scenario.measures.update(wire)
            scenario.measures["seconds_per_user"] = run.wall_seconds / len(users)
            items = result.get("results", [])
            scenario.check("loop items", len(users), len(items))
            scenario.check(
                "items changed", len(users), sum(1 for item in items if item.get("changed"))
            )
            scenario.check("users in the directory", len(users), emulator.state()["users"])
            scenario.check("writes (one POST per user)", len(users), wire["writes"])
        finally:
            emulator.stop()
        if cold is not None and cold.ok and "seconds_per_user" in scenario.measures:
            # Wall times on both sides: the loop's per-user cost against the sync's, measured in
            # the same run on the same machine. The sync's figure also covers team membership,
            # which the loop does not do, so the ratio leans in the loop's favour.
            scenario.measures["sync_seconds_per_user"] = cold.measures["seconds_per_user"]
            scenario.measures["loop_to_sync_per_user_ratio"] = (
                scenario.measures["seconds_per_user"] / cold.measures["seconds_per_user"]
            )
        return scenario

    def rate_limited(self) -> Scenario:
        """Scenario 5: creates through a rate limit, against the least time the limit allows."""
        sizes = self.sizes
        users = [
            {key: value for key, value in user.items() if key != "groups"}
            for user in people(
                sizes.rate_users, team_count=sizes.teams, role_ids=self.role_ids, seed=23
            )
        ]
        scenario = Scenario(
            "rate_limited",
            f"datadog_scim_sync creates {len(users)} users through a limit of "
            f"{sizes.rate_limit} requests per {sizes.rate_period:g} s",
        )
        variables = self.ansible.write_export("rate-limited", users, [])
        # The limiter's first window opens when the emulator is built, so the clock starts
        # just before it: the run is timed from the opening of the first window.
        started = time.monotonic()
        emulator = new_emulator(
            self.app_key, sizes, rate_limit=sizes.rate_limit, rate_period=sizes.rate_period
        )
        try:
            run = self.ansible.playbook(
                "rate-limited",
                "sync.yml",
                variables,
                emulator.url,
                timeout=self.sizes.playbook_timeout,
            )
            elapsed = time.monotonic() - started
            scenario.measures.update(_timing(run))
            scenario.measures["seconds_from_first_window"] = elapsed
            wire = traffic(emulator)
            scenario.measures.update(wire)
            admitted = wire["requests"] - wire["throttled"]
            floor = rate_floor(admitted, sizes.rate_limit, sizes.rate_period)
            scenario.measures["admitted_requests"] = admitted
            scenario.measures["floor_seconds"] = floor
            scenario.measures["rate_limited_time_to_floor"] = elapsed / floor if floor else None
            result = require_success(run)
            summary = result.get("summary", {})
            scenario.measures["summary"] = summary
            created = emulator.state()["users"]
            failures = len(result.get("errors", [])) + (len(users) - created)
            scenario.measures["failures"] = failures
            scenario.check("failures", 0, failures)
            scenario.check("users created", len(users), summary.get("created"))
            scenario.check("requests the task counted", wire["requests"], summary.get("requests"))
        finally:
            emulator.stop()
        return scenario

    def memory(self) -> Scenario:
        """Scenario 6: the peak resident memory of the module process itself."""
        sizes = self.sizes
        users = people(sizes.memory_users, team_count=sizes.teams, role_ids=self.role_ids, seed=31)
        scenario = Scenario(
            "memory",
            f"peak RSS of the datadog_scim_sync process reconciling {len(users)} users "
            f"in {sizes.teams} teams",
        )
        variables = self.ansible.write_export("memory", users, self.teams)
        emulator = new_emulator(self.app_key, sizes)
        try:
            # The payload holds the module's arguments; the connection reaches it through the
            # environment at run time. With a key the emulator refuses, the module stops at its
            # first request, and the playbook only serves to build and keep the payload that the
            # driver then runs itself with the right key.
            run = self.ansible.playbook(
                "memory",
                "sync.yml",
                variables,
                emulator.url,
                timeout=self.sizes.playbook_timeout,
                keep_remote_files=True,
                app_key=f"refused-{secrets.token_hex(8)}",
            )
            scenario.check("payload run refused (403)", True, "403" in str(run.result.get("msg")))
            payload = _kept_payload(BENCH / "runs" / "memory" / "remote-tmp")

            # The same payload, with the same arguments, on an empty directory again: the
            # cold sync, then the no-op run over what it created.
            emulator.reset()
            cold = self._measured_module_run(payload, emulator, "memory")
            scenario.check(
                "cold run created every user",
                len(users),
                cold["result"].get("summary", {}).get("created"),
            )
            scenario.check("users in the directory", len(users), emulator.state()["users"])
            emulator.clear_request_log()
            rerun = self._measured_module_run(payload, emulator, "memory")
            scenario.check("re-run writes", 0, traffic(emulator)["writes"])
            scenario.measures["cold_run"] = cold["measures"]
            scenario.measures["noop_run"] = rerun["measures"]
            scenario.measures["module_peak_rss_mib"] = max(
                cold["measures"]["peak_rss_mib"], rerun["measures"]["peak_rss_mib"]
            )
        finally:
            emulator.stop()
            shutil.rmtree(BENCH / "runs" / "memory" / "remote-tmp", ignore_errors=True)
        return scenario

    def _measured_module_run(self, payload: Path, emulator: Emulator, name: str) -> dict[str, Any]:
        """Run a kept module payload as a child process; return its result, time and peak RSS."""
        run_dir = BENCH / "runs" / name
        env = self.ansible.environment(run_dir, emulator.url)
        stderr_path = run_dir / "payload-stderr.log"
        started = time.monotonic()
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [PYTHON, str(payload)], cwd=BENCH, env=env, stdout=subprocess.PIPE, stderr=stderr
            )
            # Reaping the child with wait4 (rather than letting Popen wait) returns the rusage
            # of this one process: its ru_maxrss is the kernel's high-water mark of the
            # module's resident set, however short the peak.
            assert process.stdout is not None
            stdout = process.stdout.read().decode("utf-8", errors="replace")
            process.stdout.close()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        if self.app_key in stdout or self.app_key in stderr_path.read_text("utf-8", "replace"):
            raise BenchError("the app key appeared in the output of the datadog_scim_sync payload")
        if process.returncode != 0:
            problem = _last_line(stdout) or _last_line(stderr_path.read_text("utf-8", "replace"))
            raise BenchError(
                f"the kept datadog_scim_sync payload exited {process.returncode}: {problem}"
            )
        result = json.loads(stdout)
        if result.get("failed"):
            raise BenchError(f"the kept datadog_scim_sync payload failed: {result.get('msg')}")
        return {
            "result": result,
            "measures": {
                # ru_maxrss is in KiB on Linux.
                "peak_rss_mib": usage.ru_maxrss * 1024 / MIB,
                "seconds": seconds,
                "changed": result.get("changed"),
            },
        }


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _kept_payload(remote_tmp: Path) -> Path:
    payloads = sorted(remote_tmp.glob("ansible-tmp-*/AnsiballZ_datadog_scim_sync.py"))
    if len(payloads) != 1:
        raise BenchError(f"expected one kept datadog_scim_sync payload, found {len(payloads)}")
    return payloads[0]


def _timing(run: PlaybookRun) -> dict[str, Any]:
    return {"wall_seconds": run.wall_seconds, "task_seconds": run.task_seconds}


def rate_floor(admitted: int, limit: int, period: float) -> float:
    """The least time from the opening of the first window to the last admitted request.

    The limiter counts fixed windows of ``period`` seconds that admit ``limit`` requests each.
    ``admitted`` requests need ceil(admitted / limit) windows; the first opens at time 0 and is
    free, and the last request can go out at the very start of the last window, so nothing can
    finish before (windows - 1) * period.
    """
    windows = math.ceil(admitted / limit)
    return max(windows - 1, 0) * period


# -- the report ----------------------------------------------------------------------------------


def target_rows(scenarios: dict[str, Scenario]) -> list[dict[str, Any]]:
    sources = {
        "cold_sync_seconds": ("cold_sync", "wall_seconds", "(1) cold sync time, s"),
        "loop_to_sync_per_user_ratio": (
            "user_loop",
            "loop_to_sync_per_user_ratio",
            "(2) loop/sync per-user cost",
        ),
        "noop_seconds": ("noop", "wall_seconds", "(3) no-op re-run time, s"),
        "rate_limited_time_to_floor": (
            "rate_limited",
            "rate_limited_time_to_floor",
            "(5) rate-limited time / floor",
        ),
        "module_peak_rss_mib": ("memory", "module_peak_rss_mib", "(6) module peak RSS, MiB"),
    }
    rows = []
    for key, (scenario_name, measure, label) in sources.items():
        comparison, limit = TARGETS[key]
        scenario = scenarios.get(scenario_name)
        value = scenario.measures.get(measure) if scenario else None
        if scenario is None:
            verdict = "skipped"
        elif not scenario.ok:
            verdict = "broken"
        elif value is None:
            # The ratio needs the cold sync of the same run, which was not asked for.
            verdict = "not measured"
        else:
            verdict = "pass" if _meets(value, comparison, limit) else "missed"
        rows.append(dict(_row(label, value, comparison, limit, verdict), target=key))
    return rows


def _row(label: str, value: Any, comparison: str | None, limit: Any, result: str) -> dict:
    return {
        "label": label,
        "value": value,
        "comparison": comparison,
        "limit": limit,
        "result": result,
    }


def check_rows(scenarios: dict[str, Scenario]) -> list[dict[str, Any]]:
    rows = []
    for label, scenario_name, measure in (
        ("(3) no-op writes", "noop", "writes"),
        ("(4) drift writes", "drift", "writes"),
        ("(5) rate-limited failures", "rate_limited", "failures"),
    ):
        scenario = scenarios.get(scenario_name)
        if scenario is None:
            continue
        expected = 0
        if scenario_name == "drift":
            expected = scenario.measures.get("expected_writes")
        value = scenario.measures.get(measure)
        verdict = "pass" if scenario.ok and value == expected else "broken"
        rows.append(_row(label, value, "==", expected, verdict))
    return rows


def info_rows(scenarios: dict[str, Scenario]) -> list[dict[str, Any]]:
    """Figures reported beside the targets, for comparison, with no target of their own."""
    rows = []
    for label, scenario_name, measure in (
        ("(3) no-op through the sync role, s", "noop", "role_wall_seconds"),
        ("(3) no-op, export as extra vars, s", "noop", "extra_vars_wall_seconds"),
        ("(3) no-op, module process alone, s", "noop", "module_process_seconds"),
    ):
        scenario = scenarios.get(scenario_name)
        if scenario is not None and measure in scenario.measures:
            rows.append(_row(label, scenario.measures[measure], None, None, "info"))
    return rows


def _meets(value: float, comparison: str, limit: float) -> bool:
    return {"<": value < limit, "<=": value <= limit, ">=": value >= limit}[comparison]


def print_table(rows: list[dict[str, Any]], scenarios: dict[str, Scenario]) -> None:
    width = max(len(row["label"]) for row in rows) if rows else 10
    print(f"{'scenario':<{width}}  {'value':>10}  {'target':>9}  result")
    for row in rows:
        value = row["value"]
        shown = "-" if value is None else (f"{value:.2f}" if isinstance(value, float) else value)
        target = "-" if row["limit"] is None else f"{row['comparison']} {row['limit']:g}"
        print(f"{row['label']:<{width}}  {shown!s:>10}  {target:>9}  {row['result']}")
    for scenario in scenarios.values():
        if scenario.error:
            print(f"{scenario.name}: {scenario.error}")
        for check in scenario.checks:
            if not check["ok"]:
                print(
                    f"{scenario.name}: {check['check']}: expected {check['expected']!r}, "
                    f"got {_short(check['actual'])}"
                )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def environment_facts(sizes: Sizes, staged_files: int) -> dict[str, Any]:
    ansible_version = subprocess.run(
        [str(BIN / "ansible-playbook"), "--version"],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    ).stdout.splitlines()
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "python": platform.python_version(),
        "ansible": ansible_version[0] if ansible_version else None,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "commit": commit,
        "latency_ms": sizes.latency_ms,
        "collection_files": staged_files,
    }


SCENARIO_GROUPS = ("sync", "loop", "rate-limit", "memory")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, to check that the benchmark works (well under a minute)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SCENARIO_GROUPS,
        help="run only these scenario groups (repeatable); 'sync' is (1), (3) "
        "and (4), 'loop' (2), 'rate-limit' (5), 'memory' (6)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=BENCH / "report.json",
        help="where the JSON report goes (default build/bench/report.json)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    sizes = SMOKE if arguments.smoke else FULL
    groups = arguments.only or list(SCENARIO_GROUPS)
    BENCH.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    staged_files = stage_collection()
    bench = Bench(sizes)

    scenarios: dict[str, Scenario] = {}

    def attempt(name: str, description: str, measure) -> None:
        try:
            for scenario in measure():
                scenarios[scenario.name] = scenario
        except Exception as error:  # noqa: BLE001 (one broken scenario must not hide the rest)
            scenario = Scenario(name, description, error=f"{type(error).__name__}: {error}")
            if not isinstance(error, BenchError):
                scenario.measures["traceback"] = traceback.format_exc()
            scenarios[name] = scenario

    if "sync" in groups:
        attempt("cold_sync", "cold sync, no-op and drift", bench.cold_sync_and_reruns)
    if "loop" in groups:
        attempt(
            "user_loop",
            "loop of datadog_scim_user",
            lambda: [bench.loop(scenarios.get("cold_sync"))],
        )
    if "rate-limit" in groups:
        attempt("rate_limited", "rate-limited creates", lambda: [bench.rate_limited()])
    if "memory" in groups:
        attempt("memory", "module peak memory", lambda: [bench.memory()])

    rows = [row for row in target_rows(scenarios) if row["result"] != "skipped"]
    rows += check_rows(scenarios)
    rows += info_rows(scenarios)
    broken = [name for name, scenario in scenarios.items() if not scenario.ok]
    report = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": "smoke" if arguments.smoke else "full",
        "sizes": asdict(sizes),
        "environment": environment_facts(sizes, staged_files),
        "seconds": time.monotonic() - started,
        "ok": not broken,
        "rows": rows,
        "scenarios": {name: asdict(scenario) for name, scenario in scenarios.items()},
    }
    arguments.report.parent.mkdir(parents=True, exist_ok=True)
    arguments.report.write_text(json.dumps(report, indent=2, default=str) + "\n", "utf-8")

    print_table(rows, scenarios)
    print(
        f"report: {_shown_path(arguments.report)} ({report['seconds']:.0f} s, "
        f"{'smoke' if arguments.smoke else 'full'} sizes)"
    )
    if broken:
        print(f"broken: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
