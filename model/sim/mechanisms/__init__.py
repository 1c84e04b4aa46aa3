"""Governance mechanisms: small units, one ``step`` entry point each.

The model composes them in a fixed, documented order (docs/model.md, "Process
overview"). A mechanism receives what it needs as arguments and changes only its
own state and the arrays or agents it is handed; none reads another's state.
Each can be disabled from the scenario (``mechanisms.<name>.enabled: off``) and
then has no effect whatever its other parameters (tested in tests/test_contracts.py).
"""

from .collective_bargaining import CollectiveBargaining
from .compensation import RelocationCompensation
from .credit import SocialCredit
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
from .unrest import Unrest

__all__ = ["CollectiveBargaining", "EarlyWarning", "Emergency", "HubStrategy", "Incentives",
           "Incubation", "Interests", "Law", "Mediation", "OpinionDynamics", "OpinionResponse",
           "Planning", "Projects", "PublicSecurity", "RelocationCompensation", "Resources",
           "SocialCredit", "TrustDynamics", "Unrest"]
