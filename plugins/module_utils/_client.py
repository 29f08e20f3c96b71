# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module is internal to the scimops.datadog collection and is not a public API.
# Its names and behaviour may change in any release without notice.

"""HTTP client for Datadog's SCIM 2.0 API (and any other SCIM 2.0 service).

It owns everything that touches the wire: URLs, authentication headers, retries,
rate limits, paging, SCIM filters and the translation of failed answers into
``ScimError``.
"""

from __future__ import annotations

import datetime
import email.utils
import ipaddress
import json
import random as random_module
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None


SCIM_JSON = "application/scim+json"
PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
REDACTED = "********"

PAGE_SIZE = 100
# 10,000 pages of 100 is a million objects: far past any directory this collection is made
# for, yet small enough that a server that never ends a list cannot keep a task running forever.
MAX_PAGES = 10000

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
LONG_WAIT = 60.0
# Statuses that say "try again later" without saying the request was refused for good.
TRANSIENT_STATUSES = frozenset((408, 500, 502, 503, 504))
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
SINGULAR_KIND = {"Users": "user", "Groups": "group"}

_KIND_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_ATTRIBUTE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_$:.\-]*$")
_HOST_LABEL_PATTERN = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_TAG_PATTERN = re.compile(r"<[^>]*>")
_SERVER_TEXT_LIMIT = 300

# Datadog refuses /Groups until Datadog support enables team provisioning for the
# organization. Neither the status nor the wording is documented, so the answer is known by
# its words; a 404 on the collection itself means the server has no groups at all.
_TEAMS_DISABLED_PATTERN = re.compile(
    r"\b(teams?|groups?)\b.*\b(not\s+(been\s+)?(enabled|activated|available)|disabled)\b",
    re.IGNORECASE,
)
TEAMS_DISABLED_MESSAGE = (
    "Team provisioning through SCIM is not enabled for this Datadog organization, so its "
    "groups (teams) cannot be read or changed; ask Datadog support to enable it. Users can "
    "be managed in the meantime."
)


class ScimError(Exception):
    """A SCIM request that did not succeed, described for a human and for fail_json.

    The engine may fill ``changed`` and ``details`` with what the task had already done
    before the failure, so that the failed task still reports it.
    """

    def __init__(
        self,
        msg,
        operation=None,
        path=None,
        url=None,
        status=None,
        server_message=None,
        method=None,
        outcome_unknown=False,
    ):
        super().__init__(msg)
        self.msg = msg
        self.operation = operation
        self.path = path
        self.url = url
        self.status = status
        self.server_message = server_message
        self.method = method
        # True when a write may have reached the server although no answer came back.
        self.outcome_unknown = outcome_unknown
        self.changed = False
        self.details = {}

    def __str__(self):
        return self.msg

    def to_fail_kwargs(self):
        return {
            "msg": self.msg,
            "http_status": self.status,
            "http_url": self.url,
            "operation": self.operation,
            "server_message": self.server_message,
        }


class ScimOptionError(ValueError):
    """An option value that cannot work, found before any request is sent."""

    def __init__(self, msg, option=None):
        super().__init__(msg)
        self.msg = msg
        self.option = option
        # The same progress slots as ScimError, for a check that fails halfway through a plan.
        self.changed = False
        self.details = {}


class ScimResponse:
    """One successful answer: status, parsed JSON body (or None) and headers."""

    __slots__ = ("status", "body", "headers", "after_lost_answer", "from_lookup")

    def __init__(self, status, body, headers, after_lost_answer=False, from_lookup=False):
        self.status = status
        self.body = body
        self.headers = headers
        # An earlier attempt of the same request may have been applied without an answer.
        self.after_lost_answer = after_lost_answer
        # The body is what a lookup found after a lost create answer, not the server's answer.
        self.from_lookup = from_lookup

    def __repr__(self):
        return "ScimResponse(status=%r)" % (self.status,)


def scrub_secrets(text, secrets):
    """Replace every occurrence of each secret in text; the last line of defence for keys."""
    if not isinstance(text, str):
        return text
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _is_loopback(hostname):
    host = hostname.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_hostname(value):
    labels = value.rstrip(".").split(".")
    if len(value) > 253 or len(labels) < 2:
        return False
    return all(_HOST_LABEL_PATTERN.match(label) for label in labels)


