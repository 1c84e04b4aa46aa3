"""Trust: asymmetric learning from experience plus social influence.

For trust in government T (and likewise trust in NGOs, where the citizen was
offered NGO service this step):

    T_i <- clip(T_i + λ_i (S_i - T_i) + ω (T̄_N(i) - T_i), 0, 1),
    λ_i = rate if S_i >= T_i else min(1, rate · negativity)

S_i is satisfaction, T̄_N(i) the mean over network neighbours. ``negativity`` > 1
makes trust "hard to build, easy to lose" (Slovic 1993). Trust gates
collaboration through g(T) = min(1, T / basis): citizens' uptake of NGO service
and hubs' fund-raising scale with it (DIGEST, "trust basis"). Disabled: trust
stays at its initial values (the gate still applies).
"""

from __future__ import annotations

import numpy as np

from ..network import neighbour_mean


def gate(trust: np.ndarray | float, basis: float):
    """Trust basis g(T) = min(1, T / basis): collaboration needs enough trust."""
    return np.minimum(1.0, np.asarray(trust) / basis)


def learn(trust, satisfaction, rate: float, negativity: float):
    """Experience term λ (S - T) with the loss-weighted rate."""
    gap = satisfaction - trust
    lam = np.where(gap >= 0, rate, min(1.0, rate * negativity))
    return lam * gap


class TrustDynamics:
    """Updates ``trust_gov`` and ``trust_ngo`` in place; entry point :meth:`step`."""

    def __init__(self, params):
        self.params = params
        self.enabled = params.enabled

    def step(self, state, adj, deg) -> None:
        """One trust update for every citizen."""
        if not self.enabled:
            return
        p = self.params
        t = state.trust_gov
        social = p.social * (neighbour_mean(adj, t, deg) - t)
        state.trust_gov = np.clip(
            t + learn(t, state.satisfaction, p.rate, p.negativity) + social, 0, 1
        )
        t = state.trust_ngo
        served = state.service_ngo > 0
        experience = np.where(served, learn(t, state.satisfaction, p.rate, p.negativity), 0.0)
        social = p.social * (neighbour_mean(adj, t, deg) - t)
        state.trust_ngo = np.clip(t + experience + social, 0, 1)
