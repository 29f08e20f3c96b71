# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes every task result of a run to a JSON file, for the reliability tests to read.

The results are the ones any other callback receives (after no_log censoring), so a test
that reads them sees what a user's registered variables and callbacks see. After each task
it also notes how long the emulator's request log is, so that a test can tell which
requests a given task sent.
"""

from __future__ import annotations

import json
import os
import urllib.request

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: reliability_results
type: aggregate
short_description: task results and request log marks for the reliability tests
description:
  - Writes the result of every task to the file named by E(RELIABILITY_RESULTS_FILE).
  - When E(RELIABILITY_REQUESTS_URL) is set, records the length of that request log after
    each task.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "reliability_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._results_file = os.environ.get("RELIABILITY_RESULTS_FILE")
        self._requests_url = os.environ.get("RELIABILITY_REQUESTS_URL")
        self._tasks = []

    def _log_length(self):
        if not self._requests_url:
            return None
        with urllib.request.urlopen(self._requests_url, timeout=30) as answer:
            return len(json.loads(answer.read().decode("utf-8")))

    def _record(self, outcome, result):
        self._tasks.append(
            {
                "name": result.task_name,
                "host": result._host.get_name(),
                "outcome": outcome,
                "result": result._result,
                "log_length": self._log_length(),
            }
        )

    def v2_runner_on_ok(self, result, **kwargs):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        if self._results_file:
            with open(self._results_file, "w", encoding="utf-8") as results:
                json.dump(self._tasks, results, default=str)
