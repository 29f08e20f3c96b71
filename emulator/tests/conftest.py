"""Fixtures that start an emulator on a free loopback port and stop it afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from datadog_scim_emulator import Emulator
from emulator_testing import ScimSession, start_emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    running = start_emulator()
    yield running
    running.stop()


@pytest.fixture
def scim(emulator: Emulator) -> ScimSession:
    return ScimSession(emulator.url)


@pytest.fixture
def admin(emulator: Emulator) -> Iterator[requests.Session]:
    session = requests.Session()
    yield session
    session.close()
