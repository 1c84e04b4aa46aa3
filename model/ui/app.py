"""Interactive cogov: a Mesa SolaraViz app.

    cogov app                                   # the adaptive preset
    cogov app scenarios/incident_top_down.yaml  # any scenario file or preset name

(`make app` does the first; both run `solara run cogov.model.ui.app`, which serves Solara's
front-end from this machine through solara-assets, never from a CDN.)

Every browser session (tab) gets its own model: :func:`Page` builds one when the
session starts, so a new tab opens at step 0 whatever other tabs do. Sliders (their
range in the label, their value on the thumb) and switches set the regime, budget,
initial trust, synergy r and mechanism parameters; they take effect on **Reset**,
which rebuilds the model, and the "Settings in effect" card shows the values of the
model that is running and, beside each one a control has changed, the value the next
Reset will use (as the server holds it: a test waits on it before pressing Reset). The network view shows a sample of citizens coloured by trust
in government (cividis, readable with any colour vision), NGOs (squares) in their
district and hubs (stars) linked to their NGOs; the plots start at step 1 (row 0 is
the warm-up's last state) and show the series of mechanisms that are on. Step, play
and reset come from Mesa's SolaraViz controls.
"""

from __future__ import annotations

import os

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..figures.labels import title
from ..figures.plots import OKABE_ITO, STEP_LABEL, TRUST_CMAP
from ..scenario.files import load_scenario
from ..sim.model import GovernanceModel
from ..sim.network import to_networkx

SCENARIO = load_scenario(os.environ.get("COGOV_SCENARIO", "adaptive"))
SAMPLE = 250  # citizens drawn in the network view
NGO_COLOUR, HUB_COLOUR = "#D55E00", "#CC79A7"  # Okabe-Ito vermillion, reddish purple


# The value each control holds, one per browser session (a module-level solara.reactive
# is scoped to its session's kernel): Mesa's sliders and switches write to it, the next
# Reset reads it (AppModel) and the settings card shows it before Reset.
PENDING: dict[str, solara.Reactive] = {}


def _slider(key, lo, hi, step, label):
    PENDING[key] = solara.reactive(_value(SCENARIO, key))
    return {"type": "SliderFloat", "value": PENDING[key], "min": lo, "max": hi,
            "step": step, "label": f"{label} ({lo:g}–{hi:g})", "name": label}


def _switch(key, label):
    PENDING[key] = solara.reactive(bool(_value(SCENARIO, key)))
    return {"type": "Checkbox", "value": PENDING[key], "label": label, "name": label}


def _value(scenario, dotted: str):
    node = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


CONTROLS = {
    "governance.collaboration": _switch("governance.collaboration", "Collaboration"),
    "governance.adaptation": _switch("governance.adaptation", "Adaptation"),
    "governance.law_based": _switch("governance.law_based", "Law-based governance"),
    "governance.comprehensive": _switch("governance.comprehensive",
                                        "Comprehensive: instruments combined (7.24)"),
    "governance.source": _switch("governance.source", "Source: prevention first (7.24)"),
    "budget.per_capita": _slider("budget.per_capita", 0.2, 1.6, 0.05, "Budget per citizen"),
    "population.initial_trust.government": _slider(
        "population.initial_trust.government", 0.0, 1.0, 0.05, "Initial trust in government"),
    "population.initial_trust.ngo": _slider("population.initial_trust.ngo", 0.0, 1.0, 0.05,
                                            "Initial trust in NGOs"),
    "mechanisms.incentives.r": _slider("mechanisms.incentives.r", 1.0, 8.0, 0.25,
                                       "Co-production synergy r"),
    "mechanisms.incentives.subsidy": _slider("mechanisms.incentives.subsidy", 0.0, 0.05, 0.005,
                                             "Subsidy per contribution"),
    "mechanisms.trust.negativity": _slider("mechanisms.trust.negativity", 1.0, 5.0, 0.25,
                                           "Trust: losses / gains"),
    "population.need.shift.size": _slider("population.need.shift.size", 0.0, 1.0, 0.05,
                                          "Need drift"),
    "mechanisms.unrest.enabled": _switch("mechanisms.unrest.enabled", "Unrest (Epstein)"),
    "mechanisms.hub_strategy.enabled": _switch("mechanisms.hub_strategy.enabled",
                                               "Hub strategies (gather / borrow / avoid)"),
    "mechanisms.projects.enabled": _switch("mechanisms.projects.enabled",
                                           "Project procurement (1+1+N)"),
    "mechanisms.collective_bargaining.enabled": _switch(
        "mechanisms.collective_bargaining.enabled", "Collective consultation"),
    "mechanisms.interests.enabled": _switch("mechanisms.interests.enabled",
                                            "Hubs carry interests upward"),
    "mechanisms.public_security.enabled": _switch(
        "mechanisms.public_security.enabled", "Public security (crime and its six links)"),
}
model_params = {"scenario": SCENARIO, **CONTROLS}

# series drawn only when their mechanism is on
OPTIONAL_SERIES = {"unrest": "mechanisms.unrest.enabled",
                   "attention": "mechanisms.opinion.enabled",
                   "hub_reach": "mechanisms.hub_strategy.enabled",
                   "ngo_default_rate": "mechanisms.projects.enabled",
                   "contract_coverage": "mechanisms.collective_bargaining.enabled",
                   "interests_reported": "mechanisms.interests.enabled",
                   "victimisation": "mechanisms.public_security.enabled"}
PLOTS = (("trust_gov", "trust_ngo", "satisfaction"),
         ("unmet_need", "cooperation", *OPTIONAL_SERIES))

