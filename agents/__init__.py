"""Mesa agents of cogov: one government, hub organisations, NGOs and citizens."""

from .citizen import Citizen
from .government import Government
from .hub import HubOrganization
from .ngo import NGO

__all__ = ["NGO", "Citizen", "Government", "HubOrganization"]
