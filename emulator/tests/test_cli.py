"""The command line: the ready line, the port file, flags, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

EMULATOR_ROOT = Path(__file__).resolve().parents[1]


def run_emulator(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen, int]:
    port_file = tmp_path / "port"
    environment = {**os.environ, "PYTHONPATH": str(EMULATOR_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "datadog_scim_emulator", "--port-file", str(port_file), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    ready_line = process.stdout.readline()
    assert ready_line.startswith("Datadog SCIM emulator listening on http://127.0.0.1:"), (
        ready_line + process.stderr.read()
    )
    port = int(port_file.read_text())
    assert ready_line.strip().endswith(f":{port}/api/v2/scim")
    return process, port


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=10)


def test_flags_reach_the_config_and_sigterm_saves_state(tmp_path):
    state_file = tmp_path / "state.json"
    process, port = run_emulator(
        tmp_path,
        "--app-key",
        "k1",
        "--app-key",
        "k2",
        "--delete-user",
        "remove",
        "--max-page-size",
        "7",
        "--teams-disabled",
        "--error-body",
        "scim",
        "--fault-methods",
        "post,patch",
        "--state-file",
        str(state_file),
        "--rate-limit",
        "50",
        "--rate-period",
        "2",
        "--max-members-per-request",
        "2",
        "--timestamp-precision",
        "ns",
    )
    try:
        config = requests.get(f"http://127.0.0.1:{port}/_emulator/config", timeout=5).json()
        assert config["delete_user"] == "remove"
        assert config["max_page_size"] == 7
        assert config["teams_enabled"] is False
        assert config["error_body"] == "scim"
        assert config["fault_methods"] == ["POST", "PATCH"]
        assert config["app_key_count"] == 2
        assert config["max_members_per_request"] == 2
        assert config["timestamp_precision"] == "ns"
        response = requests.post(
            f"http://127.0.0.1:{port}/api/v2/scim/Users",
            json={"userName": "ada@example.com"},
            headers={"Authorization": "Bearer k2"},
            timeout=5,
        )
        assert response.status_code == 201
        assert response.headers["X-RateLimit-Limit"] == "50"
        assert re.match(r"^.*T.*\.\d{9}Z$", response.json()["meta"]["created"])
    finally:
        assert stop(process) == 0
    saved = json.loads(state_file.read_text())
    assert [user["userName"] for user in saved["users"]] == ["ada@example.com"]


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--fault-5xx", "3"], "fault_5xx"),
        (["--max-members-per-request", "0"], "max_members_per_request"),
        (["--max-members-per-request", "many"], "--max-members-per-request"),
        (["--timestamp-precision", "us"], "--timestamp-precision"),
    ],
)
def test_bad_flag_values_fail_with_a_message(flags, named):
    result = subprocess.run(
        [sys.executable, "-m", "datadog_scim_emulator", *flags],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(EMULATOR_ROOT)},
    )
    assert result.returncode == 2
    assert named in result.stderr
