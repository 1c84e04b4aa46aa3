#!/usr/bin/env python3
"""cogov command line. ``python run.py --help`` lists the commands."""

import sys

try:
    from cogov.model.ui.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting up: no traceback
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
