# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from ansible_collections.scimops.datadog.plugins.module_utils import _client
from ansible_collections.scimops.datadog.plugins.module_utils._client import (
    ScimClient,
    ScimError,
    build_base_url,
    parse_rate_limit_reset,
    parse_retry_after,
    scim_filter_eq,
)
from ansible_collections.scimops.datadog.tests.unit.plugins.module_utils.scim_doubles import (
    API_KEY,
    APP_KEY,
    Answer,
    ClientKit,
    LoopbackServer,
)

USER = {"id": "u-1", "userName": "ada@example.com", "active": True}
PAGE_FILTER = 'userName eq "ada@example.com"'


def user(number):
    return {"id": "u-%04d" % number, "userName": "user%04d@example.com" % number}


def list_page(resources, total, start_index=1):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


# ---------------------------------------------------------------- base URL


class TestBuildBaseUrl:
    def test_site_gives_the_api_host_scim_root(self):
        assert build_base_url("datadoghq.eu", None) == "https://api.datadoghq.eu/api/v2/scim"
        assert build_base_url("US5.datadoghq.com", None) == (
            "https://api.us5.datadoghq.com/api/v2/scim"
        )

    def test_api_url_wins_over_site_and_loses_trailing_slashes(self):
        url = build_base_url("datadoghq.eu", "https://proxy.example.com/scim/v2//")
        assert url == "https://proxy.example.com/scim/v2"

    def test_empty_api_url_falls_back_to_site(self):
        assert build_base_url("ddog-gov.com", "  ") == "https://api.ddog-gov.com/api/v2/scim"

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8080/api/v2/scim",
            "http://127.0.0.5/api/v2/scim",
            "http://[::1]:9000/api/v2/scim",
            "http://localhost:9000/api/v2/scim",
            "http://LOCALHOST/api/v2/scim",
        ],
    )
    def test_plain_http_is_accepted_for_loopback_hosts(self, url):
        assert build_base_url(None, url) == url

    @pytest.mark.parametrize(
        "url",
        ["http://10.0.0.1/api/v2/scim", "http://example.com/api/v2/scim", "http://128.0.0.1/x"],
    )
    def test_plain_http_is_refused_elsewhere_naming_option_and_url(self, url):
        with pytest.raises(ValueError) as caught:
            build_base_url(None, url)
        assert "api_url" in str(caught.value)
        assert url in str(caught.value)
        assert "https" in str(caught.value)

    @pytest.mark.parametrize(
        "url, words",
        [
            ("ftp://example.com/scim", "http or https"),
            ("https:///api/v2/scim", "no host"),
            ("example.com/api/v2/scim", "http or https"),
            ("https://example.com/scim?token=1", "query"),
            ("https://example.com:99999/scim", "not a valid URL"),
        ],
    )
    def test_unusable_urls_are_refused(self, url, words):
        with pytest.raises(ValueError) as caught:
            build_base_url(None, url)
        assert "api_url" in str(caught.value)
        assert words in str(caught.value)

    def test_credentials_in_the_url_are_refused_without_repeating_them(self):
        with pytest.raises(ValueError) as caught:
            build_base_url(None, "https://bob:hunter2@example.com/scim")
        assert "api_url" in str(caught.value)
        assert "credentials" in str(caught.value)
        assert "hunter2" not in str(caught.value)

    @pytest.mark.parametrize(
        "site", ["https://api.datadoghq.com", "datadoghq", "", "datadog hq.com", "a/b.com"]
    )
    def test_a_site_that_is_not_a_host_name_is_refused(self, site):
        with pytest.raises(ValueError) as caught:
            build_base_url(site, None)
        assert "site" in str(caught.value)
        assert repr(site) in str(caught.value)


# ---------------------------------------------------------------- filters and headers


class TestFilter:
    def test_plain_value(self):
        assert scim_filter_eq("userName", "ada@example.com") == PAGE_FILTER

    @pytest.mark.parametrize(
        "value, expected",
        [
            ('a"b@example.com', r'userName eq "a\"b@example.com"'),
            ("a\\b@example.com", r'userName eq "a\\b@example.com"'),
            ('\\"', r'userName eq "\\\""'),
            ("line\nbreak\ttab", r'userName eq "line\nbreak\ttab"'),
            ("bell\x07nul\x00", r'userName eq "bell\u0007nul\u0000"'),
        ],
    )
    def test_quotes_backslashes_and_control_characters_are_escaped(self, value, expected):
        assert scim_filter_eq("userName", value) == expected

    @pytest.mark.parametrize("value", ['x" or userName pr or "', 'é\\"\r\x1f', "plain"])
    def test_the_quoted_value_reads_back_as_the_original(self, value):
        built = scim_filter_eq("displayName", value)
        literal = built[len("displayName eq ") :]
        assert json.loads(literal) == value

    def test_non_ascii_is_kept_readable(self):
        assert scim_filter_eq("displayName", "Équipe") == 'displayName eq "Équipe"'

    def test_an_attribute_that_smuggles_an_expression_is_refused(self):
        with pytest.raises(ValueError):
            scim_filter_eq('userName pr or userName eq "x"', "y")


