"""Governance mechanisms, one module each, and the registry of the step's phases.

Every mechanism has one shape (:mod:`..mechanism`): a name, what it reads and writes on the step
context, its metrics, ``build(ctx)`` and one ``step(ctx)``. :data:`PHASES` lists the phases
of a step in the documented order (docs/model.md, section 3, "Process overview"); the
model's step is a loop over them and a collect. Most mechanisms are one phase; social
credit acts at four points of the step and unrest's jail at two, each as a phase of its
own that shares its mechanism's records. The model's own phases (budget, need drift,
settlement...) have the same shape (:mod:`..phases`).

Each mechanism can be disabled from the scenario (``mechanisms.<name>.enabled: off``) and
then has no effect whatever its other parameters (tests/test_contracts.py).
"""

from ..mechanism import Mechanism, MetricInfo, metric
from ..needs import NeedDrift
from ..phases import CloseBudget, Grievance, NeedPerCell, OpenBudget, Settlement
from ..shocks import Shocks
from .collective_bargaining import CollectiveBargaining
from .compensation import RelocationCompensation
from .credit import CitizenCredit, FirmCredit, GovernmentCredit, SocialCredit
from .early_warning import EarlyWarning
from .emergency import Emergency
from .hub_strategy import HubStrategy
from .incentives import Incentives
from .incubation import Incubation
from .interests import Interests
from .law import Law
from .mediation import Mediation
from .opinion import OpinionDynamics
from .opinion_response import OpinionResponse
from .planning import Planning
from .projects import Projects
from .public_security import PublicSecurity
from .resources import Resources
from .trust import TrustDynamics
from .unrest import JailHold, JailRelease, Unrest

# The step, in order (docs/model.md section 3). Before the loop, every phase's
# ``observe`` reads the state the last step left (early warning, emergency detection).
PHASES: tuple[type[Mechanism], ...] = (
    Shocks,                 # shocks of the scenario's timeline (7.8)
    NeedDrift,              # need drift and spikes (7.2)
    OpenBudget,             # budget appropriation (7.9)
    Incubation,             # organisational ecology (7.15-7.20), on last step's state
    SocialCredit,           #   credit supervision
    HubStrategy,            #   hubs' strategy
    Projects,               #   project settlement
    CollectiveBargaining,   #   collective consultation
    FirmCredit,             #   enterprise credit
    EarlyWarning,           # early warning (7.13)
    OpinionResponse,        # responses to online opinion (7.11)
    Emergency,              # the emergency network (7.21)
    Law,                    # law-based governance (7.22)
    Mediation,              # grand mediation (7.14)
    Unrest,                 # unrest (7.12)
    PublicSecurity,         # public security (7.23)
    NeedPerCell,            # need per cell
    Planning,               # planning (7.3)
    Interests,              # consultation corrects the plan (7.18a)
    CitizenCredit,          # citizens' credit records (7.16a)
    Incentives,             # co-production (7.5)
    RelocationCompensation,  # relocation compensation (7.17)
    Resources,              # service delivery (7.6)
    Settlement,             # settlement (7.7)
    GovernmentCredit,       # government bodies' credit (7.16a)
    JailHold,               # jailed citizens sit out learning (7.12)
    TrustDynamics,          # trust (7.4)
    OpinionDynamics,        # opinion (7.11)
    JailRelease,
    Grievance,              # grievance as the step leaves it (7.10)
    CloseBudget,            # budget close (7.9)
)

__all__ = ["PHASES", "CitizenCredit", "CollectiveBargaining", "EarlyWarning", "Emergency",
           "FirmCredit", "GovernmentCredit", "HubStrategy", "Incentives", "Incubation",
           "Interests", "JailHold", "JailRelease", "Law", "Mechanism", "Mediation", "MetricInfo",
           "OpinionDynamics", "OpinionResponse", "Planning", "Projects", "PublicSecurity",
           "RelocationCompensation", "Resources", "SocialCredit", "TrustDynamics", "Unrest",
           "headlines", "metric", "phases"]


def phases(extra: tuple[type[Mechanism], ...] = ()) -> tuple[type[Mechanism], ...]:
    """The phases in order, with plug-in mechanisms placed after the phase each names."""
    order = list(PHASES)
    for plugin in extra:
        names = [p.name for p in order]
        if plugin.after not in names:
            raise ValueError(f"plugin {plugin.name!r}: after={plugin.after!r} is no phase "
                             f"(phases: {', '.join(names)})")
        order.insert(names.index(plugin.after) + 1, plugin)
    return tuple(order)


def headlines(units=PHASES) -> dict[str, tuple[str, ...]]:
    """Switch key -> the headline metrics of the mechanism it turns on (figures' panels)."""
    return {unit.switch or f"mechanisms.{unit.name}": unit.headline
            for unit in units if unit.headline}
