"""``python -m cogov`` is the ``cogov`` command (and ``python run.py``)."""

import sys

from cogov.model.ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
