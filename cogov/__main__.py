"""``python -m cogov`` is the ``cogov`` command (and ``python run.py``)."""

import sys

try:
    from cogov.model.ui.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting up: no traceback
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