class TestHeaderParsing:
    @pytest.mark.parametrize(
        "value, expected",
        [
            ("7", 7.0),
            ("7, 7", 7.0),
            (" 7 ,7", 7.0),
            ("3, 9", 9.0),
            ("0.25", 0.25),
            (12, 12.0),
            ("garbage", None),
            ("", None),
            (None, None),
            ("-4", None),
            ("nan", None),
            ("inf", None),
        ],
    )
    def test_rate_limit_reset(self, value, expected):
        assert parse_rate_limit_reset(value) == expected

    def test_retry_after_seconds(self):
        assert parse_retry_after("12") == 12.0
        assert parse_retry_after("12, 12") == 12.0

    def test_retry_after_http_date_is_counted_from_now(self):
        now = 1445412470.0  # 2015-10-21 07:27:50 GMT
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 10.0

    def test_retry_after_in_the_past_means_no_wait(self):
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0

    @pytest.mark.parametrize("value", [None, "soon", "Wed, 99 Foo 2015"])
    def test_retry_after_garbage(self, value):
        assert parse_retry_after(value, now=0.0) is None


# ---------------------------------------------------------------- retry timing


def rate_limited(reset=None, retry_after=None, body=None):
    headers = {}
    if reset is not None:
        headers["X-RateLimit-Reset"] = reset
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Answer(429, body if body is not None else {"errors": ["Too many requests"]}, headers)


class TestRetryTiming:
    def test_rate_limit_reset_is_preferred_over_retry_after(self):
        kit = ClientKit([rate_limited(reset="7", retry_after="3"), Answer(200, USER)])
        assert kit.client.get_resource("Users", "u-1") == USER
        assert kit.clock.sleeps == [7.0]

    def test_duplicated_reset_header_is_read(self):
        kit = ClientKit([rate_limited(reset="7, 7"), Answer(200, USER)])
        kit.client.get_resource("Users", "u-1")
        assert kit.clock.sleeps == [7.0]

    def test_retry_after_is_used_without_reset(self):
        kit = ClientKit([rate_limited(retry_after="3"), Answer(200, USER)])
        kit.client.get_resource("Users", "u-1")
        assert kit.clock.sleeps == [3.0]

    def test_retry_after_on_503_is_honoured(self):
        kit = ClientKit(
            [Answer(503, {"errors": ["busy"]}, {"Retry-After": "4"}), Answer(200, USER)]
        )
        kit.client.get_resource("Users", "u-1")
        assert kit.clock.sleeps == [4.0]

    def test_without_headers_429_backs_off_exponentially(self):
        script = [rate_limited()] * 3 + [Answer(200, USER)]
        kit = ClientKit(script, random_value=0.5)
        kit.client.get_resource("Users", "u-1")
        # equal jitter with random()=0.5: three quarters of 0.5, 1 and 2 seconds
        assert kit.clock.sleeps == [0.375, 0.75, 1.5]

    def test_a_reset_of_zero_still_backs_off(self):
        kit = ClientKit([rate_limited(reset="0"), Answer(200, USER)], random_value=0.0)
        kit.client.get_resource("Users", "u-1")
        assert kit.clock.sleeps == [0.25]

    @pytest.mark.parametrize("retry, low, high", [(0, 0.25, 0.5), (1, 0.5, 1.0), (4, 4.0, 8.0)])
    def test_jitter_bounds(self, retry, low, high):
        assert ClientKit(random_value=0.0).client.backoff_delay(retry) == low
        assert ClientKit(random_value=0.999999).client.backoff_delay(retry) == pytest.approx(high)

    def test_back_off_is_capped(self):
        assert ClientKit(random_value=1.0).client.backoff_delay(12) == 30.0
        assert ClientKit(random_value=0.0).client.backoff_delay(400) == 15.0

    def test_each_retry_is_logged_and_short_waits_are_not_warned(self):
        kit = ClientKit([rate_limited(reset="7"), Answer(200, USER)])
        kit.client.get_resource("Users", "u-1", operation="get user ada")
        retry_lines = [line for line in kit.recorder.logs if "retry 1 of 5" in line]
        assert len(retry_lines) == 1
        assert "get user ada" in retry_lines[0] and "HTTP 429" in retry_lines[0]
        assert "GET /Users/u-1" in retry_lines[0]
        assert any("waiting 7.0 s" in line for line in kit.recorder.logs)
        assert kit.recorder.warnings == []

    def test_a_wait_over_a_minute_is_warned_once(self):
        kit = ClientKit([rate_limited(reset="90"), Answer(200, USER)])
        kit.client.get_resource("Users", "u-1")
        assert kit.clock.sleeps == [90.0]
        assert len(kit.recorder.warnings) == 1
        assert "90 s" in kit.recorder.warnings[0]

    def test_max_retries_zero_turns_retrying_off(self):
        kit = ClientKit([Answer(503, {"errors": ["down"]})], max_retries=0)
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Users", "u-1")
        assert len(kit.sent) == 1
        assert kit.clock.sleeps == []
        assert caught.value.status == 503
        assert "max_retries=0" in caught.value.msg

    def test_retries_run_out_after_max_retries(self):
        kit = ClientKit([Answer(502, {"errors": ["bad gateway"]})] * 3, max_retries=2)
        with pytest.raises(ScimError) as caught:
            kit.client.list_resources("Users")
        assert len(kit.sent) == 3
        assert len(kit.clock.sleeps) == 2
        assert caught.value.status == 502
        assert caught.value.server_message == "bad gateway"
        assert "gave up after 2 retries" in caught.value.msg

    def test_max_wait_exhaustion_fails_saying_so(self):
        script = [rate_limited(reset="7"), rate_limited(reset="7")]
        kit = ClientKit(script, max_wait=10)
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Users", "u-1", operation="get user ada")
        error = caught.value
        assert kit.clock.sleeps == [7.0]
        assert len(kit.sent) == 2
        assert error.status == 429
        assert "get user ada" in error.msg
        assert "max_wait" in error.msg
        assert "already waited 7.0 s" in error.msg
        assert "HTTP 429" in error.msg

    def test_max_wait_counts_back_off_too(self):
        kit = ClientKit([Answer(500)] * 6, max_wait=1.0, random_value=0.0)
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Users", "u-1")
        # 0.25 + 0.5 fit in one second; the next 1.0 does not
        assert kit.clock.sleeps == [0.25, 0.5]
        assert "max_wait" in caught.value.msg

    def test_a_client_error_is_not_retried(self):
        kit = ClientKit([Answer(400, {"errors": ["Invalid filter"]})])
        with pytest.raises(ScimError) as caught:
            kit.client.list_resources("Users", filter="title pr")
        assert len(kit.sent) == 1
        assert caught.value.status == 400


