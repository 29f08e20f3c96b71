"""``python -m datadog_scim_emulator``: run the emulator until interrupted."""

import sys

from .cli import main

sys.exit(main())
