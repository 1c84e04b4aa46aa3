"""Command line: ``python run.py {run,compare,validate} ...`` (see ``--help``).

Heavy libraries are imported inside the commands, so ``--help`` is instant.
Bad input (a scenario error, a wrong flag) prints a message naming the key path
and exits with code 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

EXIT_BAD_INPUT = 2

KEY_METRICS = ("trust_gov", "unmet_need", "satisfaction", "cooperation", "resource_leverage",
               "cost_per_need")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default: "(default: X)" is added unless the
    text already says it (defaults of None, lists and switches are worded by hand)."""

    def _get_help_string(self, action):
        text, default = action.help or "", action.default
        if "default" in text or default is None or default is False or default == [] \
                or default is argparse.SUPPRESS:
            return text
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


SCENARIO_HELP = "scenario YAML file or preset name (e.g. adaptive, or scenarios/my_city.yaml)"
SET_HELP = ("override a scenario key, e.g. --set mechanisms.incentives.r=4.5 "
            "(repeatable; default: none)")


def _common(p: argparse.ArgumentParser, out_default: str | None = None,
            seed_help: str = "base seed from which the replicates' seeds are spawned") -> None:
    p.add_argument("--steps", type=int,
                   help="number of steps (default: the scenario's `steps`)")
    p.add_argument("--seed", type=int, help=f"{seed_help} (default: the scenario's `seed`; "
                   "a fresh one from the OS when it has none)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help=SET_HELP)
    if out_default is not None:
        p.add_argument("--out", type=Path, help=f"output folder (default: {out_default})")


def _execution(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bounds", action="append", default=[], metavar="KEY.PATH=LO:HI",
                   help="range of a sampled key (repeatable; default: none)")
    p.add_argument("--replicates", type=int, default=1, help="replicates per point")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="Dask worker processes; 1 = in-process (default: number of cores, "
                        f"{os.cpu_count() or 1} here)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="submit to an existing Dask cluster instead of starting one "
                        "(default: a local cluster of --workers processes)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted sweep in --out, running only what is missing "
                        "(default: off; without it, an --out holding another sweep is refused)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for run.py."""
    parser = _Parser(
        prog="run.py",
        description="cogov: top-down management vs adaptive collaboration (agent-based model).",
    )
    # subcommands are _Parsers too, so every command's options show their defaults
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("run", help="run one scenario once")
    p.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    _common(p, "out/<scenario name>", seed_help="seed of the run")
    p.add_argument("--agents", action="store_true",
                   help="also write agents.parquet: one row per agent per step "
                        "(default: off, unless the scenario sets outputs.agents)")
    p = sub.add_parser("compare", help="run scenarios with replicates and compare them")
    p.add_argument("scenarios", type=Path, nargs="+", help="two or more " + SCENARIO_HELP)
    p.add_argument("--replicates", type=int, default=10, help="replicates per scenario")
    p.add_argument("--workers", type=int, default=1, help="parallel processes")
    _metric_option(p)
    _common(p, "out/compare")
    p = sub.add_parser("sweep", help="run a parameter sweep (grid, ranges, Latin hypercube)")
    p.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    p.add_argument("--grid", action="append", default=[], metavar="KEY.PATH=V1,V2,...",
                   help="explicit values (repeatable; axes combine as a full factorial; "
                        "default: none)")
    p.add_argument("--range", dest="ranges", action="append", default=[], metavar="KEY.PATH=LO:HI:N",
                   help="N evenly spaced values from LO to HI (repeatable; default: none)")
    p.add_argument("--sample", choices=["lhs"],
                   help="sample the --bounds keys (Latin hypercube; default: no sampling)")
    p.add_argument("--n", type=int, default=0, help="number of sampled points (with --sample)")
    p.add_argument("--design", type=Path,
                   help="a sweep design YAML (grid/range/sample/...; default: none)")
    _execution(p)
    _common(p, "out/sweep-<scenario name>")
    p = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity analysis with SALib")
    p.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol",
                   help="Sobol indices (S1, ST) or Morris elementary effects")
    p.add_argument("--n", type=int, default=64, help="SALib base sample size N")
    p.add_argument("--metric", dest="metrics", action="append", default=[],
                   help="metric to analyse (repeatable; default: unmet_need)")
    _execution(p)
    _common(p, "out/sensitivity-<scenario name>")
    p = sub.add_parser("plot", help="redraw the figures of a results folder")
    p.add_argument("folder", type=Path, help="a results folder of run, compare, sweep or "
                   "sensitivity")
    _metric_option(p)
    p = sub.add_parser("app", help="start the interactive Solara app on a scenario")
    p.add_argument("scenario", type=Path, nargs="?", default=Path("adaptive"), help=SCENARIO_HELP)
    p.add_argument("--port", type=int, default=8765, help="port of the local web server")
    p = sub.add_parser("validate", help="check a scenario without running it")
    p.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help=SET_HELP)
    p.add_argument("--steps", type=int, help="number of steps (default: the scenario's `steps`)")
    return parser


