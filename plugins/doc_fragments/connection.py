# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The connection options that every module of the collection takes.
    DOCUMENTATION = r"""
options:
  site:
    description:
      - The Datadog site the organization is on, for example V(datadoghq.eu), V(us5.datadoghq.com)
        or V(ddog-gov.com).
      - The SCIM root URL is C(https://api.<site>/api/v2/scim).
      - Ignored when O(api_url) is set.
      - If not set, the value of the E(DD_SITE) environment variable is used.
    type: str
    default: datadoghq.com
  api_url:
    description:
      - The full SCIM root URL, for example C(https://api.datadoghq.eu/api/v2/scim). It wins over
        O(site).
      - Use it for a proxy, a local emulator, or any other SCIM 2.0 service.
      - Must use C(https), except for a loopback host (C(127.0.0.0/8), C(::1), C(localhost)),
        where plain C(http) is accepted. Credentials in the URL are refused.
      - If not set, the value of the E(DD_SCIM_URL) environment variable is used, then
        E(DD_SCIM_BASE_URL).
    type: str
  app_key:
    description:
      - The Datadog application key the requests are made with.
      - "Sent as C(Authorization: Bearer <app_key>), or as the C(DD-APPLICATION-KEY) header when
        O(api_key) is set."
      - Use the key of a service account. A key owned by a person is revoked when that person
        is offboarded, and provisioning stops working with it.
      - The key's owner needs the permissions C(user_access_invite) and C(user_access_manage).
      - If not set, the value of the E(DD_APP_KEY) environment variable is used, then
        E(DATADOG_APP_KEY), then E(DD_BEARER_TOKEN).
    type: str
    required: true
  api_key:
    description:
      - A Datadog API key. When set, requests carry the C(DD-API-KEY) and C(DD-APPLICATION-KEY)
        headers instead of the C(Authorization) header.
      - If not set, the value of the E(DD_API_KEY) environment variable is used, then
        E(DATADOG_API_KEY).
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the server.
      - Set to V(false) only for a test server you trust.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle file to verify the server certificate with, instead of the system one.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request, for connecting and for each read.
    type: float
    default: 30
  max_retries:
    description:
      - How many times a request is retried after an answer with status 429, a 5xx answer or a
        connection error. V(0) turns retrying off.
      - A 429 answer waits for the time in its C(X-RateLimit-Reset) header, then its
        C(Retry-After) header; other retries wait an exponential back-off with jitter.
      - GET, PUT, PATCH and DELETE requests are retried after 5xx answers and connection errors.
        A create request (POST) whose answer is a 5xx or is lost is not repeated blindly; the
        object is looked up first, and only if it does not exist is the request sent again.
    type: int
    default: 5
  max_wait:
    description:
      - The total seconds the task may spend waiting on back-off and rate limits. A wait that
        would go over it fails the task instead.
      - A single wait longer than a minute is reported as a warning.
    type: float
    default: 300
requirements:
  - requests
notes:
  - The keys are never written to results, diffs, warnings, logs or error messages.
  - When several threads of one task send requests (as M(scimops.datadog.datadog_scim_sync)
    does), a rate-limited answer makes all of them wait for the window to reset, and they also
    pause when the C(X-RateLimit-Remaining) header reaches V(0).
  - Below verbosity 3 (C(-vvv)), a list option of more than 100 entries, such as the users of an
    HR export, appears in the returned C(invocation) as a count, not in full. Echoing thousands
    of entries back costs Ansible seconds per run, and its callbacks show C(invocation) only
    from C(-vvv) on, where the options are echoed in full.
"""
