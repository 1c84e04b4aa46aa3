#!/usr/bin/env python3
"""cogov command line. ``python run.py --help`` lists the commands."""

import sys

from cogov.model.ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