def _metric_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--metric", dest="metrics", action="extend", nargs="+", default=[],
                   metavar="METRIC", help="metrics to draw and tabulate, e.g. --metric "
                   "hub_funds_raised hub_reach (default: the headline metrics of the mechanisms "
                   "the scenarios switch on, else the main ones)")


def chosen_metrics(requested: list[str], scenarios=()) -> tuple[list[str] | None, tuple]:
    """``--metric``: (figure panels, table columns). Without it the figure takes the
    scenarios' headline metrics (plots.default_metrics) and so does the table, which
    keeps KEY_METRICS when no mechanism beyond the core is on."""
    from .metrics import METRICS
    from .plots import MAIN_METRICS, default_metrics

    unknown = [m for m in requested if m not in METRICS or m == "step"]
    if unknown:
        raise _BadInput(f"--metric: unknown metric {', '.join(map(repr, unknown))} "
                        f"(known: {', '.join(METRICS[1:])})")
    if requested:
        return list(dict.fromkeys(requested)), tuple(dict.fromkeys(requested))
    headline = default_metrics(scenarios)
    return None, KEY_METRICS if headline == MAIN_METRICS else headline


def _load(path: Path, args) -> object:
    from .scenario import load_scenario

    return load_scenario(path, list(args.overrides), steps=getattr(args, "steps", None))


def cmd_validate(args) -> int:
    """Validate; print a one-line summary."""
    s = _load(args.scenario, args)
    g = s.governance
    print(
        f"ok: {s.name}: collaboration={'on' if g.collaboration else 'off'}, "
        f"adaptation={'on' if g.adaptation else 'off'}, {s.population.citizens} citizens on a "
        f"{s.network.kind} network, {s.organizations.hubs} hubs, {s.organizations.ngos} NGOs, "
        f"{s.steps} steps, seed {'drawn fresh per run' if s.seed is None else s.seed}"
    )
    return 0


def cmd_run(args) -> int:
    """One run: model_metrics.csv, run.json, metrics.png [, agents.parquet]."""
    from .outputs import AgentTable, provenance, write_csv, write_json
    from .plots import plot_run
    from .runner import final_window, run_scenario

    s = _load(args.scenario, args)
    out = args.out or Path("out") / s.name
    labels = _network_labels(s)
    table = AgentTable(out / "agents.parquet") if (args.agents or s.outputs.agents) else None
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    result = run_scenario(s, seed=args.seed, on_step=table)
    if table:
        table.close()
    write_csv(result.metrics, out / "model_metrics.csv")
    plot_run(result.metrics, out / "metrics.png", title=s.name, scenario=s)
    final = final_window(result.metrics, s.outputs.window)
    write_json({"scenario": s.to_dict(), "seed": result.seed, "started_at": started,
                "wall_time_s": round(result.wall_time, 3),
                "final_window": {"steps": s.outputs.window, **final.to_dict()},
                **labels, **provenance()}, out / "run.json")
    print(f"{s.name}: {s.steps} steps, seed {result.seed}, {result.wall_time:.2f} s -> {out}/")
    for name in KEY_METRICS:
        print(f"  {name:<18} {final[name]:.4f}")
    return 0


