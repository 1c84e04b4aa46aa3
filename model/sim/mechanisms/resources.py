"""Resources and service delivery: who spends the budget, and how much need it meets.

The treasury left after incentive payments, B', is split over cells by the plan:
m_c = a_c · B'. Then:

* collaboration off: the government provides everything directly,
  service_c = e_gov · m_c.
* collaboration on: in cells where NGOs of the cell's field work, a share
  ``delegation`` of m_c is delegated. Delegated money of a field with a hub goes
  to the hub as a grant; the hub raises social funds
  min(match_ratio · grant · g(T̄_f), need-room_f, social_capacity · N_f · g(T̄_f)),
  with T̄_f the mean trust in NGOs among the N_f citizens of its field and
  need-room_f what the field's projects still lack after the grant (the money
  that would meet all need in its NGO-served cells; both caps are assumptions:
  hubs raise funds for projects, and society's purse is finite); it keeps ``overhead`` of
  what it holds, and pays the rest to its member NGOs in each cell in proportion
  to that cell's grant; fields without a hub are bought by the government itself
  with the same overhead and no social funds. Inside a cell NGOs share the money
  by capacity and deliver service_j = e_j · money_j. The rest of m_c is provided
  directly.

Resource integration and sharing (``sharing.enabled``; 资源整合共享, Essay 2 §4):
a hub pools facilities, information, people and money for its n member NGOs, so
each delivers e_j·(1 + gain·(1 − 1/n)) per unit of money (the gain saturates as
partners are added), while the hub pays a coordination cost cost·N_h·n^exponent per
step, N_h the citizens it serves (its share of its field's citizens): ``cost`` is money per
citizen served and partner^exponent, so the cost keeps its weight against budgets that are
per capita (exponent > 1: each partnership costs more the more there are). It is paid in
full or not at all; unpaid, the members get no pooled resources that step. Gain and
cost together give the number of partners an optimum. Assumptions, calibrated to
no data; Beijing's unions linked 976 organisations.

Within a cell every citizen gets the same fraction of need from each provider:
service_i = need_i · min(1, service_c / need_c) (over-supply is wasted). Citizens
take up NGO service in proportion to g(T_ngo,i) (resolved in population.settle).
Disabled: nothing is spent; the budget lapses into the reserve.
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism
from ..population import gate, share_out


def reweigh(need, cell, cells: int, weights):
    """Claims q_i = w_i · need_c / Σ_c w: weights rescaled within each cell so that the
    claims sum to the cell's need (law-based governance, 7.22)."""
    cell_need = np.bincount(cell, weights=need, minlength=cells)
    total = np.bincount(cell, weights=weights, minlength=cells)
    scale = np.divide(cell_need, total, out=np.zeros(cells), where=total > 0)
    return weights * scale[cell]


def by_capacity(buyer, cell, ngos) -> list:
    """Default award: every NGO of the cell, weighted by capacity."""
    return [(g, g.capacity) for g in ngos]


