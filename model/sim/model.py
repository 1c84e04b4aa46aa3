"""GovernanceModel: government, hubs, NGOs and citizens on a network (Mesa 3.3)."""

from __future__ import annotations

import itertools
import zlib
from pathlib import Path

import mesa
import numpy as np

from ...agents import NGO, Citizen, Government, HubOrganization
from ..scenario import network_file
from ..scenario.errors import ScenarioError
from ..scenario.files import load_scenario
from ..scenario.schema import Scenario
from ..scenario.shifts import apply_shifts
from . import network as net
from .ledger import Ledger
from .mechanisms import (
    CollectiveBargaining,
    EarlyWarning,
    Emergency,
    HubStrategy,
    Incentives,
    Incubation,
    Interests,
    Law,
    Mediation,
    OpinionDynamics,
    OpinionResponse,
    Planning,
    Projects,
    PublicSecurity,
    RelocationCompensation,
    Resources,
    SocialCredit,
    TrustDynamics,
    Unrest,
)
from .mechanisms.resources import by_capacity
from .needs import Needs
from .population import gate, grievance, lognormal_unit, make_population, settle, share_out
from .reporters import REPORTERS
from .shocks import Shocks

FROZEN_IN_JAIL = ("trust_gov", "trust_ngo", "opinion")  # what jailed citizens do not update
CITIZEN_VIEWS_MAX = 100_000  # population.agents: auto creates Citizen views up to this size


def fresh_seed() -> int:
    """A new 63-bit seed from the operating system's entropy (as plain Mesa draws one)."""
    return int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)