def _network_labels(s) -> dict:
    """``network_labels`` for run.json: the file's label of citizen i (agents.parquet id i+1)."""
    if s.network.kind != "file":
        return {}
    from .network import read_file

    return {"network_labels": list(read_file(s.network.path, s.network.format).labels)}


def cmd_compare(args) -> int:
    """Replicated comparison: summary.csv, timeseries.csv, compare.png, compare.json."""
    from .outputs import provenance, write_csv, write_json
    from .plots import plot_compare
    from .runner import base_seed, replicate_seeds, run_replicates, summarize

    scenarios = [_load(path, args) for path in args.scenarios]
    panels, columns = chosen_metrics(args.metrics, scenarios)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise _BadInput(f"compare: two scenarios share a name ({', '.join(names)}); give each a "
                        "distinct `name:`")
    if args.replicates < 1 or args.workers < 1:
        raise _BadInput("compare: --replicates and --workers must be at least 1")
    from .scenario import comparison_warnings, warn

    warn(comparison_warnings(scenarios))
    base = base_seed(scenarios[0], args.seed)
    out = args.out or Path("out") / "compare"
    window = scenarios[0].outputs.window
    started = time.perf_counter()
    ts = run_replicates(scenarios, args.replicates, base, workers=args.workers, progress=True)
    summary = summarize(ts, window)
    write_csv(ts, out / "timeseries.csv")
    write_csv(summary, out / "summary.csv")
    plot_compare(ts, out / "compare.png", metrics=panels, scenarios=scenarios)
    write_json({"scenarios": [s.to_dict() for s in scenarios], "replicates": args.replicates,
                "base_seed": base, "seeds": replicate_seeds(base, args.replicates),
                "final_window_steps": window, "wall_time_s": round(time.perf_counter() - started, 3),
                **provenance()}, out / "compare.json")
    print(format_summary(summary, columns))
    warn_unsteady(summary, "scenario")
    print(f"\n{len(scenarios)} scenarios x {args.replicates} replicates, final-window mean of the "
          f"last {window} steps ± 95% CI -> {out}/")
    return 0


def format_summary(summary, metrics=KEY_METRICS) -> str:
    """A plain-text table: scenarios down, metrics across, 'mean ± half-width'
    ('± n/a' with one replicate: no interval; 'n/a' for an undefined mean)."""
    from .plots import estimate_text

    metrics = [m for m in metrics if m in set(summary["metric"])]
    cells = {}
    for row in summary.itertuples():
        if row.metric in metrics:
            cells[(row.scenario, row.metric)] = estimate_text(row.mean, row.ci_high - row.mean,
                                                              int(row.n))
    names = list(dict.fromkeys(summary["scenario"]))
    first = max(len("scenario"), *(len(n) for n in names))
    widths = [max(len(m), *(len(cells[(n, m)]) for n in names)) for m in metrics]
    lines = ["  ".join(["scenario".ljust(first)] + [m.rjust(w) for m, w in zip(metrics, widths,
                                                                               strict=True)])]
    for n in names:
        lines.append("  ".join([n.ljust(first)] + [cells[(n, m)].rjust(w)
                                                    for m, w in zip(metrics, widths, strict=True)]))
    return "\n".join(lines)


def warn_unsteady(summary, by: str) -> list[str]:
    """Print (to stderr) and return a warning per headline metric whose final window is not
    stationary (the ``stationary`` column of summary.csv; docs/experiments.md)."""
    bad = summary[summary["metric"].isin(KEY_METRICS) & ~summary["stationary"].astype(bool)]
    lines = [f"warning: {row[by]}: {row['metric']} is still drifting in the final window "
             "(not a steady state; run longer or see docs/experiments.md)"
             for _, row in bad.iterrows()]
    for line in lines:
        print(line, file=sys.stderr)
    return lines


class _BadInput(Exception):
    pass


def _sweep_seed(base, seed: int | None, out: Path, resume: bool) -> int:
    """The base seed: given, the scenario's, the one a resumed sweep recorded, or fresh."""
    from .runner import base_seed

    meta = out / "sweep.json"
    if seed is None and base.seed is None and resume and meta.is_file():
        return int(json.loads(meta.read_text())["base_seed"])
    return base_seed(base, seed)