# ---------------------------------------------------------------- 5xx, lost answers, POST


def lost_answer():
    return requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected")


class TestTransientFailures:
    @pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
    def test_5xx_is_retried_for_idempotent_methods(self, method):
        kit = ClientKit([Answer(503), Answer(200, USER)])
        call = {
            "GET": lambda c: c.get_resource("Users", "u-1"),
            "PUT": lambda c: c.replace_resource("Users", "u-1", USER),
            "PATCH": lambda c: c.patch_resource("Users", "u-1", []),
            "DELETE": lambda c: c.delete_resource("Users", "u-1"),
        }[method]
        assert call(kit.client)
        assert kit.adapter.methods() == [method, method]

    @pytest.mark.parametrize(
        "failure",
        [
            requests.exceptions.ConnectionError("refused"),
            requests.exceptions.ConnectTimeout("connect timed out"),
            requests.exceptions.ReadTimeout("read timed out"),
            requests.exceptions.ChunkedEncodingError("connection broken"),
        ],
    )
    def test_connection_errors_and_timeouts_are_retried_for_get(self, failure):
        kit = ClientKit([failure, Answer(200, USER)])
        assert kit.client.get_resource("Users", "u-1") == USER
        assert len(kit.sent) == 2
        assert any("got no answer" in line for line in kit.recorder.logs)

    def test_patch_after_a_read_timeout_is_sent_again(self):
        kit = ClientKit([requests.exceptions.ReadTimeout("read timed out"), Answer(200, USER)])
        assert kit.client.patch_resource("Users", "u-1", [{"op": "replace"}]) == USER
        assert kit.adapter.methods() == ["PATCH", "PATCH"]

    def test_connection_errors_exhaust_into_a_clear_error(self):
        kit = ClientKit([requests.exceptions.ConnectionError("refused")] * 2, max_retries=1)
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Users", "u-1")
        assert caught.value.status is None
        assert "got no answer" in caught.value.msg
        assert "ConnectionError" in caught.value.msg

    def test_tls_failure_is_not_retried_and_points_at_ca_path(self):
        kit = ClientKit([requests.exceptions.SSLError("certificate verify failed")])
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Users", "u-1")
        assert len(kit.sent) == 1
        assert "ca_path" in caught.value.msg

    def test_post_5xx_then_found_returns_the_existing_resource(self):
        kit = ClientKit([Answer(500, {"errors": ["Internal error"]})])
        lookups = []

        def find_existing():
            lookups.append(1)
            return USER

        created = kit.client.create_resource("Users", {"userName": USER["userName"]}, find_existing)
        assert created == USER
        assert kit.adapter.methods() == ["POST"]
        assert len(lookups) == 1

    def test_post_5xx_then_not_found_posts_exactly_once_more(self):
        kit = ClientKit([Answer(503), Answer(201, USER)])
        lookups = []

        def find_existing():
            lookups.append(1)
            return None

        created = kit.client.create_resource("Users", {"userName": USER["userName"]}, find_existing)
        assert created == USER
        assert kit.adapter.methods() == ["POST", "POST"]
        assert len(lookups) == 1
        assert kit.sent[1].json == {"userName": USER["userName"]}

    def test_post_lost_answer_is_looked_up_before_anything_else(self):
        kit = ClientKit([lost_answer()])
        created = kit.client.create_resource("Users", {}, lambda: USER)
        assert created == USER
        assert kit.adapter.methods() == ["POST"]
        assert kit.client.write_count == 1

    def test_post_read_timeout_not_found_posts_again(self):
        kit = ClientKit([requests.exceptions.ReadTimeout("read timed out"), Answer(201, USER)])
        assert kit.client.create_resource("Users", {}, lambda: None) == USER
        assert kit.adapter.methods() == ["POST", "POST"]

    def test_post_429_is_repeated_without_a_lookup(self):
        kit = ClientKit([rate_limited(reset="2"), Answer(201, USER)])

        def find_existing():
            raise AssertionError("a 429 means nothing was created; no lookup is needed")

        assert kit.client.create_resource("Users", {}, find_existing) == USER
        assert kit.adapter.methods() == ["POST", "POST"]
        assert kit.clock.sleeps == [2.0]

    def test_post_lost_with_retries_off_and_not_found_fails_without_posting_again(self):
        kit = ClientKit([lost_answer()], max_retries=0)
        with pytest.raises(ScimError) as caught:
            kit.client.create_resource("Users", {}, lambda: None)
        assert kit.adapter.methods() == ["POST"]
        assert caught.value.outcome_unknown is True

    def test_post_lookups_stay_within_the_retry_budget(self):
        kit = ClientKit([Answer(500)] * 3, max_retries=2)
        lookups = []
        with pytest.raises(ScimError):
            kit.client.create_resource("Users", {}, lambda: lookups.append(1))
        assert kit.adapter.methods() == ["POST", "POST", "POST"]
        assert len(lookups) == 3

    def test_raw_post_is_never_repeated_after_a_5xx(self):
        kit = ClientKit([Answer(502, text="<html><h1>502 Bad Gateway</h1></html>")])
        with pytest.raises(ScimError) as caught:
            kit.client.request("POST", "/Groups", "create group", json={"displayName": "x"})
        assert kit.adapter.methods() == ["POST"]
        assert caught.value.outcome_unknown is True
        assert "not repeated" in caught.value.msg
        assert caught.value.server_message == "502 Bad Gateway"

    def test_created_without_a_body_is_completed_by_the_lookup(self):
        kit = ClientKit([Answer(201)])
        assert kit.client.create_resource("Users", {}, lambda: USER) == USER

    def test_delete_after_a_lost_answer_that_then_404s_counts_as_deleted(self):
        kit = ClientKit([lost_answer(), Answer(404, {"errors": ["Not found"]})])
        assert kit.client.delete_resource("Users", "u-1") is True

    def test_delete_of_a_missing_resource_is_false(self):
        kit = ClientKit([Answer(404, {"errors": ["Not found"]})])
        assert kit.client.delete_resource("Groups", "g-1") is False

    def test_delete_answered_204_is_true(self):
        kit = ClientKit([Answer(204)])
        assert kit.client.delete_resource("Groups", "g-1") is True
        assert kit.sent[0].path == "/api/v2/scim/Groups/g-1"


