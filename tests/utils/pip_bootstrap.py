# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test bootstraps pip in its virtual environments with a script it fetches from its own
file host. Where only the package registry is reachable, this file takes that script's place in
ansible-test's cache: it runs the pip wheel bundled with CPython's ensurepip and installs what
ansible-test asked for (the pinned pip) from the configured package index.
"""

from __future__ import annotations

import glob
import os
import runpy
import sys

# Options that only the real bootstrap script understands.
BOOTSTRAP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main():
    import ensurepip

    bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    wheels = sorted(glob.glob(os.path.join(bundled, "pip-*.whl")))
    if not wheels:
        sys.exit("pip bootstrap: no pip wheel bundled with this Python")
    sys.path.insert(0, wheels[-1])

    arguments = [arg for arg in sys.argv[1:] if arg not in BOOTSTRAP_ONLY_OPTIONS]
    sys.argv = ["pip", "install"] + arguments
    runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