def cmd_sweep(args) -> int:
    """A sweep: runs.parquet, timeseries/, sweep.json, sweep.png; exit 1 if runs failed."""
    from .design import Design, parse_bounds, parse_grid, parse_range, read_design_file
    from .plots import redraw
    from .sweep import run_sweep

    grid, ranges, bounds = list(args.grid), list(args.ranges), list(args.bounds)
    samples, overrides = args.n, list(args.overrides)
    replicates, steps, seed = args.replicates, args.steps, args.seed
    if args.design:
        spec = read_design_file(args.design)
        grid += spec["grid"]
        ranges += spec["range"]
        bounds += spec["bounds"]
        samples = samples or spec["samples"]
        overrides = [f"{k}={v}" for k, v in spec["set"].items()] + overrides
        replicates = spec["replicates"] if spec["replicates"] and replicates == 1 else replicates
        steps = steps if steps is not None else spec["steps"]
        seed = seed if seed is not None else spec["seed"]
    if bounds and (args.sample != "lhs" and not (args.design and samples)):
        raise _BadInput("--bounds needs --sample lhs --n N (or a design file's sample:)")
    if bounds and samples < 1:
        raise _BadInput("--sample lhs needs --n N with N >= 1")
    from .scenario import load_scenario

    base = load_scenario(args.scenario, overrides, steps=steps)
    out = args.out or Path("out") / f"sweep-{base.name}"
    seed = _sweep_seed(base, seed, out, args.resume)
    design = Design(grid=parse_grid(grid), ranges=parse_range(ranges), bounds=parse_bounds(bounds),
                    samples=samples if bounds else 0, seed=seed)
    points = design.points()
    print(f"{base.name}: {len(points)} points x {replicates} replicates = "
          f"{len(points) * replicates} runs on {_where(args)} -> {out}/", flush=True)
    runs = run_sweep(base, points, replicates=replicates, steps=steps, seed=seed,
                     workers=args.workers, scheduler=args.scheduler, out=out, resume=args.resume,
                     progress=True, design=design.to_dict())
    redraw(out)
    summary_path = out / "summary.csv"
    if summary_path.exists():
        import pandas as pd

        warn_unsteady(pd.read_csv(summary_path), "point")
    return _report(runs, out)


def _where(args) -> str:
    if args.scheduler:
        return f"the Dask cluster at {args.scheduler}"
    return "1 process" if args.workers <= 1 else f"{args.workers} Dask workers"


def _report(runs, out: Path) -> int:
    failed = runs[runs["status"] != "ok"]
    print(f"{len(runs) - len(failed)} of {len(runs)} runs ok; results in {out}/runs.parquet")
    if len(failed):
        print(f"{len(failed)} runs failed, e.g. run {failed['run_id'].iloc[0]}: "
              f"{failed['error'].iloc[0]}", file=sys.stderr)
        return 1
    return 0


def cmd_sensitivity(args) -> int:
    """SALib indices: indices.csv, indices.png, plus the sweep files."""
    from .design import parse_bounds
    from .sensitivity import planned_runs, sensitivity

    base = _load(args.scenario, args)
    bounds = parse_bounds(args.bounds)
    metrics = args.metrics or ["unmet_need"]
    if args.n < 1:
        raise _BadInput("--n must be at least 1")
    runs = planned_runs(args.method, args.n, len(bounds), args.replicates)
    formula = "N·(2k+2)" if args.method == "sobol" else "N·(k+1)"
    out = args.out or Path("out") / f"sensitivity-{base.name}"
    print(f"{args.method}: {formula} = {runs // args.replicates} points (N={args.n}, "
          f"k={len(bounds)}) x {args.replicates} replicates = {runs} model runs on "
          f"{_where(args)} -> {out}/", flush=True)
    indices = sensitivity(base, bounds, method=args.method, n=args.n, metrics=metrics,
                          replicates=args.replicates, steps=args.steps, seed=args.seed,
                          workers=args.workers, scheduler=args.scheduler, out=out,
                          resume=args.resume, progress=True)
    print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def cmd_plot(args) -> int:
    """Redraw figures from a results folder."""
    from .plots import redraw

    if not args.folder.is_dir():
        raise _BadInput(f"plot: no such folder {args.folder}")
    scenarios = _folder_scenarios(args.folder)
    panels, columns = chosen_metrics(args.metrics, scenarios)
    try:
        made = redraw(args.folder, metrics=panels)
    except ValueError as exc:  # a --metric the results do not hold
        raise _BadInput(f"plot: {exc}") from None
    if not made:
        raise _BadInput(f"plot: {args.folder} holds no cogov results")
    if (args.folder / "summary.csv").exists() and (args.folder / "timeseries.csv").exists():
        import pandas as pd

        print(format_summary(pd.read_csv(args.folder / "summary.csv"), columns))
    for path in made:
        print(path)
    return 0


