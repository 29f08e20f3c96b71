# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # What each attribute means. Use it with MODULE or INFO_MODULE, which say how far a
    # module supports each one; a module's own attributes section wins over both.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description:
      - Can run in check mode, where no write request is sent and the result says what would
        change.
  diff_mode:
    description:
      - In diff mode, returns the attributes the task manages before and after the change.
  idempotent:
    description:
      - Run twice in a row with the same arguments (and nothing else changing the directory in
        between), the second run changes nothing and reports no change.
"""

    # For modules that change users or groups.
    MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""

    # For modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module only reads, and runs the same way in check mode.
  diff_mode:
    support: N/A
    details:
      - This module only reads.
  idempotent:
    support: full
    details:
      - This module only reads.
"""

    ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description:
      - Use C(group/scimops.datadog.datadog_scim) in C(module_defaults) to set the connection
        options once for every module of this collection.
    support: full
    membership:
      - scimops.datadog.datadog_scim
"""
