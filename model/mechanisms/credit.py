"""Social credit: graded supervision, blacklists, and information sharing (Essay 5).

Every buyer of NGO projects (each hub, and the government department where it
buys itself) keeps a credit record of each NGO, starting at 1. At the start of a
step each buyer may inspect each NGO it paid in the previous step; supervision is
graded by credit (低信用多查, 高信用少查): the inspection probability is
``inspect_max`` − (``inspect_max`` − ``inspect_min``)·credit. One step's delivery
is one observation: buyers sharing a record that choose to inspect the same NGO in
the same step make one joint inspection (the record is updated once, not once per
buyer). Each inspection costs ``inspection_cost`` per citizen of the NGO's cell
(ledger use ``inspection``), paid in full or not done. An inspection reveals the
share of the promised service delivered (1 for an honest NGO, 1 − shirk for an
opportunist, see ``organizations.opportunists``) and updates the record,
credit ← (1 − ``learning``)·credit + ``learning``·share. A buyer blacklists an NGO
whose credit falls below ``threshold`` and pays it nothing from then on.

``sharing: on``: all buyers keep one shared record and one blacklist, so an NGO
caught once is excluded everywhere ("fail once, constrained everywhere",
一处失信、处处受制). ``off``: each buyer knows only its own inspections. Disabled:
no inspections, records or blacklists (NGO credit then follows citizens' uptake).

Enterprises (``enterprises: on``, with the firm layer of collective bargaining):
the labour authority keeps one record per firm, starting at 1, and inspects each
firm each step with the same graded probability, at ``inspection_cost`` per worker
(``collective_bargaining.firm_size`` workers a firm). An inspection reveals
whether the firm breached its labour obligations this step and sets
credit ← (1 − ``learning``)·credit + ``learning``·(0 if it breached, else 1). A firm
caught breaching with credit below ``threshold`` is sanctioned: joint punishment makes it
rectify, closing a share ``rectification`` of its compliance gap for good, and its
record is restored to 1 (credit repair, 信用修复). This is a government instrument,
available under either regime.
"""

from __future__ import annotations

import numpy as np

SHARED = "shared"


class SocialCredit:
    """Records, inspections and blacklists; entry points :meth:`step` and :meth:`eligible`."""

    def __init__(self, params, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        self.records: dict = {}  # book -> {ngo unique_id: credit}
        self.blacklists: dict = {}  # book -> set of ngo unique_ids
        self.inspections = 0
        self.firm_credit = None  # the labour authority's record per firm (enterprises)
        self.firm_sanctions = 0

    def book(self, buyer):
        """Whose record a buyer consults: the shared one, or its own."""
        return SHARED if self.params.sharing else buyer.unique_id

    def credit(self, buyer, ngo) -> float:
        """The buyer's view of an NGO's credit."""
        return self.records.get(self.book(buyer), {}).get(ngo.unique_id, 1.0)

    def eligible(self, buyer, ngo) -> bool:
        """False once the buyer's book blacklists the NGO."""
        return ngo.unique_id not in self.blacklists.get(self.book(buyer), set())

    def blacklisted(self, ngos) -> int:
        """NGOs on at least one blacklist."""
        ids = {g.unique_id for g in ngos}
        return len(ids & set().union(*self.blacklists.values())) if self.blacklists else 0

    def step(self, ngos, government, headcount: np.ndarray) -> None:
        """Inspect last step's projects, update records and blacklists.

        Each book inspects an NGO it paid at most once a step: one NGO's delivery last
        step is one observation, so the shared book learns from it once however many
        buyers paid the NGO (each buyer's own book under ``sharing: off``). Inspections
        stop, unpaid, when the treasury cannot pay for one more. ``headcount``: citizens
        per cell.
        """
        self.inspections = 0
        if not self.enabled:
            return
        p = self.params
        broke = False
        for ngo in ngos:
            if ngo.promised <= 0 or broke:
                continue
            delivered = ngo.service / ngo.promised
            books: dict = {}  # book -> how many of its buyers paid the NGO (funders' order)
            for b in ngo.funders:
                books[self.book(b)] = books.get(self.book(b), 0) + 1
            for book, buyers in books.items():
                c = self.records.get(book, {}).get(ngo.unique_id, 1.0)
                chance = p.inspect_max - (p.inspect_max - p.inspect_min) * c
                if not (self.rng.random(buyers) < chance).any():
                    continue  # none of the book's buyers chose to inspect
                if not government.pay_all(p.inspection_cost * headcount[ngo.cell], "inspection"):
                    broke = True  # no money left for supervision this step
                    break
                self.inspections += 1
                new = (1 - p.learning) * c + p.learning * delivered
                self.records.setdefault(book, {})[ngo.unique_id] = new
                if new < p.threshold:
                    self.blacklists.setdefault(book, set()).add(ngo.unique_id)
        for ngo in ngos:
            books = [b for b in self.records if ngo.unique_id in self.records[b]]
            ngo.credit = (float(np.mean([self.records[b][ngo.unique_id] for b in books]))
                          if books else 1.0)

    def inspect_firms(self, breached: np.ndarray, government, firm_size: float,
                      intensity: float = 1.0) -> np.ndarray:
        """Graded labour inspection of firms; returns the indices of firms sanctioned now.

        ``breached[f]`` says whether firm f breached its obligations this step; an
        inspection costs ``inspection_cost`` per worker, ``firm_size`` workers a firm;
        ``intensity`` (≥ 1, a rule set through consultation, 7.18a) multiplies each
        firm's inspection probability, capped at 1.
        """
        self.firm_sanctions = 0
        if not (self.enabled and self.params.enterprises):
            return np.zeros(0, dtype=np.int64)
        p = self.params
        if self.firm_credit is None:
            self.firm_credit = np.ones(breached.size)
        chance = p.inspect_max - (p.inspect_max - p.inspect_min) * self.firm_credit
        if intensity != 1.0:
            chance = np.minimum(1.0, intensity * chance)
        inspected = np.flatnonzero(self.rng.random(breached.size) < chance)
        inspected = inspected[:government.pay_each(p.inspection_cost * firm_size, inspected.size,
                                                   "inspection")]
        c = self.firm_credit
        c[inspected] = (1 - p.learning) * c[inspected] + p.learning * ~breached[inspected]
        sanctioned = inspected[breached[inspected] & (c[inspected] < p.threshold)]
        c[sanctioned] = 1.0  # rectified: the record is repaired
        self.firm_sanctions = int(sanctioned.size)
        return sanctioned