def build_base_url(site, api_url):
    """Return the SCIM root URL without a trailing slash.

    ``api_url`` wins over ``site``. Raises ScimOptionError (a ValueError) naming the option
    when the value cannot be used: not a hostname, a scheme other than http/https, no host,
    embedded credentials, a query or fragment, or plain http to a host that is not loopback.
    """
    if api_url is not None and str(api_url).strip():
        option = "api_url"
        url = str(api_url).strip()
    else:
        option = "site"
        site = "" if site is None else str(site).strip()
        if not _is_hostname(site):
            raise ScimOptionError(
                "site must be a Datadog site host name such as datadoghq.com or datadoghq.eu, "
                "got %r; use api_url for a full URL." % (site,),
                option="site",
            )
        url = "https://api.%s/api/v2/scim" % site.rstrip(".").lower()

    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - parsing the port is what validates it
    except ValueError:
        raise ScimOptionError(
            "%s is not a valid URL, got %r." % (option, url), option=option
        ) from None

    if parts.username is not None or parts.password is not None:
        # The value itself is not repeated: it holds a credential.
        raise ScimOptionError(
            "%s must not contain credentials (user:password@host); "
            "pass the key in app_key instead." % option,
            option=option,
        )
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ScimOptionError(
            "%s must be an http or https URL, got %r." % (option, url), option=option
        )
    if not hostname:
        raise ScimOptionError("%s has no host name, got %r." % (option, url), option=option)
    if parts.query or parts.fragment:
        raise ScimOptionError(
            "%s must be the SCIM root URL, without a query or fragment, got %r." % (option, url),
            option=option,
        )
    if scheme == "http" and not _is_loopback(hostname):
        raise ScimOptionError(
            "%s must use https: keys are sent over plain http only to a loopback host "
            "(127.0.0.0/8, ::1, localhost), got %r." % (option, url),
            option=option,
        )
    return url.rstrip("/")


def scim_filter_eq(attribute, value):
    """Build ``attribute eq "value"`` with the value escaped as a JSON string.

    RFC 7644 section 3.4.2.2 takes filter values as JSON literals, so JSON escaping makes
    quotes, backslashes and control characters safe inside the quoted value.
    """
    if not isinstance(attribute, str) or not _ATTRIBUTE_PATTERN.match(attribute):
        raise ValueError("%r is not a SCIM attribute path." % (attribute,))
    if value is not None and not isinstance(value, (str, bool, int, float)):
        raise TypeError("A SCIM filter value must be a string, number, boolean or None.")
    return "%s eq %s" % (attribute, json.dumps(value, ensure_ascii=False))


def _seconds_values(value):
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        pieces = [value]
    else:
        pieces = str(value).split(",")
    seconds = []
    for piece in pieces:
        try:
            number = float(piece.strip() if isinstance(piece, str) else piece)
        except ValueError:
            continue
        # NaN fails both comparisons, so it is dropped with negatives and infinity.
        if 0 <= number < float("inf"):
            seconds.append(number)
    return seconds


