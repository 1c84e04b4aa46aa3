"""Collective consultation (集体协商): union hubs negotiate collective contracts with firms.

A light enterprise layer held in arrays. Each district has
max(1, round(citizens / ``firm_size``)) firms and each citizen works for one of
its district's firms, drawn at random (Guangzhou 2015: 2.95M workers in 107,800
covered firms, 27.4 workers per firm [SGNM Essay 2 §2]). Firm f keeps its labour
obligations (wages paid on time, conditions) with compliance
c_f ~ clip(Normal(``compliance``, ``compliance_spread``), 0, 1).

Each step, under collaboration and with at least one hub (the union hub),
every uncovered firm signs a collective contract with probability ``rate``;
contracts last ``contract_length`` steps and are then renegotiated. One contract
covers ``firms_per_contract`` firms (Guangzhou: 24,100 contracts for 107,800
firms, 4.47), so signing costs ``negotiation_cost`` / ``firms_per_contract`` per
firm, paid from the treasury (ledger use ``negotiation``; firms beyond what the
treasury can pay stay uncovered). A covered firm's compliance rises to
c_f + (1 − c_f)·``improvement`` (wage clauses and the union's supervision).

Then each firm breaches its obligations this step with probability 1 − c_f
(or its covered value). Workers of a breaching firm lose income: their need
rises by a share ``hardship`` this step, and each opens a labour dispute with
probability ``dispute_rate``; labour disputes enter the mediation mechanism
(7.14) when it is on. Only disputes that can enter are counted: a worker who
already has one open, or is in jail (unrest), brings none. Under top-down
management no contracts are negotiated.
Firms sanctioned by credit-graded labour inspection (social credit with
``enterprises`` on) rectify through :meth:`rectify`.
Disabled: no firms, no breaches, no labour disputes. Values other than the
Guangzhou ratios are assumptions.
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism, metric


@metric("collective contract coverage", "share of workers", 0, 1)
def contract_coverage(m) -> float:
    """Share of workers in firms covered by a collective contract (0 when the mechanism is off)."""
    return m.bargaining.coverage


@metric("labour disputes", "count per step", 0)
def labour_disputes(m) -> int:
    """Labour disputes brought this step."""
    return m.bargaining.labour_disputes


@metric("labour disputes per 1,000 citizens", "per 1,000 citizens per step", 0)
def labour_disputes_per_1000(m) -> float:
    """Labour disputes brought this step, per 1,000 citizens (``labour_disputes`` scaled:
    the count grows with the population, this does not; issue 22)."""
    return 1000.0 * m.bargaining.labour_disputes / m.citizens.n


class CollectiveBargaining(Mechanism):
    """Firms, compliance and collective contracts; phase :meth:`step`, equations :meth:`update`."""

    name = "collective_bargaining"
    headline = ("contract_coverage", "labour_disputes")
    attribute = "bargaining"
    reads = ("scenario", "citizens", "hubs", "government", "open_disputes", "jailed", "t")
    writes = ("disputing", "bargaining", "firms", "citizens.need")
    metrics = (contract_coverage, labour_disputes, labour_disputes_per_1000)

    def __init__(self, params, collaboration: bool, district: np.ndarray, districts: int,
                 rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.collaboration = collaboration
        self.rng = rng
        self.coverage = 0.0
        self.labour_disputes = 0
        self.disputing = np.zeros(district.size, dtype=bool)
        self.breached = np.zeros(0, dtype=bool)  # per firm, this step
        if not self.enabled:
            return
        size = np.bincount(district, minlength=districts)
        per_district = np.maximum(1, np.rint(size / params.firm_size)).astype(np.int64)
        first = np.concatenate([[0], np.cumsum(per_district)[:-1]])
        self.firm_of = first[district] + (rng.random(district.size) * per_district[district]).astype(np.int64)
        firms = int(per_district.sum())
        self.firm_district = np.repeat(np.arange(districts), per_district)
        self.compliance = np.clip(rng.normal(params.compliance, params.compliance_spread, firms), 0, 1)
        self.covered_until = np.full(firms, np.iinfo(np.int64).min // 2)  # never covered yet

    @property
    def firms(self) -> int:
        """Number of firms (0 when disabled)."""
        return self.compliance.size if self.enabled else 0

    def update(self, t: int, need: np.ndarray, government, union: bool,
             barred: np.ndarray | None = None) -> None:
        """Negotiate, then draw breaches; raises breached workers' ``need`` in place.

        ``union`` says whether a union hub exists to negotiate; ``barred`` marks workers
        who cannot bring a new dispute (one already open, or jailed): their breach is
        not counted as a labour dispute.
        """
        self.labour_disputes = 0
        self.disputing[:] = False
        if not self.enabled:
            return
        p = self.params
        if self.collaboration and union:
            self._negotiate(t, government)
        covered = self.covered_until >= t
        comply = np.where(covered, self.compliance + (1 - self.compliance) * p.improvement,
                          self.compliance)
        self.breached = self.rng.random(comply.size) >= comply
        breach = self.breached[self.firm_of]
        need[breach] *= 1.0 + p.hardship
        self.disputing = breach & (self.rng.random(need.size) < p.dispute_rate)
        if barred is not None:
            self.disputing &= ~barred
        self.labour_disputes = int(self.disputing.sum())
        self.coverage = float(covered[self.firm_of].mean())

    def rectify(self, firms: np.ndarray, share: float) -> None:
        """Sanctioned firms close a share of their compliance gap for good (social credit)."""
        self.compliance[firms] += (1 - self.compliance[firms]) * share

    def associations(self, t: int) -> np.ndarray:
        """Per firm, the association whose credit record it shares (social credit, 7.16a):
        firms under collective contracts in a district form one (its district's index);
        -1 for uncovered firms."""
        return np.where(self.covered_until >= t, self.firm_district, -1)

    def _negotiate(self, t: int, government) -> None:
        p = self.params
        signing = np.flatnonzero((self.covered_until < t) & (self.rng.random(self.firms) < p.rate))
        if signing.size == 0:
            return
        per_firm = p.negotiation_cost / p.firms_per_contract
        signing = signing[:government.pay_each(per_firm, signing.size, "negotiation")]
        self.covered_until[signing] = t + p.contract_length - 1

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        unit = cls(s.mechanisms.collective_bargaining, s.governance.collaboration,
                   ctx.citizens.district, ctx.districts, ctx.stream("collective_bargaining"))
        unit.publish(ctx)
        return unit

    def reform(self, ctx, params) -> None:
        was = self.enabled
        super().reform(ctx, params)
        self.collaboration = ctx.scenario.governance.collaboration
        if self.switched_on(was):  # the firms, drawn now from this mechanism's stream
            self.__init__(params, self.collaboration, ctx.citizens.district, ctx.districts,
                          self.rng)
        if not self.enabled:
            ctx.disputing, ctx.bargaining = None, None
        self.publish(ctx)

    def publish(self, ctx) -> None:
        ctx.firms = self.firms
        if self.enabled:
            ctx.disputing, ctx.bargaining = self.disputing, self

    def step(self, ctx) -> None:
        """Negotiate and draw breaches (7.20); disputes only from workers free to bring one."""
        if not self.enabled:
            return
        barred = ctx.open_disputes | ctx.jailed
        self.update(ctx.t, ctx.citizens.need, ctx.government, union=bool(ctx.hubs),
                    barred=barred)
        self.publish(ctx)


