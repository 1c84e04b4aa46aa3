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
Reset will use (as the server holds it: a test waits on it before pressing Reset), and
the run's shocks and reforms. The "Schedule" card adds a shock (kind, step, size) or a
reform (a key a mechanism can take mid-run, its new value, step and ramp) to the running
model: it takes effect at its step, is marked on the plots and listed in the card; a
Reset starts again from the scenario without it. The network view shows a sample of
citizens coloured by trust in government (cividis, readable with any colour vision),
NGOs (squares) in their district and hubs (stars) linked to their NGOs; the plots span
the run's horizon from step 1 (row 0 is the warm-up's last state) on the metrics'
declared ranges and show the series of mechanisms that are on. Step, play and reset come
from Mesa's SolaraViz controls.

Speed: each view keeps one matplotlib figure per model and only moves its data at a step
(colours of the dots, the lines' points, the marks), with a fixed layout, drawn as PNG;
the series come from the data collector's lists, not a DataFrame (docs/performance.md,
"The app").
"""

from __future__ import annotations

import os
import typing

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..figures.labels import METRIC_INFO, title
from ..figures.plots import OKABE_ITO, STEP_LABEL, TRUST_CMAP
from ..scenario.errors import ScenarioError
from ..scenario.files import load_scenario
from ..scenario.schema import FIXED_IN_RUN, REFORMABLE
from ..scenario.sections import Shock
from ..sim.model import GovernanceModel
from ..sim.network import to_networkx

SCENARIO = load_scenario(os.environ.get("COGOV_SCENARIO", "adaptive"))
SAMPLE = 250  # citizens drawn in the network view
NGO_COLOUR, HUB_COLOUR = "#D55E00", "#CC79A7"  # Okabe-Ito vermillion, reddish purple
SHOCK_COLOUR, REFORM_COLOUR = "#E69F00", "#009E73"  # Okabe-Ito orange, bluish green
TITLE = "cogov"  # the browser tab's title


# The value each control holds, one per browser session (a module-level solara.reactive
# is scoped to its session's kernel): Mesa's sliders and switches write to it, the next
# Reset reads it (AppModel) and the settings card shows it before Reset.
PENDING: dict[str, solara.Reactive] = {}
# Bumped when the Schedule card adds a shock or a reform: the views that show the schedule
# (plots, settings card) redraw then, and the settings card only then, not at every step.
SCHEDULED = solara.reactive(0)


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

# The keys the Schedule card can reform: the controls' keys a mechanism can take mid-run
# (model/scenario/reforms.py; the schema's REFORMABLE prefixes less FIXED_IN_RUN).
REFORM_KEYS = {key: control["name"] for key, control in CONTROLS.items()
               if key.startswith(REFORMABLE) and key not in FIXED_IN_RUN}
SHOCK_KINDS = typing.get_args(typing.get_type_hints(Shock)["kind"])

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
table.now td, table.now th { padding: 1px 10px 1px 0; text-align: left; }
table.now td.now-value { text-align: right; font-variant-numeric: tabular-nums; }
"""


def series_shown(scenario, metrics) -> list[str]:
    """The metrics to plot: those of mechanisms that are off are left out."""
    return [m for m in metrics if m not in OPTIONAL_SERIES
            or _value(scenario, OPTIONAL_SERIES[m])]


# ---------------------------------------------------------------- scheduling
def _plain(items) -> list[dict]:
    from dataclasses import asdict

    return [asdict(x) for x in items]


def schedule_shock(model: GovernanceModel, kind: str, step: int, size: float,
                   over: int = 1) -> None:
    """Add a shock to the running model: it takes effect at ``step`` (after the step shown)
    as a shock of the scenario file does. Raises ScenarioError naming what is wrong."""
    if int(step) <= model.steps:
        raise ScenarioError([f"shocks: step {step} has passed (the model is at step "
                             f"{model.steps}; schedule step {model.steps + 1} or later)"])
    shock = {"kind": kind, "step": int(step), "size": float(size), "over": int(over)}
    planned = model.planned.replace(shocks=[*_plain(model.planned.shocks), shock])
    model.planned = planned
    in_force = model._in_force
    model.scenario = model.ctx.scenario = planned.replace(**in_force) if in_force else planned
    model.ctx.units["shocks"].shocks = planned.shocks
    model._app_scheduled = (*getattr(model, "_app_scheduled", ()), planned.shocks[-1])