def parse_rate_limit_reset(value):
    """Seconds until the rate-limit window resets, from ``X-RateLimit-Reset``.

    Datadog has been seen sending the header twice, joined as ``"7, 7"``; the longest of
    the values is the safe one to wait for. Anything unreadable gives None.
    """
    seconds = _seconds_values(value)
    return max(seconds) if seconds else None


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header: delay seconds or an HTTP-date."""
    if value is None:
        return None
    seconds = _seconds_values(value)
    if seconds:
        return max(seconds)
    try:
        moment = email.utils.parsedate_to_datetime(str(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        # HTTP dates are always GMT; a naive result only means the zone name was odd.
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    timestamp = moment.timestamp()
    if now is None:
        now = time.time()
    return max(0.0, timestamp - now)


def _server_text(text):
    text = _TAG_PATTERN.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > _SERVER_TEXT_LIMIT:
        text = text[: _SERVER_TEXT_LIMIT - 3].rstrip() + "..."
    return text or None


def _error_entry_text(entry):
    if isinstance(entry, str):
        return entry.strip()
    if isinstance(entry, dict):
        for key in ("detail", "title", "message"):
            if isinstance(entry.get(key), str) and entry[key].strip():
                return entry[key].strip()
    return None


def extract_server_message(body, text):
    """The server's own explanation, whichever error body it uses.

    Datadog documents ``{"errors": ["..."]}`` (entries may also be objects with ``detail``
    or ``title``); SCIM servers send the RFC 7644 error schema with ``detail`` and
    ``scimType``; proxies send short text or HTML.
    """
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            parts = [_error_entry_text(entry) for entry in errors]
            joined = "; ".join(part for part in parts if part)
            if joined:
                return _server_text(joined)
        detail = body.get("detail")
        scim_type = body.get("scimType")
        if isinstance(detail, str) and detail.strip():
            if isinstance(scim_type, str) and scim_type:
                return _server_text("%s (scimType %s)" % (detail.strip(), scim_type))
            return _server_text(detail)
        if isinstance(scim_type, str) and scim_type:
            return "scimType %s" % scim_type
        for key in ("message", "error"):
            if isinstance(body.get(key), str) and body[key].strip():
                return _server_text(body[key])
        return None
    if text:
        return _server_text(text)
    return None


def _parse_json(content):
    """The parsed JSON of a body, or (None, text) when it is empty or not JSON."""
    if not content or not content.strip():
        return None, ""
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    try:
        return json.loads(text), text
    except ValueError:
        return None, text


class _KeyAuth:
    """Puts the key headers on each prepared request.

    An auth object, rather than session headers, keeps the keys out of the session and
    stops requests from replacing them with credentials from a ``.netrc`` file.
    """

    def __init__(self, app_key, api_key):
        self._app_key = app_key
        self._api_key = api_key

    def __call__(self, prepared_request):
        if self._api_key:
            prepared_request.headers.pop("Authorization", None)
            prepared_request.headers["DD-API-KEY"] = self._api_key
            prepared_request.headers["DD-APPLICATION-KEY"] = self._app_key
        else:
            prepared_request.headers["Authorization"] = "Bearer %s" % self._app_key
        return prepared_request

    def __repr__(self):
        return "_KeyAuth(style=%r)" % ("api_key" if self._api_key else "bearer")


class _Attempt:
    """The outcome of sending a request once, before the retry decision."""

    __slots__ = ("response", "status", "body", "text", "failure")

    def __init__(self, response=None, body=None, text="", failure=None):
        self.response = response
        self.status = response.status_code if response is not None else None
        self.body = body
        self.text = text
        # Description of a connection error or timeout when no answer arrived.
        self.failure = failure


class _Listing:
    """The resources of a paged list, each id once, in the order the pages gave them."""

    def __init__(self):
        self.resources = []
        self.seen_ids = set()

    def take(self, page, start_index, total):
        """Adds a page read at start_index; returns the next start index, None at the end."""
        for resource in page:
            resource_id = resource.get("id") if isinstance(resource, dict) else None
            if resource_id is not None:
                if resource_id in self.seen_ids:
                    continue
                self.seen_ids.add(resource_id)
            self.resources.append(resource)
        if not page:
            return None
        start_index += len(page)
        if total is not None and start_index > total:
            return None
        return start_index


class ScimClient:
    """A thread-safe SCIM client over one pooled ``requests`` session.

    The retry loop is written out here instead of configured through urllib3's ``Retry``:
    Retry cannot wait for ``X-RateLimit-Reset``, share one rate-limit gate between threads,
    keep a total wait budget, or look a resource up before repeating a POST whose answer
    was lost. Pooling, TLS and connection handling stay with requests and urllib3.
    """

    def __init__(
        self,
        base_url,
        app_key,
        api_key=None,
        validate_certs=True,
        ca_path=None,
        timeout=30.0,
        max_retries=5,
        max_wait=300.0,
        log=None,
        warn=None,
        pool_size=16,
        session=None,
        sleep=time.sleep,
        clock=time.monotonic,
        random=random_module.random,
    ):
        if not HAS_REQUESTS:
            raise RuntimeError("The Python library requests is required by ScimClient.")
        self.base_url = base_url.rstrip("/")
        self._secrets = tuple(key for key in (app_key, api_key) if key)
        self._auth = _KeyAuth(app_key, api_key)
        self._verify = ca_path if ca_path else bool(validate_certs)
        self._timeout = float(timeout)
        self._max_retries = max(0, int(max_retries))
        self._max_wait = max(0.0, float(max_wait))
        self._log = log
        self._warn = warn
        self._sleep = sleep
        self._clock = clock
        self._random = random
        self._headers = {
            "Accept": "%s, application/json" % SCIM_JSON,
            "User-Agent": "scimops.datadog (ansible-core/%s; python-requests/%s)"
            % (ANSIBLE_VERSION, requests.__version__),
        }
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, int(pool_size)))
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self._session = session

        self._lock = threading.Lock()
        self._request_count = 0
        self._write_count = 0
        # Rate gate: no thread sends before this clock value.
        self._gate_until = 0.0
        self._gate_status = None
        # Wait budget, counted as wall time covered by waits, so that eight threads waiting
        # out the same rate-limit window spend it once, not eight times.
        self._waited = 0.0
        self._wait_horizon = 0.0

    def __repr__(self):
        return "ScimClient(base_url=%r)" % (self.base_url,)

    @property
    def request_count(self):
        with self._lock:
            return self._request_count

    @property
    def write_count(self):
        with self._lock:
            return self._write_count

    @property
    def waited_seconds(self):
        with self._lock:
            return self._waited

    # ----------------------------------------------------------------- resource calls

    def get_resource(self, kind, resource_id, operation=None):
        path = self.resource_path(kind, resource_id)
        operation = operation or "get %s" % _singular(kind)
        response = self.request("GET", path, operation, ok=(200,), missing_ok=True)
        if response.status == 404:
            return None
        return response.body

    def list_resources(self, kind, filter=None, operation=None, parallel=1):
        """Every resource of a kind (or those matching filter), in the server's order.

        The next startIndex moves by the number of resources each page actually held, so
        servers that cap the page size or return short pages are read to the end; ids
        already seen are skipped, so a list that shifts between pages yields each object
        once.

        With ``parallel`` above 1, the pages after the first are read that many at a time,
        at the start indexes the first page's size predicts. Each page is then taken in
        order only while the pages before it were full; from the first short page on, the
        walk goes on one page at a time from where that page really ended, so an uneven
        server costs extra reads, never a missed object.
        """
        path = self.collection_path(kind)
        operation = operation or "list %s" % kind.lower()
        listing = _Listing()

        def read_page(start_index):
            params = {"startIndex": start_index, "count": PAGE_SIZE}
            if filter:
                params["filter"] = filter
            body = self.request("GET", path, operation, params=params, ok=(200,)).body or {}
            page = body.get("Resources") or []
            if not isinstance(page, list):
                raise self._error(
                    "Could not %s: GET %s answered a list whose Resources is not a list."
                    % (operation, path),
                    operation,
                    path,
                    "GET",
                )
            total = body.get("totalResults")
            if not isinstance(total, int) or isinstance(total, bool):
                total = None
            return page, total

        start_index = 1
        pages_read = 0
        if parallel > 1:
            page, total = read_page(start_index)
            pages_read += 1
            start_index = listing.take(page, start_index, total)
            if start_index is not None and total is not None:
                size = len(page)
                starts = list(range(start_index, total + 1, size))[: MAX_PAGES - 1]
                with ThreadPoolExecutor(max_workers=min(parallel, len(starts) or 1)) as pool:
                    pages = list(pool.map(read_page, starts))
                pages_read += len(starts)
                for predicted, (page, total) in zip(starts, pages):
                    if predicted != start_index:
                        break
                    start_index = listing.take(page, start_index, total)
                    if start_index is None or len(page) < size:
                        break

        while start_index is not None and pages_read < MAX_PAGES:
            page, total = read_page(start_index)
            pages_read += 1
            start_index = listing.take(page, start_index, total)

        if start_index is None:
            return listing.resources
        raise self._error(
            "Could not %s: GET %s was still returning pages after %d pages; stopped so that "
            "an endless list cannot keep the task running." % (operation, path, MAX_PAGES),
            operation,
            path,
            "GET",
        )

    def create_resource(self, kind, payload, find_existing, operation=None):
        """POST a new resource and return it.

        When the answer is a 5xx or is lost, the server may have created the resource, so
        ``find_existing()`` is asked first; only when it finds nothing is the POST sent
        again, within the retry budget.
        """
        path = self.collection_path(kind)
        operation = operation or "create %s" % _singular(kind)
        response = self.request(
            "POST", path, operation, json=payload, ok=(200, 201), find_existing=find_existing
        )
        if response.body is None:
            # Created without a body: the caller needs the id, and the lookup has it.
            return find_existing() or {}
        return response.body

    def replace_resource(self, kind, resource_id, payload, operation=None):
        path = self.resource_path(kind, resource_id)
        operation = operation or "replace %s" % _singular(kind)
        return self.request("PUT", path, operation, json=payload, ok=(200,)).body

    def patch_resource(self, kind, resource_id, operations, operation=None):
        path = self.resource_path(kind, resource_id)
        operation = operation or "update %s" % _singular(kind)
        payload = {"schemas": [PATCH_OP_SCHEMA], "Operations": list(operations)}
        return self.request("PATCH", path, operation, json=payload, ok=(200, 204)).body

    def delete_resource(self, kind, resource_id, operation=None):
        """True when deleted, False when it was already gone (404)."""
        path = self.resource_path(kind, resource_id)
        operation = operation or "delete %s" % _singular(kind)
        response = self.request("DELETE", path, operation, ok=(200, 204), missing_ok=True)
        # A 404 right after a lost answer most likely means that attempt did the delete.
        return response.status != 404 or response.after_lost_answer

    # ----------------------------------------------------------------- paths

    def collection_path(self, kind):
        if not isinstance(kind, str) or not _KIND_PATTERN.match(kind):
            raise ValueError("%r is not a SCIM resource type endpoint." % (kind,))
        return "/%s" % kind

    def resource_path(self, kind, resource_id):
        if resource_id is None or str(resource_id) == "":
            raise ValueError("A %s id must not be empty." % _singular(kind))
        return "%s/%s" % (self.collection_path(kind), quote(str(resource_id), safe=""))

    # ----------------------------------------------------------------- requests

    def request(
        self,
        method,
        path,
        operation,
        json=None,
        params=None,
        ok=(200, 201, 204),
        missing_ok=False,
        find_existing=None,
    ):
        """Send one logical request, retrying as the rules allow, and return ScimResponse.

        ``path`` is relative to the SCIM root. A 404 with ``missing_ok`` is returned, not
        raised. A POST is repeated after a 429 only; after a 5xx or a lost answer it raises
        a ScimError with ``outcome_unknown`` unless ``find_existing`` is given (see
        create_resource).
        """
        method = method.upper()
        url = self.base_url + path
        after_lost_answer = False

        for retry in range(self._max_retries + 1):
            self._pass_gate(method, path, operation)
            attempt = self._send(method, url, json, params)

            if attempt.status is not None:
                self._note_rate_limit(attempt, method, path, operation)
                missing = attempt.status == 404 and missing_ok
                missing = missing and not _teams_disabled(path, attempt)
                if attempt.status in ok or missing:
                    return self._success(attempt, method, path, operation, after_lost_answer)
                if attempt.status != 429 and attempt.status not in TRANSIENT_STATUSES:
                    raise self._http_error(attempt, method, path, operation)

            unknown = attempt.status is None or attempt.status in TRANSIENT_STATUSES
            if method == "POST" and unknown:
                found = self._settle_lost_create(attempt, method, path, operation, find_existing)
                if found is not None:
                    return ScimResponse(200, found, {}, after_lost_answer=True, from_lookup=True)
            if method != "GET" and unknown:
                after_lost_answer = True

            if retry >= self._max_retries:
                raise self._exhausted_error(attempt, method, path, operation)
            self._wait_before_retry(attempt, method, path, operation, retry)

        raise AssertionError("unreachable: the retry loop always returns or raises")

    def _send(self, method, url, json_body, params):
        with self._lock:
            self._request_count += 1
            if method in WRITE_METHODS:
                self._write_count += 1
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers=self._headers,
                auth=self._auth,
                timeout=self._timeout,
                verify=self._verify,
                # A redirect could carry the key headers to another host.
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise self._error(
                "Could not reach %s: TLS verification failed (%s). Set ca_path to the CA "
                "bundle that signs the server certificate." % (url, _exception_text(exc)),
                None,
                url[len(self.base_url) :],
                method,
                url=url,
            ) from None
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            return _Attempt(failure=_exception_text(exc))
        except requests.exceptions.RequestException as exc:
            raise self._error(
                "Could not send %s %s: %s." % (method, url, _exception_text(exc)),
                None,
                url[len(self.base_url) :],
                method,
                url=url,
            ) from None
        body, text = _parse_json(response.content)
        return _Attempt(response=response, body=body, text=text)

    def _success(self, attempt, method, path, operation, after_lost_answer):
        body = attempt.body
        if attempt.status == 404 or attempt.status == 204:
            body = None
        elif body is None and attempt.text.strip():
            raise self._error(
                "Could not %s: %s %s answered HTTP %d with a body that is not JSON: %s"
                % (operation, method, path, attempt.status, _server_text(attempt.text)),
                operation,
                path,
                method,
                status=attempt.status,
            )
        elif body is not None and not isinstance(body, dict):
            raise self._error(
                "Could not %s: %s %s answered HTTP %d with JSON that is not an object."
                % (operation, method, path, attempt.status),
                operation,
                path,
                method,
                status=attempt.status,
            )
        return ScimResponse(
            attempt.status, body, attempt.response.headers, after_lost_answer=after_lost_answer
        )

    def _settle_lost_create(self, attempt, method, path, operation, find_existing):
        """After a POST with an unknown outcome: the resource the server made, or None."""
        if find_existing is None:
            raise self._exhausted_error(
                attempt,
                method,
                path,
                operation,
                suffix="the server may have done it, so the request was not repeated",
                outcome_unknown=True,
            )
        self._emit_log(
            "%s: %s %s %s; looking the resource up before sending it again."
            % (operation, method, path, _outcome(attempt))
        )
        found = find_existing()
        if found is not None:
            self._emit_log(
                "%s: the resource exists after all (id %s); not sending it again."
                % (operation, found.get("id") if isinstance(found, dict) else None)
            )
        return found

    def _wait_before_retry(self, attempt, method, path, operation, retry):
        delay, source = _server_delay(attempt)
        if not delay:
            delay, source = self.backoff_delay(retry), "back-off"
        message = "%s: %s %s %s; retry %d of %d in %.1f s (%s)." % (
            operation,
            method,
            path,
            _outcome(attempt),
            retry + 1,
            self._max_retries,
            delay,
            source,
        )
        if source == "back-off":
            self._wait(delay, method, path, operation, attempt.status, message)
        else:
            # _note_rate_limit has closed the gate; the next pass through it does the wait.
            self._emit_log(message)

    def backoff_delay(self, retry):
        """Equal-jitter exponential back-off: between half and all of min(cap, base * 2^n)."""
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** min(retry, 32)))
        return ceiling / 2.0 + self._random() * ceiling / 2.0

    # ----------------------------------------------------------------- rate gate

    def _close_gate(self, seconds, status):
        """Hold every thread for seconds; True when the gate was open until now."""
        with self._lock:
            now = self._clock()
            was_open = self._gate_until <= now
            if now + seconds > self._gate_until:
                self._gate_until = now + seconds
                self._gate_status = status
        return was_open

    def _note_rate_limit(self, attempt, method, path, operation):
        """Close the gate when the server asks for a wait or says no requests are left.

        Closing it for every thread, not only the one that got the answer, keeps the
        others from spending the window on answers that can only be 429.
        """
        delay, source = _server_delay(attempt)
        if delay:
            if self._close_gate(delay, attempt.status) and delay > LONG_WAIT:
                self._emit_warn(
                    "%s: %s %s %s; every request waits %.0f s (%s)."
                    % (operation, method, path, _outcome(attempt), delay, source)
                )
            return

        headers = attempt.response.headers
        remaining = _seconds_values(headers.get("X-RateLimit-Remaining"))
        if not remaining or min(remaining) > 0:
            return
        reset = parse_rate_limit_reset(headers.get("X-RateLimit-Reset")) or 0.0
        if reset <= 0:
            return
        if self._close_gate(reset, None):
            message = "%s: rate limit reached; holding requests for %.1f s until it resets." % (
                operation,
                reset,
            )
            self._emit_log(message)
            if reset > LONG_WAIT:
                self._emit_warn(message)

    def _pass_gate(self, method, path, operation):
        # Bounded: each pass sleeps until the gate time it saw; other threads can push the
        # gate further only until the wait budget runs out, which raises.
        for _pass in range(1000):
            with self._lock:
                remaining = self._gate_until - self._clock()
                status = self._gate_status
            if remaining <= 0:
                return
            self._wait(
                remaining,
                method,
                path,
                operation,
                status,
                "%s: waiting %.1f s for the rate limit to reset." % (operation, remaining),
            )

    def _wait(self, seconds, method, path, operation, status, message=None):
        """Sleep, charging the wait budget; fail instead when the budget would be exceeded."""
        with self._lock:
            now = self._clock()
            end = now + seconds
            charge = max(0.0, end - max(now, self._wait_horizon))
            waited = self._waited
            exceeded = waited + charge > self._max_wait
            if not exceeded:
                self._waited += charge
                self._wait_horizon = max(self._wait_horizon, end)

        if exceeded:
            cause = "after HTTP %d" % status if status else "for the rate limit to reset"
            raise self._error(
                "Gave up on %s (%s %s) %s: waiting %.1f s more would exceed max_wait of %g s "
                "(already waited %.1f s)."
                % (operation, method, path, cause, seconds, self._max_wait, waited),
                operation,
                path,
                method,
                status=status,
            )
        if message:
            self._emit_log(message)
        self._sleep(seconds)

    # ----------------------------------------------------------------- errors and logs

    def _http_error(self, attempt, method, path, operation, suffix=None):
        server_message = extract_server_message(attempt.body, attempt.text)
        msg = "Could not %s: %s %s %s" % (operation, method, path, _outcome(attempt))
        if suffix:
            msg += "; " + suffix
        msg += "."
        if _teams_disabled(path, attempt):
            msg = "%s (%s)" % (TEAMS_DISABLED_MESSAGE, msg.rstrip("."))
        elif attempt.status in (401, 403):
            msg += (
                " Check that app_key is a valid application key for this site (or api_url) "
                "and that its owner has the permissions user_access_invite and "
                "user_access_manage."
            )
        return self._error(
            msg, operation, path, method, status=attempt.status, server_message=server_message
        )

    def _exhausted_error(
        self, attempt, method, path, operation, suffix=None, outcome_unknown=False
    ):
        if suffix is None:
            suffix = (
                "gave up after %d retries" % self._max_retries
                if self._max_retries
                else "retries are off (max_retries=0)"
            )
        error = self._http_error(attempt, method, path, operation, suffix=suffix)
        error.outcome_unknown = outcome_unknown or (
            method in WRITE_METHODS
            and (attempt.status is None or attempt.status in TRANSIENT_STATUSES)
        )
        return error

    def _error(self, msg, operation, path, method, url=None, status=None, server_message=None):
        if url is None and path is not None:
            url = self.base_url + path
        return ScimError(
            self.scrub(msg),
            operation=operation,
            path=path,
            url=url,
            status=status,
            server_message=self.scrub(server_message),
            method=method,
        )

    def scrub(self, text):
        return scrub_secrets(text, self._secrets)

    def _emit_log(self, message):
        if self._log is not None:
            self._log(self.scrub(message))

    def _emit_warn(self, message):
        if self._warn is not None:
            self._warn(self.scrub(message))


def _singular(kind):
    return SINGULAR_KIND.get(kind, str(kind).lower())


def _server_delay(attempt):
    """The wait the server asked for, as (seconds or None, header name)."""
    if attempt.response is None:
        return None, None
    headers = attempt.response.headers
    if attempt.status == 429:
        reset = parse_rate_limit_reset(headers.get("X-RateLimit-Reset"))
        if reset:
            return reset, "X-RateLimit-Reset"
    if attempt.status == 429 or attempt.status in TRANSIENT_STATUSES:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if retry_after:
            return retry_after, "Retry-After"
    return None, None


def _teams_disabled(path, attempt):
    """Whether an answer on /Groups says that the organization has no team provisioning."""
    if not (path or "").startswith("/Groups") or attempt.status not in (400, 403, 404):
        return False
    server_message = extract_server_message(attempt.body, attempt.text)
    if server_message and _TEAMS_DISABLED_PATTERN.search(server_message):
        return True
    return attempt.status == 404 and path == "/Groups"


def _exception_text(exc):
    return "%s: %s" % (type(exc).__name__, exc)


def _outcome(attempt):
    if attempt.status is None:
        return "got no answer (%s)" % attempt.failure
    server_message = extract_server_message(attempt.body, attempt.text)
    reason = ""
    if attempt.response is not None and attempt.response.reason:
        reason = " %s" % attempt.response.reason
    if server_message:
        return "answered HTTP %d%s: %s" % (attempt.status, reason, server_message)
    return "answered HTTP %d%s" % (attempt.status, reason)
