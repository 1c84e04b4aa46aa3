"""Hub dynamics: gathering, borrowing and avoiding resistance (聚力、借力、避力, Essay 2 §3).

Each hub h splits its effort over three forces, e_h = (e_g, e_b, e_a), Σ e = 1,
starting from ``gather : borrow : avoid`` (normalised). Returns are concave and
equal to 1 at the even split: m_k = (3·e_k)^α, α = ``returns``.

* **Gathering** (聚力): the hub organises its own system into a platform that
  attracts outside money. Its matching ratio and the social money it can reach
  both scale with m_g: raised = min(μ·m_g·grant·g, room, γ·m_g·N_f·g) (7.6).
* **Borrowing** (借力): the hub borrows government departments' administrative
  power and takes over transferred functions. It handles a larger share of its
  field's money, δ_c = min(1, δ·m̄_b), and its projects meet less friction: their
  failure hazard from local conflict risk is cut by s = min(1, ``support``·m_b)
  (mechanisms.projects). With mediation on, the joint mechanisms also staff
  people's mediation: its capacity is multiplied by m̄_b, the mean over all hubs.
* **Avoiding resistance** (避力): the hub withholds projects from conflict-prone
  cells, those with risk r_c > 1 − min(1, ``screen``·m̄_a); the government then
  provides there directly (a cost in coverage).

m̄ is the mean over the field's hubs. Adaptive collaboration (自适应协同,
``governance.adaptation`` on) shifts effort toward the force whose shortfall the
hub saw last step, e ← (1 − η)·e + η·(ε + σ)/Σ(ε + σ), η = ``adapt_rate``,
ε = ``floor``, with shortfalls in shares of the hub's money (grant + social funds):
σ_g = what its projects still lacked after both, σ_b = the share of its field's
money in NGO-served cells that was not delegated, σ_a = money lost in collapsed
projects. Otherwise effort stays at the initial split.
Disabled: δ_c = δ, m_g = 1, no support, no screening. All values are assumptions.
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism

GATHER, BORROW, AVOID = 0, 1, 2


class HubStrategy(Mechanism):
    """Hubs' effort over the three forces; phase :meth:`step`, equations :meth:`update`."""

    name = "hub_strategy"
    headline = ("hub_funds_raised", "hub_reach", "project_failures")
    reads = ("scenario", "hubs", "ngos", "delivery_books", "risk")
    writes = ("hub_gather", "hub_support", "joint_mediation", "delegation")

    def __init__(self, params, adaptation: bool, fields: int):
        self.params = params
        self.enabled = params.enabled
        self.adaptation = adaptation
        self.fields = fields
        mix = np.array([params.gather, params.borrow, params.avoid], dtype=float)
        self.initial = mix / mix.sum()
        self.effort: dict[int, np.ndarray] = {}

    def effort_of(self, hub) -> np.ndarray:
        """The hub's effort split (gather, borrow, avoid)."""
        return self.effort.setdefault(hub.unique_id, self.initial.copy())

    def multipliers(self, hub) -> np.ndarray:
        """m_k = (3·e_k)^α for the three forces."""
        return (3.0 * self.effort_of(hub)) ** self.params.returns

    def gather(self, hubs) -> dict | None:
        """Fund-raising multiplier m_g per hub (None when disabled)."""
        if not self.enabled:
            return None
        return {h: float(self.multipliers(h)[GATHER]) for h in hubs}

    def support(self, hubs) -> dict:
        """Share of conflict-risk hazard each hub's borrowed power removes from its projects
        (empty when disabled: nobody's projects are supported)."""
        if not self.enabled:
            return {}
        return {h: min(1.0, self.params.support * float(self.multipliers(h)[BORROW])) for h in hubs}

    def joint_mediation(self, hubs) -> float:
        """People's-mediation capacity multiplier from borrowed departments' staff (mean m_b)."""
        if not self.enabled or not hubs:
            return 1.0
        return float(np.mean([self.multipliers(h)[BORROW] for h in hubs]))

    def delegation(self, base: float, risk: np.ndarray, hubs) -> np.ndarray | float:
        """Delegated share per cell: borrowing widens it, avoiding screens risky cells out."""
        if not self.enabled:
            return base
        out = np.full(risk.size, base)
        field_of_cell = np.arange(risk.size) % self.fields
        for f in range(self.fields):
            field_hubs = [h for h in hubs if h.field == f]
            if not field_hubs:
                continue
            m = np.mean([self.multipliers(h) for h in field_hubs], axis=0)
            cutoff = 1.0 - min(1.0, self.params.screen * m[AVOID])
            cells = field_of_cell == f
            out[cells] = np.where(risk[cells] > cutoff, 0.0, min(1.0, base * m[BORROW]))
        return out

    def update(self, hubs, ngos, planned: np.ndarray, delegated: np.ndarray,
             served: np.ndarray) -> None:
        """Adaptive hubs shift effort from what they saw last step.

        ``planned``, ``delegated`` (money per cell) and ``served`` (cells with NGOs) are
        last step's; NGOs still carry last step's funders and collapse flags.
        """
        if not (self.enabled and self.adaptation):
            return
        p = self.params
        field_of_cell = np.arange(planned.size) % self.fields
        for hub in hubs:
            money = hub.grant + hub.raised
            if money <= 0:
                continue  # no projects last step: nothing observed
            cells = (field_of_cell == hub.field) & served
            reachable = float(planned[cells].sum())
            lost = sum(g.funders.get(hub, 0.0) for g in ngos if hub in g.collapsed)
            shortfall = np.array([
                max(0.0, hub.room - hub.raised) / money,
                max(0.0, 1.0 - float(delegated[cells].sum()) / reachable) if reachable > 0 else 0.0,
                lost / money,
            ])
            weight = p.floor + shortfall
            if weight.sum() <= 0:
                continue  # floor 0 and no shortfall: nothing to move toward
            target = weight / weight.sum()
            self.effort[hub.unique_id] = (1 - p.adapt_rate) * self.effort_of(hub) + p.adapt_rate * target

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        return cls(s.mechanisms.hub_strategy, s.governance.adaptation, ctx.fields)

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        self.adaptation = ctx.scenario.governance.adaptation
        mix = np.array([params.gather, params.borrow, params.avoid], dtype=float)
        self.initial = mix / mix.sum()  # for hubs that have not chosen yet

    def step(self, ctx) -> None:
        """Hubs adapt their strategy to last step's delivery; publish what it does to
        fund-raising, projects, mediation and delegation (7.18)."""
        hubs = ctx.hubs
        self.update(hubs, ctx.ngos, *ctx.delivery_books)
        ctx.hub_gather = self.gather(hubs)
        ctx.hub_support = self.support(hubs)
        ctx.joint_mediation = self.joint_mediation(hubs)
        ctx.delegation = self.delegation(ctx.scenario.mechanisms.resources.delegation,
                                         ctx.risk, hubs)