def schedule_reform(model: GovernanceModel, key: str, value, step: int, over: int = 1) -> None:
    """Add a reform to the running model (model/scenario/reforms.py): from ``step`` the key
    takes ``value`` (a number moving to it over ``over`` steps). Raises ScenarioError naming
    what is wrong (a key that cannot change mid-run, a value out of bounds, a past step)."""
    if int(step) <= model.steps:
        raise ScenarioError([f"reforms: step {step} has passed (the model is at step "
                             f"{model.steps}; schedule step {model.steps + 1} or later)"])
    reform = {"step": int(step), "set": {key: value}, "over": int(over)}
    model.planned = model.planned.replace(reforms=[*_plain(model.planned.reforms), reform])
    model._app_scheduled = (*getattr(model, "_app_scheduled", ()), model.planned.reforms[-1])


def _schedule_version(model) -> int:
    return len(model.planned.shocks) + len(model.planned.reforms)


# ------------------------------------------------------------------- figures
def _views(model) -> dict:
    """The session's figures of this model (built on first use, kept with the model)."""
    if getattr(model, "_app_views", None) is None:
        model._app_views = {}
    return model._app_views


class Blitted:
    """A figure drawn once, whose moving artists (``self.moving``) alone are redrawn on the
    saved background at a step (matplotlib's blitting), then encoded as PNG: the axes,
    ticks, legends and colour bar are not laid out or drawn again."""

    fig: Figure
    moving: list

    def _finish(self) -> None:
        """Lay the figure out once (constrained) and keep that layout, then save everything
        but the moving artists as the background."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.canvas = FigureCanvasAgg(self.fig)
        self.fig.draw_without_rendering()
        self.fig.set_layout_engine("none")
        for artist in self.moving:
            artist.set_animated(True)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def animate(self, artist):
        """Add an artist that moves (drawn at each redraw, not in the background)."""
        artist.set_animated(True)
        self.moving.append(artist)
        return artist

    def png(self) -> bytes:
        import io

        from PIL import Image

        self.canvas.restore_region(self.background)
        for artist in self.moving:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())[..., :3]).save(
            buffer, format="png", compress_level=1)  # fast; a tenth of the figure's time
        return buffer.getvalue()


class NetworkFigure(Blitted):
    """Citizens coloured by trust in government, NGOs and hubs on top, with a legend: drawn
    once, then a step recolours the dots and moves NGOs, hubs and their links."""

    def __init__(self, model):
        import networkx as nx

        g = to_networkx(model.adjacency)
        nodes = list(nx.bfs_tree(g, 0, depth_limit=None).nodes)[:SAMPLE]  # edges show
        sub = g.subgraph(nodes)
        pos = nx.spring_layout(sub, seed=0)
        self.nodes = np.array(list(sub.nodes))
        self.xy = np.array([pos[n] for n in sub.nodes])
        self.district = model.citizens.district[self.nodes]
        self.fig = Figure(figsize=(5.6, 3.8), layout="constrained")
        ax = self.ax = self.fig.subplots()
        ax.add_collection(LineCollection([(pos[u], pos[v]) for u, v in sub.edges],
                                         colors="#cccccc", linewidths=0.5, zorder=1))
        self.dots = ax.scatter(self.xy[:, 0], self.xy[:, 1], c=self._trust(model),
                               cmap=TRUST_CMAP, vmin=0, vmax=1, s=18, zorder=2)
        self.fig.colorbar(self.dots, ax=ax, shrink=0.7, label="trust in government (0–1)")
        self.links = ax.add_collection(LineCollection([], colors=HUB_COLOUR, linewidths=0.7,
                                                      alpha=0.7, zorder=2))
        self.ngo_dots = ax.scatter([], [], marker="s", s=40, color=NGO_COLOUR, edgecolor="k",
                                   zorder=3)
        self.hub_dots = ax.scatter([], [], marker="*", s=170, color=HUB_COLOUR, edgecolor="k",
                                   zorder=4)
        self.fig.legend(handles=_legend_handles(), loc="outside lower center", ncols=5,
                        fontsize=6.5, frameon=False, handlelength=1.2, columnspacing=0.8)
        self.title = ax.set_title("", fontsize=9)
        ax.set_axis_off()
        pad = 0.08
        ax.set_xlim(self.xy[:, 0].min() - pad, self.xy[:, 0].max() + pad)
        ax.set_ylim(self.xy[:, 1].min() - pad, self.xy[:, 1].max() + pad)
        self.moving = [self.dots, self.links, self.ngo_dots, self.hub_dots, self.title]
        self.update(model)
        self._finish()

    def _trust(self, model):
        return model.citizens.trust_gov[self.nodes]

    def update(self, model) -> None:
        self.dots.set_array(self._trust(model))
        ngos, spots = [], {}
        centres = {d: self.xy[self.district == d].mean(axis=0)
                   for d in np.unique(self.district)}
        for ngo in model.ngos:
            if ngo.district in centres:
                spot = centres[ngo.district] + 0.05 * np.array([np.cos(ngo.field * 2.1),
                                                                np.sin(ngo.field * 2.1)])
                ngos.append(spot)
                spots.setdefault(ngo.hub, []).append(spot)
        hubs, links = [], []
        for hub, places in spots.items():
            if hub is None:
                continue
            centre = np.mean(places, axis=0)
            hubs.append(centre)
            links += [(centre, p) for p in places]
        self.ngo_dots.set_offsets(np.array(ngos).reshape(-1, 2))
        self.hub_dots.set_offsets(np.array(hubs).reshape(-1, 2))
        self.links.set_segments(links)
        self.title.set_text(f"{len(self.nodes)} of {model.citizens.n} citizens, "
                            f"step {model.steps}")


def _legend_handles() -> list:
    dot = Line2D([], [], marker="o", ls="", color="#7f7c75", label="citizen (colour: trust)")
    ngo = Line2D([], [], marker="s", ls="", color=NGO_COLOUR, mec="k", label="NGO")
    hub = Line2D([], [], marker="*", ls="", ms=11, color=HUB_COLOUR, mec="k", label="hub")
    tie = Line2D([], [], color="#cccccc", label="social tie")
    link = Line2D([], [], color=HUB_COLOUR, label="hub–NGO link")
    return [dot, ngo, hub, tie, link]


def value_range(metrics) -> tuple[float, float]:
    """The y range of a plot: the widest of the metrics' declared ranges (``@metric``'s low
    and high; an open end falls back to 0 or 1), with a margin."""
    lows = [METRIC_INFO[m].low for m in metrics if m in METRIC_INFO]
    highs = [METRIC_INFO[m].high for m in metrics if m in METRIC_INFO]
    low = min((x for x in lows if np.isfinite(x)), default=0.0)
    high = max((x for x in highs if np.isfinite(x)), default=1.0)
    margin = 0.02 * (high - low)
    return low - margin, high + margin


def _shock_text(shock) -> str:
    ramp = f" over {shock.over} steps" if shock.over > 1 else ""
    where = f" in district {shock.where}" if shock.where is not None else ""
    until = f", lifted at step {shock.until}" if shock.until is not None else ""
    return f"{shock.kind.replace('_', ' ')} of {shock.size:g} at step {shock.step}{ramp}{where}{until}"


def _reform_value(key, value) -> str:
    return _shown(value) if isinstance(value, bool | int | float) else str(value)


def _reform_text(reform) -> str:
    keys = ", ".join(f"{REFORM_KEYS.get(k, k)} → {_reform_value(k, v)}"
                     for k, v in reform.set.items())
    ramp = f" over {reform.over} steps" if reform.over > 1 else ""
    return f"{keys} at step {reform.step}{ramp}"


class TimeFigure(Blitted):
    """Metrics over the run's horizon from step 1, on their declared range, with the shocks'
    and reforms' steps marked: drawn once, then a step moves the lines' points."""

    def __init__(self, model, metrics):
        self.metrics = series_shown(model.scenario, metrics)
        self.fig = Figure(figsize=(5.6, 3.6), layout="constrained")
        ax = self.ax = self.fig.subplots()
        self.lines = [ax.plot([], [], color=OKABE_ITO[i], lw=1.5, label=title(m))[0]
                      for i, m in enumerate(self.metrics)]
        ax.set_xlabel(STEP_LABEL, fontsize=8)
        ax.set_ylabel("share or index (0–1)", fontsize=8)
        ax.set_xlim(0, max(model.scenario.steps, 1))
        ax.set_ylim(*value_range(self.metrics))
        ax.grid(alpha=0.3)
        self.empty = ax.text(0.5, 0.5, "press Step or ▶ (plots start at step 1)",
                             ha="center", transform=ax.transAxes, color="0.4")
        handles = [*self.lines, Line2D([], [], color=SHOCK_COLOUR, ls="--", label="shock"),
                   Line2D([], [], color=REFORM_COLOUR, ls=":", label="reform")]
        self.fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=7,
                        frameon=False)
        self.moving = [*self.lines, self.empty]
        self.marked = 0
        self.update(model)
        self._finish()

    def _mark(self, model) -> None:
        """Mark the steps of the shocks and reforms not yet marked (a schedule only grows)."""
        events = ([(s.step, SHOCK_COLOUR, "--") for s in model.planned.shocks]
                  + [(r.step, REFORM_COLOUR, ":") for r in model.planned.reforms])
        for step, colour, style in events[self.marked:]:
            self.animate(self.ax.axvline(step, color=colour, ls=style, lw=1.2, zorder=0))
        self.marked = len(events)

    def update(self, model) -> None:
        rows = model.datacollector.model_vars
        steps = rows["step"][1:]  # row 0: the warm-up's last state
        for line, metric in zip(self.lines, self.metrics, strict=True):
            line.set_data(steps, rows[metric][1:])
        self.empty.set_visible(not steps)
        if self.marked != _schedule_version(model):
            self._mark(model)


def _figure_view(model, key, build):
    """Draw this model's figure ``key`` at its current step: a PNG image that changes at a
    step or a schedule, and only then."""
    update_counter.get()
    SCHEDULED.get()
    views = _views(model)

    def draw() -> bytes:
        if key not in views:
            views[key] = build()
        views[key].update(model)
        return views[key].png()

    image = solara.use_memo(draw, [id(model), model.steps, _schedule_version(model)])
    solara.Image(image, format="png")


@solara.component
def NetworkView(model):
    """Citizens coloured by trust in government, NGOs and hubs on top, with a legend."""
    _figure_view(model, "network", lambda: NetworkFigure(model))


def make_time_plot(metrics):
    """A component plotting these metrics (those whose mechanisms are on) from step 1."""

    @solara.component
    def TimePlot(model):
        _figure_view(model, metrics, lambda: TimeFigure(model, metrics))

    return TimePlot


TIME_PLOTS = [make_time_plot(metrics) for metrics in PLOTS]


class AppModel(GovernanceModel):
    """The app's model: a control's value reaches it as the session's reactive variable."""

    def __init__(self, scenario=None, seed=None, **kwargs):
        super().__init__(scenario, seed, **{k: v.value if isinstance(v, solara.Reactive) else v
                                            for k, v in kwargs.items()})


