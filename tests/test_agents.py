"""Mesa idioms: agents by type, citizen views on the arrays, organisation links."""

import numpy as np

from cogov.agents import NGO, Citizen, Government, HubOrganization
from cogov.model import GovernanceModel
from tests.conftest import small


def test_agent_types_registered():
    m = GovernanceModel(small(**{"governance.collaboration": True}), seed=1)
    by_type = m.agents_by_type
    assert len(by_type[Citizen]) == 400 and len(by_type[Government]) == 1
    assert len(by_type[HubOrganization]) == 3 and len(by_type[NGO]) == 12


def test_citizen_views_read_and_write_arrays():
    m = GovernanceModel(small(), seed=1)
    m.run(3)
    citizens = m.agents_by_type[Citizen]
    assert np.allclose(citizens.get("trust_gov"), m.citizens.trust_gov)
    c = citizens[5]
    c.trust_gov = 0.123
    assert m.citizens.trust_gov[5] == 0.123
    row = m.adjacency.indices[m.adjacency.indptr[5]:m.adjacency.indptr[6]]
    assert set(c.neighbor_indices) == set(row)
    assert [n.index for n in c.neighbors] == c.neighbor_indices
    assert all(isinstance(n, Citizen) for n in c.neighbors)
    assert citizens.agg("satisfaction", np.mean) == m.citizens.satisfaction.mean()


def test_views_can_be_skipped_for_large_populations():
    m = GovernanceModel(small(**{"population.agents": "none"}), seed=1)
    m.run(2)
    assert Citizen not in m.agents_by_type and m.citizens.n == 400


def test_hubs_federate_ngos_of_their_field():
    m = GovernanceModel(small(**{"organizations.hubs": 3, "organizations.ngos": 12}), seed=1)
    for hub in m.hubs:
        assert hub.members and all(g.field == hub.field and g.hub is hub for g in hub.members)


def test_every_cell_gets_an_ngo_before_any_gets_two():
    m = GovernanceModel(small(**{"organizations.ngos": 12}), seed=1)  # 4 districts x 3 fields
    cells = {(g.district, g.field) for g in m.ngos}
    assert len(cells) == 12


def test_credibility_is_mean_trust():
    m = GovernanceModel(small(), seed=1)
    assert m.government.credibility == m.citizens.trust_gov.mean()


def test_government_pays_for_as_many_items_as_the_treasury_covers():
    from cogov.model import GovernanceModel

    gov = GovernanceModel(seed=1, **{"population.citizens": 100, "steps": 1}).government
    gov.treasury = 5.0
    assert gov.pay_each(2.0, 4, "inspection") == 2 and gov.treasury == 1.0
    gov.treasury = -1e-12  # a rounding error below zero: free items are still all "paid"
    assert gov.pay_each(0.0, 3, "inspection") == 3


def test_citizen_unique_ids_are_index_plus_one_with_or_without_views():
    with_views = GovernanceModel(small(**{"governance.collaboration": True}), seed=1)
    assert [c.unique_id for c in with_views.citizen_agents] == list(range(1, 401))
    without = GovernanceModel(small(**{"governance.collaboration": True,
                                       "population.agents": "none"}), seed=1)
    org_ids = sorted(a.unique_id for a in with_views.agents if not isinstance(a, Citizen))
    assert org_ids == sorted(a.unique_id for a in without.agents) and min(org_ids) == 401