class GovernanceModel(mesa.Model):
    """Top-down management vs adaptive collaboration, as a 2x2 of regimes.

    Built from one :class:`~model.scenario.Scenario` and one seed. Citizens' state
    lives in ``self.citizens`` (arrays); organisations are ordinary Mesa agents.
    Step order (docs/model.md, "Process overview"): early-warning observation,
    shocks, need drift, budget appropriation, incubation, credit supervision,
    hub strategy, project settlement, collective bargaining, early warning,
    responses to online opinion, emergency response, law-based governance, grievance,
    mediation, unrest, public security, planning, consultation (hubs' reports and conflict
    correct the plan; interests), incentives (co-production, after citizens' credit records),
    relocation compensation, resources (service delivery), settlement (satisfaction), NGO
    credit, government bodies' credit, trust, opinion, grievance, budget close, metrics.

    Args:
        scenario: a Scenario, a path to a scenario YAML, or None for the defaults.
        seed: overrides ``scenario.seed``; with neither, a fresh seed is drawn from
            the OS and kept in ``self.seed`` (so ``mesa.batch_run(iterations=N)``
            gives N independent runs).
        **kwargs: dotted scenario keys, e.g. ``**{"mechanisms.incentives.r": 4.5}``
            (named ``kwargs`` as Mesa's SolaraViz expects).

    Example:
        >>> m = GovernanceModel(seed=3, **{"population.citizens": 400, "steps": 5})
        >>> m.run()
        >>> df = m.datacollector.get_model_vars_dataframe()
        >>> len(df), float(round(df["ledger_error"].max(), 12))
        (6, 0.0)
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, seed: int | None = None,
                 **kwargs):
        if isinstance(scenario, str | Path):
            scenario = load_scenario(scenario)
        scenario = scenario or Scenario()
        if kwargs:
            scenario = scenario.replace(**kwargs)
        # a Scenario built field by field has not been validated: resolve the shifts (7.24)
        scenario = apply_shifts(scenario)
        seed = scenario.seed if seed is None else int(seed)
        if seed is None:  # as plain Mesa: a fresh seed per model, kept in self.seed
            seed = fresh_seed()
        super().__init__(seed=seed)
        self.scenario = scenario
        self.seed = seed
        self._root = np.random.SeedSequence(seed)
        self.ledger = Ledger()
        self._build_population()
        self._build_organizations()
        self._build_mechanisms()
        self.datacollector = mesa.DataCollector(model_reporters=dict(REPORTERS))
        self._served = False  # has any step delivered service yet (early warning observes it)
        self._warm_up(scenario.warmup)
        self.datacollector.collect(self)

    def _warm_up(self, steps: int) -> None:
        """Run ``warmup`` steps before step 1, numbered -warmup+1..0: every mechanism runs, no
        shock fires, nothing is recorded, and the books reopen with what holders then hold
        (docs/model.md, "Initialisation"). Step 1 then starts from the model's own state
        rather than from the arbitrary initial values (no start-up transient)."""
        self._clock = -steps
        for _ in range(steps):
            self.step()
        self.steps, self._clock = 0, 0
        self.ledger.reopen(self.balance())

    # ----------------------------------------------------------------- set-up
    def stream(self, name: str) -> np.random.Generator:
        """Named random stream spawned from the model's root seed.

        Each process draws from its own stream, so switching one mechanism on or
        off does not change the random numbers another sees (common random
        numbers across regimes; docs/model.md, "Stochasticity").
        """
        key = zlib.crc32(name.encode())
        return np.random.default_rng(
            np.random.SeedSequence(self._root.entropy, spawn_key=(key,))
        )

    def _build_population(self) -> None:
        s = self.scenario
        n, kind = s.population.citizens, s.network.kind
        districts = None
        self.network_labels: tuple[str, ...] | None = None  # citizen i is node labels[i]
        if kind == "file":
            errors = network_file.file_errors(s)
            if errors:
                raise ScenarioError(errors)
            found = network_file.read_file(s.network.path, s.network.format)
            self.adjacency, self.network_labels = found.adjacency, found.labels
            districts = found.districts(s.population.districts)
        else:
            self.adjacency = net.build_adjacency(
                kind, n, self.stream("network"), s.network.degree, s.network.rewire
            )
        if districts is None:
            districts = net.block_districts(n, s.population.districts)
        self.degree = net.degrees(self.adjacency).astype(float)
        self.citizens = make_population(s, districts, self.stream("population"))
        self.needs = Needs(s, self.citizens, self.stream("needs"))
        want_views = s.population.agents == "all" or (
            s.population.agents == "auto" and n <= CITIZEN_VIEWS_MAX
        )
        self.citizen_agents: tuple[Citizen, ...] = ()
        if want_views:
            self.citizen_agents = tuple(Citizen.create_agents(self, n, index=list(range(n))))
        else:  # citizens own unique_ids 1..n whether or not their views exist
            next(itertools.islice(mesa.Agent._ids[self], n - 1, n), None)

    def _build_organizations(self) -> None:
        s, org = self.scenario, self.scenario.organizations
        rng = self.stream("organizations")
        fields, cells = s.population.need.fields, s.population.districts * s.population.need.fields
        self.government = Government(
            self, budget=s.budget.per_capita * s.population.citizens, efficiency=org.gov_efficiency
        )
        self.hubs = [HubOrganization(self, field=h % fields) for h in range(org.hubs)]
        order = rng.permutation(cells)  # which cells get the first NGOs
        self._org_rng = rng
        self._trait_rng = self.stream("opportunism")  # its own stream: tagging draws nothing else
        self.ngos = []
        for j in range(org.ngos):
            c = int(order[j % cells])
            self.ngos.append(self.new_ngo(c % fields, c // fields))
        for f in range(fields):
            field_hubs = [h for h in self.hubs if h.field == f]
            members = [g for g in self.ngos if g.field == f]
            for i, ngo in enumerate(members if field_hubs else []):
                hub = field_hubs[i % len(field_hubs)]
                hub.members.append(ngo)
                ngo.hub = hub

    def _build_mechanisms(self) -> None:
        s, mech = self.scenario, self.scenario.mechanisms
        fields = s.population.need.fields
        cells = s.population.districts * fields
        headcount = np.bincount(self.citizens.cell, minlength=cells)
        self.planning = Planning(mech.planning, s.governance.adaptation, headcount,
                                 self.stream("planning"))
        self.incentives = Incentives(mech.incentives, self.citizens.n, self.stream("incentives"))
        self.citizens.strategy = self.incentives.initial.copy()
        self.incentives.warm_up(self.citizens, self.adjacency, self.degree,
                                gate(self.citizens.trust_gov, mech.trust.basis))
        self.field_size = np.bincount(self.citizens.field, minlength=fields)  # fixed for a run
        self.resources = Resources(mech.resources, s.governance.collaboration, cells, fields,
                                   self.field_size)
        self.trust = TrustDynamics(mech.trust)
        collab, districts = s.governance.collaboration, s.population.districts
        self.opinion = OpinionDynamics(mech.opinion, self.citizens, self.adjacency,
                                       self.stream("opinion"))
        self.opinion_response = OpinionResponse(mech.opinion, s.governance.adaptation,
                                                self.citizens.district, districts,
                                                self.stream("opinion_response"))
        self.early_warning = EarlyWarning(mech.early_warning, collab, districts,
                                          self.stream("early_warning"))
        self.mediation = Mediation(mech.mediation, collab, self.citizens.district, districts,
                                   self.stream("mediation"))
        self.law = Law(mech.law, self.citizens.trust_gov, self.stream("law"))
        self.unrest = Unrest(mech.unrest, self.citizens.n, self.stream("unrest"))
        if self.unrest.enabled:  # start from the jail's equilibrium, not an empty jail
            self._update_grievance()
            c = self.citizens
            self.unrest.warm_up(self.unrest.grievance(c.grievance, c.satisfaction,
                                                      self._legitimacy()),
                                self.adjacency, self.degree, first=1 - s.warmup)
        self.incubation = Incubation(mech.incubation, fields, self.stream("incubation"))
        self.credit = SocialCredit(mech.credit, self.stream("credit"))
        # conflict-proneness of each cell (demolition zones, contested land): r_c = u², u ~ U(0, 1)
        self.risk = self.stream("risk").random(cells) ** 2
        self.hub_strategy = HubStrategy(mech.hub_strategy, s.governance.adaptation, fields)
        self.projects = Projects(mech.projects, self.risk, self.stream("projects"))
        self.relocation = RelocationCompensation(mech.incentives.relocation, s.governance.adaptation,
                                                 self.citizens.n, self.stream("relocation"))
        self.bargaining = CollectiveBargaining(mech.collective_bargaining, collab,
                                               self.citizens.district, districts,
                                               self.stream("collective_bargaining"))
        self.interests = Interests(mech.interests, collab, self.stream("interests"))
        self.security = PublicSecurity(mech.public_security, self.citizens.district, districts,
                                       self.stream("public_security"))
        self.shocks = Shocks(s.shocks, districts, self.stream("shocks"))
        self.emergency = Emergency(mech.emergency, self.citizens.district, districts,
                                   self.stream("emergency"))
        self.response_spend = 0.0
        self.emergency_spend = 0.0  # emergency responses delivered this step (7.21)
        self.opinion_response_spend = 0.0  # targeted service bought in response to opinion
        self.unmet_share = np.zeros(cells)  # per cell, as the last step's service left it

    # ------------------------------------------------------------------- step
    def step(self) -> None:
        """Advance one step: the phases of docs/model.md, "Process overview", in order."""
        t = self.steps + self._clock  # <= 0 during the warm-up
        self.ledger.new_step()
        indicator = self._warning_indicator()  # last step's state, before today's changes
        unmet = self._unmet_by_district()  # the same, for emergency detection (7.21)
        self.shocks.step(t, self.needs, self.government, self.citizens, self.opinion)
        self.needs.step(self.citizens, t)
        budget = self.government.open_budget()
        self._organisational_ecology(t)
        response = self._early_warning(indicator, budget, t)
        targeted = self.opinion_response.step(self.citizens, self.government, budget)
        relief = self._emergency(unmet, budget, t)
        self._law()
        self._conflict(t)
        self._security(budget, t)
        cell_need, ordinary = self._cell_need()
        shares = self._consult(self.planning.step(cell_need, t))
        uptake = self._deliver(t, shares, cell_need, ordinary, (response, targeted, relief))
        self._learn(uptake, cell_need, ordinary)
        self.government.close_budget()
        if t <= 0:
            return  # warm-up: nothing recorded
        self.datacollector.collect(self)
        if t >= self.scenario.steps:
            self.running = False

    def _early_warning(self, indicator: np.ndarray, budget: float, t: int) -> np.ndarray:
        """Early warning: save into the fund, warn districts, pay responses (7.13)."""
        mech = self.scenario.mechanisms
        noise = mech.opinion.noise if mech.early_warning.indicator == "attention" else 0.0
        return self.early_warning.step(indicator, self.government, budget, t, noise)

    def _emergency(self, unmet: tuple | None, budget: float, t: int) -> np.ndarray:
        """Emergency reserves, detection and the levels' responses (7.21): money per district."""
        d = self.scenario.population.districts
        if not self.emergency.enabled:
            return np.zeros(d)
        capacity = np.bincount([g.district for g in self.ngos],
                               weights=[g.capacity for g in self.ngos], minlength=d)
        return self.emergency.step(t, unmet, self.government, budget, self.government.efficiency,
                                   capacity.astype(float), bool(self.hubs))

    def _unmet_by_district(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Unmet need, Σ max(0, need − received) / N_d, and need, Σ need / N_d, per citizen of
        each district as the last step left them (None when the emergency mechanism is off
        or nothing was delivered yet)."""
        if not self.emergency.enabled or not self._served:
            return None
        c, d = self.citizens, self.scenario.population.districts
        size = np.maximum(np.bincount(c.district, minlength=d), 1)
        short = np.maximum(0.0, c.need - c.received)
        return (np.bincount(c.district, weights=short, minlength=d) / size,
                np.bincount(c.district, weights=c.need, minlength=d) / size)

    def _law(self) -> None:
        """Law-based governance (7.22): this step's allocation claims, procedural justice and
        legitimacy, violations and sanctions, appeals (to mediation's judicial channel)."""
        if not self.law.enabled:
            return
        c, med = self.citizens, self.mediation
        ordinary = self.needs.ordinary(c)
        courts = med.enabled and self.scenario.mechanisms.mediation.judicial_capacity > 0
        self.law.step(c.need if ordinary is None else ordinary, c.cell,
                      self.planning.headcount.size, c.trust_gov, self.adjacency, self.degree,
                      self.government, self.unrest.jailed, med.open_mask(c.n), courts)

    def _legitimacy(self) -> np.ndarray:
        """Legitimacy citizens grant the government: trust in it, or with law-based governance
        procedural justice combined with it (7.22)."""
        return self.law.legitimacy if self.law.enabled else self.citizens.trust_gov

    def _conflict(self, t: int) -> None:
        """Mediation, then unrest, on the grievance citizens carry into the step (7.12, 7.14)."""
        if not (self.mediation.enabled or self.unrest.enabled):
            return
        c, mech = self.citizens, self.scenario.mechanisms
        self._update_grievance()
        boost = (1.0 + mech.early_warning.mediation_boost * self.early_warning.responding) \
            * self.hub_strategy.joint_mediation(self.hubs)
        self.mediation.step(c.grievance, t, boost, self.government,  # jailed ones open none
                            self.bargaining.disputing if self.bargaining.enabled else None,
                            self.unrest.jailed,
                            self.law.appealing if self.law.enabled else None)
        self._update_grievance()
        self.unrest.step(self.unrest.grievance(c.grievance, c.satisfaction, self._legitimacy()),
                         self.adjacency, self.degree, self.government, t,
                         self.law.arrest_weights() if self.law.enabled else None)

    def _consult(self, shares: np.ndarray) -> np.ndarray:
        """Consultation (7.18a): hubs' reports of unmet need and, where no hub reports, open
        disputes and protest correct the plan's shares; the union's reports of breaches set
        the labour-inspection rule. Returns the shares the budget follows this step."""
        if not self.interests.enabled:
            return shares
        c, cells = self.citizens, shares.size
        loud = self.mediation.open_mask(c.n) | self.unrest.active
        conflict = np.bincount(c.cell, weights=loud, minlength=cells)
        labour = None
        if self.bargaining.enabled:  # labour disputes reach the government through mediation
            b = self.bargaining
            filed = b.labour_disputes / c.n if self.mediation.enabled else 0.0
            labour = (float(b.breached[b.firm_of].mean()), filed)
        fields = self.scenario.population.need.fields
        return self.interests.step(shares, self.unmet_share, conflict, self.planning.headcount,
                                   np.arange(cells) % fields, self._hub_strength(), labour,
                                   self.government)

    def _hub_strength(self) -> np.ndarray:
        """Per field, the share of its districts where a member NGO of one of its hubs works
        (0 for a field without a hub)."""
        pop = self.scenario.population
        reach = np.zeros((pop.need.fields, pop.districts), dtype=bool)
        for hub in self.hubs:
            for ngo in hub.members:
                reach[hub.field, ngo.district] = True
        return reach.mean(axis=1)

    def _security(self, budget: float, t: int) -> None:
        """Public security (7.23): the six links, paid from the security budget, then
        offending; collective efficacy reads trust and co-production."""
        if self.security.enabled:
            c = self.citizens
            self.security.step(t, budget, self.government, c.trust_gov, c.strategy)

    def _cell_need(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Need per cell that services target, and per citizen without private relocation
        losses (None when nobody is displaced)."""
        c = self.citizens
        ordinary = self.needs.ordinary(c)
        cell_need = np.bincount(c.cell, weights=c.need if ordinary is None else ordinary,
                                minlength=self.planning.headcount.size)
        return cell_need, ordinary

    def _deliver(self, t: int, shares, cell_need, ordinary, responses) -> np.ndarray:
        """Co-production, relocation compensation, service delivery and settlement (7.5-7.7,
        7.17); ``responses``: money per district for early-warning responses and for responses
        to online opinion. Returns citizens' uptake of NGO service."""
        c, gov, mech = self.citizens, self.government, self.scenario.mechanisms
        basis = mech.trust.basis
        participation = gate(self._legitimacy(), basis)
        if self.unrest.jailed.any():  # prisoners sit out co-production
            participation = np.where(self.unrest.jailed, 0.0, participation)
        bonus, eligible = self.credit.citizens_step(c.strategy, gov)  # citizens' records
        self.incentives.step(c, self.adjacency, self.degree, gov, participation, bonus, eligible)
        if self.needs.displaced:
            c.compensation = self.relocation.step(
                c.need, self.needs.harm, self.needs.harmed_at, t, gov,
                self.law.favour_weights() if self.law.enabled else None)
        uptake = self._uptake(basis)
        self.resources.step(c, shares, cell_need, gov, self.hubs, self.ngos,
                            self._field_trust_gate(basis), self._earmark(responses, cell_need),
                            self._award,
                            self.hub_strategy.delegation(mech.resources.delegation, self.risk,
                                                         self.hubs),
                            self.hub_strategy.gather(self.hubs), ordinary,
                            self.law.weights)  # None unless the law layer runs
        settle(c, uptake)
        self._served = True
        if self.incubation.enabled or self.interests.enabled:  # read by next step's
            self.unmet_share = self._unmet_share()
        return uptake

    def _learn(self, uptake, cell_need, ordinary) -> None:
        """NGO credit, trust, opinion (jailed citizens' frozen), grievance as the step
        leaves it (7.4, 7.10, 7.11)."""
        c, mech = self.citizens, self.scenario.mechanisms
        if not self.credit.enabled:
            self._rate_ngos(uptake)
        jailed = self.unrest.jailed
        held = self._hold(jailed)
        self.trust.step(c, self.adjacency, self.degree,
                        *self._ngo_commitments(uptake, cell_need, ordinary),
                        self._government_credit())
        warned = self.early_warning.responding[c.district]
        self.opinion.step(c, self.adjacency, self.degree,
                          mech.early_warning.communication * warned if warned.any() else None)
        self._release(jailed, held)
        if self.mediation.enabled or self.unrest.enabled or self.early_warning.enabled:
            self._update_grievance()  # for observers and the metrics

    def _government_credit(self) -> np.ndarray | None:
        """Departments' records of kept commitments -> factor on the loss rate of trust in
        government per citizen (7.16a); None when government bodies' credit is off."""
        if not (self.credit.enabled and self.credit.params.government.enabled):
            return None
        c = self.citizens
        return self.credit.government_step(c.district, c.need, c.received,
                                           self.mediation.open_mask(c.n),
                                           self.scenario.population.districts)

    def _organisational_ecology(self, t: int) -> None:
        """Step 5 of the process overview: on the state the previous step left, paid from
        the new budget (each part does nothing unless its mechanism is on)."""
        gov = self.government
        if self.incubation.enabled:
            self.ngos = self.incubation.step(self.unmet_share, self.planning.headcount,
                                             self.hubs, self.ngos, gov, self.new_ngo)
        self.credit.step(self.ngos, gov, self.planning.headcount,  # last step's projects
                         self.bargaining.firms)
        res = self.resources
        self.hub_strategy.step(self.hubs, self.ngos, res.planned, res.delegated, res.served)
        self.projects.step(t, self.ngos, gov, self.planning.headcount,
                           self.hub_strategy.support(self.hubs),
                           self.credit.credit if self.credit.enabled else None)
        if self.bargaining.enabled:  # disputes only from workers free to bring one
            barred = self.mediation.open_mask(self.citizens.n) | self.unrest.jailed
            self.bargaining.step(t, self.citizens.need, gov, union=bool(self.hubs), barred=barred)
            self._firm_credit(t)

    def _firm_credit(self, t: int) -> None:
        """Enterprise credit (7.16, 7.16a): labour inspection of this step's breaches,
        sanctioned firms rectify; then rewards, and unrewarded firms reform."""
        mech, bargaining = self.scenario.mechanisms, self.bargaining
        size = mech.collective_bargaining.firm_size
        groups = bargaining.associations(t) if mech.credit.association.enabled else None
        bargaining.rectify(self.credit.inspect_firms(bargaining.breached, self.government, size,
                                                     groups, self.interests.intensity),
                           mech.credit.rectification)
        # what a breach withholds per worker: the hardship share of a worker's mean need
        stake = mech.collective_bargaining.hardship * float(self.citizens.base_need.mean())
        bargaining.rectify(*self.credit.reward_firms(self.government, size, stake))

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` steps (default: the scenario's ``steps``)."""
        for _ in range(self.scenario.steps if steps is None else steps):
            self.step()

    # --------------------------------------------------------------- helpers
    def _update_grievance(self) -> None:
        """Grievance from satisfaction, trust and open disputes (docs/model.md 7.10)."""
        c = self.citizens
        c.grievance = grievance(c, self.mediation.pressure(c.n),
                                self.scenario.mechanisms.mediation.grievance_weight,
                                self._legitimacy())

    def _hold(self, jailed: np.ndarray) -> dict | None:
        """Jailed citizens' trust and opinion, kept out of this step's updates (7.12)."""
        if not jailed.any():
            return None
        c = self.citizens
        return {k: getattr(c, k)[jailed].copy() for k in FROZEN_IN_JAIL
                if getattr(c, k) is not None}

    def _release(self, jailed: np.ndarray, held: dict | None) -> None:
        if held is not None:
            for k, v in held.items():
                getattr(self.citizens, k)[jailed] = v

    def new_ngo(self, field: int, district: int, capacity: float | None = None) -> NGO:
        """An NGO with efficiency ~ Normal(ngo_efficiency, ngo_efficiency_sd) clipped to
        [0.05, 1] and, unless given, capacity log-normal (mean 1, sd of log 0.3); drawn in
        that order from the organisations' stream."""
        org, rng = self.scenario.organizations, self._org_rng
        eff = float(np.clip(rng.normal(org.ngo_efficiency, org.ngo_efficiency_sd), 0.05, 1.0))
        if capacity is None:
            capacity = float(lognormal_unit(rng, 0.3, 1)[0])
        ngo = NGO(self, field=field, district=district, capacity=capacity, efficiency=eff)
        ngo.opportunist = bool(self._trait_rng.random() < org.opportunists)
        ngo.shirk = org.shirk
        return ngo

    def _award(self, buyer, cell: int, ngos: list) -> list:
        """Which of a cell's NGOs a buyer pays: blacklists (credit), then contracts (projects)."""
        if self.credit.enabled:
            ngos = [g for g in ngos if self.credit.eligible(buyer, g)]
        if self.projects.enabled:
            return self.projects.award(buyer, cell, ngos)
        return by_capacity(buyer, cell, ngos)

    def _unmet_share(self) -> np.ndarray:
        """Unmet share of need per cell, 1 − Σ received / Σ need, of this step's need and
        service (call after settlement; next step's need may be redrawn before it is read)."""
        c, cells = self.citizens, self.planning.headcount.size
        need = np.bincount(c.cell, weights=c.need, minlength=cells)
        met = np.bincount(c.cell, weights=c.received, minlength=cells)
        return np.divide(need - met, need, out=np.zeros(cells), where=need > 0)

    def _warning_indicator(self) -> np.ndarray:
        """The early-warning indicator per district, from the current state.

        Before the first step nothing has been delivered, so there is nothing to observe.
        """
        if not self.early_warning.enabled or not self._served:
            return np.zeros(self.scenario.population.districts)
        c, d = self.citizens, self.scenario.population.districts
        size = np.maximum(np.bincount(c.district, minlength=d), 1)
        kind = self.scenario.mechanisms.early_warning.indicator
        if kind == "grievance":
            return np.bincount(c.district, weights=c.grievance, minlength=d) / size
        if kind == "unmet_need":
            need = np.bincount(c.district, weights=c.need, minlength=d)
            unmet = np.bincount(c.district, weights=c.need - c.received, minlength=d)
            return np.divide(unmet, need, out=np.zeros(d), where=need > 0)
        if kind == "attention":
            return np.bincount(c.district, weights=c.attention == 1, minlength=d) / size
        pressure = self.mediation.open_mask(c.n)  # open disputes, as 7.13 says
        return np.bincount(c.district, weights=pressure, minlength=d) / size

    def _earmark(self, responses: tuple, cell_need: np.ndarray) -> np.ndarray | None:
        """Response money per district -> per cell, in proportion to need: ``responses`` holds
        the early-warning responses (paid by the fund), the responses to online opinion (7.11)
        and the emergency responses (7.21), each cut to what the treasury still holds (it is
        fungible: mediation, policing and incentives, paid between the draw and delivery,
        may have spent part of it; all are cut alike)."""
        self.response_spend = self.opinion_response_spend = self.emergency_spend = 0.0
        total = float(sum(r.sum() for r in responses))
        if total <= 0:
            return None
        treasury = self.government.treasury
        cut = 1.0 if treasury >= total else treasury / total  # (no overflow for a tiny total)
        money = [self._by_need(r * cut, cell_need) for r in responses]
        (self.response_spend, self.opinion_response_spend,
         self.emergency_spend) = (float(m.sum()) for m in money)
        return sum(money[1:], money[0])

    def _by_need(self, per_district: np.ndarray, cell_need: np.ndarray) -> np.ndarray:
        """Money per district -> per cell, in proportion to the cells' need."""
        fields = self.scenario.population.need.fields
        district_need = cell_need.reshape(-1, fields).sum(axis=1)
        per_need = np.divide(per_district, district_need, out=np.zeros_like(per_district),
                             where=district_need > 0)
        return (per_need[:, None] * cell_need.reshape(-1, fields)).ravel()

    def _uptake(self, basis: float) -> np.ndarray:
        """Citizens' uptake of NGO service, g(T_ngo); 1 when trust does not gate
        collaboration (the counterfactual ``mechanisms.trust.gates_collaboration: off``)."""
        c = self.citizens
        if not self.scenario.mechanisms.trust.gates_collaboration:
            return np.ones(c.n)
        return gate(c.trust_ngo, basis)

    def _field_trust_gate(self, basis: float) -> np.ndarray:
        """g(mean trust in NGOs) among citizens of each field (1 everywhere when trust does
        not gate collaboration)."""
        c, count = self.citizens, self.field_size
        if not self.scenario.mechanisms.trust.gates_collaboration:
            return np.ones(count.size)
        total = np.bincount(c.field, weights=c.trust_ngo, minlength=count.size)
        return gate(np.divide(total, count, out=np.zeros(count.size), where=count > 0), basis)

    def _ngo_commitments(self, uptake: np.ndarray, cell_need: np.ndarray, need) -> tuple:
        """NGO service each citizen took up (D_i) and the part of its need the NGOs of
        its cell had taken on, taken up alike (K_i; shared out like service, 7.6), or
        (None, None) without NGOs: what trust learns from (7.4)."""
        if not self.ngos:
            return None, None
        c = self.citizens
        committed = np.zeros(cell_need.size)
        for ngo in self.ngos:
            committed[ngo.cell] += ngo.committed
        k = share_out(c.need if need is None else need, c.cell, cell_need, committed)
        return uptake * c.service_ngo, uptake * k

    def _rate_ngos(self, uptake: np.ndarray) -> None:
        """NGO credit from the share of offered service citizens in its cell took up."""
        if not self.ngos:
            return
        c = self.citizens
        cells = self.planning.headcount.size
        offered = np.bincount(c.cell, weights=c.service_ngo, minlength=cells)
        taken = np.bincount(c.cell, weights=c.service_ngo * uptake, minlength=cells)
        for ngo in self.ngos:
            if ngo.service > 0 and offered[ngo.cell] > 0:
                ngo.update_credit(taken[ngo.cell] / offered[ngo.cell])

    def balance(self) -> float:
        """Money still held: government reserve and treasury, hubs' and NGOs' cash."""
        gov = self.government
        return (gov.reserve + gov.treasury + sum(h.cash for h in self.hubs)
                + sum(g.cash for g in self.ngos) + self.early_warning.fund + self.emergency.fund)