# Vuetify shows a slider's value only while it is dragged; show it always
STYLE = """
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%)
                                    rotate(45deg) !important; }
.v-input__slider { margin-top: 18px; }
"""


def series_shown(scenario, metrics) -> list[str]:
    """The metrics to plot: those of mechanisms that are off are left out."""
    return [m for m in metrics if m not in OPTIONAL_SERIES
            or _value(scenario, OPTIONAL_SERIES[m])]


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
    """Citizens coloured by trust in government, NGOs and hubs on top, with a legend."""
    update_counter.get()
    nodes, sub, pos = _layout(model)
    fig = Figure(figsize=(5.6, 3.8), layout="constrained")
    ax = fig.subplots()
    xy = np.array([pos[n] for n in sub.nodes])
    for u, v in sub.edges:
        ax.plot(*zip(pos[u], pos[v], strict=True), color="#cccccc", lw=0.5, zorder=1)
    trust = model.citizens.trust_gov[list(sub.nodes)]
    dots = ax.scatter(xy[:, 0], xy[:, 1], c=trust, cmap=TRUST_CMAP, vmin=0, vmax=1, s=18,
                      zorder=2)
    fig.colorbar(dots, ax=ax, shrink=0.7, label="trust in government (0–1)")
    district = model.citizens.district[list(sub.nodes)]
    spots = {}
    for ngo in model.ngos:
        here = xy[district == ngo.district]
        if len(here):
            spot = here.mean(axis=0) + 0.05 * np.array([np.cos(ngo.field * 2.1),
                                                         np.sin(ngo.field * 2.1)])
            spots.setdefault(ngo.hub, []).append(spot)
            ax.scatter(*spot, marker="s", s=40, color=NGO_COLOUR, edgecolor="k", zorder=3)
    for hub, places in spots.items():
        if hub is None:
            continue
        centre = np.mean(places, axis=0)
        for p in places:
            ax.plot(*zip(centre, p, strict=True), color=HUB_COLOUR, lw=0.7, alpha=0.7, zorder=2)
        ax.scatter(*centre, marker="*", s=170, color=HUB_COLOUR, edgecolor="k", zorder=4)
    fig.legend(handles=_legend_handles(), loc="outside lower center", ncols=5, fontsize=6.5,
               frameon=False, handlelength=1.2, columnspacing=0.8)
    ax.set_title(f"{len(nodes)} of {model.citizens.n} citizens, step {model.steps}", fontsize=9)
    ax.set_axis_off()
    solara.FigureMatplotlib(fig)


def _legend_handles() -> list:
    dot = Line2D([], [], marker="o", ls="", color="#7f7c75", label="citizen (colour: trust)")
    ngo = Line2D([], [], marker="s", ls="", color=NGO_COLOUR, mec="k", label="NGO")
    hub = Line2D([], [], marker="*", ls="", ms=11, color=HUB_COLOUR, mec="k", label="hub")
    tie = Line2D([], [], color="#cccccc", label="social tie")
    link = Line2D([], [], color=HUB_COLOUR, label="hub–NGO link")
    return [dot, ngo, hub, tie, link]


def make_time_plot(metrics):
    """A component plotting these metrics (those whose mechanisms are on) from step 1."""

    @solara.component
    def TimePlot(model):
        update_counter.get()
        fig = Figure(figsize=(5.6, 3.6), layout="constrained")
        ax = fig.subplots()
        table = model.datacollector.get_model_vars_dataframe()
        body = table[table["step"] > 0]
        for i, metric in enumerate(series_shown(model.scenario, metrics)):
            ax.plot(body["step"], body[metric], color=OKABE_ITO[i], lw=1.5, label=title(metric))
        ax.set_xlabel(STEP_LABEL, fontsize=8)
        ax.set_ylabel("share or index (0–1)", fontsize=8)
        ax.set_ylim(-0.02, 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if body.empty:
            ax.text(0.5, 0.5, "press Step or ▶ (plots start at step 1)", ha="center",
                    transform=ax.transAxes, color="0.4")
        ax.legend(fontsize=7, loc="best")
        solara.FigureMatplotlib(fig)

    return TimePlot


class AppModel(GovernanceModel):
    """The app's model: a control's value reaches it as the session's reactive variable."""

    def __init__(self, scenario=None, seed=None, **kwargs):
        super().__init__(scenario, seed, **{k: v.value if isinstance(v, solara.Reactive) else v
                                            for k, v in kwargs.items()})


def _shown(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else f"{value:g}"


@solara.component
def SettingsInEffect(model):
    """The values of the model that is running, those the next Reset will use, and what a
    change needs."""
    update_counter.get()
    rows = []
    for key, control in CONTROLS.items():
        value, pending = _value(model.scenario, key), PENDING[key].value
        after = "" if pending == value else f"{_shown(pending)} on Reset"
        rows.append(f"| {control['name']} | **{_shown(value)}** | {after} |")
    with solara.Card("Settings in effect"):
        solara.Markdown(
            "Sliders and switches take effect when you press **Reset**, which rebuilds the "
            "model at step 0 (changes made while it plays do nothing until then). "
            f"Scenario `{model.scenario.name}`, seed {model.seed}.\n\n"
            "| setting | value | next |\n|---|---|---|\n" + "\n".join(rows))


COMPONENTS = [NetworkView, make_time_plot(PLOTS[0]), make_time_plot(PLOTS[1]), SettingsInEffect]


@solara.component
def Page():
    """One session: its own model, built when the session starts."""
    model = solara.use_memo(lambda: AppModel(SCENARIO), [])
    solara.Style(STYLE)
    SolaraViz(model, components=COMPONENTS, model_params=model_params,
              name="cogov: top-down management vs adaptive collaboration")


page = Page
