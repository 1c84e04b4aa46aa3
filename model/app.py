"""Interactive cogov: a Mesa SolaraViz app.

    cogov app                                   # the adaptive preset
    cogov app scenarios/incident_top_down.yaml  # any scenario file or preset name

(`make app` does the first; both run `solara run cogov.model.app`, which serves Solara's
front-end from this machine through solara-assets, never from a CDN.) Sliders and switches rebuild the model with the
chosen regime, budget, initial trust, synergy r and mechanism parameters; the
network view shows a sample of citizens coloured by trust in government, with
NGOs (squares) placed in their district and hubs (stars) linked to their NGOs;
live plots follow trust, unmet need, cooperation and unrest. Step, play and
reset come from Mesa's SolaraViz controls.
"""

from __future__ import annotations

import os

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from .model import GovernanceModel
from .network import to_networkx
from .scenario import load_scenario

SCENARIO = load_scenario(os.environ.get("COGOV_SCENARIO", "adaptive"))
SAMPLE = 250  # citizens drawn in the network view


def _slider(value, lo, hi, step, label):
    return {"type": "SliderFloat", "value": value, "min": lo, "max": hi, "step": step,
            "label": label}


def _switch(value, label):
    return {"type": "Checkbox", "value": bool(value), "label": label}


s = SCENARIO
model_params = {
    "scenario": SCENARIO,
    "governance.collaboration": _switch(s.governance.collaboration, "Collaboration"),
    "governance.adaptation": _switch(s.governance.adaptation, "Adaptation"),
    "budget.per_capita": _slider(s.budget.per_capita, 0.2, 1.6, 0.05, "Budget per citizen"),
    "population.initial_trust.government": _slider(
        s.population.initial_trust.government, 0.0, 1.0, 0.05, "Initial trust in government"),
    "population.initial_trust.ngo": _slider(
        s.population.initial_trust.ngo, 0.0, 1.0, 0.05, "Initial trust in NGOs"),
    "mechanisms.incentives.r": _slider(s.mechanisms.incentives.r, 1.0, 8.0, 0.25,
                                       "Co-production synergy r"),
    "mechanisms.incentives.subsidy": _slider(s.mechanisms.incentives.subsidy, 0.0, 0.05, 0.005,
                                             "Subsidy per contribution"),
    "mechanisms.trust.negativity": _slider(s.mechanisms.trust.negativity, 1.0, 5.0, 0.25,
                                           "Trust: losses / gains"),
    "population.need.shift.size": _slider(s.population.need.shift.size, 0.0, 1.0, 0.05,
                                          "Need drift"),
    "mechanisms.unrest.enabled": _switch(s.mechanisms.unrest.enabled, "Unrest (Epstein)"),
    "mechanisms.hub_strategy.enabled": _switch(s.mechanisms.hub_strategy.enabled,
                                               "Hub strategies (gather / borrow / avoid)"),
    "mechanisms.projects.enabled": _switch(s.mechanisms.projects.enabled,
                                           "Project procurement (1+1+N)"),
    "mechanisms.collective_bargaining.enabled": _switch(
        s.mechanisms.collective_bargaining.enabled, "Collective consultation"),
}


def _layout(model):
    """Sampled citizens (a breadth-first ball, so edges show) and their positions, cached."""
    if getattr(model, "_view", None) is None:
        import networkx as nx

        g = to_networkx(model.adjacency)
        nodes = list(nx.bfs_tree(g, 0, depth_limit=None).nodes)[:SAMPLE]
        sub = g.subgraph(nodes)
        model._view = (np.array(nodes), sub, nx.spring_layout(sub, seed=0))
    return model._view


@solara.component
def NetworkView(model):
    """Citizens coloured by trust in government, NGOs and hubs on top."""
    update_counter.get()
    nodes, sub, pos = _layout(model)
    fig = Figure(figsize=(5.2, 4.4))
    ax = fig.subplots()
    xy = np.array([pos[n] for n in sub.nodes])
    for u, v in sub.edges:
        ax.plot(*zip(pos[u], pos[v], strict=True), color="#cccccc", lw=0.5, zorder=1)
    trust = model.citizens.trust_gov[list(sub.nodes)]
    dots = ax.scatter(xy[:, 0], xy[:, 1], c=trust, cmap="RdYlGn", vmin=0, vmax=1, s=18, zorder=2)
    fig.colorbar(dots, ax=ax, shrink=0.7, label="trust in government")
    district = model.citizens.district[list(sub.nodes)]
    spots = {}
    for ngo in model.ngos:
        here = xy[district == ngo.district]
        if len(here):
            spot = here.mean(axis=0) + 0.05 * np.array([np.cos(ngo.field * 2.1),
                                                         np.sin(ngo.field * 2.1)])
            spots.setdefault(ngo.hub, []).append(spot)
            ax.scatter(*spot, marker="s", s=40, color="#3366cc", edgecolor="k", zorder=3)
    for hub, places in spots.items():
        if hub is None:
            continue
        centre = np.mean(places, axis=0)
        for p in places:
            ax.plot(*zip(centre, p, strict=True), color="#3366cc", lw=0.6, alpha=0.6, zorder=2)
        ax.scatter(*centre, marker="*", s=160, color="#ff9900", edgecolor="k", zorder=4)
    ax.set_title(f"{len(nodes)} of {model.citizens.n} citizens, step {model.steps}", fontsize=9)
    ax.set_axis_off()
    solara.FigureMatplotlib(fig)


page = SolaraViz(
    GovernanceModel(SCENARIO),
    components=[
        NetworkView,
        make_plot_component({"trust_gov": "tab:green", "satisfaction": "tab:blue"}),
        make_plot_component({"unmet_need": "tab:red", "cooperation": "tab:purple",
                             "unrest": "black"}),
    ],
    model_params=model_params,
    name="cogov: top-down management vs adaptive collaboration",
)
