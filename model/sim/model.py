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
from ..scenario.reforms import in_force
from ..scenario.schema import ORGANISATION_COUNTS, Scenario
from ..scenario.shifts import apply_shifts
from . import network as net
from .context import StepContext
from .custom_reporters import custom_reporters
from .ledger import Ledger
from .mechanisms import Mechanism
from .needs import Needs
from .plugins import plugin_phases
from .population import lognormal_unit, make_population, set_initial
from .reporters import reporters

FROZEN_IN_JAIL = ("trust_gov", "trust_ngo", "opinion")  # what jailed citizens do not update
CITIZEN_VIEWS_MAX = 100_000  # population.agents: auto creates Citizen views up to this size


# what a built model holds besides its phases (tests/test_plugins.py keeps the list whole):
# a plug-in may not be named after one of them
ATTRIBUTES = ("adjacency", "citizen_agents", "citizens", "ctx", "datacollector", "degree",
              "government", "hubs", "ledger", "needs", "network_labels", "phases", "planned", "risk",
              "running", "scenario", "seed", "steps", "strength", "weights", "agents", "rng",
              "random")


def model_attributes() -> set[str]:
    """Names a plug-in may not take: the model's attributes and methods."""
    return set(dir(GovernanceModel)) | set(ATTRIBUTES)


def fresh_seed() -> int:
    """A new 63-bit seed from the operating system's entropy (as plain Mesa draws one)."""
    return int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)


