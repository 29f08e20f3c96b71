# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the collection's checks, starting and stopping every server they need.

``python tests/utils/suite.py [STEP ...]`` runs the named steps (all of them without a name)
and ends with one line ``N passed, N failed`` summed over every check it ran. Each step keeps
its full output in ``build/logs/<step>.log`` and prints it when the step fails.

The collection is tested from a copy at ``.../ansible_collections/scimops/datadog`` in a
folder of the run under ``build/runs/`` (ansible-test needs that path and refuses a symlink),
holding the files git tracks or would track, without the development tools that are not part
of the collection (the emulator, the benchmark); those are checked by their own steps.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from xml.etree import ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
# Each run works in a folder of its own, so that runs started side by side do not remove
# each other's staged copy; the logs of the last run of each step are copied to build/logs.
RUN_DIR = os.path.join(BUILD, "runs", str(os.getpid()))
LOGS = os.path.join(RUN_DIR, "logs")
LATEST_LOGS = os.path.join(BUILD, "logs")
COLLECTIONS = os.path.join(RUN_DIR, "collections")
STAGED = os.path.join(COLLECTIONS, "ansible_collections", "scimops", "datadog")
BIN = os.path.dirname(sys.executable)
PYTHON = sys.executable

# Development tools that live in the repository but are not part of the collection.
NOT_COLLECTION = ("emulator/", "tests/performance/")

# A recognisable key: tests assert that it never shows up in any output.
INTEGRATION_KEY = "scimops-integration-app-key-5f0c1d"
INTEGRATION_API_KEY = "scimops-integration-api-key-8a7e2b"


class StepResult:
    def __init__(self, passed=0, failed=0, skipped=0, note=""):
        self.passed = passed
        self.failed = failed
        self.skipped = skipped
        self.note = note


