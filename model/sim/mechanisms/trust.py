"""Trust: each trust learns, asymmetrically, from the experience it is about.

Per citizen i and step, with need n_i, need met r_i, NGO service taken up D_i and
the part of i's need the NGOs serving it took on (committed, taken up) K_i:

* trust in NGOs learns from the NGOs' record: X_ngo,i = D_i / K_i, the share of
  what they took on that they delivered (1 for an honest NGO, 1 - shirk for an
  opportunist, 0 for a collapsed project); only citizens with K_i > 0.
* trust in government learns from government's own service and from its share
  α (``attribution``) of what it commissioned from NGOs:
      X_gov,i = min(1, (r_i - D_i + α D_i) / (n_i - (1 - α) K_i)),
  i.e. its performance on the part of the need it is held responsible for: all of
  the need except (1 - α) of what NGOs took on. α = 1 gives X_gov = S_i
  (government answers for everything), α = 0 leaves NGOs' work out entirely.
  Without NGO service X_gov = S_i.

    T_i <- clip(T_i + λ_i (X_i - T_i) + ω (T̄_N(i) - T_i), 0, 1),
    λ_i = rate if X_i >= T_i else min(1, rate · negativity)

T̄_N(i) is the mean over network neighbours, weighted by tie strength with
``network.weights: true`` (Σ_j w_ij T_j / Σ_j w_ij, weighted DeGroot averaging). ``negativity`` > 1 makes trust "hard
to build, easy to lose" [Slovic1993]; citizens blame government for contracted
services too, though less than for its own [Marvel2016] (the value of α is an
assumption). Trust gates collaboration through g(T) = min(1, T / basis):
citizens' uptake of NGO service and hubs' fund-raising scale with it (DIGEST,
"trust basis"). Disabled: trust stays at its initial values (the gate still
applies). ``gates_collaboration: off`` is a counterfactual: uptake and fund-raising
as if g = 1 (the model skips the gate there; co-production keeps it).
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism
from ..network import neighbour_mean
from ..population import share_out

TINY = 1e-12  # a responsibility smaller than this is no responsibility


def learn(trust, satisfaction, rate: float, negativity: float, loss=None):
    """Experience term λ (S - T) with the loss-weighted rate; ``loss`` (per citizen, ≥ 1,
    default 1) multiplies the rate of losses further (government bodies' credit, 7.16a)."""
    gap = satisfaction - trust
    down = min(1.0, rate * negativity) if loss is None else np.minimum(1.0, rate * negativity * loss)
    lam = np.where(gap >= 0, rate, down)
    return lam * gap


def experiences(satisfaction, need, ngo_received, ngo_committed, attribution: float):
    """(X_gov, X_ngo, NGO-served mask): what each trust learns from this step.

    In shares of need: X_gov = (S - (1-α)D/n) / (1 - (1-α)K/n), capped at 1; NaN where
    government is responsible for nothing (only possible with α = 0 and NGOs taking on
    all the need). X_ngo = D/K is meaningful where the mask is True (the citizen took
    up service NGOs had committed).
    """
    a = attribution
    responsible = 1.0 - (1.0 - a) * np.divide(ngo_committed, need, out=np.zeros(need.size),
                                              where=need > 0)
    credited = satisfaction - (1.0 - a) * np.divide(ngo_received, need,
                                                    out=np.zeros(need.size), where=need > 0)
    x_gov = np.divide(credited, responsible, out=np.full(need.size, np.nan),
                      where=responsible > TINY)
    served = ngo_committed > TINY
    x_ngo = np.divide(ngo_received, ngo_committed, out=np.zeros(need.size), where=served)
    return np.minimum(x_gov, 1.0), np.minimum(x_ngo, 1.0), served


class TrustDynamics(Mechanism):
    """Updates ``trust_gov`` and ``trust_ngo`` in place; see :meth:`step`, :meth:`update`."""

    name = "trust"
    reads = ("scenario", "citizens", "weights", "strength", "ngos", "headcount", "uptake",
             "cell_need", "ordinary", "trust_loss", "ngo_credit")
    writes = ("citizens.trust_gov", "citizens.trust_ngo", "ngos")

    def __init__(self, params):
        self.params = params
        self.enabled = params.enabled

    def update(self, state, adj, deg, ngo_received=None, ngo_committed=None,
             gov_loss=None) -> None:
        """One trust update for every citizen; ``adj`` and ``deg`` are the tie weights and
        strengths (the adjacency and degrees when every tie weighs 1).

        ``ngo_received`` is NGO service taken up this step (D_i) and ``ngo_committed``
        the part of the citizen's need its NGOs took on, taken up (K_i); both default
        to none (no NGO service). ``gov_loss`` (per citizen, default 1) multiplies the
        rate at which trust in government falls: departments with a record of missed
        commitments lose trust faster (government bodies' credit, 7.16a).
        """
        if not self.enabled:
            return
        p = self.params
        none = np.zeros(state.n)
        x_gov, x_ngo, served = experiences(
            state.satisfaction, state.need, none if ngo_received is None else ngo_received,
            none if ngo_committed is None else ngo_committed, p.attribution)
        t = state.trust_gov
        experience = np.where(np.isnan(x_gov), 0.0,
                              learn(t, np.nan_to_num(x_gov), p.rate, p.negativity, gov_loss))
        social = p.social * (neighbour_mean(adj, t, deg) - t)
        state.trust_gov = np.clip(t + experience + social, 0, 1)
        t = state.trust_ngo
        experience = np.where(served, learn(t, x_ngo, p.rate, p.negativity), 0.0)
        social = p.social * (neighbour_mean(adj, t, deg) - t)
        state.trust_ngo = np.clip(t + experience + social, 0, 1)

    @classmethod
    def build(cls, ctx):
        return cls(ctx.scenario.mechanisms.trust)

    def step(self, ctx) -> None:
        """NGO credit from uptake (when social credit is off), then trust (7.4)."""
        if ctx.ngo_credit is None:
            rate_ngos(ctx)
        c = ctx.citizens
        # neighbours weigh by tie strength (the degree's plain mean unless network.weights)
        self.update(c, ctx.weights, ctx.strength, *ngo_commitments(ctx), ctx.trust_loss)


def rate_ngos(ctx) -> None:
    """NGO credit from the share of offered service citizens in its cell took up (used
    when social credit is off, 7.4)."""
    if not ctx.ngos:
        return
    c, cells, uptake = ctx.citizens, ctx.cells, ctx.uptake
    offered = np.bincount(c.cell, weights=c.service_ngo, minlength=cells)
    taken = np.bincount(c.cell, weights=c.service_ngo * uptake, minlength=cells)
    for ngo in ctx.ngos:
        if ngo.service > 0 and offered[ngo.cell] > 0:
            ngo.update_credit(taken[ngo.cell] / offered[ngo.cell])


def ngo_commitments(ctx) -> tuple:
    """NGO service each citizen took up (D_i) and the part of its need the NGOs of its
    cell had taken on, taken up alike (K_i; shared out like service, 7.6), or (None, None)
    without NGOs: what trust learns from (7.4)."""
    if not ctx.ngos:
        return None, None
    c, need = ctx.citizens, ctx.ordinary
    committed = np.zeros(ctx.cell_need.size)
    for ngo in ctx.ngos:
        committed[ngo.cell] += ngo.committed
    k = share_out(c.need if need is None else need, c.cell, ctx.cell_need, committed)
    return ctx.uptake * c.service_ngo, ctx.uptake * k