class GovernanceModel(mesa.Model):
    """Top-down management vs adaptive collaboration, as a 2x2 of regimes.

    Built from one :class:`~cogov.model.scenario.Scenario` and one seed. Citizens' state
    lives in ``self.citizens`` (arrays); organisations are ordinary Mesa agents.
    A step is a loop over the phases of :data:`~cogov.model.sim.mechanisms.PHASES`
    (every phase's ``observe``, then every phase's ``step``) and a collect; the phases
    and their order are listed in docs/model.md, section 3 ("Process overview and
    scheduling"), and the house in docs/architecture.md.

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
        self.planned = scenario  # with its reforms; self.scenario is the scenario in force
        self._in_force: dict = {}  # the keys reforms have changed, with their values
        self.seed = seed
        self._root = np.random.SeedSequence(seed)
        self.ledger = Ledger()
        self._build_population()
        self._build_context()
        self._build_organizations()
        self._build_phases()
        found = reporters(self.phases)  # the model's metrics, then the plug-ins', then the custom
        self.datacollector = mesa.DataCollector(
            model_reporters={**found, **custom_reporters(scenario, found)})
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
        districts, found = None, None
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
        self._tie_weights(found)
        self.citizens = make_population(s, districts, self.stream("population"))
        if found is not None:  # after the draws, so every stream is consumed as without them
            set_initial(self.citizens, found.initial_state())
        # after the file's needs: the cell multipliers keep the total base need it gives
        self.needs = Needs(s, self.citizens, self.stream("needs"))
        want_views = s.population.agents == "all" or (
            s.population.agents == "auto" and n <= CITIZEN_VIEWS_MAX
        )
        self.citizen_agents: tuple[Citizen, ...] = ()
        if want_views:
            self.citizen_agents = tuple(Citizen.create_agents(self, n, index=list(range(n))))
        else:  # citizens own unique_ids 1..n whether or not their views exist
            next(itertools.islice(mesa.Agent._ids[self], n - 1, n), None)

    def _tie_weights(self, found) -> None:
        """Tie weights and strengths: the file's with ``network.weights: true``, else the
        adjacency and degree themselves (every tie weighs 1, the same arrays, so unweighted
        runs compute exactly what they did)."""
        self.weights, self.strength = self.adjacency, self.degree
        if found is not None and self.scenario.network.weights:
            self.weights = found.weights
            self.strength = net.strengths(found.weights)

    def _build_organizations(self) -> None:
        s, org = self.scenario, self.scenario.organizations
        rng = self.stream("organizations")
        fields, cells = s.population.need.fields, s.population.districts * s.population.need.fields
        self.government = Government(
            self, budget=s.budget.per_capita * s.population.citizens, efficiency=org.gov_efficiency
        )
        self.hubs = [HubOrganization(self, field=h % fields) for h in range(org.hubs)]
        self.ctx.government, self.ctx.hubs = self.government, self.hubs
        order = rng.permutation(cells)  # which cells get the first NGOs
        self._org_rng = rng
        self._trait_rng = self.stream("opportunism")  # its own stream: tagging draws nothing else
        for j in range(org.ngos):
            c = int(order[j % cells])
            self.ctx.ngos.append(self.new_ngo(c % fields, c // fields))
        for f in range(fields):
            field_hubs = [h for h in self.hubs if h.field == f]
            members = [g for g in self.ngos if g.field == f]
            for i, ngo in enumerate(members if field_hubs else []):
                hub = field_hubs[i % len(field_hubs)]
                hub.members.append(ngo)
                ngo.hub = hub

    def _build_context(self) -> None:
        """The step context, over the population; the organisations fill in the government,
        the hubs and the NGOs as they are built (the context holds the one list of NGOs)."""
        s, c = self.scenario, self.citizens
        cells = s.population.districts * s.population.need.fields
        self.ctx = StepContext(
            scenario=s, citizens=c, needs=self.needs, adjacency=self.adjacency,
            degree=self.degree, weights=self.weights, strength=self.strength,
            government=None, hubs=[], ngos=[],
            # conflict-proneness of each cell (demolition zones, contested land): r_c = u²
            risk=self.stream("risk").random(cells) ** 2,
            headcount=np.bincount(c.cell, minlength=cells),
            field_size=np.bincount(c.field, minlength=s.population.need.fields),
            new_ngo=self.new_ngo, stream=self.stream)

    def _build_phases(self) -> None:
        """Every phase, built in the order they run (a mechanism that needs another's state
        at build, as unrest's warm-up needs mediation's and the law's, comes after it)."""
        s = self.scenario
        self.phases: list[Mechanism] = []
        # a plug-in is reachable as m.<its name>, so it may not take an attribute's name
        taken = model_attributes() | set(vars(self))
        for kind in plugin_phases(s, taken):
            unit = kind.build(self.ctx)
            self.ctx.units[kind.name] = unit
            self.phases.append(unit)
            setattr(self, kind.attribute or kind.name, unit)
        self.risk = self.ctx.risk
        self._find_readers()

    def _find_readers(self) -> None:
        """Settlement computes the unmet share of need only for phases that read it and run."""
        settlement = self.ctx.units.get("settlement")
        if settlement is not None:
            settlement.find_readers(self.ctx.units)

    # ------------------------------------------------------------------- step
    def step(self) -> None:
        """Advance one step: the phases of docs/model.md, "Process overview", in order."""
        ctx = self.ctx
        ctx.t = t = self.steps + self._clock  # <= 0 during the warm-up
        if self.planned.reforms:
            self._reform(t)
        self.ledger.new_step()
        for phase in self.phases:  # what the last step left, before shocks change it
            phase.observe(ctx)
        for phase in self.phases:
            phase.step(ctx)
        if t <= 0:
            return  # warm-up: nothing recorded
        self.datacollector.collect(self)
        if t >= self.scenario.steps:
            self.running = False

    def _reform(self, t: int) -> None:
        """At a step where reforms change keys (docs/experiments.md, "Reforms"): the scenario
        in force (validated, with the shifts' overlay) goes to the model, the step context and
        every phase (``Mechanism.reform``)."""
        values = in_force(self.planned, t)
        if values == self._in_force:
            return
        moved = [k for k in ORGANISATION_COUNTS if k in values and values[k] != self._in_force.get(k)]
        self._in_force = values
        scenario = self.planned.replace(**values) if values else self.planned
        self.scenario = self.ctx.scenario = scenario
        if moved:
            self._bring_in(moved)
        for phase in self.phases:
            kind = type(phase)
            section = hasattr(kind, "Params") or hasattr(scenario.mechanisms, kind.name)
            phase.reform(self.ctx, kind.params_of(scenario) if section else None)
        self._find_readers()

    def _bring_in(self, moved: list[str]) -> None:
        """Organisations a reform brings in (docs/experiments.md, "Reforms"): at a step where
        the count in force of ``organizations.hubs`` or ``organizations.ngos`` (``moved``)
        changes, the city is topped up to it, before the phases run.

        New hubs are numbered on from the last (hub h serves field h mod F, as at set-up).
        The NGOs the city lacks (the count in force less the NGOs alive; none if incubation
        has grown the sector past it) are made as at set-up, one at a time in the cell with
        the fewest NGOs, ties in a random order of the cells; efficiency, capacity and the
        opportunist tag are drawn as at set-up (:meth:`new_ngo`). Every draw comes from one
        stream of their own, ``reform_organisations``, kept by the model (so a ramp and a
        later reform go on drawing from it, and a saved state carries it), made at the
        first such reform: no other stream sees a draw, and nothing before the reform
        changes. An NGO without a hub joins the hub of its field with the fewest members
        (the first of them on ties), as at set-up; members stay with their hubs.
        """
        s = self.scenario
        fields, cells = s.population.need.fields, s.population.districts * s.population.need.fields
        if self.__dict__.get("_reform_rng") is None:
            self._reform_rng = self.stream("reform_organisations")
        rng = self._reform_rng
        if "organizations.hubs" in moved:
            for h in range(len(self.hubs), s.organizations.hubs):
                self.hubs.append(HubOrganization(self, field=h % fields))  # ctx.hubs: same list
        lacking = s.organizations.ngos - len(self.ngos) if "organizations.ngos" in moved else 0
        if lacking > 0:
            count = np.bincount([g.cell for g in self.ngos], minlength=cells)
            rank = np.empty(cells, dtype=int)
            rank[rng.permutation(cells)] = np.arange(cells)
            added = []
            for _ in range(lacking):
                c = int(np.lexsort((rank, count))[0])  # fewest NGOs, then the random order
                count[c] += 1
                added.append(self.new_ngo(c % fields, c // fields, rng=rng))
            self.ngos = [*self.ngos, *added]
        for ngo in self.ngos:
            field_hubs = [h for h in self.hubs if h.field == ngo.field]
            if ngo.hub is None and field_hubs:
                ngo.hub = min(field_hubs, key=lambda h: len(h.members))  # first of the fewest
                ngo.hub.members.append(ngo)

    @property
    def ngos(self) -> list:
        """The NGOs (incubation replaces the list as NGOs enter and exit)."""
        return self.ctx.ngos

    @ngos.setter
    def ngos(self, value: list) -> None:
        self.ctx.ngos = value

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` steps (default: the scenario's ``steps``)."""
        for _ in range(self.scenario.steps if steps is None else steps):
            self.step()

    # --------------------------------------------------------------- helpers
    def new_ngo(self, field: int, district: int, capacity: float | None = None,
                rng: np.random.Generator | None = None) -> NGO:
        """An NGO with efficiency ~ Normal(ngo_efficiency, ngo_efficiency_sd) clipped to
        [0.05, 1] and, unless given, capacity log-normal (mean 1, sd of log 0.3); drawn in
        that order from the organisations' stream, and its opportunist tag from the
        opportunism stream (all three from ``rng`` when given: a reform's organisations)."""
        org = self.scenario.organizations
        rng, traits = (self._org_rng, self._trait_rng) if rng is None else (rng, rng)
        eff = float(np.clip(rng.normal(org.ngo_efficiency, org.ngo_efficiency_sd), 0.05, 1.0))
        if capacity is None:
            capacity = float(lognormal_unit(rng, 0.3, 1)[0])
        ngo = NGO(self, field=field, district=district, capacity=capacity, efficiency=eff)
        ngo.opportunist = bool(traits.random() < org.opportunists)
        ngo.shirk = org.shirk
        return ngo

    def balance(self) -> float:
        """Money still held: government reserve and treasury, hubs' and NGOs' cash."""
        gov = self.government
        return (gov.reserve + gov.treasury + sum(h.cash for h in self.hubs)
                + sum(g.cash for g in self.ngos) + self.early_warning.fund + self.emergency.fund)
