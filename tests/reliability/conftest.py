# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: the staged collection, an emulator per test module, and a playbook runner."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "emulator"))
sys.path.insert(0, HERE)

from datadog_scim_emulator import Emulator, EmulatorConfig  # noqa: E402
from reliability_harness import (  # noqa: E402
    API_KEY,
    APP_KEY,
    WORK,
    Ansible,
    remove_staged_collection,
    stage_collection,
)

# One folder of runs per pytest-xdist worker, so that workers never clear each other's.
RUNS = os.path.join(WORK, "runs", os.environ.get("PYTEST_XDIST_WORKER", "main"))


@pytest.fixture(scope="session")
def staged_collection():
    # Runs of an earlier session are kept until the next one, for reading after a failure.
    shutil.rmtree(RUNS, ignore_errors=True)
    yield stage_collection()
    remove_staged_collection()


@pytest.fixture(scope="module")
def emulator():
    running = Emulator(EmulatorConfig(app_keys=[APP_KEY], api_keys=[API_KEY])).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def ansible(staged_collection, emulator, request):
    name = request.module.__name__.rsplit(".", 1)[-1]
    return Ansible(emulator, os.path.join(RUNS, name))