# ---------------------------------------------------------------- error messages


class TestErrors:
    def raise_for(self, answer, call=None):
        kit = ClientKit([answer])
        call = call or (lambda c: c.request("GET", "/Users/u-1", "get user ada", ok=(200,)))
        with pytest.raises(ScimError) as caught:
            call(kit.client)
        return caught.value

    def test_datadog_error_body(self):
        error = self.raise_for(
            Answer(409, {"errors": ["userName taken", "try another"]}, reason="Conflict"),
            lambda c: c.create_resource("Users", {}, lambda: None),
        )
        assert error.status == 409
        assert error.server_message == "userName taken; try another"
        assert error.operation == "create user"
        assert error.path == "/Users"
        assert error.url == "https://scim.test/api/v2/scim/Users"
        assert error.msg == (
            "Could not create user: POST /Users answered HTTP 409 Conflict: "
            "userName taken; try another."
        )

    def test_datadog_error_objects_with_detail_or_title(self):
        error = self.raise_for(Answer(400, {"errors": [{"detail": "bad path"}, {"title": "Bad"}]}))
        assert error.server_message == "bad path; Bad"

    def test_scim_error_schema(self):
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "400",
            "scimType": "invalidFilter",
            "detail": "Filter not supported",
        }
        error = self.raise_for(Answer(400, body))
        assert error.server_message == "Filter not supported (scimType invalidFilter)"
        assert "get user ada" in error.msg and "/Users/u-1" in error.msg and "400" in error.msg

    def test_short_text_body_is_trimmed(self):
        error = self.raise_for(Answer(404, text="  Not   found\n\n"))
        assert error.server_message == "Not found"

    def test_long_text_body_is_cut(self):
        error = self.raise_for(Answer(400, text="x" * 5000))
        assert len(error.server_message) <= 300
        assert error.server_message.endswith("...")

    @pytest.mark.parametrize("status", [401, 403])
    def test_auth_failures_carry_a_hint(self, status):
        error = self.raise_for(Answer(status, {"errors": ["Forbidden"]}))
        assert "app_key" in error.msg
        assert "user_access_invite" in error.msg and "user_access_manage" in error.msg

    def test_to_fail_kwargs(self):
        error = self.raise_for(Answer(400, {"errors": ["nope"]}))
        assert error.to_fail_kwargs() == {
            "msg": error.msg,
            "http_status": 400,
            "http_url": "https://scim.test/api/v2/scim/Users/u-1",
            "operation": "get user ada",
            "server_message": "nope",
        }
        assert error.changed is False and error.details == {}

    def test_success_with_a_body_that_is_not_json_is_an_error(self):
        error = self.raise_for(Answer(200, text="<html>login page</html>"))
        assert "not JSON" in error.msg

    def test_a_redirect_is_not_followed(self):
        error = self.raise_for(Answer(302, headers={"Location": "https://elsewhere.test/"}))
        assert error.status == 302


