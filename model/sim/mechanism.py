"""The shape every mechanism shares (as an Axelrod strategy does): a name, declarations,
one ``step(ctx)``.

A mechanism is a class with

* ``name``: its key in the phase registry and, for a mechanism with parameters, its
  scenario section ``mechanisms.<name>``;
* ``reads`` / ``writes``: the fields of the step context it reads and writes (world fields,
  signals, and citizens' arrays written as ``citizens.<array>``); see
  :mod:`cogov.model.sim.context`;
* ``metrics``: the reporter functions of its metrics, each declared with :func:`metric`
  (label, unit, range) beside the code that computes it;
* ``build(ctx)``: a classmethod that makes it from the scenario and the world;
* ``step(ctx)``: its phase of the step, and optionally ``observe(ctx)``, which reads the
  state the previous step left before shocks and need drift change it.

:data:`cogov.model.sim.mechanisms.PHASES` lists the phases in the documented order; the
model's step is that loop and a collect. A plug-in mechanism (docs/plugins.md) has the same
shape and declares where it goes with ``after = "<phase name>"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple


class MetricInfo(NamedTuple):
    """A metric's label (panel title), unit (y label) and documented range."""

    label: str
    unit: str
    low: float
    high: float

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high); high is ``math.inf`` for an unbounded metric."""
        return (self.low, self.high)


def metric(label: str, unit: str, low: float, high: float = math.inf) -> Callable:
    """Declare a reporter function a metric: ``@metric("trust in NGOs", "index", 0, 1)``.

    The function takes the model and returns a number; its name is the column name.
    """
    def declare(fn: Callable) -> Callable:
        fn.info = MetricInfo(label, unit, float(low), float(high))
        return fn
    return declare


class Mechanism:
    """Base of every mechanism and of the model's own phases (see the module docstring)."""

    name: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    metrics: ClassVar[tuple[Callable, ...]] = ()
    after: ClassVar[str | None] = None  # plug-ins: the phase this one runs after
    # the metrics a figure shows first when a scenario switches this mechanism on, and the
    # key whose ``.enabled`` does (default ``mechanisms.<name>``)
    headline: ClassVar[tuple[str, ...]] = ()
    switch: ClassVar[str | None] = None
    attribute: ClassVar[str | None] = None  # the model attribute it is reachable by (m.<name>)

    @classmethod
    def build(cls, ctx) -> Mechanism:
        """Make the mechanism from ``ctx.scenario`` and the world (override)."""
        return cls()

    def observe(self, ctx) -> None:
        """Read the state the last step left, before shocks (optional)."""

    def step(self, ctx) -> None:  # pragma: no cover - every phase overrides it
        raise NotImplementedError

    def reform(self, ctx, params) -> None:
        """Take the scenario in force after a reform (``ctx.scenario``; ``params``: this
        mechanism's section of it, None for a phase without one). The default keeps the new
        ``params`` and ``enabled`` where the mechanism has them; a mechanism that derived
        values from the scenario at build re-derives them here, and one switched on for the
        first time builds then what it builds only when on (from its own stream: see
        :meth:`switched_on`)."""
        if params is not None and hasattr(self, "params"):
            self.params = params
            if hasattr(self, "enabled"):
                self.enabled = bool(params.enabled)

    def switched_on(self, was: bool) -> bool:
        """Whether a reform has just switched this mechanism on for the first time in the run
        (``was``: enabled before the reform); a mechanism built on, or on earlier, is not."""
        started = was or self.__dict__.get("_started", False)
        self._started = started or self.enabled
        return self.enabled and not started

    @classmethod
    def params_of(cls, scenario) -> Any:
        """This mechanism's section of the scenario, ``mechanisms.<name>``: for a plug-in, an
        instance of its ``Params`` with what the scenario sets."""
        if hasattr(cls, "Params") and not hasattr(scenario.mechanisms, cls.name):
            from ..scenario.schema import plugin_params

            return plugin_params(cls, scenario)
        return getattr(scenario.mechanisms, cls.name)
