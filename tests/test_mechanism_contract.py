"""The mechanism contract, checked for every phase (the Axelrod TestPlayer idea).

From the declarations alone: every phase has a unique name, reads and writes only fields
the step context has, every shared signal has exactly one writer and it is the one
:data:`SIGNALS` names, every metric is declared (label, unit, range), and headline metrics
are real columns. From a run with every mechanism on: each phase reads only what it
declares and changes only what it declares (signals, and citizens' arrays), observed by
recording its accesses to the context and comparing the state before and after it.
"""

import dataclasses

import numpy as np
import pytest

from cogov.model import GovernanceModel, Scenario
from cogov.model.sim.context import DERIVED, SIGNALS, WORLD, StepContext
from cogov.model.sim.mechanisms import PHASES, Mechanism
from cogov.model.sim.population import CitizenState
from cogov.model.sim.reporters import METRICS, declared

CITIZEN_ARRAYS = {f"citizens.{f.name}" for f in dataclasses.fields(CitizenState)}
MUTABLE_WORLD = {"needs", "government", "ngos", "hubs"}  # objects a phase may act on
KNOWN = set(WORLD) | set(SIGNALS) | set(DERIVED) | CITIZEN_ARRAYS


def test_every_phase_has_the_shape():
    names = [p.name for p in PHASES]
    assert len(set(names)) == len(names), "phase names are unique"
    for phase in PHASES:
        assert issubclass(phase, Mechanism) and phase.name
        assert callable(phase.build) and phase.step is not Mechanism.step, phase.name
        # "x.attr": acting on the object behind a world field or signal (its books)
        unknown = {k for k in set(phase.reads) | set(phase.writes)
                   if k not in KNOWN and k.split(".")[0] not in set(SIGNALS) | set(WORLD)}
        assert not unknown, f"{phase.name} declares fields the context has not: {unknown}"
        for fn in phase.metrics:
            assert fn.info.label and fn.info.low <= fn.info.high, fn.__name__
        assert set(phase.headline) <= set(METRICS), phase.name


def test_every_signal_has_one_writer_the_declared_one():
    for signal, (writer, meaning) in SIGNALS.items():
        writers = [p.name for p in PHASES if signal in p.writes]
        assert writers == [writer], f"{signal}: written by {writers}, declared {writer}"
        assert meaning
    fields = {f.name for f in dataclasses.fields(StepContext)}
    assert set(SIGNALS) | set(WORLD) <= fields | {"stream", "units"}


def test_every_metric_is_declared_beside_its_code():
    found = declared()
    assert set(found) == set(METRICS)
    for name, fn in found.items():
        assert fn.__name__ == name and fn.info.unit is not None


# ------------------------------------------------------------- observed in a run
EVERYTHING = {
    "population.citizens": 400, "population.districts": 4, "organizations.ngos": 12,
    "warmup": 3, "steps": 8, "governance.collaboration": True, "governance.adaptation": True,
    "mechanisms.resources.sharing.enabled": True,
    **{f"mechanisms.{m}.enabled": True for m in (
        "opinion", "unrest", "early_warning", "mediation", "incubation", "credit",
        "hub_strategy", "projects", "collective_bargaining", "emergency", "interests", "law",
        "public_security")},
    "mechanisms.credit.enterprises": True, "mechanisms.credit.rewards.enabled": True,
    "mechanisms.credit.citizens.enabled": True, "mechanisms.credit.government.enabled": True,
    "mechanisms.credit.association.enabled": True, "mechanisms.credit.budget": 0.05,
    "shocks": [{"step": 2, "kind": "relocation", "size": 0.5, "over": 2},
               {"step": 3, "kind": "incident", "size": 0.3, "over": 2}],
}