class TestTeamsDisabled:
    DISABLED = {
        "errors": [
            "Team provisioning through SCIM is not enabled for this organization; "
            "contact Datadog support to enable it"
        ]
    }

    @pytest.mark.parametrize("status", [400, 403])
    def test_a_refused_groups_call_says_team_provisioning_is_off(self, status):
        kit = ClientKit([Answer(status, self.DISABLED)])
        with pytest.raises(ScimError) as caught:
            kit.client.list_resources("Groups")
        assert caught.value.msg.startswith(_client.TEAMS_DISABLED_MESSAGE)
        assert "user_access_manage" not in caught.value.msg
        assert caught.value.status == status

    def test_a_404_that_says_so_is_not_taken_for_a_missing_group(self):
        kit = ClientKit([Answer(404, self.DISABLED)])
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Groups", "g-1")
        assert caught.value.msg.startswith(_client.TEAMS_DISABLED_MESSAGE)

    def test_a_plain_missing_group_is_still_none(self):
        kit = ClientKit([Answer(404, {"errors": ["Group not found"]})])
        assert kit.client.get_resource("Groups", "g-1") is None

    def test_the_same_words_on_users_keep_the_key_hint(self):
        kit = ClientKit([Answer(403, self.DISABLED)])
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Users", "u-1")
        assert not caught.value.msg.startswith(_client.TEAMS_DISABLED_MESSAGE)
        assert "user_access_manage" in caught.value.msg


# ---------------------------------------------------------------- paging


class ListServer:
    """Answers GET /Users pages over a list of users, with a choice of server quirks."""

    def __init__(self, users, cap=100, page_sizes=None, totals=None):
        self.users = list(users)
        self.cap = cap
        self.page_sizes = list(page_sizes or [])
        self.totals = list(totals or [])
        self.starts = []

    def __call__(self, sent):
        start = int(sent.query.get("startIndex", 1))
        count = int(sent.query.get("count", 20))
        assert count == 100
        self.starts.append(start)
        size = min(count, self.cap)
        if self.page_sizes:
            size = min(size, self.page_sizes.pop(0))
        page = self.users[start - 1 : start - 1 + size]
        total = self.totals.pop(0) if self.totals else len(self.users)
        return Answer(200, list_page(page, total, start))


