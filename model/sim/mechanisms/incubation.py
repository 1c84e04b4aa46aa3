"""Guidance, incubation and cultivation (引导孵化培育, DIGEST "Hub organisations", Essay 2 §4).

Entry: each step, each hub that received a government grant in the previous step
(incubation is paid with government money the hub channels; under top-down
management hubs get none) looks at the cells of its field (one field in one
district) as the previous step left them. If a cell's unmet share of need,
1 − Σ received / Σ need, exceeds ``need_threshold`` and no NGO serves it, the hub
incubates a new NGO there with probability ``rate`` (at most one per hub per step,
in its worst such cell), paying ``cost`` per citizen of that cell from the government's
treasury (ledger use ``incubation``), in full or not at all: when the treasury cannot
pay, no more NGOs are incubated that step and nothing is spent. A new NGO starts with
capacity ``startup_capacity`` and efficiency drawn like the others', and joins the
hub. Exit: an NGO that has received no project money for ``exit_after``
consecutive steps closes (NGOs depend on resources from hubs and government),
unless ``member_support`` is on and it is a member of a hub that received a grant in
the previous step: the hub gives its members venues, publicity and people (Essay 2
§4), so a linked NGO outlives steps without projects (Beijing 2015: 976 organisations
linked, services bought from 92).
Under top-down management (collaboration off) no NGO is funded, so all close and
none open.
Disabled: the NGO population never changes.
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism, metric


@metric("NGOs incubated", "count per step", 0)
def ngo_entries(m) -> int:
    """NGOs incubated this step."""
    return m.incubation.entries


@metric("NGOs closed", "count per step", 0)
def ngo_exits(m) -> int:
    """NGOs closed this step."""
    return m.incubation.exits


class Incubation(Mechanism):
    """NGO entry and exit; phase :meth:`step`, equations :meth:`update`."""

    name = "incubation"
    headline = ("ngo_count", "ngo_entries")
    reads = ("scenario", "unmet_share", "headcount", "hubs", "ngos", "government", "new_ngo")
    writes = ("ngos",)
    metrics = (ngo_entries, ngo_exits)

    def __init__(self, params, fields: int, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.fields = fields
        self.rng = rng
        self.entries = 0
        self.exits = 0

    def _supported(self, ngo) -> bool:
        """Is the NGO kept alive by its hub (``member_support``, the hub funded last step)?"""
        return self.params.member_support and ngo.hub is not None and ngo.hub.grant > 0

    def update(self, unmet_share: np.ndarray, headcount: np.ndarray, hubs, ngos: list, government,
             spawn) -> list:
        """Close NGOs that went unfunded too long, open new ones; return the NGO list.

        ``unmet_share`` and ``headcount`` (citizens) are per cell (district x field);
        ``spawn(field, district, capacity)``
        creates an NGO agent (the model knows how to draw its efficiency).
        """
        self.entries = self.exits = 0
        if not self.enabled:
            return ngos
        p = self.params
        staying = [g for g in ngos if g.unfunded_steps < p.exit_after or self._supported(g)]
        for gone in set(ngos) - set(staying):
            if gone.hub is not None:
                gone.hub.members.remove(gone)
            gone.remove()
        self.exits = len(ngos) - len(staying)
        served = np.zeros(unmet_share.size, dtype=bool)
        for g in staying:
            served[g.cell] = True
        for hub in hubs:
            cells = np.arange(hub.field, unmet_share.size, self.fields)
            gaps = cells[(unmet_share[cells] > p.need_threshold) & ~served[cells]]
            if hub.grant <= 0 or gaps.size == 0 or self.rng.random() >= p.rate:
                continue
            worst = int(gaps[np.argmax(unmet_share[gaps])])
            if not government.pay_all(p.cost * headcount[worst], "incubation"):
                break  # not enough money left for incubation this step: none is spent
            ngo = spawn(hub.field, worst // self.fields, p.startup_capacity)
            ngo.hub = hub
            hub.members.append(ngo)
            staying.append(ngo)
            served[worst] = True
            self.entries += 1
        return staying

    @classmethod
    def build(cls, ctx):
        return cls(ctx.scenario.mechanisms.incubation, ctx.fields, ctx.stream("incubation"))

    def step(self, ctx) -> None:
        """New NGOs where need goes unmet, exits of the idle (7.15)."""
        if self.enabled:
            ctx.ngos = self.update(ctx.unmet_share, ctx.headcount, ctx.hubs, ctx.ngos,
                                   ctx.government, ctx.new_ngo)


