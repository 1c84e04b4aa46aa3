"""Citizen state held as arrays: one entry per citizen, updated vectorised.

``Citizen`` agents (agents/citizen.py) are thin views on these arrays, so
Mesa idioms work while population updates never loop over citizens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def lognormal_unit(rng: np.random.Generator, sigma: float, size: int) -> np.ndarray:
    """Log-normal multipliers with mean exactly 1 in expectation: exp(sigma*z - sigma^2/2)."""
    return np.exp(sigma * rng.standard_normal(size) - 0.5 * sigma**2)


@dataclass
class CitizenState:
    """All per-citizen arrays. Index i is citizen i (node i of the network)."""

    district: np.ndarray  # int32, planning district
    field: np.ndarray  # int16, field of service the citizen needs
    cell: np.ndarray  # int32, district * fields + field: the planning unit
    base_need: np.ndarray  # need before cell multipliers (individual variation)
    need: np.ndarray  # current need per step
    trust_gov: np.ndarray
    trust_ngo: np.ndarray
    strategy: np.ndarray  # 1.0 = contributes to co-production, 0.0 = does not
    payoff: np.ndarray  # last co-production payoff (money units)
    service_gov: np.ndarray  # service delivered directly by government this step
    service_ngo: np.ndarray  # NGO service offered this step (before uptake)
    service_coprod: np.ndarray  # co-produced service received this step
    received: np.ndarray  # need met this step (all sources, capped at need)
    satisfaction: np.ndarray  # received / need, in [0, 1]
    grievance: np.ndarray  # hardship x (1 - legitimacy) + dispute pressure, in [0, 1]
    compensation: np.ndarray = field(default=None)  # relocation compensation this step (cash)
    opinion: np.ndarray = field(default=None)  # opinion of government (set by the opinion mechanism)
    attention: np.ndarray = field(default=None)  # 0 not engaged, 1 engaged, 2 bored

    @property
    def n(self) -> int:
        """Number of citizens."""
        return self.need.size


def make_population(scenario, districts: np.ndarray, rng: np.random.Generator) -> CitizenState:
    """Draw fields, individual needs and initial trust for every citizen."""
    pop = scenario.population
    n = districts.size
    fields = pop.need.fields
    field = rng.integers(0, fields, size=n).astype(np.int16)
    cell = (districts.astype(np.int32) * fields + field).astype(np.int32)
    base = pop.need.mean * lognormal_unit(rng, pop.need.individual, n)
    spread = pop.initial_trust.spread
    trust_gov = np.clip(pop.initial_trust.government + spread * rng.standard_normal(n), 0, 1)
    trust_ngo = np.clip(pop.initial_trust.ngo + spread * rng.standard_normal(n), 0, 1)
    zeros = lambda: np.zeros(n)  # noqa: E731
    # Citizens arrive with satisfaction equal to their trust in government (their past
    # experience; an assumption), so grievance at step 1 is not computed from "no service".
    return CitizenState(
        district=districts.astype(np.int32),
        field=field,
        cell=cell,
        base_need=base,
        need=base.copy(),
        trust_gov=trust_gov,
        trust_ngo=trust_ngo,
        strategy=zeros(),
        payoff=zeros(),
        service_gov=zeros(),
        service_ngo=zeros(),
        service_coprod=zeros(),
        received=zeros(),
        satisfaction=trust_gov.copy(),
        grievance=zeros(),
    )


def set_initial(state: CitizenState, arrays: dict[str, np.ndarray]) -> None:
    """Replace drawn initial values with given ones (a network file's node attributes,
    docs/model.md section 6), after every draw: the random streams are consumed as
    without them. What is derived at set-up follows: need from base need, satisfaction
    from trust in government (citizens arrive with satisfaction equal to their trust)."""
    for name, values in arrays.items():
        setattr(state, name, np.asarray(values, dtype=np.float64).copy())
    if "base_need" in arrays:
        state.need = state.base_need.copy()
    if "trust_gov" in arrays:
        state.satisfaction = state.trust_gov.copy()


def grievance(state: CitizenState, dispute_pressure: np.ndarray, weight: float,
              legitimacy: np.ndarray | None = None) -> np.ndarray:
    """G_i = clip((1 - S_i)(1 - L_i) + weight * pressure_i, 0, 1) (Epstein 2002: hardship x
    illegitimacy; unresolved disputes add to it), L_i = T_gov,i unless ``legitimacy`` is
    given (law-based governance, 7.22)."""
    legit = state.trust_gov if legitimacy is None else legitimacy
    base = (1.0 - state.satisfaction) * (1.0 - legit)
    return np.clip(base + weight * dispute_pressure, 0.0, 1.0)


def settle(state: CitizenState, uptake: np.ndarray) -> None:
    """Combine this step's services into need met and satisfaction.

    received_i = min(need_i, gov_i + uptake_i * ngo_i + coprod_i + compensation_i);
    S_i = received_i / need_i
    """
    total = state.service_gov + uptake * state.service_ngo + state.service_coprod
    if state.compensation is not None and state.compensation.any():
        total += state.compensation
    np.minimum(state.need, total, out=state.received)
    np.divide(state.received, state.need, out=state.satisfaction)


def _ratio(a: float, b: float) -> float:
    """a / b, NaN when b is 0 or so small (subnormal) that the ratio overflows."""
    with np.errstate(over="ignore"):
        r = a / b if b > 0 else math.nan
    return r if math.isfinite(r) else math.nan


def gate(trust: np.ndarray | float, basis: float):
    """Trust basis g(T) = min(1, T / basis): collaboration needs enough trust."""
    return np.minimum(1.0, np.asarray(trust) / basis)


def share_out(state_need, cell, cell_need, cell_service):
    """Per-citizen service: need_i · min(1, service_c / need_c)."""
    ratio = np.divide(cell_service, cell_need, out=np.zeros_like(cell_service), where=cell_need > 0)
    return state_need * np.minimum(1.0, ratio)[cell]