def _shown(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else f"{value:g}"


def events(model) -> list[tuple[str, str, str]]:
    """The run's shocks and reforms as the settings card lists them: (kind, what, from where:
    the scenario or scheduled in the app)."""
    added = getattr(model, "_app_scheduled", ())
    source = lambda x: "scheduled here (until Reset)" if x in added else "scenario"  # noqa: E731
    return ([("shock", _shock_text(s), source(s)) for s in model.planned.shocks]
            + [("reform", _reform_text(r), source(r)) for r in model.planned.reforms])


@solara.component
def SettingsInEffect(model):
    """The values of the model that is running, those the next Reset will use, what a
    change needs, and the run's shocks and reforms (the text changes only when a control,
    a reform or the schedule does, so a step sends the browser nothing from here)."""
    update_counter.get()
    SCHEDULED.get()
    rows = []
    for key, control in CONTROLS.items():
        value, pending = _value(model.scenario, key), PENDING[key].value
        after = "" if pending == value else f"{_shown(pending)} on Reset"
        rows.append(f"| {control['name']} | **{_shown(value)}** | {after} |")
    lines = [f"| {kind} | {text} | {source} |" for kind, text, source in events(model)]
    with solara.Card("Settings in effect"):
        solara.Markdown(
            "Sliders and switches take effect when you press **Reset**, which rebuilds the "
            "model at step 0 (changes made while it plays do nothing until then). "
            f"Scenario `{model.scenario.name}`, seed {model.seed}.\n\n"
            "| setting | value | next |\n|---|---|---|\n" + "\n".join(rows))
        solara.Markdown("**Shocks and reforms**\n\n" + (
            "| event | what | from |\n|---|---|---|\n" + "\n".join(lines) if lines
            else "none: schedule one in the Schedule card"))


@solara.component
def Now(model):
    """The latest values: the plotted metrics and the government's spending (plain HTML:
    the browser need not compile a template at every step, as for Markdown)."""
    update_counter.get()
    rows = model.datacollector.model_vars
    shown = [m for metrics in PLOTS for m in series_shown(model.scenario, metrics)]
    values = [(title(m), rows[m][-1]) for m in shown]
    values.append(("government spending per citizen", rows["gov_spent"][-1] / model.citizens.n))
    cells = "".join(f"<tr><td>{name}</td><td class='now-value'>{x:.3f}</td></tr>"
                    for name, x in values)
    with solara.Card(f"Now: step {model.steps}"):
        solara.HTML(tag="table", unsafe_innerHTML=f"<tr><th>metric</th><th>value</th></tr>{cells}",
                    classes=["now"])


@solara.component
def Schedule(model):
    """Add a shock or a reform to the running model."""
    # constant first values (use_reactive follows its argument when that changes)
    middle = max(1, SCENARIO.steps // 2)
    kind = solara.use_reactive("budget_cut")
    shock_step = solara.use_reactive(middle)
    size = solara.use_reactive(0.3)
    key = solara.use_reactive(next(iter(REFORM_KEYS)))
    switch = solara.use_reactive(not bool(_value(SCENARIO, next(iter(REFORM_KEYS)))))
    number = solara.use_reactive(1.0)
    reform_step = solara.use_reactive(middle)
    over = solara.use_reactive(1)
    message = solara.use_reactive("")

    def run(action):
        try:
            action()
        except ScenarioError as exc:
            message.set("; ".join(exc.errors))
            return
        message.set("")
        SCHEDULED.set(SCHEDULED.value + 1)  # the plots and the settings card show it

    names = {name: k for k, name in REFORM_KEYS.items()}
    is_switch = isinstance(_value(SCENARIO, key.value), bool)
    new_value = bool(switch.value) if is_switch else number.value
    # the buttons name what they will schedule, as the server holds it (a test waits on it)
    shock_label = (f"Schedule {kind.value.replace('_', ' ')} of {size.value:g} "
                   f"at step {shock_step.value}")
    reform_label = (f"Schedule reform: {REFORM_KEYS[key.value]} → "
                    f"{_reform_value(key.value, new_value)} at step {reform_step.value}"
                    + (f" over {over.value}" if over.value > 1 else ""))
    with solara.Card("Schedule (the running model; Reset clears it)"):
        with solara.Row():
            solara.Select(label="Shock", values=list(SHOCK_KINDS), value=kind)
            solara.InputInt("Shock at step", value=shock_step)
            solara.InputFloat("Shock size", value=size)
        solara.Button(shock_label, color="primary", on_click=lambda: run(
            lambda: schedule_shock(model, kind.value, shock_step.value, size.value)))
        with solara.Row():
            solara.Select(label="Reform", values=list(names), value=REFORM_KEYS[key.value],
                          on_value=lambda name: key.set(names[name]))
            if is_switch:
                solara.Checkbox(label="on after the reform", value=switch)
            else:
                solara.InputFloat("New value", value=number)
        with solara.Row():
            solara.InputInt("Reform at step", value=reform_step)
            solara.InputInt("Over steps", value=over)
        solara.Button(reform_label, color="primary", on_click=lambda: run(
            lambda: schedule_reform(model, key.value, new_value, reform_step.value,
                                    over.value)))
        if message.value:
            solara.Error(message.value)


@solara.component
def Page():
    """One session: its own model, built when the session starts."""
    first = solara.use_memo(lambda: AppModel(SCENARIO), [])
    model = solara.use_reactive(first)
    solara.Title(TITLE)
    solara.Style(STYLE)
    # SolaraViz gives the app bar, the controls and the parameters; the views are laid out
    # here (no "Page 0" tab, no draggable grid)
    SolaraViz(model, components=[], model_params=model_params,
              name="cogov: top-down management vs adaptive collaboration")
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(style={"width": "580px"}):
            NetworkView(model.value)
            Now(model.value)
        with solara.Column(style={"width": "580px"}):
            for plot in TIME_PLOTS:
                plot(model.value)
        with solara.Column(style={"width": "580px"}):
            Schedule(model.value)
            SettingsInEffect(model.value)


page = Page