class Resources(Mechanism):
    """Budget execution through government, hubs and NGOs; see :meth:`step`, :meth:`update`."""

    name = "resources"
    headline = ("cost_per_need", "resource_leverage")
    switch = "mechanisms.resources.sharing"
    reads = ("scenario", "citizens", "field_size", "cell_need", "ordinary", "plan", "consulted",
             "government", "hubs", "ngos", "warning_response", "opinion_response",
             "emergency_relief", "ngo_eligible", "contracts", "delegation", "hub_gather",
             "rule_weights")
    writes = ("delivery_books", "citizens.service_gov", "citizens.service_ngo", "ngos", "hubs")

    def __init__(self, params, collaboration: bool, cells: int, fields: int,
                 field_size: np.ndarray):
        self.params = params
        self.enabled = params.enabled
        self.collaboration = collaboration
        self.cells = cells
        self.fields = fields
        self.field_size = field_size  # citizens per field (fixed for a run)
        self.planned = np.zeros(cells)  # this step's money per cell (before delegation)
        self.delegated = np.zeros(cells)  # of which delegated to hubs / NGO projects
        self.served = np.zeros(cells, dtype=bool)  # cells where NGOs work

    def update(self, state, shares, cell_need, government, hubs, ngos, field_trust_gate,
             earmarked=None, award=None, delegation=None, gather=None, need=None,
             weights=None) -> None:
        """Spend the treasury; writes service_gov and service_ngo on the citizens.

        ``cell_need`` is the total need per cell this step;
        ``field_trust_gate[f]`` is g(mean trust in NGOs) among citizens of field f;
        ``earmarked`` (money per cell, part of the treasury) is provided directly on
        top of the plan (early-warning responses); ``award(buyer, cell, ngos)`` says
        which of a cell's NGOs a buyer pays, as [(ngo, weight)] (social credit's
        blacklists, project contracts; default :func:`by_capacity`); ``delegation``
        (a number or one per cell) replaces ``params.delegation`` and ``gather``
        (hub -> multiplier) scales hubs' fund-raising (hub_strategy); ``need`` is the need
        services are shared by within a cell (default ``state.need``; relocation losses
        are private and left out, 7.17); ``weights`` (one per citizen, law-based
        governance 7.22) share the government's direct provision within a cell in proportion
        to them instead of to need (NGOs still share theirs by need).
        """
        for ngo in ngos:
            ngo.reset_step()
            ngo.sharing_gain = 1.0
        if self.params.sharing.enabled:
            for hub in hubs:
                for ngo in hub.members:
                    ngo.sharing_gain = 1.0 + self.params.sharing.gain * (1 - 1 / len(hub.members))
        for hub in hubs:
            hub.grant = hub.raised = hub.room = 0.0
        self.planned[:] = self.delegated[:] = 0.0
        if not self.enabled:
            state.service_gov[:] = 0.0
            state.service_ngo[:] = 0.0
            return
        extra = np.zeros(self.cells) if earmarked is None else earmarked
        money = shares * max(0.0, government.treasury - extra.sum())
        money[cell_need <= 0] = 0.0
        self.planned[:] = money
        delegated = returned = np.zeros(self.cells)
        if self.collaboration and ngos:
            share = self.params.delegation if delegation is None else delegation
            delegated, returned = self._delegate(money, cell_need, government, hubs, ngos,
                                                 field_trust_gate, award or by_capacity,
                                                 share, gather or {})
        self.delegated[:] = delegated
        direct = government.provide(money - delegated + extra + returned)
        ngo_service = np.zeros(self.cells)
        for ngo in ngos:
            ngo_service[ngo.cell] += ngo.deliver()
        need = state.need if need is None else need
        claims = need if weights is None else reweigh(need, state.cell, self.cells, weights)
        state.service_gov[:] = share_out(claims, state.cell, cell_need, direct)
        state.service_ngo[:] = share_out(need, state.cell, cell_need, ngo_service)

    def _delegate(self, money, cell_need, government, hubs, ngos, field_trust_gate, award,
                  share, gather):
        p = self.params
        cap = np.zeros(self.cells)
        eff = np.zeros(self.cells)
        for ngo in ngos:
            cap[ngo.cell] += ngo.capacity
            eff[ngo.cell] += ngo.capacity * ngo.efficiency
        self.served[:] = cap > 0
        eff = np.divide(eff, cap, out=np.ones(self.cells), where=cap > 0)
        # money that would meet all need in NGO-served cells, after overhead
        requirement = np.where(cap > 0, cell_need / (eff * max(1e-12, 1 - p.overhead)), 0.0)
        delegated = np.where(cap > 0, share * money, 0.0)
        field_of_cell = np.arange(self.cells) % self.fields
        by_cell: dict[int, list] = {}
        for ngo in ngos:
            by_cell.setdefault(ngo.cell, []).append(ngo)
        returned = np.zeros(self.cells)  # a buyer's money for a cell where it may fund no NGO
        for f in range(self.fields):
            cells = np.flatnonzero(field_of_cell == f)
            grant = float(delegated[cells].sum())
            if grant <= 0:
                continue
            room = max(0.0, float(requirement[cells].sum()) - grant)
            purse = p.social_capacity * self.field_size[f] * field_trust_gate[f]
            for buyer, parts in self._buyers(f, hubs, government):
                num, den = parts
                reached = self._buy(buyer, grant * num / den, government, field_trust_gate[f],
                                    room * num / den, purse * num / den, gather.get(buyer, 1.0),
                                    self.field_size[f] * num / den)
                for c in cells:
                    if delegated[c] <= 0:
                        continue
                    amount = reached * delegated[c] / grant
                    chosen = award(buyer, int(c), by_cell.get(c, []))
                    total = sum(w for _, w in chosen)
                    if total <= 0:
                        returned[c] += amount
                        continue
                    for g, w in chosen:
                        g.receive(amount * w / total, buyer)
        government.receive(float(returned.sum()))
        return delegated, returned

    def _buyers(self, field: int, hubs, government) -> list:
        """Who buys a field's projects, each with its share as (numerator, denominator).

        The field's hubs split what the government department does not buy itself
        (``government_share``); without a hub the government buys it all.
        """
        field_hubs = [h for h in hubs if h.field == field]
        if not field_hubs:
            return [(government, (1.0, 1))]
        g = self.params.government_share
        buyers = [(government, (g, 1))] if g > 0 else []
        return buyers + [(h, (1.0 - g, len(field_hubs))) for h in field_hubs]

    def _buy(self, buyer, money, government, trust_gate, room, purse, gather, citizens) -> float:
        """Money a buyer spends on a field's projects, after overhead (and matching for hubs).

        A hub raises min(match_ratio·gather·grant·g, room, purse·gather) (hub_strategy's
        gathering multiplier is 1 unless that mechanism is on) and, sharing resources,
        pays coordination for the ``citizens`` it serves (its share of the field).
        """
        p = self.params
        if buyer is government:
            government.pay(p.overhead * money, "procurement_overhead")
            return government.transfer((1 - p.overhead) * money)
        buyer.receive_grant(government.transfer(money))
        buyer.raise_funds(p.match_ratio * gather, trust_gate, min(room, purse * gather))
        buyer.room = room
        buyer.take_overhead(p.overhead)
        if p.sharing.enabled and buyer.members and not buyer.coordinate(
                p.sharing.cost * citizens * len(buyer.members) ** p.sharing.exponent):
            for ngo in buyer.members:  # coordination unpaid: no pooled resources this step
                ngo.sharing_gain = 1.0
        return buyer.pay_out(buyer.cash)

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        unit = cls(s.mechanisms.resources, s.governance.collaboration, ctx.cells, ctx.fields,
                   ctx.field_size)
        unit.response_spend = unit.opinion_response_spend = unit.emergency_spend = 0.0
        ctx.delivery_books = (unit.planned, unit.delegated, unit.served)
        return unit

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        self.collaboration = ctx.scenario.governance.collaboration

    def step(self, ctx) -> None:
        """Service delivery (7.6): the budget follows the shares; response money is
        earmarked to the districts it answers."""
        responses = (ctx.warning_response, ctx.opinion_response, ctx.emergency_relief)
        basis = ctx.scenario.mechanisms.trust.basis
        self.update(ctx.citizens, ctx.shares, ctx.cell_need, ctx.government, ctx.hubs, ctx.ngos,
                    field_trust_gate(ctx, basis), self.earmark(responses, ctx),
                    award_of(ctx), ctx.delegation, ctx.hub_gather, ctx.ordinary,
                    ctx.rule_weights)
        ctx.delivery_books = (self.planned, self.delegated, self.served)

    def earmark(self, responses: tuple, ctx) -> np.ndarray | None:
        """Response money per district -> per cell, in proportion to need: ``responses``
        holds the early-warning responses (paid by the fund), the responses to online
        opinion (7.11) and the emergency responses (7.21), each cut to what the treasury
        still holds (it is fungible: mediation, policing and incentives, paid between the
        draw and delivery, may have spent part of it; all are cut alike)."""
        self.response_spend = self.opinion_response_spend = self.emergency_spend = 0.0
        total = float(sum(r.sum() for r in responses))
        if total <= 0:
            return None
        treasury = ctx.government.treasury
        cut = 1.0 if treasury >= total else treasury / total  # (no overflow for a tiny total)
        money = [by_need(r * cut, ctx.cell_need, ctx.fields) for r in responses]
        (self.response_spend, self.opinion_response_spend,
         self.emergency_spend) = (float(m.sum()) for m in money)
        return sum(money[1:], money[0])


