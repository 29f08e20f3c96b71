"""Auth, rate limits, latency and injected faults."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from emulator_testing import API_KEY, APP_KEY, ScimSession, start_emulator

RATE_HEADERS = ("Limit", "Period", "Remaining", "Reset", "Name")


def test_bearer_app_key_is_accepted(scim: ScimSession):
    assert scim.get("/Users").status_code == 200


def test_api_and_application_key_headers_are_accepted(emulator):
    headers = {"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": APP_KEY}
    assert requests.get(f"{emulator.url}/Users", headers=headers, timeout=5).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {APP_KEY}"},
        {"DD-API-KEY": API_KEY},
        {"DD-APPLICATION-KEY": APP_KEY},
        {"DD-API-KEY": "wrong", "DD-APPLICATION-KEY": APP_KEY},
        {"DD-API-KEY": API_KEY, "DD-APPLICATION-KEY": "wrong"},
    ],
)
def test_missing_or_wrong_credentials_are_forbidden(emulator, headers):
    for method, path in (("GET", "/Users"), ("POST", "/Users"), ("GET", "/Groups")):
        response = requests.request(
            method,
            f"{emulator.url}{path}",
            headers=headers,
            json={"userName": "ada@example.com"},
            timeout=5,
        )
        assert response.status_code == 403
        assert response.json() == {"errors": ["Forbidden"]}
    assert emulator.state()["users"] == 0


def test_repeated_keys_are_all_accepted():
    with start_emulator(app_keys=["one", "two"], api_keys=["a", "b"]) as emulator:
        for key in ("one", "two"):
            assert ScimSession(emulator.url, key).get("/Users").status_code == 200
        headers = {"DD-API-KEY": "b", "DD-APPLICATION-KEY": "one"}
        assert requests.get(f"{emulator.url}/Users", headers=headers, timeout=5).ok


def test_every_answer_carries_the_rate_limit_headers(scim: ScimSession):
    for response in (
        scim.get("/Users"),
        scim.get("/Users/nope"),
        ScimSession(scim.root_url, "wrong").get("/Users"),
    ):
        for name in RATE_HEADERS:
            assert f"X-RateLimit-{name}" in response.headers
    response = scim.get("/Users")
    assert response.headers["X-RateLimit-Limit"] == "10000"
    assert response.headers["X-RateLimit-Period"] == "10"
    assert int(response.headers["X-RateLimit-Reset"]) in range(1, 11)


def test_rate_limit_answers_429_past_the_limit_then_recovers(emulator, scim: ScimSession):
    emulator.configure(rate_limit=3, rate_period=1)
    remaining = [scim.get("/Users").headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = scim.get("/Users")
    assert limited.status_code == 429
    assert limited.json() == {"errors": ["Too many requests"]}
    assert limited.headers["X-RateLimit-Reset"] == "1"
    assert emulator.request_log()[-1]["status"] == 429

    time.sleep(1.05)
    assert scim.get("/Users").status_code == 200


def test_reset_header_can_be_duplicated(emulator, scim: ScimSession):
    emulator.configure(duplicate_reset_header=True, rate_limit=1, rate_period=5)
    scim.get("/Users")
    limited = scim.get("/Users")
    assert limited.status_code == 429
    first, second = limited.headers["X-RateLimit-Reset"].split(", ")
    assert first == second and 1 <= int(first) <= 5


def test_latency_is_added_and_overlaps_between_clients(emulator, scim: ScimSession):
    emulator.configure(latency_ms=300)
    started = time.monotonic()
    assert scim.get("/Users").ok
    assert time.monotonic() - started >= 0.3

    statuses = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(ScimSession(emulator.url).get("/Users").status_code)
        )
        for _ in range(4)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert statuses == [200] * 4
    assert time.monotonic() - started < 1.0

    started = time.monotonic()
    requests.get(f"{emulator.admin_url}/health", timeout=5)
    assert time.monotonic() - started < 0.3


def test_fault_5xx_answers_before_doing_anything(emulator, scim: ScimSession):
    emulator.configure(fault_5xx=1.0, seed=1)
    statuses = {
        scim.post("/Users", {"userName": f"u{n}@example.com"}).status_code for n in range(12)
    }
    assert statuses <= {500, 502, 503} and len(statuses) > 1
    assert emulator.state()["users"] == 0
    assert {entry["fault"] for entry in emulator.request_log()} == {"5xx"}


def test_fault_429_carries_a_reset_header(emulator, scim: ScimSession):
    emulator.configure(fault_429=1.0)
    response = scim.post("/Users", {"userName": "ada@example.com"})
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Reset"] == "1"
    assert emulator.state()["users"] == 0


def test_fault_drop_closes_without_answer_or_change(emulator, scim: ScimSession):
    emulator.configure(fault_drop=1.0)
    with pytest.raises(requests.ConnectionError):
        scim.post("/Users", {"userName": "ada@example.com"})
    assert emulator.state()["users"] == 0
    assert emulator.request_log()[-1]["fault"] == "drop"


def test_fault_lost_commits_then_drops(emulator, scim: ScimSession):
    emulator.configure(fault_lost=1.0)
    with pytest.raises(requests.ConnectionError):
        scim.post("/Users", {"userName": "ada@example.com"})
    emulator.configure(fault_lost=0.0)
    found = scim.get("/Users", params={"filter": 'userName eq "ada@example.com"'}).json()
    assert found["totalResults"] == 1
    entry = emulator.request_log()[0]
    assert (entry["fault"], entry["status"]) == ("lost", 201)


def test_fault_methods_restrict_faults(emulator, scim: ScimSession):
    emulator.configure(fault_5xx=1.0, fault_methods=["POST"])
    assert scim.get("/Users").status_code == 200
    assert scim.post("/Users", {"userName": "ada@example.com"}).status_code >= 500


def test_fault_rates_are_seeded_and_partial(emulator, scim: ScimSession):
    def run() -> list[int]:
        emulator.reset(fault_5xx=0.5, seed=42)
        return [scim.get("/Users").status_code for _ in range(40)]

    first = run()
    assert first == run()
    assert 5 < sum(status >= 500 for status in first) < 35


def test_admin_api_is_never_faulted_nor_limited(emulator):
    emulator.configure(fault_drop=0.5, fault_5xx=0.5, rate_limit=1, latency_ms=0)
    for _ in range(20):
        assert requests.get(f"{emulator.admin_url}/state", timeout=5).status_code == 200
    assert emulator.request_log() == []


def test_error_body_switch_sends_the_scim_error_schema(emulator, scim: ScimSession):
    emulator.configure(error_body="scim")
    expected_schema = ["urn:ietf:params:scim:api:messages:2.0:Error"]
    missing = scim.get("/Users/nope")
    assert missing.json() == {
        "schemas": expected_schema,
        "status": "404",
        "detail": "User nope not found",
    }
    forbidden = ScimSession(emulator.url, "wrong").get("/Users")
    assert forbidden.json() == {"schemas": expected_schema, "status": "403", "detail": "Forbidden"}
    emulator.configure(fault_5xx=1.0)
    failed = scim.get("/Users")
    assert failed.json()["schemas"] == expected_schema
    assert failed.json()["status"] == str(failed.status_code)
