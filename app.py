"""The Solara app, for ``solara run app.py`` from a checkout; ``cogov app`` runs the same page.

The app itself is :mod:`cogov.model.ui.app` (shipped in the package).
"""

from cogov.model.ui.app import page

__all__ = ["page"]