class Recorder:
    """The context as one phase sees it: every attribute it reads is noted."""

    def __init__(self, ctx, seen: set):
        object.__setattr__(self, "_ctx", ctx)
        object.__setattr__(self, "_seen", seen)

    def __getattr__(self, name):
        self._seen.add(name)
        return getattr(self._ctx, name)

    def __setattr__(self, name, value):
        setattr(self._ctx, name, value)


def _snapshot(ctx) -> dict:
    state = {}
    for name in SIGNALS:
        value = getattr(ctx, name)
        state[name] = (id(value), value.copy() if isinstance(value, np.ndarray) else value)
    for f in dataclasses.fields(CitizenState):
        value = getattr(ctx.citizens, f.name)
        state[f"citizens.{f.name}"] = (id(value), None if value is None else value.copy())
    return state


def _changed(before: dict, after: dict) -> set:
    out = set()
    for key, (ident, value) in before.items():
        ident2, value2 = after[key]
        if isinstance(value, np.ndarray) and isinstance(value2, np.ndarray):
            if ident != ident2 or value.shape != value2.shape or not np.array_equal(
                    value, value2, equal_nan=value.dtype.kind == "f"):
                out.add(key)
        elif isinstance(value, dict | list | tuple) or callable(value):
            if ident != ident2:
                out.add(key)
        elif (value is None) != (value2 is None) or (value is not None and value != value2):
            out.add(key)
    return out


@pytest.fixture(scope="module")
def observed():
    model = GovernanceModel(Scenario().replace(**EVERYTHING), seed=5)
    ctx = model.ctx
    reads: dict[str, set] = {p.name: set() for p in model.phases}
    writes: dict[str, set] = {p.name: set() for p in model.phases}
    for _ in range(model.scenario.steps):
        ctx.t = model.steps + 1
        model.ledger.new_step()
        for phase in model.phases:
            before = _snapshot(ctx)
            phase.observe(Recorder(ctx, reads[phase.name]))
            assert not _changed(before, _snapshot(ctx)), f"{phase.name}.observe changed state"
        for phase in model.phases:
            before = _snapshot(ctx)
            phase.step(Recorder(ctx, reads[phase.name]))
            writes[phase.name] |= _changed(before, _snapshot(ctx))
        model.steps += 1
        model.datacollector.collect(model)
    return model, reads, writes


def test_a_phase_reads_only_what_it_declares(observed):
    _, reads, _ = observed
    for phase in PHASES:
        allowed = set(phase.reads) | set(phase.writes)
        extra = set()
        for name in reads[phase.name] - allowed:
            deps = DERIVED.get(name)
            # a derived view (legitimacy, shares...) is fine when what it reads is declared
            if deps is None or not set(deps) <= allowed | {"scenario", "citizens", "headcount"}:
                extra.add(name)
        assert not extra, f"{phase.name} reads {extra} without declaring it"


def test_a_phase_changes_only_what_it_declares(observed):
    _, _, writes = observed
    for phase in PHASES:
        extra = writes[phase.name] - set(phase.writes)
        assert not extra, f"{phase.name} changes {extra} without declaring it"


def test_every_signal_is_written_in_a_run_with_everything_on(observed):
    """The run above exercises the contract: each signal changes at least once, and only
    its writer changes it."""
    _, _, writes = observed
    written = {s for w in writes.values() for s in w if s in SIGNALS}
    quiet = {"held", "budget"} & (set(SIGNALS) - written)  # may repeat a value
    assert set(SIGNALS) - written - quiet <= {"opinion", "firms", "inspection", "bargaining",
                                              "disputing", "joint_mediation", "hub_support",
                                              "hub_gather", "delegation", "ngo_credit",
                                              "ngo_eligible", "contracts", "served"}
    for phase, changed in writes.items():
        for signal in changed & set(SIGNALS):
            assert SIGNALS[signal][0] == phase, (signal, phase)
    model = observed[0]
    df = model.datacollector.get_model_vars_dataframe()
    assert np.isfinite(df["ledger_error"]).all() and df["ledger_error"].max() < 1e-9