class TestPaging:
    def test_pages_of_100_until_total(self):
        server = ListServer([user(n) for n in range(250)])
        kit = ClientKit(responder=server)
        users = kit.client.list_resources("Users")
        assert [u["id"] for u in users] == [user(n)["id"] for n in range(250)]
        assert server.starts == [1, 101, 201]

    def test_a_server_that_caps_lower_is_read_to_the_end(self):
        server = ListServer([user(n) for n in range(95)], cap=30)
        users = ClientKit(responder=server).client.list_resources("Users")
        assert len(users) == 95
        assert server.starts == [1, 31, 61, 91]

    def test_uneven_pages_advance_by_what_each_page_held(self):
        sizes = [7, 13, 1, 50, 2, 100, 100]
        server = ListServer([user(n) for n in range(180)], page_sizes=sizes)
        users = ClientKit(responder=server).client.list_resources("Users")
        assert [u["id"] for u in users] == [user(n)["id"] for n in range(180)]
        assert server.starts == [1, 8, 21, 22, 72, 74, 174]

    def test_total_growing_between_pages_is_followed(self):
        everyone = [user(n) for n in range(160)]
        server = ListServer(everyone, totals=[150, 160])
        users = ClientKit(responder=server).client.list_resources("Users")
        assert len(users) == 160

    def test_objects_shifting_between_pages_are_returned_once(self):
        everyone = [user(n) for n in range(150)]
        state = {"calls": 0}

        def responder(sent):
            state["calls"] += 1
            start = int(sent.query["startIndex"])
            # A user created before page two pushes every later user one place back.
            current = everyone if state["calls"] == 1 else [user(999)] + everyone
            page = current[start - 1 : start + 99]
            return Answer(200, list_page(page, len(current), start))

        users = ClientKit(responder=responder).client.list_resources("Users")
        ids = [u["id"] for u in users]
        assert len(ids) == len(set(ids)) == 150
        assert ids == [u["id"] for u in everyone]

    def test_an_empty_page_ends_the_list_even_if_total_says_more(self):
        server = ListServer([user(n) for n in range(40)], totals=[1000, 1000])
        users = ClientKit(responder=server).client.list_resources("Users")
        assert len(users) == 40
        assert server.starts == [1, 41]

    def test_missing_total_reads_until_an_empty_page(self):
        def responder(sent):
            start = int(sent.query["startIndex"])
            page = [user(n) for n in range(30)][start - 1 : start + 9]
            return Answer(200, {"Resources": page})

        kit = ClientKit(responder=responder)
        assert len(kit.client.list_resources("Users")) == 30
        assert len(kit.sent) == 4

    def test_parallel_reads_the_same_pages_as_one_at_a_time(self):
        server = ListServer([user(n) for n in range(1000)])
        users = ClientKit(responder=server).client.list_resources("Users", parallel=4)
        assert [u["id"] for u in users] == [user(n)["id"] for n in range(1000)]
        assert sorted(server.starts) == list(range(1, 1000, 100))

    def test_parallel_after_a_short_page_goes_on_from_where_it_ended(self):
        everyone = [user(n) for n in range(500)]

        def responder(sent):
            start = int(sent.query["startIndex"])
            # The page read at 201 holds only 40 users: every later prediction is off.
            size = 40 if start == 201 else 100
            page = everyone[start - 1 : start - 1 + size]
            return Answer(200, list_page(page, len(everyone), start))

        kit = ClientKit(responder=responder)
        users = kit.client.list_resources("Users", parallel=4)
        assert [u["id"] for u in users] == [u["id"] for u in everyone]

    def test_parallel_on_a_server_that_caps_lower(self):
        server = ListServer([user(n) for n in range(95)], cap=30)
        users = ClientKit(responder=server).client.list_resources("Users", parallel=4)
        assert [u["id"] for u in users] == [user(n)["id"] for n in range(95)]
        assert sorted(server.starts) == [1, 31, 61, 91]

    def test_parallel_follows_a_total_that_grows(self):
        server = ListServer([user(n) for n in range(160)], totals=[150, 160])
        users = ClientKit(responder=server).client.list_resources("Users", parallel=4)
        assert len(users) == 160

    def test_parallel_past_a_total_that_overstates(self):
        server = ListServer([user(n) for n in range(40)], totals=[1000] * 20)
        users = ClientKit(responder=server).client.list_resources("Users", parallel=4)
        assert [u["id"] for u in users] == [user(n)["id"] for n in range(40)]

    def test_filter_and_count_are_sent(self):
        kit = ClientKit([Answer(200, list_page([USER], 1))])
        assert kit.client.list_resources("Users", filter=PAGE_FILTER) == [USER]
        assert kit.sent[0].query == {"startIndex": "1", "count": "100", "filter": PAGE_FILTER}

    def test_an_endless_list_is_cut_off_with_an_error(self, monkeypatch):
        monkeypatch.setattr(_client, "MAX_PAGES", 5)
        counter = {"next": 0}

        def responder(sent):
            counter["next"] += 1
            return Answer(200, {"Resources": [user(counter["next"])]})

        kit = ClientKit(responder=responder)
        with pytest.raises(ScimError) as caught:
            kit.client.list_resources("Users")
        assert len(kit.sent) == 5
        assert "list users" in caught.value.msg


