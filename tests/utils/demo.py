# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo: a day of identity work against a local Datadog-flavoured SCIM emulator.

``python tests/utils/demo.py`` builds the collection, installs the tarball into a scratch
collections path under ``build/demo``, starts the emulator with a throw-away key, and runs the
collection's own playbooks the way an operator (or AWX) would:

1. onboarding of three new starters with ``--check --diff``, proving from the emulator's
   request log that nothing was written;
2. the same onboarding for real;
3. the nightly sync from the sample HR export, with pruning and its guard rails;
4. an attempt to offboard the service account, which the role refuses before any write;
5. offboarding of two leavers and a name nobody knows.

It ends with counts taken from the emulator's state, checks that the key never appeared in
any output, and stops the emulator. It exits non-zero when any step did not behave.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "build", "demo")
COLLECTIONS = os.path.join(DEMO, "collections")
HOME = os.path.join(DEMO, "home")
VARS = os.path.join(ROOT, "playbooks", "demo")
BIN = os.path.dirname(sys.executable)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite  # noqa: E402  (the suite's server process, started and stopped the same way)

SERVICE_ACCOUNT = "provisioning-bot@example.com"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CONNECTION_VARIABLES = (
    "DD_SITE",
    "DD_SCIM_URL",
    "DD_SCIM_BASE_URL",
    "DD_APP_KEY",
    "DATADOG_APP_KEY",
    "DD_BEARER_TOKEN",
    "DD_API_KEY",
    "DATADOG_API_KEY",
)


class DemoFailure(Exception):
    """A step of the demo did not do what it should."""


def tool(name):
    path = os.path.join(BIN, name)
    return path if os.path.exists(path) else name