def _folder_scenarios(folder: Path) -> list:
    """The scenarios (plain data) a compare or run folder records, for default panels."""
    for name, key in (("compare.json", "scenarios"), ("run.json", "scenario")):
        if (folder / name).exists():
            found = json.loads((folder / name).read_text()).get(key) or []
            return found if isinstance(found, list) else [found]
    return []


def cmd_app(args) -> int:
    """Validate the scenario, then hand over to `solara run app.py`."""
    import cogov

    from .scenario import resolve_scenario_path

    _load(args.scenario, argparse.Namespace(overrides=[], steps=None))
    solara = Path(sys.executable).parent / "solara"
    # cogov's own location goes first on the path, so a checkout that was never
    # installed serves its own code
    home = str(Path(cogov.__file__).resolve().parent.parent)
    env = {**os.environ, "COGOV_SCENARIO": str(resolve_scenario_path(args.scenario)),
           "PYTHONPATH": os.pathsep.join(filter(None, [home, os.environ.get("PYTHONPATH")]))}
    print(f"cogov app on http://localhost:{args.port}/ ({args.scenario}); Ctrl-C stops it")
    # --no-check-version: solara would otherwise ask PyPI for a newer release at start-up
    os.execve(str(solara), [str(solara), "run", "cogov.model.app", "--port", str(args.port),
                            "--production", "--no-check-version"], env)
    return 0


COMMANDS = {"app": cmd_app, "run": cmd_run, "compare": cmd_compare, "validate": cmd_validate, "sweep": cmd_sweep,
            "sensitivity": cmd_sensitivity, "plot": cmd_plot}


# import names of the dependencies in pyproject.toml (checked before any command runs)
REQUIRED = ("numpy", "scipy", "pandas", "yaml", "mesa", "networkx", "matplotlib", "pyarrow",
            "dask", "distributed", "SALib", "tqdm")


def missing_dependencies() -> list[str]:
    """Required packages this Python cannot import (found without importing them)."""
    from importlib.util import find_spec

    return [name for name in REQUIRED if find_spec(name) is None]


def _warning_printer():
    """A ``warnings.showwarning`` that prints cogov's own warnings as one plain line on
    stderr, each once per command (a scenario is read more than once); others as usual."""
    from .scenario import CogovWarning

    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if not issubclass(category, CogovWarning):
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        elif str(message) not in shown:
            shown.add(str(message))
            print(f"warning: {message}", file=sys.stderr)

    return show


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    missing = missing_dependencies()
    if missing:
        print(f"error: this Python ({sys.executable}) lacks cogov's dependencies "
              f"({', '.join(missing)}).\nSet them up with `make venv` in the checkout and use "
              "`.venv/bin/python run.py ...`, or install them into this Python with "
              "`python -m pip install -e .` (from the checkout).", file=sys.stderr)
        return EXIT_BAD_INPUT
    from .scenario import CogovWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", CogovWarning)  # the printer shows each one once
        warnings.showwarning = _warning_printer()
        return _dispatch(args)


def _dispatch(args) -> int:
    from .scenario import ScenarioError

    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: invalid scenario ({len(exc.errors)} problem"
              f"{'s' if len(exc.errors) > 1 else ''}):", file=sys.stderr)
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        from .sweep import SweepInterrupted

        if isinstance(exc, SweepInterrupted):
            print(str(exc), file=sys.stderr)
            return 130
        raise
