"""A callback of the benchmark: writes each task's result and duration to a JSON file.

The driver reads the module's own summary from it (what it created, the requests it counted)
and the time the task took inside ansible-playbook, apart from start-up and variable loading.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: bench_results
    type: aggregate
    short_description: Write task results and durations to the file named by SCIMOPS_BENCH_RESULTS
    description:
      - Used by the scimops.datadog benchmark only.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._task_started = None
        self._tasks = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_started = time.monotonic()

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("SCIMOPS_BENCH_RESULTS")
        if not path:
            return
        with open(path, "w", encoding="utf-8") as results_file:
            json.dump({"tasks": self._tasks}, results_file)

    def _record(self, result, status):
        seconds = None
        if self._task_started is not None:
            seconds = time.monotonic() - self._task_started
        # _dump_results turns the result into plain JSON (ansible 2.19 tags its values) and
        # leaves out the invocation, which would repeat every user of the export.
        self._tasks.append(
            {
                "task": result.task_name,
                "status": status,
                "seconds": seconds,
                "result": json.loads(self._dump_results(result.result)),
            }
        )