def environment(**extra):
    env = dict(os.environ)
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env["HOME"] = os.path.join(BUILD, "home")
    env["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS
    env["ANSIBLE_REMOTE_TMP"] = os.path.join(BUILD, "home", "remote-tmp")
    env["ANSIBLE_LOCAL_TEMP"] = os.path.join(BUILD, "home", "local-tmp")
    env["NO_COLOR"] = "1"
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["PY_COLORS"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run(step, command, cwd=ROOT, env=None, timeout=1800):
    """Runs a command, appends its output to the step's log, returns (exit code, output)."""
    os.makedirs(LOGS, exist_ok=True)
    log_path = os.path.join(LOGS, step + ".log")
    with open(log_path, "a", encoding="utf-8") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        try:
            completed = subprocess.run(
                command,
                cwd=cwd,
                env=env or environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
            output, code = completed.stdout, completed.returncode
        except subprocess.TimeoutExpired as error:
            output = (
                (error.stdout or b"").decode(errors="replace")
                if isinstance(error.stdout, bytes)
                else (error.stdout or "")
            )
            output += f"\n{step}: timed out after {timeout} s\n"
            code = 124
        log.write(output + "\n")
    return code, output


def ensure_pip_bootstrap():
    """Places the offline stand-in for ansible-test's pip bootstrap script in its cache."""
    source = os.path.join(ROOT, "tests", "utils", "pip_bootstrap.py")
    from ansible_test._internal import python_requirements  # noqa: PLC0415

    text = open(python_requirements.__file__, encoding="utf-8").read()
    versions = set(re.findall(r"pip='([0-9.]+)'", text))
    cache = os.path.join(BUILD, "home", ".ansible", "test", "cache")
    os.makedirs(cache, exist_ok=True)
    for version in versions:
        shutil.copyfile(source, os.path.join(cache, "get_pip_%s.py" % version.replace(".", "_")))


def collection_files():
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [
        path
        for path in listed
        if not path.startswith(NOT_COLLECTION) and os.path.isfile(os.path.join(ROOT, path))
    ]


_staged = []


def stage_collection():
    """Copies the collection to the path ansible-test needs, as its own git work tree.

    Once per run: every step tests the same snapshot of the tree.
    """
    if _staged:
        return
    _staged.append(STAGED)
    if os.path.isdir(STAGED):
        shutil.rmtree(STAGED)
    os.makedirs(STAGED)
    for path in collection_files():
        target = os.path.join(STAGED, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, path), target)
    # ansible-test lists a collection's files with git when it sits inside a work tree; the
    # copy lies inside this repository's ignored build folder, so it gets a tree of its own.
    git = ["git", "-c", "user.name=suite", "-c", "user.email=suite@localhost"]
    subprocess.run(git + ["init", "-q", "."], cwd=STAGED, check=True)
    subprocess.run(git + ["add", "-A"], cwd=STAGED, check=True)
    ensure_pip_bootstrap()


def free_port():
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A local server process, started on a free port and stopped on exit."""

    def __init__(self, name, command, env=None, log_path=None):
        self.name = name
        self.port_file = os.path.join(tempfile.mkdtemp(prefix="scim-port-"), "port")
        self.command = command + ["--port", "0", "--port-file", self.port_file]
        self.env = env
        self.log_path = log_path or os.path.join(LOGS, f"server-{name}.log")
        self.process = None
        self.port = None

    def __enter__(self):
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env or environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log.name}")
            if os.path.exists(self.port_file):
                self.port = int(open(self.port_file, encoding="utf-8").read().strip())
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start within 30 s")

    def __exit__(self, *exc_info):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def emulator_server(name="emulator", *options):
    env = environment(PYTHONPATH=os.path.join(ROOT, "emulator"))
    command = [
        PYTHON,
        "-m",
        "datadog_scim_emulator",
        "--host",
        "127.0.0.1",
        "--app-key",
        INTEGRATION_KEY,
        "--api-key",
        INTEGRATION_API_KEY,
        *options,
    ]
    return Server(name, command, env=env)


def peer_server():
    command = [
        PYTHON,
        os.path.join(ROOT, "tests", "utils", "scim2_peer.py"),
        "--bearer-token",
        INTEGRATION_KEY,
    ]
    return Server("scim2-peer", command)


def junit_counts(paths):
    passed = failed = skipped = 0
    for path in paths:
        tree = ElementTree.parse(path)
        for case in tree.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def pytest_step(step, arguments, env=None, cwd=ROOT):
    junit = os.path.join(BUILD, "junit", step + ".xml")
    os.makedirs(os.path.dirname(junit), exist_ok=True)
    if os.path.exists(junit):
        os.remove(junit)
    code, output = run(
        step,
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *arguments],
        env=env,
        cwd=cwd,
    )
    if not os.path.exists(junit):
        return StepResult(0, 1, note=f"pytest exited {code} without a report")
    passed, failed, skipped = junit_counts([junit])
    if code not in (0, 5) and failed == 0:
        failed = 1
    return StepResult(passed, failed, skipped)


# Steps ------------------------------------------------------------------------------------


def step_sanity():
    stage_collection()
    code, output = run(
        "sanity",
        ["ansible-test", "sanity", "--local", "--python", "3.11", "--color", "no"],
        cwd=STAGED,
    )
    tests = re.findall(r'^Running sanity test "([^"]+)"', output, re.M)
    failed_match = re.search(r"The (\d+) sanity test\(s\) listed below \(out of (\d+)\)", output)
    failed = int(failed_match.group(1)) if failed_match else 0
    if code != 0 and failed == 0:
        failed = 1
    return StepResult(max(len(tests) - failed, 0), failed)


def step_units():
    stage_collection()
    if not os.path.isdir(os.path.join(STAGED, "tests", "unit")):
        return StepResult(note="no unit tests")
    # A copy of its own: sanity may run beside it, and only these reports must be counted.
    copy_root, copy = staged_copy("units")
    junit_dir = os.path.join(copy, "tests", "output", "junit")
    code, output = run(
        "units",
        ["ansible-test", "units", "--local", "--python", "3.11", "--color", "no"],
        cwd=copy,
        env=environment(ANSIBLE_COLLECTIONS_PATH=copy_root),
    )
    reports = []
    if os.path.isdir(junit_dir):
        reports = [
            os.path.join(junit_dir, name) for name in os.listdir(junit_dir) if name.endswith(".xml")
        ]
    passed, failed, skipped = junit_counts(reports)
    if code != 0 and failed == 0:
        failed = 1
    return StepResult(passed, failed, skipped)


def step_lint():
    stage_collection()
    code, output = run(
        "lint",
        ["ansible-lint", "--profile", "production", "--offline", "--project-dir", ".", "--nocolor"],
        cwd=STAGED,
    )
    return StepResult(1 if code == 0 else 0, 0 if code == 0 else 1)


def step_python_lint():
    paths = [
        p
        for p in ("emulator", "tests/performance", "tests/utils")
        if os.path.isdir(os.path.join(ROOT, p))
    ]
    code, output = run("python-lint", ["ruff", "check", "--no-cache", *paths])
    return StepResult(1 if code == 0 else 0, 0 if code == 0 else 1)


def step_emulator():
    if not os.path.isdir(os.path.join(ROOT, "emulator", "tests")):
        return StepResult(note="no emulator tests")
    env = environment(PYTHONPATH=os.path.join(ROOT, "emulator"))
    return pytest_step("emulator", ["emulator/tests"], env=env)


def integration_config(server_kind, api_url, requests_url, reset_url, admin_url=""):
    return {
        "scim_server_kind": server_kind,
        "scim_api_url": api_url,
        "scim_app_key": INTEGRATION_KEY,
        "scim_api_key": INTEGRATION_API_KEY if server_kind == "emulator" else "",
        "scim_requests_url": requests_url,
        "scim_reset_url": reset_url,
        "scim_admin_url": admin_url,
        # The live target runs against a real Datadog site only when these are set.
        "live_dd_site": os.environ.get("DD_SITE", ""),
        "live_dd_app_key": os.environ.get("DD_APP_KEY", ""),
        "live_dd_api_key": os.environ.get("DD_API_KEY", ""),
    }


def staged_copy(name):
    """A second staged copy, so that two ansible-test runs can work side by side."""
    copy_root = os.path.join(RUN_DIR, name, "collections")
    copy = os.path.join(copy_root, "ansible_collections", "scimops", "datadog")
    if os.path.isdir(copy):
        shutil.rmtree(copy)
    shutil.copytree(STAGED, copy, symlinks=True, ignore=shutil.ignore_patterns("output"))
    return copy_root, copy


def run_integration(kind, label, config):
    copy_root, copy = staged_copy("integration-" + kind)
    config_path = os.path.join(copy, "tests", "integration", "integration_config.yml")
    with open(config_path, "w", encoding="utf-8") as config_file:
        json.dump(config, config_file, indent=2)
    started = time.monotonic()
    code, output = run(
        "integration-" + kind,
        [
            "ansible-test",
            "integration",
            "--local",
            "--python",
            "3.11",
            "--color",
            "no",
            "--continue-on-error",
            # SUITE_TARGETS="a b" runs only those targets, for a quick local loop.
            *os.environ.get("SUITE_TARGETS", "").split(),
        ],
        cwd=copy,
        # A home of its own: ansible-test makes an SSH key there on first use, and two runs
        # making it at once trip over each other.
        env=environment(
            ANSIBLE_COLLECTIONS_PATH=copy_root,
            HOME=os.path.join(RUN_DIR, "home-" + kind),
            ANSIBLE_REMOTE_TMP=os.path.join(RUN_DIR, "home-" + kind, "remote-tmp"),
            ANSIBLE_LOCAL_TEMP=os.path.join(RUN_DIR, "home-" + kind, "local-tmp"),
        ),
    )
    targets = re.findall(r"^Running (\S+) integration test role", output, re.M)
    failed_match = re.search(
        r"The following (\d+ )?integration target\(s\) failed: (.*)$", output, re.M
    )
    failed_targets = []
    if failed_match:
        failed_targets = [name.strip() for name in failed_match.group(2).split(",") if name.strip()]
    failed = len(failed_targets)
    if code != 0 and failed == 0:
        failed = 1
    passed = max(len(set(targets)) - failed, 0)
    print(
        f"  integration against {label}: {passed} targets passed, {failed} failed"
        + (f" ({', '.join(failed_targets)})" if failed_targets else "")
        + f" in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return passed, failed


def step_integration(servers=None):
    """Every integration target against each server, the servers side by side."""
    stage_collection()
    targets_dir = os.path.join(STAGED, "tests", "integration", "targets")
    if not os.path.isdir(targets_dir) or not os.listdir(targets_dir):
        return StepResult(note="no integration targets")
    # SUITE_SERVERS="emulator" or "scim2-server" runs against one of them only.
    if servers is None:
        servers = os.environ.get("SUITE_SERVERS", "emulator scim2-server").split()
    runs = {"emulator": integration_against_emulator, "scim2-server": integration_against_peer}
    # Both servers at once: most of a target's time is module start-up, which two cores share
    # better than they serialise.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(runs[name]) for name in servers if name in runs]
        results = [future.result() for future in futures]
    return StepResult(sum(r[0] for r in results), sum(r[1] for r in results))


def integration_against_emulator():
    with emulator_server() as emulator:
        base = f"http://127.0.0.1:{emulator.port}"
        config = integration_config(
            "emulator",
            f"{base}/api/v2/scim",
            f"{base}/_emulator/requests",
            f"{base}/_emulator/reset",
            f"{base}/_emulator",
        )
        return run_integration("emulator", "the emulator", config)


def integration_against_peer():
    with peer_server() as peer:
        base = f"http://127.0.0.1:{peer.port}"
        config = integration_config(
            "scim2-server",
            f"{base}/v2",
            f"{base}/_peer/requests",
            f"{base}/_peer/reset",
        )
        return run_integration("scim2-server", "scim2-server", config)


def step_molecule():
    """Each role's molecule scenario: converge, idempotence and verify against an emulator."""
    scenarios_dir = os.path.join(ROOT, "extensions", "molecule")
    scenarios = sorted(
        name
        for name in os.listdir(scenarios_dir)
        if os.path.exists(os.path.join(scenarios_dir, name, "molecule.yml"))
    )
    home = os.path.join(BUILD, "home", "molecule")
    env = environment(
        HOME=home,
        ANSIBLE_REMOTE_TMP=os.path.join(home, "tmp"),
        PYTHONPATH=os.path.join(ROOT, "emulator"),
    )
    env.pop("ANSIBLE_COLLECTIONS_PATH")
    passed = failed = 0
    for scenario in scenarios:
        code, _output = run("molecule", ["molecule", "test", "-s", scenario], env=env)
        print(f"  molecule {scenario}: {'passed' if code == 0 else 'FAILED'}")
        passed, failed = (passed + 1, failed) if code == 0 else (passed, failed + 1)
    return StepResult(passed, failed)


def step_awx():
    return pytest_step("awx", ["tests/awx"])


def step_reliability():
    env = environment(PYTHONPATH=os.path.join(ROOT, "emulator"))
    # Two workers, a file each at a time: the fault soaks spend much of their time waiting out
    # injected 429s, which the other worker's playbooks fill.
    return pytest_step(
        "reliability", ["-n", "2", "--dist", "loadfile", "tests/reliability"], env=env
    )


def step_bench_smoke():
    """The benchmark at tiny sizes, only to check that it works (it times nothing for CI)."""
    env = environment(PYTHONPATH=os.path.join(ROOT, "emulator"))
    code, _output = run(
        "bench-smoke",
        [
            PYTHON,
            os.path.join(ROOT, "tests", "performance", "bench.py"),
            "--smoke",
            "--report",
            os.path.join(BUILD, "bench", "smoke-report.json"),
        ],
        env=env,
    )
    return StepResult(1 if code == 0 else 0, 0 if code == 0 else 1)


def step_docs():
    stage_collection()
    code, _output = run(
        "docs",
        ["antsibull-docs", "lint-collection-docs", "--plugin-docs", "--skip-rstcheck", "."],
        cwd=STAGED,
    )
    return StepResult(1 if code == 0 else 0, 0 if code == 0 else 1)


def step_changelog():
    """Lints the fragments, then releases them in the staged copy to check CHANGELOG.md."""
    stage_collection()
    passed = failed = 0
    code, _output = run("changelog", ["antsibull-changelog", "lint"], cwd=STAGED)
    passed, failed = (passed + 1, failed) if code == 0 else (passed, failed + 1)

    version = re.search(
        r"^version:\s*(\S+)",
        open(os.path.join(STAGED, "galaxy.yml"), encoding="utf-8").read(),
        re.M,
    ).group(1)
    fragments_dir = os.path.join(STAGED, "changelogs", "fragments")
    fragment_count = len([n for n in os.listdir(fragments_dir) if n.endswith((".yml", ".yaml"))])
    code, _output = run(
        "changelog",
        ["antsibull-changelog", "release", "--version", version, "--date", "2026-01-01"],
        cwd=STAGED,
    )
    changelog_path = os.path.join(STAGED, "CHANGELOG.md")
    released = code == 0 and os.path.exists(changelog_path) and fragment_count > 0
    if released:
        text = open(changelog_path, encoding="utf-8").read()
        # The Markdown output escapes the dots: v0\.1\.0.
        released = ("v" + version.replace(".", "\\.")) in text
    passed, failed = (passed + 1, failed) if released else (passed, failed + 1)
    return StepResult(passed, failed)


# What a user needs from the built tarball, and what must stay out of it.
PACKAGE_MUST_HOLD = ("plugins/modules/", "plugins/module_utils/", "meta/runtime.yml", "README.md")
PACKAGE_MUST_NOT_HOLD = ("emulator/", "tests/", ".ci/", "Makefile", ".venv/", "build/")


def step_package():
    """Builds the tarball, checks what it holds, installs it and runs a playbook from it."""
    stage_collection()
    dist = os.path.join(BUILD, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    os.makedirs(dist)
    code, _output = run(
        "package",
        ["ansible-galaxy", "collection", "build", "--force", "--output-path", dist],
        cwd=STAGED,
    )
    tarballs = [name for name in os.listdir(dist) if name.endswith(".tar.gz")]
    if code != 0 or len(tarballs) != 1:
        return StepResult(0, 1, note="the collection did not build")
    tarball = os.path.join(dist, tarballs[0])

    import tarfile  # noqa: PLC0415

    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    passed = failed = 0
    for prefix in PACKAGE_MUST_HOLD:
        ok = any(name.startswith(prefix) for name in names)
        passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
        if not ok:
            print(f"  package lacks {prefix}")
    for prefix in PACKAGE_MUST_NOT_HOLD:
        ok = not any(name.startswith(prefix) for name in names)
        passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
        if not ok:
            print(f"  package holds {prefix}, which users do not need")

    installed = os.path.join(BUILD, "package", "collections")
    shutil.rmtree(os.path.join(BUILD, "package"), ignore_errors=True)
    code, _output = run(
        "package",
        [
            "ansible-galaxy",
            "collection",
            "install",
            "--offline",
            "--force",
            "-p",
            installed,
            tarball,
        ],
        env=environment(ANSIBLE_COLLECTIONS_PATH=installed),
    )
    passed, failed = (passed + 1, failed) if code == 0 else (passed, failed + 1)
    if code == 0:
        passed_run = package_smoke_run(installed)
        passed, failed = (passed + 1, failed) if passed_run else (passed, failed + 1)
    return StepResult(passed, failed)


def package_smoke_run(installed):
    """Runs the installed collection's onboarding playbook against a fresh emulator."""
    playbook = os.path.join(
        installed, "ansible_collections", "scimops", "datadog", "playbooks", "onboard.yml"
    )
    if not os.path.exists(playbook):
        print("  the installed collection has no playbooks/onboard.yml")
        return False
    users = [
        {
            "user_name": "package.check@example.com",
            "display_name": "Package Check",
            "groups": ["Package Check Team"],
        },
    ]
    with emulator_server("emulator-package") as emulator:
        env = environment(
            ANSIBLE_COLLECTIONS_PATH=installed,
            DD_SCIM_URL=f"http://127.0.0.1:{emulator.port}/api/v2/scim",
            DD_APP_KEY=INTEGRATION_KEY,
        )
        code, output = run(
            "package",
            [
                "ansible-playbook",
                "scimops.datadog.onboard",
                "-e",
                json.dumps(
                    {
                        "datadog_scim_onboard_users": users,
                        "datadog_scim_onboard_create_groups": True,
                    }
                ),
            ],
            env=env,
        )
    return code == 0 and INTEGRATION_KEY not in output


# Steps that test the staged copy of the collection.
STAGED_STEPS = {
    "sanity",
    "units",
    "lint",
    "integration",
    "integration-emulator",
    "integration-scim2-server",
    "docs",
    "changelog",
    "package",
}

STEPS = {
    "sanity": step_sanity,
    "units": step_units,
    "lint": step_lint,
    "python-lint": step_python_lint,
    "emulator": step_emulator,
    "integration": step_integration,
    # The same runs one server each, so that the whole run can give each its own lane.
    "integration-emulator": lambda: step_integration(["emulator"]),
    "integration-scim2-server": lambda: step_integration(["scim2-server"]),
    "molecule": step_molecule,
    "awx": step_awx,
    "reliability": step_reliability,
    "bench-smoke": step_bench_smoke,
    "docs": step_docs,
    "changelog": step_changelog,
    "package": step_package,
}


# The whole run, in stages one after another; the lanes of a stage run side by side, each
# lane's steps in order. Lanes pair steps that leave a core idle (package installs, waits on
# injected 429s) with steps that keep it busy. The short checks fill the time in which one
# lane has finished and the other still runs: after units beside sanity, after the
# scim2-server run, which ends before the emulator's, and after molecule beside reliability.
# The changelog release rewrites files in the staged copy, so it never runs beside sanity,
# which reads that copy.
PLAN = (
    (("sanity",), ("units", "lint", "python-lint", "emulator", "awx")),
    (("integration-emulator",), ("integration-scim2-server", "docs", "changelog", "package")),
    (("molecule", "bench-smoke"), ("reliability",)),
)
# Every step once, but the one that runs both servers: the plan runs them as two steps.
assert sorted(name for stage in PLAN for lane in stage for name in lane) == sorted(
    set(STEPS) - {"integration"}
)

_print_lock = threading.Lock()


def say(text):
    with _print_lock:
        print(text, flush=True)


def run_step(name):
    """Runs one step; a broken step counts as a failure and the others still run."""
    started = time.monotonic()
    say(f"== {name}")
    try:
        result = STEPS[name]()
    except Exception as error:
        result = StepResult(0, 1, note=f"{type(error).__name__}: {error}")
    elapsed = time.monotonic() - started
    own_logs = [
        log_name
        for log_name in (sorted(os.listdir(LOGS)) if os.path.isdir(LOGS) else ())
        if log_name == name + ".log" or log_name.startswith(name + "-")
    ]
    for log_name in own_logs:
        shutil.copyfile(os.path.join(LOGS, log_name), os.path.join(LATEST_LOGS, log_name))
    if result.failed:
        for log_name in own_logs:
            say(open(os.path.join(LOGS, log_name), encoding="utf-8").read()[-20000:])
    line = (
        f"{name}: {result.passed} passed, {result.failed} failed, {result.skipped} skipped"
        f" in {elapsed:.0f} s" + (f" ({result.note})" if result.note else "")
    )
    say("   " + line)
    return name, result, line


def run_lane(names):
    return [run_step(name) for name in names]


def main(argv):
    unknown = [name for name in argv if name not in STEPS]
    if unknown:
        sys.exit(f"unknown step(s): {', '.join(unknown)}; steps: {', '.join(STEPS)}")
    os.makedirs(LATEST_LOGS, exist_ok=True)
    # Named steps run one after another; the whole run follows the plan.
    plan = [[(name,)] for name in argv] if argv else [list(stage) for stage in PLAN]
    if any(name in STAGED_STEPS for stage in plan for lane in stage for name in lane):
        # Staged once, before any lane starts, so that lanes never stage at the same time.
        stage_collection()

    outcomes = []
    for stage in plan:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(stage)) as pool:
            for lane_outcomes in pool.map(run_lane, stage):
                outcomes.extend(lane_outcomes)

    order = list(STEPS)
    outcomes.sort(key=lambda outcome: order.index(outcome[0]))
    total_passed = sum(result.passed for _name, result, _line in outcomes)
    total_failed = sum(result.failed for _name, result, _line in outcomes)
    print("\nSummary:")
    for _name, _result, line in outcomes:
        print("  " + line)
    print(f"{total_passed} passed, {total_failed} failed")
    for name in os.listdir(LOGS) if os.path.isdir(LOGS) else ():
        if name.startswith("server-"):
            shutil.copyfile(os.path.join(LOGS, name), os.path.join(LATEST_LOGS, name))
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