# ---------------------------------------------------------------- on the wire


def make_wire_client(server, **options):
    options.setdefault("app_key", APP_KEY)
    options.setdefault("sleep", lambda seconds: None)
    return ScimClient(server.url, **options)


class TestWire:
    def test_bearer_style_headers(self):
        with LoopbackServer(lambda request: (200, {}, USER)) as server:
            make_wire_client(server).get_resource("Users", "u-1")
        headers = server.received[0]["headers"]
        assert headers["authorization"] == "Bearer %s" % APP_KEY
        assert "dd-api-key" not in headers and "dd-application-key" not in headers
        assert headers["accept"] == "application/scim+json, application/json"
        assert headers["user-agent"].startswith("scimops.datadog")

    def test_api_key_style_headers(self):
        with LoopbackServer(lambda request: (200, {}, USER)) as server:
            make_wire_client(server, api_key=API_KEY).get_resource("Users", "u-1")
        headers = server.received[0]["headers"]
        assert headers["dd-api-key"] == API_KEY
        assert headers["dd-application-key"] == APP_KEY
        assert "authorization" not in headers

    def test_json_body_and_content_type(self):
        with LoopbackServer(lambda request: (201, {}, USER)) as server:
            make_wire_client(server).create_resource("Users", {"userName": "ada@example.com"}, None)
        request = server.received[0]
        assert request["method"] == "POST" and request["path"] == "/api/v2/scim/Users"
        assert request["headers"]["content-type"] == "application/json"
        assert request["json"] == {"userName": "ada@example.com"}

    def test_patch_answered_204_returns_none_and_sends_a_patch_op(self):
        operations = [{"op": "add", "path": "members", "value": [{"value": "u-1"}]}]
        with LoopbackServer(lambda request: (204, {}, None)) as server:
            result = make_wire_client(server).patch_resource("Groups", "g-1", operations)
        assert result is None
        assert server.received[0]["json"] == {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        }

    def test_ids_are_quoted_into_the_path(self):
        with LoopbackServer(lambda request: (404, {}, {"errors": ["Not found"]})) as server:
            assert make_wire_client(server).get_resource("Users", "a/b c?d") is None
        assert server.received[0]["raw_path"] == "/api/v2/scim/Users/a%2Fb%20c%3Fd"

    def test_connections_are_reused(self):
        with LoopbackServer(lambda request: (200, {}, USER)) as server:
            client = make_wire_client(server)
            for _round in range(5):
                client.get_resource("Users", "u-1")
        assert len(server.received) == 5
        assert len(server.client_ports) == 1

    def test_a_dropped_post_is_looked_up_on_a_real_socket(self):
        def route(request):
            return "drop" if request["method"] == "POST" else (200, {}, list_page([USER], 1))

        with LoopbackServer(route) as server:
            client = make_wire_client(server)
            created = client.create_resource(
                "Users",
                {"userName": USER["userName"]},
                lambda: (client.list_resources("Users", filter=PAGE_FILTER) or [None])[0],
            )
        assert created == USER
        assert [r["method"] for r in server.received] == ["POST", "GET"]
        assert client.request_count == 2 and client.write_count == 1

    def test_a_read_timeout_on_a_real_socket_is_retried(self):
        calls = []

        def route(request):
            calls.append(1)
            if len(calls) == 1:
                time.sleep(0.6)
            return (200, {}, USER)

        with LoopbackServer(route) as server:
            client = make_wire_client(server, timeout=0.2, max_retries=1)
            assert client.get_resource("Users", "u-1") == USER
        assert len(calls) == 2

    def test_a_redirect_never_reaches_the_other_host(self):
        def route(request):
            if request["path"].endswith("/moved"):
                return (200, {}, USER)
            return (307, {"Location": "/api/v2/scim/moved"}, None)

        with LoopbackServer(route) as server:
            with pytest.raises(ScimError) as caught:
                make_wire_client(server, api_key=API_KEY).get_resource("Users", "u-1")
        assert caught.value.status == 307
        assert len(server.received) == 1


# ---------------------------------------------------------------- shared rate gate