def environment(**extra):
    env = dict(os.environ)
    env.update(
        {
            "PATH": BIN + os.pathsep + env.get("PATH", ""),
            "HOME": HOME,
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
            "ANSIBLE_REMOTE_TMP": os.path.join(HOME, "remote-tmp"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(HOME, "local-tmp"),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "NO_COLOR": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    # A key from the caller's shell must not leak into the demo, nor a real site be reached.
    for name in CONNECTION_VARIABLES:
        env.pop(name, None)
    env.update(extra)
    return env


def heading(text):
    print("\n" + "=" * 100 + "\n" + text + "\n" + "=" * 100, flush=True)


def run(command, env=None, expect_failure=False):
    """Runs a command, echoing its output; returns the output."""
    print("$ " + " ".join(command), flush=True)
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env=env or environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
    print(completed.stdout, flush=True)
    if expect_failure and completed.returncode == 0:
        raise DemoFailure("expected this command to fail, but it succeeded")
    if not expect_failure and completed.returncode != 0:
        raise DemoFailure("command failed with exit code %d" % completed.returncode)
    return completed.stdout


def build_and_install():
    heading("Build the collection and install it into a scratch collections path")
    for folder in (COLLECTIONS, HOME):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    for tarball in glob.glob(os.path.join(DEMO, "scimops-datadog-*.tar.gz")):
        os.remove(tarball)
    run([tool("ansible-galaxy"), "collection", "build", "--force", "--output-path", DEMO])
    tarball = glob.glob(os.path.join(DEMO, "scimops-datadog-*.tar.gz"))[0]
    run([tool("ansible-galaxy"), "collection", "install", "--offline", "-p", COLLECTIONS, tarball])


class EmulatorProcess(suite.Server):
    """The emulator as a separate process, as a user would start it."""

    def __init__(self, app_key):
        command = [sys.executable, "-m", "datadog_scim_emulator", "--host", "127.0.0.1"]
        super().__init__(
            "emulator",
            command + ["--app-key", app_key],
            env=environment(PYTHONPATH=os.path.join(ROOT, "emulator")),
            log_path=os.path.join(DEMO, "emulator.log"),
        )
        self.app_key = app_key
        self.base_url = None

    def __enter__(self):
        heading("Start the emulator")
        if os.path.exists(self.log_path):
            os.remove(self.log_path)
        try:
            super().__enter__()
        except RuntimeError as error:
            raise DemoFailure(str(error)) from error
        self.base_url = "http://127.0.0.1:%d" % self.port
        print("SCIM root: %s/api/v2/scim" % self.base_url)
        return self

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        print("Emulator stopped.")

    @property
    def scim_url(self):
        return self.base_url + "/api/v2/scim"

    def admin(self, method, path, body=None):
        request_body = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + "/_emulator" + path,
            data=request_body,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def writes(self):
        return [
            "%s %s" % (entry["method"], entry["path"])
            for entry in self.admin("GET", "/requests")
            if entry["method"] in WRITE_METHODS
        ]


def playbook(emulator, name, vars_file, *options, expect_failure=False):
    env = environment(DD_SCIM_URL=emulator.scim_url, DD_APP_KEY=emulator.app_key)
    command = [
        tool("ansible-playbook"),
        "scimops.datadog." + name,
        "-e",
        "@" + os.path.join(VARS, vars_file),
        *options,
    ]
    return run(command, env=env, expect_failure=expect_failure)


def main():
    app_key = "demo-" + secrets.token_hex(16)
    outputs = []
    build_and_install()
    with EmulatorProcess(app_key) as emulator:
        # The organisation already has the service account whose key the jobs use.
        emulator.admin(
            "POST",
            "/seed",
            {"users": [{"user_name": SERVICE_ACCOUNT, "display_name": "Provisioning bot"}]},
        )

        heading("1. Onboarding, dry run: --check --diff shows the plan and writes nothing")
        emulator.admin("DELETE", "/requests")
        outputs.append(playbook(emulator, "onboard", "onboard.yml", "--check", "--diff"))
        writes = emulator.writes()
        if writes:
            raise DemoFailure("check mode sent write requests: " + ", ".join(writes))
        print("Request log of the emulator: no write request during the dry run.")

        heading("2. Onboarding for real")
        outputs.append(playbook(emulator, "onboard", "onboard.yml", "--diff"))
        after_onboarding = emulator.admin("GET", "/state")

        heading("3. Nightly sync from the sample HR export (playbooks/files/hr_export.csv)")
        outputs.append(playbook(emulator, "sync", "sync.yml"))
        after_sync = emulator.admin("GET", "/state")

        heading("4. Offboarding the service account is refused before any write")
        emulator.admin("DELETE", "/requests")
        outputs.append(
            playbook(emulator, "offboard", "offboard_protected.yml", expect_failure=True)
        )
        writes = emulator.writes()
        if writes:
            raise DemoFailure("the refused offboarding sent writes: " + ", ".join(writes))

        heading("5. Offboarding two leavers (and a name nobody knows)")
        outputs.append(playbook(emulator, "offboard", "offboard.yml", "--diff"))
        final = emulator.admin("GET", "/state")

    leaked = [index + 1 for index, output in enumerate(outputs) if app_key in output]
    if leaked:
        raise DemoFailure("the key appeared in the output of step(s) %s" % leaked)

    heading("Summary (from the emulator's state)")
    rows = [
        ("after onboarding", after_onboarding),
        ("after the HR sync", after_sync),
        ("after offboarding", final),
    ]
    print("%-20s %8s %13s %8s %12s" % ("", "users", "active users", "groups", "memberships"))
    for label, state in rows:
        print(
            "%-20s %8d %13d %8d %12d"
            % (label, state["users"], state["active_users"], state["groups"], state["memberships"])
        )
    print("\nThe dry run and the refused offboarding sent no write; the key appeared in no output.")


if __name__ == "__main__":
    try:
        main()
    except DemoFailure as failure:
        print("\nmake demo failed: %s" % failure, file=sys.stderr)
        sys.exit(1)
