"""Hubs carry members' interests upward (Essay 2 §5; docs/model.md 7.18a).

Hub organisations express, aggregate and arbitrate their members' interests
(利益表达、利益整合、利益协调); under collaboration society co-decides as well as
co-delivers (consultation, 问政于民). Per step t and cell c (a field f in a district):

1. **Hub reports (aggregation).** Under collaboration, a hub of field f hears its
   member NGOs' clients. Its strength s_f ∈ [0, 1] is the share of f's districts in
   which one of its member NGOs works (0 for a field without a hub). Each cell of f
   is reported with probability κ_f = ``coverage``·s_f, and the report of its unmet
   share u_c (last step's 1 − received/need) carries a log-normal error whose sd
   grows as the hub weakens, σ_f = ``report_noise``·(2 − s_f):
   z_c = min(Z, u_c·ε_c). Reports cost ``report_cost`` per citizen of the reported
   cells (ledger use ``consultation``), paid in full or no report is made that step.
2. **Disputes and unrest (the other channel).** In cells not reported by a hub (every
   cell under top-down management), interests reach the government only as open
   disputes and protest: the share q_c of the cell's citizens with an open dispute or
   active in unrest is read as unmet need, z_c = min(Z, ``conflict_gain``·q_c). It is
   zero unless mediation or unrest is on.
3. **Budget shares (after ``delay`` steps).** The plan's shares a_c are corrected by
   the signals of ``delay`` steps ago:
   a'_c ∝ a_c·(1 + ω·z_c / (1 − z_c)), ω = ``consultation_weight``: ω = 0 keeps the
   plan's own estimate; ω = 1 takes a report of unmet share z at face value (need is
   1/(1 − z) of what the cell got). Z = 0.9 caps the signal.
4. **A rule (labour inspection intensity).** The union (any hub, under collaboration)
   reports the share of workers whose firm breached its obligations, κ̄·b_t·ε (κ̄ the
   mean coverage of the hubs); without it the government hears only the labour disputes
   filed in mediation. After ``delay`` steps, a signal above ``rule_threshold`` raises
   the inspection intensity by ``rule_step`` (up to ``max_intensity``), one below half
   the threshold lowers it by ``rule_step`` (down to 1): credit-graded labour
   inspection then inspects each firm with probability min(1, intensity·p).

``policy_changes`` counts the cells whose share the signals moved by more than
``CHANGE`` of the plan's share, plus each change of the rule. Disabled: shares and
inspection pass through unchanged. Assumptions, calibrated to no data: the source
reports that Guangzhou's union took part in revising 26 laws and rules.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..mechanism import Mechanism, metric
from ..population import lognormal_unit

CAP = 0.9  # Z: the largest unmet share a signal can claim (keeps 1/(1 − z) finite)
CHANGE = 0.05  # a cell's share moved by more than this fraction of the plan's share


@metric("interests reported by hubs", "share of citizens", 0, 1)
def interests_reported(m) -> float:
    """Share of citizens whose cell's unmet need a hub reported to the government this step
    (consultation, 7.18a; 0 under top-down management or with the mechanism off)."""
    return m.interests.reported


@metric("policy changes from interests", "changes per step", 0)
def policy_changes(m) -> int:
    """Plan and rule changes triggered this step by hubs' reports or by disputes and protest:
    cells whose budget share moved by more than 5 % of the plan's, plus each change of the
    labour-inspection rule (7.18a). Cells are districts × fields, so it does not grow with
    citizens."""
    return m.interests.changes


class Interests(Mechanism):
    """Interest aggregation and consultation; phase :meth:`step`, equations :meth:`update`."""

    name = "interests"
    reads = ("scenario", "citizens", "plan", "unmet_share", "open_disputes", "protesting",
             "headcount", "hubs", "bargaining", "government")
    writes = ("consulted", "inspection")
    metrics = (interests_reported, policy_changes)

    def __init__(self, params, collaboration: bool, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.collaboration = collaboration
        self.rng = rng
        self.history: deque = deque(maxlen=params.delay + 1)
        self.intensity = 1.0  # labour inspection intensity (the rule)
        self.reported = 0.0  # share of citizens whose cell a hub reported this step
        self.changes = 0  # plan and rule changes this step

    def update(self, shares, unmet, conflict, headcount, field_of, strength, labour,
             government) -> np.ndarray:
        """Gather this step's signals and return the shares corrected by those of ``delay``
        steps ago.

        ``unmet``: last step's unmet share per cell; ``conflict``: citizens per cell with an
        open dispute or in protest; ``headcount``: citizens per cell; ``field_of``: the field
        of each cell; ``strength``: hub strength per field; ``labour``: (share of workers in
        breaching firms, share of workers who filed a labour dispute), or None without firms.
        """
        self.changes, self.reported = 0, 0.0
        if not self.enabled:
            return shares
        signal, rule_signal = self._signals(unmet, conflict, headcount, field_of, strength,
                                            labour, government)
        self.history.append((signal, rule_signal))
        if len(self.history) <= self.params.delay:
            return shares  # nothing said `delay` steps ago yet
        signal, rule_signal = self.history[0]  # what was said `delay` steps ago
        self._rule(rule_signal)
        return self._consult(shares, signal)

    def _signals(self, unmet, conflict, headcount, field_of, strength, labour, government):
        p = self.params
        size = np.maximum(headcount, 1.0)
        signal = np.minimum(CAP, p.conflict_gain * conflict / size)
        kappa = p.coverage * strength[field_of]
        draw = self.rng.random(unmet.size)  # drawn every step: the stream stays aligned
        z = self.rng.standard_normal(unmet.size)
        ok = self.collaboration and kappa.any()
        reported = (draw < kappa) if ok else np.zeros(unmet.size, dtype=bool)
        if reported.any() and not government.pay_all(p.report_cost * headcount[reported].sum(),
                                                      "consultation"):
            reported[:] = False  # no money for consultation this step
        sigma = p.report_noise * (2.0 - strength[field_of])
        report = np.minimum(CAP, unmet * np.exp(sigma * z - 0.5 * sigma**2))  # mean-one error
        signal = np.where(reported, report, signal)
        self.reported = float(headcount[reported].sum() / max(headcount.sum(), 1.0))
        return signal, self._labour_signal(labour, kappa, ok)

    def _labour_signal(self, labour, kappa, ok) -> float:
        """What the government hears about labour breaches: the union's report, or the
        labour disputes filed."""
        if labour is None:
            return 0.0
        breach, disputes = labour
        noise = float(lognormal_unit(self.rng, self.params.report_noise, 1)[0])  # always drawn
        if ok:
            return max(float(kappa.mean()) * breach * noise, disputes)
        return disputes

    def _rule(self, signal: float) -> None:
        p, old = self.params, self.intensity
        if signal > p.rule_threshold:
            self.intensity = min(p.max_intensity, old + p.rule_step)
        elif signal < p.rule_threshold / 2:
            self.intensity = max(1.0, old - p.rule_step)
        self.changes += int(self.intensity != old)

    def _consult(self, shares: np.ndarray, signal: np.ndarray) -> np.ndarray:
        if not signal.any() or self.params.consultation_weight == 0:
            return shares
        weight = shares * (1.0 + self.params.consultation_weight * signal / (1.0 - signal))
        out = weight / weight.sum()
        self.changes += int((np.abs(out - shares) > CHANGE * shares).sum())
        return out

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        unit = cls(s.mechanisms.interests, s.governance.collaboration, ctx.stream("interests"))
        ctx.inspection = unit.intensity
        return unit

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        self.collaboration = ctx.scenario.governance.collaboration
        self.history = deque(self.history, maxlen=params.delay + 1)

    def step(self, ctx) -> None:
        """Consultation (7.18a): hubs' reports of unmet need and, where no hub reports, open
        disputes and protest correct the plan's shares; the union's reports of breaches set
        the labour-inspection rule."""
        if not self.enabled:
            return
        c, cells = ctx.citizens, ctx.cells
        loud = ctx.open_disputes | ctx.protesting
        conflict = np.bincount(c.cell, weights=loud, minlength=cells)
        labour = None
        b = ctx.bargaining
        if b is not None:  # labour disputes reach the government through mediation
            filed = b.labour_disputes / c.n if ctx.scenario.mechanisms.mediation.enabled else 0.0
            labour = (float(b.breached[b.firm_of].mean()), filed)
        ctx.consulted = self.update(ctx.plan, ctx.unmet_share, conflict, ctx.headcount,
                                    np.arange(cells) % ctx.fields, hub_strength(ctx), labour,
                                    ctx.government)
        ctx.inspection = self.intensity


def hub_strength(ctx) -> np.ndarray:
    """Per field, the share of its districts where a member NGO of one of its hubs works
    (0 for a field without a hub)."""
    reach = np.zeros((ctx.fields, ctx.districts), dtype=bool)
    for hub in ctx.hubs:
        for ngo in hub.members:
            reach[hub.field, ngo.district] = True
    return reach.mean(axis=1)
