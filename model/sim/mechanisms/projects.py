"""Project procurement: tenders, contracts, deliverables and failures (项目制运作, Essay 2 §4).

Delegated money reaches NGOs through projects. For each buyer (a hub, or the
government department for its ``government_share``) and cell, a contract names
one NGO for ``length`` steps. With no contract running, the buyer tenders among
the cell's NGOs it may fund (not blacklisted, and not the one whose contract there
it just terminated for under-delivery: that NGO sits out the next tender, and only
that one). NGO j bids a promise of b_j = e_j·(1 + u_j) service units per
unit of money, with u_j = ``underbid`` for opportunists and 0 for honest NGOs;
the buyer picks the highest score

    S_j = w_p·b_j / max_k b_k + w_q·e_j / max_k e_k + w_c·credit_j,

w_p, w_q, w_c = ``price_weight``, ``quality_weight``, ``credit_weight``, credit_j the
buyer's view of the NGO's credit (its record with social credit on).

The default structure is Chengdu's 1+1+N [SGNM Essay 2 §4]: "under the supervision
and evaluation of one social organisation" (在1家社会组织的监督评估下) a hub recruits N
NGOs. The evaluator is that one independent social organisation, not a buyer: it
evaluates every buyer's contracts alike, and the government buys its evaluations
from the treasury (who pays is not in the source: an assumption). At the start of
each step it checks each running contract with probability ``evaluation`` (cost
``evaluation_cost`` per citizen of the contract's cell, paid in full or not made;
ledger use ``evaluation``); if the NGO delivered less than
``tolerance`` of its promise last step, the contract is terminated: a project
failure. Projects also meet friction: in each step of a contract the site
collapses with hazard

    h = ``failure_base`` + ``failure_risk``·r_c·(1 − s),

r_c the cell's conflict risk, s the buyer's borrowed support (hub_strategy; 0
otherwise), drawn per contract: a collapsed site delivers nothing that step (that
contract's money is lost; the NGO's other contracts go on), the contract ends as a
failure, and the buyer's site stays closed for ``retender`` steps (its money there
goes to direct provision). Contracts that reach their end complete. Disabled: money
is split among a cell's NGOs by capacity every step.
All values are assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..mechanism import Mechanism, metric


@metric("projects running", "count", 0)
def projects_active(m) -> int:
    """Project contracts running at the end of the step."""
    return m.projects.active


@metric("project failures", "count per step", 0)
def project_failures(m) -> int:
    """Project contracts ended as failures this step (collapsed sites, failed evaluations)."""
    return m.projects.failures


@dataclass
class Contract:
    """One project: a buyer pays one NGO for service in one cell until ``end``."""

    buyer: object
    cell: int
    ngo: object
    end: int


class Projects(Mechanism):
    """Tenders and contracts; phase :meth:`step` (settle); :meth:`award` tenders."""

    name = "projects"
    headline = ("ngo_default_rate", "project_failures", "projects_active")
    reads = ("scenario", "risk", "ngos", "government", "headcount", "hub_support", "ngo_credit",
             "t")
    writes = ("contracts",)
    metrics = (projects_active, project_failures)

    def __init__(self, params, risk: np.ndarray, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.risk = risk
        self.rng = rng
        self.contracts: dict[tuple, Contract] = {}  # (buyer id, cell) -> running contract
        self.closed_until: dict[tuple, int] = {}
        self.excluded: dict[tuple, object] = {}  # NGO not rehired after a failed contract
        self.failures = self.completed = self.awarded = 0
        self.t = 0
        self.support: dict = {}  # buyer -> share of conflict hazard its borrowed power removes
        self.credit_of = None

    @property
    def active(self) -> int:
        """Contracts running."""
        return len(self.contracts)

    def update(self, t: int, ngos, government, headcount: np.ndarray, support=None,
             credit_of=None) -> None:
        """Settle last step's projects (collapses, evaluations, expiry) before new money flows.

        ``headcount`` is citizens per cell (an evaluation costs ``evaluation_cost`` per
        citizen of the contract's cell); ``support[buyer]`` is a buyer's borrowed support
        (absent: 0); ``credit_of(buyer, ngo)`` its view of an NGO's credit (default: the
        NGO's own credit score).
        """
        self.failures = self.completed = self.awarded = 0
        self.t = t
        self.support = support or {}
        self.credit_of = credit_of
        if not self.enabled:
            return
        p = self.params
        alive = set(ngos)
        for key, k in list(self.contracts.items()):
            g = k.ngo
            if g not in alive:
                del self.contracts[key]
            elif k.buyer in g.collapsed:
                self._fail(key)
                self.closed_until[key] = t + p.retender - 1
            elif g.promised > 0 and self.rng.random() < p.evaluation and \
                    government.pay_all(p.evaluation_cost * headcount[k.cell], "evaluation") and \
                    g.service < p.tolerance * g.promised:
                self._fail(key)
                self.excluded[key] = g
            elif k.end < t:
                del self.contracts[key]
                self.completed += 1

    def _fail(self, key) -> None:
        del self.contracts[key]
        self.failures += 1

    def award(self, buyer, cell: int, candidates: list) -> list:
        """The NGO a buyer pays in a cell this step, as [(ngo, weight)] (tendering if needed)."""
        key = (buyer.unique_id, cell)
        if key in self.closed_until and self.closed_until[key] >= self.t:
            return []
        k = self.contracts.get(key)
        if k is None or k.ngo not in candidates:
            barred = self.excluded.pop(key, None)  # sits out this one tender only
            bidders = [g for g in candidates if g is not barred]
            if not bidders:
                self.contracts.pop(key, None)
                return []
            winner = self._tender(buyer, bidders)
            k = self.contracts[key] = Contract(buyer, cell, winner, self.t + self.params.length - 1)
            self.awarded += 1
        g = k.ngo
        p = self.params  # the hazard is per contract: only this buyer's site collapses
        shield = 1 - self.support.get(buyer, 0.0)
        hazard = p.failure_base + p.failure_risk * self.risk[cell] * shield
        if self.rng.random() < hazard:
            g.collapsed.add(buyer)
        return [(g, 1.0)]

    def _tender(self, buyer, bidders: list):
        """The bidder with the highest score (first on ties); sets its promise."""
        p = self.params
        for g in bidders:
            g.overpromise = p.underbid if g.opportunist else 0.0
        promise = np.array([g.efficiency * (1 + g.overpromise) for g in bidders])
        quality = np.array([g.efficiency for g in bidders])
        credit = np.array([self.credit_of(buyer, g) if self.credit_of else g.credit
                           for g in bidders])
        score = (p.price_weight * promise / promise.max() + p.quality_weight * quality / quality.max()
                 + p.credit_weight * credit)
        return bidders[int(np.argmax(score))]

    @classmethod
    def build(cls, ctx):
        unit = cls(ctx.scenario.mechanisms.projects, ctx.risk, ctx.stream("projects"))
        if unit.enabled:
            ctx.contracts = unit.award
        return unit

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        ctx.contracts = self.award if self.enabled else None

    def step(self, ctx) -> None:
        """Settle last step's projects (7.19); contracts decide whom buyers pay."""
        self.update(ctx.t, ctx.ngos, ctx.government, ctx.headcount, ctx.hub_support,
                    ctx.ngo_credit)