class TestRateGate:
    def test_a_429_in_one_thread_holds_the_next_request_of_another(self):
        kit = ClientKit([rate_limited(reset="5"), Answer(200, USER)], max_retries=0)
        with pytest.raises(ScimError):
            kit.client.get_resource("Users", "u-1")
        assert kit.clock.sleeps == []

        worker = threading.Thread(target=kit.client.get_resource, args=("Users", "u-2"))
        worker.start()
        worker.join(timeout=10)
        assert kit.clock.sleeps == [5.0]
        assert kit.sent[1].path.endswith("/u-2")

    def test_remaining_zero_pauses_before_the_next_request(self):
        exhausted = Answer(200, USER, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3"})
        kit = ClientKit([exhausted, Answer(200, USER)])
        kit.client.get_resource("Users", "u-1")
        assert kit.clock.sleeps == []
        kit.client.get_resource("Users", "u-2")
        assert kit.clock.sleeps == [3.0]
        assert any("rate limit reached" in line for line in kit.recorder.logs)

    def test_remaining_above_zero_does_not_pause(self):
        fine = Answer(200, USER, {"X-RateLimit-Remaining": "4", "X-RateLimit-Reset": "3"})
        kit = ClientKit([fine, Answer(200, USER)])
        kit.client.get_resource("Users", "u-1")
        kit.client.get_resource("Users", "u-2")
        assert kit.clock.sleeps == []

    def test_threads_waiting_out_one_window_charge_the_budget_once(self):
        lock = threading.Lock()
        window = {"end": None}

        def responder(sent):
            # Everything in the first 0.3 s after the first request is refused.
            with lock:
                now = time.monotonic()
                if window["end"] is None:
                    window["end"] = now + 0.3
                if now < window["end"]:
                    return rate_limited(reset="%.3f" % (window["end"] - now))
            return Answer(200, USER)

        kit = ClientKit(responder=responder, sleep=time.sleep, clock=time.monotonic)
        barrier = threading.Barrier(4)
        results = []

        def work(number):
            barrier.wait(timeout=5)
            results.append(kit.client.get_resource("Users", "u-%d" % number))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert results == [USER] * 4
        # four threads slept through the same 0.3 s window: well under four windows
        assert kit.client.waited_seconds < 0.6

    def test_a_rate_limited_bulk_run_stays_near_the_floor(self):
        limit, period, total_requests, concurrency = 10, 0.25, 60, 8
        lock = threading.Lock()
        window = {"start": None, "used": 0, "limited": 0}

        def responder(sent):
            with lock:
                now = time.monotonic()
                if window["start"] is None or now >= window["start"] + period:
                    window["start"], window["used"] = now, 0
                reset = "%.3f" % max(0.001, window["start"] + period - now)
                if window["used"] >= limit:
                    window["limited"] += 1
                    return rate_limited(reset=reset)
                window["used"] += 1
                remaining = str(limit - window["used"])
            return Answer(
                200, USER, {"X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": reset}
            )

        kit = ClientKit(responder=responder, sleep=time.sleep, clock=time.monotonic, max_retries=20)
        todo = list(range(total_requests))
        todo_lock = threading.Lock()
        done = []

        def work():
            for _item in range(total_requests):
                with todo_lock:
                    if not todo:
                        return
                    number = todo.pop()
                done.append(kit.client.get_resource("Users", "u-%d" % number))

        started = time.monotonic()
        threads = [threading.Thread(target=work) for _worker in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        elapsed = time.monotonic() - started

        assert len(done) == total_requests
        floor = (total_requests / limit - 1) * period
        assert elapsed <= 1.2 * floor + 0.1
        # without the shared gate every idle thread would keep earning 429s each window
        assert window["limited"] <= concurrency * (total_requests // limit)


# ---------------------------------------------------------------- secrets


class TestSecrets:
    def test_no_key_in_errors_logs_warnings_or_reprs(self):
        echo = {"errors": ["key %s / %s is not allowed" % (APP_KEY, API_KEY)]}
        script = [
            Answer(429, echo, {"X-RateLimit-Reset": "61"}),
            Answer(503, echo),
            Answer(403, echo),
        ]
        kit = ClientKit(script, api_key=API_KEY)
        with pytest.raises(ScimError) as caught:
            kit.client.get_resource("Users", "u-1")
        error = caught.value

        outputs = [
            error.msg,
            str(error),
            repr(error),
            json.dumps(error.to_fail_kwargs()),
            repr(kit.client),
            repr(kit.client._auth),
        ]
        outputs += kit.recorder.logs + kit.recorder.warnings
        assert kit.recorder.warnings, "the 61 s wait should have been warned"
        for text in outputs:
            assert APP_KEY not in text
            assert API_KEY not in text
        assert "********" in error.server_message

    def test_no_key_in_a_lost_answer_message(self):
        failure = requests.exceptions.ConnectionError("peer said %s" % APP_KEY)
        kit = ClientKit([failure], max_retries=0)
        with pytest.raises(ScimError) as caught:
            kit.client.request("POST", "/Users", "create user", json={})
        assert APP_KEY not in caught.value.msg