def by_need(per_district: np.ndarray, cell_need: np.ndarray, fields: int) -> np.ndarray:
    """Money per district -> per cell, in proportion to the cells' need."""
    district_need = cell_need.reshape(-1, fields).sum(axis=1)
    per_need = np.divide(per_district, district_need, out=np.zeros_like(per_district),
                         where=district_need > 0)
    return (per_need[:, None] * cell_need.reshape(-1, fields)).ravel()


def field_trust_gate(ctx, basis: float) -> np.ndarray:
    """g(mean trust in NGOs) among citizens of each field (1 everywhere when trust does
    not gate collaboration)."""
    c, count = ctx.citizens, ctx.field_size
    if not ctx.scenario.mechanisms.trust.gates_collaboration:
        return np.ones(count.size)
    total = np.bincount(c.field, weights=c.trust_ngo, minlength=count.size)
    return gate(np.divide(total, count, out=np.zeros(count.size), where=count > 0), basis)


def award_of(ctx):
    """Which of a cell's NGOs a buyer pays: blacklists (credit), then contracts (projects)."""
    eligible, contracts = ctx.ngo_eligible, ctx.contracts

    def award(buyer, cell: int, ngos: list) -> list:
        if eligible is not None:
            ngos = [g for g in ngos if eligible(buyer, g)]
        if contracts is not None:
            return contracts(buyer, cell, ngos)
        return by_capacity(buyer, cell, ngos)
    return award
