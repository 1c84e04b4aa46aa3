"""Command line: ``python run.py {run,compare,sweep,calibrate,...} ...`` (see ``--help``).

Heavy libraries are imported inside the commands, so ``--help`` is instant.
Bad input (a scenario error, a wrong flag) prints a message naming the key path
and exits with code 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
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
    _executors(p)


def _executors(p: argparse.ArgumentParser) -> None:
    """Where runs go, and --resume: the same flags and defaults for compare, sweep and
    sensitivity (one engine, model/engine/sweep.py)."""
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes on this machine; 1 = in-process, no workers "
                        f"(default: number of cores, {os.cpu_count() or 1} here)")
    p.add_argument("--executor", choices=["process", "dask", "slurm"],
                   help="process: a local process pool; dask: a local Dask cluster; slurm: "
                        "Dask workers in Slurm jobs, --workers jobs of --slurm-cpus cores "
                        "(default: process; dask with --scheduler)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="submit to an existing Dask cluster instead of starting workers "
                        "(default: none, workers on this machine)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out, running only what is missing "
                        "(default: off; without it, an --out holding unfinished runs is refused)")
    _slurm_flags(p)


def _slurm_flags(p: argparse.ArgumentParser) -> None:
    """Slurm settings (model/engine/slurm.py): flags win over COGOV_SLURM_* variables, which
    win over [tool.cogov.slurm] in ./pyproject.toml."""
    g = p.add_argument_group("Slurm (with --executor slurm or sweep --array; flags win over "
                             "COGOV_SLURM_* variables and [tool.cogov.slurm] in ./pyproject.toml)")
    g.add_argument("--slurm-partition", metavar="NAME", help="partition (default: Slurm's)")
    g.add_argument("--slurm-time", metavar="D-HH:MM:SS",
                   help="walltime of each job or array task (default: the partition's)")
    g.add_argument("--slurm-mem", metavar="SIZE",
                   help="memory per job or task, e.g. 4G (default: the partition's)")
    g.add_argument("--slurm-cpus", metavar="N",
                   help="cores per job or array task (default: 1)")
    g.add_argument("--slurm-option", dest="slurm_options", action="append", default=[],
                   metavar="OPTION", help="another sbatch option, passed through, e.g. "
                                          "--slurm-option=--account=abc (repeatable; default: none)")


SLURM_FLAGS = ("slurm_partition", "slurm_time", "slurm_mem", "slurm_cpus")


def slurm_settings(args):
    """The SlurmConfig the flags, the environment and ./pyproject.toml give, or _BadInput."""
    from ..engine.slurm import slurm_config

    flags = {name.removeprefix("slurm_"): getattr(args, name, None) for name in SLURM_FLAGS}
    flags["options"] = getattr(args, "slurm_options", [])
    try:
        return slurm_config(flags)
    except ValueError as exc:
        raise _BadInput(str(exc)) from None


def _resolve_slurm(args) -> None:
    """Turn --executor slurm into the SlurmConfig the engine takes; refuse Slurm flags
    that nothing would use."""
    if getattr(args, "executor", None) == "slurm":
        if getattr(args, "scheduler", None):
            raise _BadInput("--executor slurm starts its own scheduler; --scheduler needs dask")
        args.executor = slurm_settings(args)
        return
    given = [f"--{n.replace('_', '-')}" for n in SLURM_FLAGS if getattr(args, n, None)]
    given += ["--slurm-option"] if getattr(args, "slurm_options", []) else []
    if given and getattr(args, "array", None) is None:
        raise _BadInput(f"{given[0]}: Slurm settings need --executor slurm"
                        + (" or --array K" if args.command == "sweep" else ""))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for run.py."""
    import cogov

    parser = _Parser(
        prog="run.py",
        description="cogov: top-down management vs adaptive collaboration (agent-based model).",
    )
    parser.add_argument("--version", action="version", version=f"cogov {cogov.__version__}")
    # subcommands are _Parsers too, so every command's options show their defaults
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("run", help="run one scenario once")
    p.add_argument("scenario", type=Path, nargs="?",
                   help=SCENARIO_HELP + " (default: none; required unless --from-state, not with it)")
    _common(p, "out/<scenario name>", seed_help="seed of the run")
    p.add_argument("--agents", action="store_true",
                   help="also write agents.parquet: one row per agent per step "
                        "(default: off, unless the scenario sets outputs.agents)")
    p.add_argument("--save-state", type=Path, metavar="PATH",
                   help="write the whole model state after the last step to PATH, to "
                        "continue later with --from-state (default: none)")
    p.add_argument("--from-state", type=Path, metavar="PATH",
                   help="continue a saved state for --steps more steps (default: the "
                        "scenario's `steps`); --set changes keys from its next step on, as a "
                        "reform (default: none, a fresh run)")
    p = sub.add_parser("compare", help="run scenarios with replicates and compare them")
    p.add_argument("scenarios", type=Path, nargs="+", help="two or more " + SCENARIO_HELP)
    p.add_argument("--replicates", type=int, default=10, help="replicates per scenario")
    p.add_argument("--from-state", type=Path, metavar="PATH",
                   help="branch every scenario from this saved state (run --save-state): replicate "
                        "r continues it with streams reseeded from the r-th seed spawned from "
                        "--seed (default: the state's seed), for --steps more steps (default: "
                        "the scenario's `steps`); keys that differ from the state's scenario "
                        "apply from its next step, as a reform (default: none, fresh runs)")
    p.add_argument("--baseline", metavar="NAME",
                   help="the scenario (its name) the others are compared with: differences.csv "
                        "holds every metric's paired difference (by seed) with its 95 %% CI "
                        "(default: none)")
    p.add_argument("--check-horizon", type=int, metavar="K", default=None,
                   help="also run every scenario to K times its horizon on the same seeds and "
                        "flag a metric whose final-window mean moved beyond the replicates' "
                        "noise as transient (runs in --out/horizon/; default: off)")
    _executors(p)
    _metric_option(p)
    _common(p, "out/compare")
    p = sub.add_parser("sweep", help="run a parameter sweep (grid, ranges, Latin hypercube)")
    p.add_argument("scenario", type=Path, nargs="?",
                   help=SCENARIO_HELP + " (default: none; required unless --collect or --task, not with them)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY.PATH=V1,V2,...",
                   help="explicit values (repeatable; axes combine as a full factorial; keys "
                        "joined by + are one factor whose values set them together, e.g. "
                        "governance.collaboration+governance.adaptation=off+off,on+on; "
                        "default: none)")
    p.add_argument("--range", dest="ranges", action="append", default=[], metavar="KEY.PATH=LO:HI:N",
                   help="N evenly spaced values from LO to HI (repeatable; default: none)")
    p.add_argument("--sample", choices=["lhs"],
                   help="sample the --bounds keys (Latin hypercube; default: no sampling)")
    p.add_argument("--n", type=int, default=0, help="number of sampled points (with --sample)")
    p.add_argument("--design", type=Path,
                   help="a sweep design YAML (grid/range/sample/...; default: none)")
    p.add_argument("--from-state", type=Path, metavar="PATH",
                   help="branch every point from this saved state (run --save-state): replicate "
                        "r continues it with streams reseeded from the r-th seed spawned from "
                        "--seed (default: the state's seed), for --steps more steps (default: "
                        "the scenario's `steps`; the scenario argument defaults to the state's); keys that differ from the state's scenario "
                        "apply from its next step, as a reform (default: none, fresh runs)")
    p.add_argument("--csv", action="store_true",
                   help="also write runs.csv and timeseries.csv (the time series with the "
                        "swept keys) beside the Parquet files, for spreadsheets (default: off)")
    _execution(p)
    _common(p, "out/sweep-<scenario name>")
    g = p.add_argument_group("Slurm job arrays (model/engine/array.py, docs/experiments.md)")
    g.add_argument("--array", type=int, metavar="K",
                   help="write the sweep's plan and --out/slurm/array.sbatch, an array of K "
                        "tasks, and submit it with sbatch; with --resume, only the runs missing "
                        "(default: off, run here)")
    g.add_argument("--dry-run", action="store_true",
                   help="with --array: write the files and print the sbatch command, do not "
                        "submit (default: off)")
    g.add_argument("--collect", type=Path, metavar="DIR",
                   help="merge the array's shards in DIR into runs.parquet, timeseries/ and "
                        "summary.csv, and report runs missing or failed (default: off)")
    g.add_argument("--task", type=Path, help=argparse.SUPPRESS)    # one array task: the
    g.add_argument("--index", type=int, help=argparse.SUPPRESS)    # sbatch script's command
    g.add_argument("--attempt", type=int, help=argparse.SUPPRESS)
    p = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity analysis with SALib")
    p.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol",
                   help="Sobol indices (S1, ST) or Morris elementary effects")
    p.add_argument("--n", type=int, default=64, help="SALib base sample size N")
    p.add_argument("--metric", dest="metrics", action="append", default=[],
                   help="metric to analyse (repeatable; default: unmet_need)")
    _execution(p)
    _common(p, "out/sensitivity-<scenario name>")
    p = sub.add_parser("patterns", help="pattern-oriented validation: run every pattern the model "
                                        "claims and write patterns.csv and validation.md")
    p.add_argument("--fast", action="store_true",
                   help="small populations and few replicates, for CI; not the documented numbers "
                        "(default: off, full size)")
    p.add_argument("--out", type=Path, help="output folder (default: out/patterns; "
                                            "--out docs regenerates docs/validation.md)")
    p.add_argument("--seed", type=int, default=42, help="base seed of the replicates")
    p.add_argument("--replicates", type=int, help="replicates of every pattern (default: each "
                                                  "pattern's own, 10 for most, fewer with --fast)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="parallel processes (default: number of cores; results do not depend on it)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only this pattern, or the patterns whose names start with it "
                        "(repeatable; default: all)")
    p.add_argument("--list", action="store_true", help="list the patterns and exit (default: off)")
    p.add_argument("--strict", action="store_true",
                   help="exit with code 1 if a pattern does not hold (default: 0 once it ran)")
    p.add_argument("--robustness", type=int, default=0, metavar="N",
                   help="also run every pattern at N Latin-hypercube draws over its assumed "
                        "parameters and report robust_share, the share of draws where it holds "
                        "(default: 0, not measured)")
    p.add_argument("--no-long", dest="long", action="store_false",
                   help="skip the measurement at three times each pattern's horizon "
                        "(holds_long; default: measured)")
    _add_decompose(sub)
    _add_gap(sub)
    p = sub.add_parser("calibrate", help="fit parameters to observed moments (simulated moments, "
                                         "Optuna)")
    p.add_argument("scenario", type=Path, help=SCENARIO_HELP)
    p.add_argument("--targets", type=Path, required=True, metavar="TARGETS.yaml",
                   help="observed moments to match (docs/experiments.md, Calibration)")
    p.add_argument("--params", nargs="+", action="extend", required=True, metavar="KEY.PATH=LO:HI",
                   help="the keys to calibrate and their ranges (repeatable)")
    p.add_argument("--trials", type=int, default=100, help="number of trials (default 100)")
    p.add_argument("--replicates", type=int, default=3,
                   help="replicates per trial, the same seeds for every trial (default 3)")
    p.add_argument("--sampler", choices=["tpe", "cmaes"], default="tpe",
                   help="Optuna sampler: tpe (default) or cmaes (CMA-ES)")
    p.add_argument("--batch", type=int, default=4,
                   help="trials asked at a time and run in parallel (default 4; results "
                        "depend on it, not on --workers)")
    _executors(p)
    _common(p, "out/calibrate-<scenario name>")
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
    from ..figures.plots import MAIN_METRICS, default_metrics
    from ..sim.plugins import metric_names

    known = list(dict.fromkeys(m for s in scenarios for m in metric_names(s))) or metric_names()
    unknown = [m for m in requested if m not in known or m == "step"]
    if unknown:
        raise _BadInput(f"--metric: unknown metric {', '.join(map(repr, unknown))} "
                        f"(known: {', '.join(known[1:])})")
    if requested:
        return list(dict.fromkeys(requested)), tuple(dict.fromkeys(requested))
    headline = default_metrics(scenarios)
    return None, KEY_METRICS if headline == MAIN_METRICS else headline


def _load(path: Path, args) -> object:
    from ..scenario.files import load_scenario

    return load_scenario(path, list(args.overrides), steps=getattr(args, "steps", None))


def cmd_validate(args) -> int:
    """Validate; print a one-line summary."""
    from ..engine.run import check_plugins

    s = _load(args.scenario, args)
    check_plugins([s])  # where its plug-ins go in the step, as a run would check them
    g = s.governance
    shifts = "".join(f"{name}=on, " for name in ("comprehensive", "source") if getattr(g, name))
    print(
        f"ok: {s.name}: collaboration={'on' if g.collaboration else 'off'}, "
        f"adaptation={'on' if g.adaptation else 'off'}, {shifts}{s.population.citizens} citizens on a "
        f"{s.network.kind} network, {s.organizations.hubs} hubs, {s.organizations.ngos} NGOs, "
        f"{s.steps} steps, seed {'drawn fresh per run' if s.seed is None else s.seed}"
        + (f", {len(s.reforms)} reform{'s' if len(s.reforms) > 1 else ''} from step "
           f"{min(r.step for r in s.reforms)}" if s.reforms else "")
    )
    return 0


def cmd_run(args) -> int:
    """One run: model_metrics.csv, run.json, metrics.png [, agents.parquet]."""
    from ..engine.outputs import AgentTable, provenance, write_csv, write_json
    from ..engine.run import run_scenario
    from ..engine.stats import final_window
    from ..figures.plots import plot_run

    if args.from_state is not None:
        return _continue_state(args)
    if args.scenario is None:
        raise _BadInput("run: give a scenario, or --from-state PATH")
    s = _load(args.scenario, args)
    out = _claim(args.out or Path("out") / s.name)
    _record_out(args, out)
    labels = _network_labels(s)
    table = AgentTable(out / "agents.parquet") if (args.agents or s.outputs.agents) else None
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    kept = {}
    result = run_scenario(s, seed=args.seed, on_step=table, keep=kept)
    if table:
        table.close()
    if args.save_state is not None:
        _save_state(kept["model"], args.save_state)
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


def _save_state(model, path: Path) -> None:
    from ..engine.state import save_state

    save_state(model, path)
    print(f"state after step {model.steps} -> {path}")


def _continue_state(args) -> int:
    """``run --from-state PATH``: continue a saved state (model/engine/state.py)."""
    from ..engine.outputs import AgentTable, provenance, write_csv, write_json
    from ..engine.state import StateError, add_reporters, branch, continue_run, load_state
    from ..engine.stats import final_window
    from ..figures.plots import plot_run
    from ..scenario.files import parse_overrides

    if args.scenario is not None:
        raise _BadInput("run: --from-state continues the state's own scenario; give no "
                        "scenario file (change keys with --set)")
    if args.seed is not None:
        raise _BadInput("run: --from-state continues the state's random streams; it takes "
                        "no --seed")
    try:
        model, header = load_state(args.from_state)
    except StateError as exc:
        raise _BadInput(str(exc)) from None
    overrides = parse_overrides(list(args.overrides))
    reporting = {k: v for k, v in overrides.items() if k.startswith("outputs.reporters")}
    if reporting:  # collected from the next step on, not a reform of the city
        add_reporters(model, model.planned.replace(**reporting))
    branch(model, {k: v for k, v in overrides.items() if k not in reporting})
    s, start = model.planned, int(model.steps)
    steps = s.steps if args.steps is None else args.steps
    if steps < 0:
        raise _BadInput("run: --steps must be at least 0")
    out = args.out or Path("out") / s.name
    _record_out(args, out)
    table = AgentTable(out / "agents.parquet") if (args.agents or s.outputs.agents) else None
    started_at, t0 = time.strftime("%Y-%m-%dT%H:%M:%S%z"), time.perf_counter()
    metrics = continue_run(model, steps, on_step=table)
    if table:
        table.close()
    wall = time.perf_counter() - t0
    if args.save_state is not None:
        _save_state(model, args.save_state)
    write_csv(metrics, out / "model_metrics.csv")
    plot_run(metrics, out / "metrics.png", title=s.name, scenario=s)
    final = final_window(metrics, s.outputs.window)
    write_json({"scenario": s.to_dict(), "seed": model.seed, "started_at": started_at,
                "wall_time_s": round(wall, 3),
                "from_state": {"path": str(args.from_state), "step": start,
                               "saved_by": header.get("cogov")},
                "final_window": {"steps": s.outputs.window, **final.to_dict()},
                **provenance()}, out / "run.json")
    print(f"{s.name}: continued from step {start} for {steps} steps (to step {model.steps}), "
          f"seed {model.seed}, {wall:.2f} s -> {out}/")
    for name in KEY_METRICS:
        print(f"  {name:<18} {final[name]:.4f}")
    return 0


def _network_labels(s) -> dict:
    """``network_labels`` for run.json: the file's label of citizen i (agents.parquet id i+1)."""
    if s.network.kind != "file":
        return {}
    from ..scenario.network_file import read_file

    return {"network_labels": list(read_file(s.network.path, s.network.format).labels)}


def cmd_compare(args) -> int:
    """Replicated comparison: summary.csv, timeseries.csv, compare.png, compare.json, and the
    sweep store of its runs in sweep/ (resumable)."""
    import pandas as pd

    from ..engine.compare import compare, store_of
    from ..engine.sweep import resume_seed

    scenarios = [_load(path, args) for path in args.scenarios]
    panels, columns = chosen_metrics(args.metrics, scenarios)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise _BadInput(f"compare: two scenarios share a name ({', '.join(names)}); give each a "
                        "distinct `name:`")
    if args.replicates < 1 or args.workers < 1:
        raise _BadInput("compare: --replicates and --workers must be at least 1")
    if args.baseline is not None and args.baseline not in names:
        from ..scenario.errors import did_you_mean

        raise _BadInput(f"compare: --baseline {args.baseline!r} is not the name of one of the "
                        f"scenarios ({', '.join(names)})" + did_you_mean(args.baseline, names))
    if args.check_horizon is not None and args.check_horizon < 2:
        raise _BadInput("compare: --check-horizon K needs K of at least 2 (K·N steps against N)")
    if args.check_horizon is not None and args.from_state is not None:
        raise _BadInput("compare: --check-horizon runs fresh runs to K times their horizon; it "
                        "cannot be combined with --from-state")
    from ..scenario.errors import warn
    from ..scenario.files import comparison_warnings

    warn(comparison_warnings(scenarios))
    branch = _branch_plan(args.from_state, scenarios, args.seed)
    out = _claim(args.out or Path("out") / "compare")
    _record_out(args, out)
    base = (resume_seed(scenarios[0], args.seed, store_of(out), args.resume) if branch is None
            else branch["base_seed"])
    window = scenarios[0].outputs.window
    print(f"{len(scenarios)} scenarios x {args.replicates} replicates = "
          f"{len(scenarios) * args.replicates} runs on {_where(args)} -> {out}/", flush=True)
    started = time.perf_counter()
    ts = compare(scenarios, args.replicates, seed=base, workers=args.workers,
                 scheduler=args.scheduler, executor=args.executor, out=out, resume=args.resume,
                 progress=True, from_state=args.from_state,
                 steps=args.steps if args.from_state is not None else None)
    try:
        summary = _compare_outputs(args, out, scenarios, ts, base, window, panels, started,
                                   branch)
    except KeyboardInterrupt:
        from ..engine.compare import outputs_interrupted

        raise outputs_interrupted(out) from None
    print(format_summary(summary, columns))
    if args.baseline is not None:
        differences = pd.read_csv(out / "differences.csv")
        print(f"\npaired differences from {args.baseline} (same seeds), mean [95% CI]; every "
              f"metric in {out}/differences.csv")
        print(format_differences(differences, columns))
    warn_unsteady(summary, "scenario")
    print(f"\n{len(scenarios)} scenarios x {args.replicates} replicates, final-window mean of the "
          f"last {window} steps ± 95% CI -> {out}/")
    return 0


def _compare_outputs(args, out, scenarios, ts, base, window, panels, started, branch=None):
    """compare's files: timeseries.csv, summary.csv, differences.csv (--baseline),
    compare.png, compare.json (last: its presence says the outputs are complete)."""
    from ..engine.outputs import provenance, write_csv, write_json
    from ..engine.seeds import replicate_seeds
    from ..engine.stats import paired_differences, summarize
    from ..figures.plots import plot_compare

    summary = summarize(ts, window)
    if args.check_horizon is not None:
        summary = _check_horizon(args, scenarios, ts, summary, base, out)
    summary = with_notes(summary, ts)
    if args.baseline is not None:
        write_csv(paired_differences(ts, window, args.baseline), out / "differences.csv")
    write_csv(ts, out / "timeseries.csv")
    write_csv(summary, out / "summary.csv")
    plot_compare(ts, out / "compare.png", metrics=panels, scenarios=scenarios)
    write_json({"scenarios": [s.to_dict() for s in scenarios], "replicates": args.replicates,
                "base_seed": base, "seeds": replicate_seeds(base, args.replicates),
                "final_window_steps": window, "check_horizon": args.check_horizon,
                "wall_time_s": round(time.perf_counter() - started, 3),
                **({"from_state": branch["record"]} if branch else {}),
                **provenance()}, out / "compare.json")
    return summary


def _branch_plan(from_state, scenarios, seed):
    """--from-state of compare and sweep: checked before anything runs (exit 2 on a bad state
    or a key an arm cannot change); None without it."""
    if from_state is None:
        return None
    from ..engine.sweep import branch_plan

    return branch_plan(from_state, scenarios, seed)


def _check_horizon(args, scenarios, ts, summary, base: int, out: Path):
    """summary.csv's columns of the check across horizons (``compare --check-horizon K``):
    mean_long, horizon_shift, stationary_horizon; ``stationary`` becomes the within-window
    verdict and this one together (the within-window one stays as stationary_window)."""
    from ..engine.compare import check_horizon

    k = args.check_horizon
    print(f"checking the horizon: {len(scenarios)} scenarios x {args.replicates} replicates to "
          f"{k} x their steps -> {out}/horizon/", flush=True)
    table = check_horizon(scenarios, args.replicates, k, seed=base, steps=None,
                          workers=args.workers, at_horizon=ts, metrics=list(summary["metric"].unique()),
                          out=out / "horizon", resume=args.resume, progress=True)
    table = table[["scenario", "metric", "long_horizon", "mean_long", "horizon_shift",
                   "stationary_horizon"]]
    merged = summary.merge(table, on=["scenario", "metric"], how="left")
    merged["stationary_horizon"] = merged["stationary_horizon"].fillna(True).astype(bool)
    merged["stationary_window"] = merged["stationary"].astype(bool)
    merged["stationary"] = merged["stationary_window"] & merged["stationary_horizon"]
    return merged


def with_notes(summary, ts):
    """summary with a ``note`` column: 'transient: still moving at step N' where the value
    read at step N (the scenario's last) is not a steady state, else ''."""
    from ..engine.stationarity import transient_note

    last = ts.groupby("scenario", sort=False)["step"].max().to_dict()
    summary = summary.copy()
    summary["note"] = [transient_note(bool(row.stationary), int(last[row.scenario]))
                       for row in summary.itertuples()]
    return summary


def format_summary(summary, metrics=KEY_METRICS) -> str:
    """A plain-text table: scenarios down, metrics across, 'mean ± half-width'
    ('± n/a' with one replicate: no interval; 'n/a' for an undefined mean; '-' for a
    plug-in's metric a scenario does not record)."""
    from ..figures.plots import estimate_text

    metrics = [m for m in metrics if m in set(summary["metric"])]
    cells = {}
    notes = "note" in summary
    for row in summary.itertuples():
        if row.metric in metrics:
            note = row.note if notes and isinstance(row.note, str) and row.note else ""
            cells[(row.scenario, row.metric)] = estimate_text(row.mean, row.ci_high - row.mean,
                                                              int(row.n)) \
                + (f" ({note})" if note else "")
    names = list(dict.fromkeys(summary["scenario"]))
    for n in names:  # '-': a plug-in's metric, which this scenario does not record
        for m in metrics:
            cells.setdefault((n, m), "-")
    first = max(len("scenario"), *(len(n) for n in names))
    widths = [max(len(m), *(len(cells[(n, m)]) for n in names)) for m in metrics]
    lines = ["  ".join(["scenario".ljust(first)] + [m.rjust(w) for m, w in zip(metrics, widths,
                                                                               strict=True)])]
    for n in names:
        lines.append("  ".join([n.ljust(first)] + [cells[(n, m)].rjust(w)
                                                    for m, w in zip(metrics, widths, strict=True)]))
    return "\n".join(lines)


def format_differences(differences, metrics=KEY_METRICS, digits: int = 3) -> str:
    """A plain-text table of paired differences: one line per scenario and headline metric,
    '+0.012 [+0.004, +0.020]' (an asterisk when the interval excludes 0)."""
    import math

    order = {m: i for i, m in enumerate(metrics)}
    rows = differences[differences["metric"].isin(list(metrics))]
    rows = rows.assign(_o=rows["metric"].map(order)).sort_values(["scenario", "_o"], kind="stable")
    lines = [f"{'scenario':<20} {'metric':<20} {'difference':>11}   95 % CI"]
    for row in rows.itertuples():
        if not math.isfinite(row.ci_low):
            ci, star = "n/a", ""
        else:
            ci = f"[{row.ci_low:+.{digits}f}, {row.ci_high:+.{digits}f}]"
            star = " *" if row.ci_low > 0 or row.ci_high < 0 else ""
        lines.append(f"{row.scenario:<20} {row.metric:<20} {row.difference:>+11.{digits}f}   "
                     f"{ci}{star}")
    return "\n".join(lines)


def warn_unsteady(summary, by: str) -> list[str]:
    """Print (to stderr) and return a warning per headline metric whose final window is not
    stationary (the ``stationary`` column of summary.csv; docs/experiments.md)."""
    bad = summary[summary["metric"].isin(KEY_METRICS) & ~summary["stationary"].astype(bool)]
    def why(row) -> str:
        if "stationary_window" in row and bool(row["stationary_window"]):
            return (f"moves on after the horizon (final-window mean {row['mean']:.4g}, "
                    f"{row['mean_long']:.4g} at step {row['long_horizon']:.0f})")
        return "is still drifting in the final window"

    lines = [f"warning: {_named(row, by)}: {row['metric']} {why(row)} "
             "(not a steady state; run longer or see docs/experiments.md)"
             for _, row in bad.iterrows()]
    for line in lines:
        print(line, file=sys.stderr)
    return lines


SUMMARY_STATS = ("point", "metric", "n", "mean", "sd", "ci_low", "ci_high", "stationary")


def _named(row, by: str) -> str:
    """A summary row's scenario, or its sweep point with the values that make it
    (``point 3 (mechanisms.incentives.r=4)``), not only its index."""
    if by != "point":
        return str(row[by])
    values = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in row.items() if k not in SUMMARY_STATS)
    return f"point {row['point']}" + (f" ({values})" if values else "")


class _BadInput(Exception):
    pass


def _claim(out: Path) -> Path:
    """The output folder of a command, made ready and locked before anything runs: an
    existing file or a folder that cannot be made or written is exit 2 with the reason (it
    was a FileExistsError or FileNotFoundError traceback), and so is a folder another cogov
    process is writing into (two `--resume` used to redo the same runs; a second
    calibration died in optuna). The lock is released when the command ends."""
    from ..engine.outputs import FolderError, FolderLock, prepare_folder

    missing = [p for p in (Path(out), *Path(out).parents) if not p.exists()]
    try:
        prepare_folder(out)
        _MADE.extend(missing)  # deepest first
        _LOCKS.append(FolderLock(out).acquire())
    except FolderError as exc:
        raise _BadInput(str(exc)) from None
    return Path(out)


_MADE: list[Path] = []  # folders _claim made: removed again if the command ends with them empty
_LOCKS: list = []  # the output folders' locks this command holds


def _release() -> None:
    """Drop the folders' locks; a command that stopped on bad input leaves no empty folder it
    made behind."""
    while _LOCKS:
        _LOCKS.pop().release()
    for folder in _MADE:
        try:
            folder.rmdir()  # only an empty folder
        except OSError:
            break  # not empty: its parents are not either
    _MADE.clear()


def cmd_sweep(args) -> int:
    """A sweep: runs.parquet, timeseries/, sweep.json, sweep.png; exit 1 if runs failed.
    With --array, the files of a Slurm job array (submitted unless --dry-run); --task runs
    one array task; --collect merges the array's shards."""
    from ..engine.design import Design, parse_bounds, parse_grid, parse_range, read_design_file
    from ..engine.sweep import run_sweep
    from .redraw import redraw

    if args.task is not None:
        return _array_task(args)
    if args.collect is not None:
        return _array_collect(args)
    if args.scenario is None and args.from_state is None:
        raise _BadInput("sweep: give a scenario (or --collect DIR, or --from-state PATH)")
    if args.from_state is not None and args.array is not None:
        raise _BadInput("--from-state: not with --array K (run the branched sweep here or on "
                        "--executor slurm)")
    if args.dry_run and args.array is None:
        raise _BadInput("--dry-run: only with --array K")
    if args.array is not None and (args.array < 1 or args.executor or args.scheduler):
        raise _BadInput("--array K: K must be at least 1, and the tasks run on Slurm "
                        "(not with --executor or --scheduler)")

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
    if args.sample == "lhs" and not bounds:
        raise _BadInput("--sample lhs samples the --bounds keys: give at least one "
                        "--bounds KEY.PATH=LO:HI")
    if args.n and not bounds:
        raise _BadInput("--n is the number of sampled points: it needs --sample lhs and "
                        "--bounds KEY.PATH=LO:HI")
    if bounds and (args.sample != "lhs" and not (args.design and samples)):
        raise _BadInput("--bounds needs --sample lhs --n N (or a design file's sample:)")
    if bounds and samples < 1:
        raise _BadInput("--sample lhs needs --n N with N >= 1")
    from ..engine.sweep import resume_seed
    from ..scenario.files import load_scenario

    if args.scenario is None:
        base = _state_scenario(args.from_state, overrides, steps)
    else:
        base = load_scenario(args.scenario, overrides, steps=steps)
    branch = _branch_plan(args.from_state, [base], seed)
    out = _claim(args.out or Path("out") / f"sweep-{base.name}")
    _record_out(args, out)
    seed = resume_seed(base, seed, out, args.resume) if branch is None else branch["base_seed"]
    design = Design(grid=parse_grid(grid, base), ranges=parse_range(ranges, base),
                    bounds=parse_bounds(bounds, scenario=base), samples=samples if bounds else 0,
                    seed=seed)
    points = design.points(base)
    if args.array is not None:
        return _array_submit(args, base, points, replicates, steps, seed, design, out)
    print(f"{base.name}: {len(points)} points x {replicates} replicates = "
          f"{len(points) * replicates} runs on {_where(args)} -> {out}/", flush=True)
    runs = run_sweep(base, points, replicates=replicates, steps=steps, seed=seed,
                     workers=args.workers, scheduler=args.scheduler, executor=args.executor,
                     out=out, resume=args.resume, progress=True, design=design.to_dict(),
                     from_state=args.from_state)
    _print_effects(redraw(out))
    if args.csv:
        _write_sweep_csv(out)
    summary_path = out / "summary.csv"
    if summary_path.exists():
        import pandas as pd

        warn_unsteady(pd.read_csv(summary_path), "point")
    return _report(runs, out)


def _state_scenario(path, overrides, steps):
    """sweep --from-state without a scenario: the state's own (as written, with its reforms)
    with --set and --steps on top."""
    from ..engine.state import StateError, read_header
    from ..scenario.files import parse_overrides
    from ..scenario.schema import scenario_from_dict

    try:
        header, _ = read_header(path)
    except StateError as exc:
        raise _BadInput(str(exc)) from None
    s = scenario_from_dict(header["scenario"])
    changes = parse_overrides(list(overrides))
    if steps is not None:
        changes["steps"] = steps
    return s.replace(**changes) if changes else s


def _write_sweep_csv(out: Path) -> None:
    """--csv: runs.csv (one row per run) and timeseries.csv (one row per run and step, with
    point, replicate, seed and the swept keys in front) beside the Parquet files."""
    import json

    import pandas as pd

    from ..engine.outputs import write_csv
    from ..engine.sweep import read_timeseries

    runs = pd.read_parquet(out / "runs.parquet")
    write_csv(runs, out / "runs.csv")
    keys = json.loads((out / "sweep.json").read_text()).get("keys", [])
    series = read_timeseries(out)
    if len(series):
        head = runs[["run_id", "point", "replicate", "seed", *[k for k in keys if k in runs]]]
        write_csv(head.merge(series, on="run_id", how="right"), out / "timeseries.csv")
    print(f"-> {out}/runs.csv, timeseries.csv")


def _array_submit(args, base, points, replicates, steps, seed, design, out: Path) -> int:
    """--array K: the plan, the sbatch script, and sbatch (or the command, --dry-run)."""
    from ..engine.array import submit_array
    from ..engine.sweep import sweep_plan

    jobs, fingerprint, meta = sweep_plan(base, points, replicates=replicates, steps=steps,
                                         seed=seed, design=design.to_dict())
    done = submit_array(jobs, out=out, fingerprint=fingerprint, meta=meta, tasks=args.array,
                        config=slurm_settings(args), resume=args.resume, dry_run=args.dry_run)
    if not done["run_ids"]:
        print(f"{base.name}: every one of the {len(jobs)} runs is done; collect them with: "
              f"cogov sweep --collect {out}")
        return 0
    print(f"{base.name}: {len(done['run_ids'])} of {len(jobs)} runs in a job array of "
          f"{done['tasks']} tasks -> {out}/ (submission {done['attempt']}, {done['script']})")
    if args.dry_run:
        print(f"submit it with:\n  {done['command']}")
    else:
        print(f"submitted: Slurm job {done['job_id']}; follow it with `squeue -j {done['job_id']}`"
              f", then: cogov sweep --collect {out}")
    return 0


def _array_task(args) -> int:
    """One task of a job array (the sbatch script's command)."""
    from ..engine.array import run_task

    done = run_task(args.task, index=args.index, attempt=args.attempt, workers=args.workers)
    print(f"task: {done['ran']} of {done['of']} runs"
          + (f", {done['failed']} failed" if done["failed"] else "")
          + (" (stopped by Slurm: the rest runs with --resume)" if done["stopped"] else ""))
    return 143 if done["stopped"] else 0


def _array_collect(args) -> int:
    """--collect DIR: merge the shards; exit 1 if runs are missing or failed."""
    from ..engine.array import collect
    from .redraw import redraw

    _record_out(args, args.collect)
    report = collect(args.collect)
    if len(report["table"]):
        _print_effects(redraw(args.collect))
    print(f"{report['ok']} of {report['runs']} runs ok; results in {args.collect}/runs.parquet")
    missing, failed = report["missing"], report["failed"]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        print(f"{len(missing)} runs missing (run ids {shown}); to run them, submit the same "
              "sweep command with --array K --resume", file=sys.stderr)
    if failed:
        print(f"{len(failed)} runs failed (status error), e.g. run {failed[0]}; "
              "--array K --resume runs them again", file=sys.stderr)
    return 1 if (missing or failed) else 0


def _where(args) -> str:
    if hasattr(args.executor, "sbatch_directives"):
        cpus = args.executor.cpus
        return (f"Slurm: {args.workers} job{'s' if args.workers > 1 else ''} of {cpus} "
                f"core{'s' if cpus > 1 else ''}")
    if args.scheduler:
        return f"the Dask cluster at {args.scheduler}"
    if args.executor == "dask":
        return f"{args.workers} Dask worker{'s' if args.workers > 1 else ''}"
    if args.workers <= 1 and args.executor is None:
        return "1 process"
    return f"{args.workers} worker process{'es' if args.workers > 1 else ''}"


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
    from ..engine.design import parse_bounds
    from ..studies.sensitivity import check_metrics, planned_runs, sensitivity

    base = _load(args.scenario, args)
    bounds = parse_bounds(args.bounds, scenario=base)
    metrics = args.metrics or ["unmet_need"]
    check_metrics(base, metrics)  # before the run plan is printed
    if args.n < 1:
        raise _BadInput("--n must be at least 1")
    runs = planned_runs(args.method, args.n, len(bounds), args.replicates)
    formula = "N·(2k+2)" if args.method == "sobol" else "N·(k+1)"
    out = _claim(args.out or Path("out") / f"sensitivity-{base.name}")
    _record_out(args, out)
    print(f"{args.method}: {formula} = {runs // args.replicates} points (N={args.n}, "
          f"k={len(bounds)}) x {args.replicates} replicates = {runs} model runs on "
          f"{_where(args)} -> {out}/", flush=True)
    indices = sensitivity(base, bounds, method=args.method, n=args.n, metrics=metrics,
                          replicates=args.replicates, steps=args.steps, seed=args.seed,
                          workers=args.workers, scheduler=args.scheduler,
                          executor=args.executor, out=out, resume=args.resume, progress=True)
    print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def cmd_calibrate(args) -> int:
    """Calibration: trials.csv, best.yaml, calibration.json, fit.png; exit 1 if no trial
    succeeded."""
    from ..scenario.files import parse_overrides, resolve_scenario_path
    from ..studies.calibrate import parse_params, run_calibration
    from ..studies.targets import read_targets

    source = resolve_scenario_path(args.scenario)
    base = _load(source, args)
    targets = read_targets(args.targets)
    bounds = parse_params(args.params)
    out = _claim(args.out or Path("out") / f"calibrate-{base.name}")
    _record_out(args, out)
    runs = args.trials * args.replicates
    print(f"{base.name}: {args.trials} trials x {args.replicates} replicates = {runs} runs, "
          f"{len(targets)} targets, {len(bounds)} parameters, {args.sampler} sampler on "
          f"{_where(args)} -> {out}/", flush=True)
    keys = [*parse_overrides(args.overrides), *(["steps"] if args.steps is not None else [])]
    result = run_calibration(base, targets, bounds, out=out, trials=args.trials,
                             replicates=args.replicates, seed=args.seed, workers=args.workers,
                             scheduler=args.scheduler, executor=args.executor, resume=args.resume,
                             sampler=args.sampler,
                             batch=args.batch, progress=True, source=source, changed_keys=keys)
    table = result.trials
    failed = int((table["status"] != "ok").sum())
    if result.best_trial < 0:
        print(f"no trial succeeded ({failed} failed), e.g. trial {table['trial'].iloc[0]}: "
              f"{table['error'].iloc[0]}", file=sys.stderr)
        return 1
    print(f"best of {len(table)} trials: trial {result.best_trial}, objective "
          f"{result.best_objective:.4g}" + (f" ({failed} failed)" if failed else ""))
    for key, value in result.best_params.items():
        print(f"  {key} = {value:.6g}")
    best = table.set_index("trial").loc[result.best_trial]
    for t in targets:
        print(f"  {t.label:<28} target {t.value:.4g}  simulated {best[t.label]:.4g} "
              f"± {best[t.label + '.sd']:.2g}  ({(best[t.label] - t.value) / t.tolerance:+.2f} "
              "tolerances)")
    print(f"-> {out}/best.yaml, trials.csv, calibration.json, fit.png")
    return 0


def cmd_plot(args) -> int:
    """Redraw figures from a results folder."""
    from .redraw import redraw

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
    _print_effects(made)
    for path in made:
        print(path)
    return 0


def _print_effects(made: list[Path]) -> None:
    """Print the main effects and interactions of a factorial sweep (model/studies/factorial.py)
    when its folder has them."""
    table = next((p for p in made if p.name == "effects.csv"), None)
    if table is not None:
        import pandas as pd

        from ..studies.factorial import format_effects

        print(format_effects(pd.read_csv(table)))


def _folder_scenarios(folder: Path) -> list:
    """The scenarios (plain data) a compare or run folder records, for default panels."""
    import json

    for name, key in (("compare.json", "scenarios"), ("run.json", "scenario")):
        if (folder / name).exists():
            found = json.loads((folder / name).read_text()).get(key) or []
            return found if isinstance(found, list) else [found]
    return []


def cmd_patterns(args) -> int:
    """Pattern-oriented validation: patterns.csv, figures/validation/, validation.md.

    Exit 0 once every pattern ran, whether it holds or not (a failing pattern is a result,
    reported in the files); 1 with --strict if any does not hold; 2 on bad input."""
    from ..studies.patterns import all_patterns
    from ..studies.validation import run_all, select, write_report

    if args.workers < 1 or (args.replicates is not None and args.replicates < 2):
        raise _BadInput("patterns: --workers must be at least 1 and --replicates at least 2 "
                        "(a 95 % interval needs two replicates)")
    if args.robustness < 0:
        raise _BadInput(f"patterns: --robustness must be 0 or more draws, got {args.robustness}")
    try:
        patterns = select(all_patterns(), args.only)
    except ValueError as exc:
        raise _BadInput(str(exc)) from None
    if args.list:
        for p in patterns:
            print(f"{p.name:<45} {p.source}")
            if args.robustness:
                print(f"{'':<45} assumptions: {', '.join(p.assumed()) or 'none'}")
        return 0
    out = _claim(args.out or Path("out") / "patterns")
    _record_out(args, out)
    size = "fast" if args.fast else "full size"
    print(f"{len(patterns)} patterns ({size}) on {args.workers} process"
          f"{'es' if args.workers > 1 else ''} -> {out}/", flush=True)
    measurements = run_all(patterns, args.fast, args.seed, workers=args.workers,
                           replicates=args.replicates,
                           report=lambda line: print(line, flush=True), long=args.long,
                           robustness=args.robustness)
    command = " ".join(["run.py patterns", *(["--fast"] if args.fast else []),
                        *([f"--seed {args.seed}"] if args.seed != 42 else []),
                        *([f"--replicates {args.replicates}"] if args.replicates else []),
                        *([f"--robustness {args.robustness}"] if args.robustness else []),
                        *([] if args.long else ["--no-long"]),
                        *(f"--only {o}" for o in args.only), f"--out {out.as_posix()}"])
    write_report(measurements, out, args.fast, args.seed, command, prune=not args.only)
    failing = [m.pattern.name for m in measurements if not m.passed]
    print(f"{len(measurements) - len(failing)} of {len(measurements)} patterns hold"
          + (f"; not holding: {', '.join(failing)}" if failing else "")
          + f" -> {out}/patterns.csv, {out}/validation.md")
    return 1 if (args.strict and failing) else 0


# the importable modules of each optional extra (pyproject.toml, [project.optional-dependencies])
EXTRAS = {"app": ("solara", "solara_assets", "ipyvuetify", "mesa.visualization")}


def missing_extra(extra: str, command: str) -> str | None:
    """What to tell a user whose Python lacks an optional extra ``command`` needs (None if it
    is all there): which modules are missing and the ``pip install`` that adds them."""
    from importlib.util import find_spec

    def absent(name: str) -> bool:
        try:
            return find_spec(name) is None
        except ImportError:  # a parent package is missing
            return True

    missing = [name for name in EXTRAS[extra] if absent(name)]
    if extra == "app" and not missing and not (Path(sys.executable).parent / "solara").exists():
        missing = ["the solara command"]
    if not missing:
        return None
    return (f"error: `{command}` needs cogov's optional `{extra}` extra, which this Python "
            f"({sys.executable}) lacks (missing: {', '.join(missing)}).\nInstall it with "
            f"`pip install 'cogov[{extra}]'` (from a checkout: `pip install -e '.[{extra}]'`, "
            "or `make venv`).")


def cmd_app(args) -> int:
    """Validate the scenario, then hand over to `solara run app.py`."""
    import cogov

    from ..scenario.files import resolve_scenario_path

    advice = missing_extra("app", "cogov app")
    if advice:
        print(advice, file=sys.stderr)
        return EXIT_BAD_INPUT
    _load(args.scenario, argparse.Namespace(overrides=[], steps=None))
    solara = Path(sys.executable).parent / "solara"
    # cogov's own location goes first on the path, so a checkout that was never
    # installed serves its own code
    home = str(Path(cogov.__file__).resolve().parent.parent)
    env = {**os.environ, "COGOV_SCENARIO": str(resolve_scenario_path(args.scenario)),
           "PYTHONPATH": os.pathsep.join(filter(None, [home, os.environ.get("PYTHONPATH")]))}
    print(f"cogov app on http://localhost:{args.port}/ ({args.scenario}); Ctrl-C stops it")
    # --no-check-version: solara would otherwise ask PyPI for a newer release at start-up
    os.execve(str(solara), [str(solara), "run", "cogov.model.ui.app", "--port", str(args.port),
                            "--production", "--no-check-version"], env)
    return 0


# ----------------------------------------------- decompose and gap (model/studies/decompose.py, gap.py)
def _paired_runs(p: argparse.ArgumentParser, out_default: str) -> None:
    """Flags of the paired commands: replicates (default 10), execution, resume."""
    p.add_argument("--replicates", type=int, default=10,
                   help="replicates, the same seeds everywhere (default 10)")
    _executors(p)
    _common(p, out_default)


def _add_decompose(sub) -> None:
    p = sub.add_parser("decompose", help="the regime gap by stage, top-down -> scenario: Shapley values over all "
                            "orders, the sequential order, interactions")
    p.add_argument("scenario", type=Path, nargs="?", default=Path("adaptive"),
                   help="the collaborative scenario (default adaptive)")
    _paired_runs(p, "out/decompose-<scenario name>")


def _add_gap(sub) -> None:
    p = sub.add_parser("gap", help="map of the gap between two scenarios (A − B) over a design")
    p.add_argument("a", type=Path, metavar="A",
                   help="scenario file or preset whose outcome is A (e.g. adaptive)")
    p.add_argument("b", type=Path, metavar="B",
                   help="scenario file or preset it is compared with, B (e.g. top_down)")
    p.add_argument("--range", dest="ranges", action="append", default=[], metavar="KEY.PATH=LO:HI:N",
                   help="N evenly spaced values (repeatable; the first two are the map's axes; "
                        "default: none)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY.PATH=V1,V2,...",
                   help="explicit values (repeatable; one panel per value; default: none)")
    p.add_argument("--sobol", type=int, metavar="N",
                   help="instead of a map: Sobol' indices of the gap, N·(2k+2) Saltelli points "
                        "(default: off, draw the map)")
    p.add_argument("--bounds", action="append", default=[], metavar="KEY.PATH=LO:HI",
                   help="range of a key for --sobol (repeatable; default: none)")
    _paired_runs(p, "out/gap-<A name>-<B name>")


def _check_paired(args) -> None:
    if args.replicates < 1 or args.workers < 1:
        raise _BadInput(f"{args.command}: --replicates and --workers must be at least 1")


def cmd_decompose(args) -> int:
    """decomposition.csv, decomposition_interactions.csv, .png, .json and the arms' sweep in
    runs/; prints the stages' table and the interactions."""
    import pandas as pd

    from ..engine.sweep import resume_seed
    from ..studies.decompose import arms, decompose, format_interactions, format_table, orders

    _check_paired(args)
    scenario = _load(args.scenario, args)
    out = _claim(args.out or Path("out") / f"decompose-{scenario.name}")
    _record_out(args, out)
    seed = resume_seed(scenario, args.seed, out / "runs", args.resume)
    n = len(arms())
    print(f"{scenario.name}: {n} arms (every admissible set of stages) x {args.replicates} "
          f"replicates = {n * args.replicates} runs on {_where(args)} -> {out}/", flush=True)
    table = decompose(scenario, replicates=args.replicates, steps=args.steps, seed=seed,
                      workers=args.workers, scheduler=args.scheduler, executor=args.executor,
                      out=out, resume=args.resume, progress=True)
    print(format_table(table))
    print(f"\nfinal-window means ± 95 % CI over {table['n'].iloc[0]} paired replicates; "
          "contribution: the paired difference from the stage above (this order); shapley: "
          f"the mean contribution over all {len(orders())} admissible orders, with its "
          "smallest and largest over them (they add up to the total)")
    pairs = pd.read_csv(out / "decomposition_interactions.csv")
    print("\ntwo-way interactions, v(B+ij) − v(B+i) − v(B+j) + v(B) at the smallest base B:")
    print(format_interactions(pairs))
    print(f"-> {out}/")
    return 0


def cmd_gap(args) -> int:
    """gap.csv, gap.png (or gap_indices.csv/.png with --sobol), gap.json; runs in out/A, out/B."""
    from ..engine.design import Design, parse_bounds, parse_grid, parse_range
    from ..studies.gap import gap_map, gap_sobol

    _check_paired(args)
    if args.sobol is not None and (args.ranges or args.grid):
        raise _BadInput("gap: --sobol samples the --bounds keys; it does not take --range/--grid")
    if args.sobol is None and args.bounds:
        raise _BadInput("gap: --bounds needs --sobol N")
    if args.sobol is None and not (args.ranges or args.grid):
        raise _BadInput("gap: give --range/--grid keys for a map, or --sobol N --bounds ...")
    a, b = _load(args.a, args), _load(args.b, args)
    out = _claim(args.out or Path("out") / f"gap-{a.name}-{b.name}")
    _record_out(args, out)
    kwargs = {"replicates": args.replicates, "steps": args.steps, "seed": args.seed,
              "workers": args.workers, "scheduler": args.scheduler,
              "executor": args.executor, "out": out,
              "resume": args.resume, "progress": True}
    if args.sobol is not None:
        bounds = parse_bounds(args.bounds)
        print(f"{a.name} − {b.name}: Sobol' N={args.sobol}, k={len(bounds)}: "
              f"{args.sobol * (2 * len(bounds) + 2)} points x {args.replicates} replicates x 2 "
              f"scenarios on {_where(args)} -> {out}/", flush=True)
        indices = gap_sobol(a, b, bounds, args.sobol, **kwargs)
        print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return 0
    design = Design(grid=parse_grid(args.grid), ranges=parse_range(args.ranges))
    linked = [k for k in design.grid if "+" in k]
    if linked:
        raise _BadInput(f"--grid {linked[0]}: linked factors are for sweep; gap maps one key "
                        f"per axis")
    points = len(design.points())
    print(f"{a.name} − {b.name}: {points} points x {args.replicates} replicates x 2 scenarios "
          f"= {2 * points * args.replicates} runs on {_where(args)} -> {out}/", flush=True)
    table = gap_map(a, b, design, **kwargs)
    print(format_gap(table, design.keys, a.name, b.name))
    return 0


def format_gap(table, keys: list[str], a: str, b: str) -> str:
    """Plain text: one line per point, its keys, the unmet-need gap ± half-width, winner."""
    head = [k.rsplit(".", 1)[-1] for k in keys] + [f"unmet_need {a} − {b}", "winner"]
    lines = [head]
    for _, row in table.iterrows():
        half = (row["unmet_need_gap_ci_high"] - row["unmet_need_gap_ci_low"]) / 2
        lines.append([f"{row[k]:g}" if isinstance(row[k], float) else str(row[k]) for k in keys]
                     + [f"{row['unmet_need_gap']:+.4f} ± {half:.4f}", str(row["winner"])])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    counts = table["winner"].value_counts()
    text.append(f"{a} wins {counts.get('A', 0)}, {b} wins {counts.get('B', 0)}, neither "
                f"{counts.get('neither', 0)} of {len(table)} points (95 % CI of the paired gap)")
    return "\n".join(text)


COMMANDS = {"app": cmd_app, "run": cmd_run, "compare": cmd_compare, "validate": cmd_validate, "sweep": cmd_sweep,
            "sensitivity": cmd_sensitivity, "calibrate": cmd_calibrate, "plot": cmd_plot,
            "decompose": cmd_decompose, "gap": cmd_gap, "patterns": cmd_patterns}


# import names of the dependencies in pyproject.toml (checked before any command runs)
REQUIRED = ("numpy", "scipy", "pandas", "yaml", "mesa", "networkx", "matplotlib", "pyarrow",
            "dask", "distributed", "SALib", "tqdm", "optuna", "cmaes")


def missing_dependencies() -> list[str]:
    """Required packages this Python cannot import (found without importing them)."""
    from importlib.util import find_spec

    return [name for name in REQUIRED if find_spec(name) is None]


def _warning_printer():
    """A ``warnings.showwarning`` that prints cogov's own warnings as one plain line on
    stderr, each once per command (a scenario is read more than once); others as usual."""
    from ..scenario.errors import CogovWarning

    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if not issubclass(category, CogovWarning):
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        elif str(message) not in shown:
            shown.add(str(message))
            print(f"warning: {message}", file=sys.stderr)

    return show


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (130 after Ctrl-C, whenever it comes)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while importing or parsing, before a command runs
        print("interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    missing = missing_dependencies()
    if missing:
        print(f"error: this Python ({sys.executable}) lacks cogov's dependencies "
              f"({', '.join(missing)}).\nSet them up with `make venv` in the checkout and use "
              "`.venv/bin/python run.py ...`, or install them into this Python with "
              "`python -m pip install -e .` (from the checkout).", file=sys.stderr)
        return EXIT_BAD_INPUT
    from ..scenario.errors import CogovWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", CogovWarning)  # the printer shows each one once
        warnings.showwarning = _warning_printer()
        return _dispatch(args, argv)


def _record_out(args, out: Path) -> None:
    """Note an output folder of this command: it gets its provenance when the command ends."""
    args._outputs = [*getattr(args, "_outputs", []), Path(out)]


def _inputs(args) -> list[Path]:
    """The files this command read: scenarios (presets as their files) with the files their
    ``extends:`` chains read, design, targets."""
    from ..scenario.files import extends_chain

    found = []
    for name in ("scenario", "scenarios", "a", "b", "design", "targets"):
        value = getattr(args, name, None)
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            try:
                found.extend(extends_chain(item) if name not in ("design", "targets")
                             else [Path(item)])
            except Exception:  # noqa: BLE001 - what cannot be resolved was not read
                continue
    return found


def _executor_record(args) -> dict:
    from ..engine.executors import executor_name

    if getattr(args, "array", None) is not None or getattr(args, "collect", None) is not None:
        return {"kind": "slurm-array", **({"tasks": args.array} if args.array else {})}
    if not hasattr(args, "executor"):
        return {"kind": "process" if getattr(args, "workers", 1) > 1 else "in-process",
                "workers": getattr(args, "workers", 1)}
    record = {"kind": executor_name(args.executor) or
              ("process" if args.workers > 1 else "in-process"),
              "workers": args.workers, "scheduler": args.scheduler}
    if hasattr(args.executor, "to_dict"):
        record["slurm"] = args.executor.to_dict()
    return {k: v for k, v in record.items() if v is not None}


def _write_provenance(args, started: str, code: int) -> None:
    """ro-crate-metadata.json in every output folder the command wrote (model/engine/crate.py)."""
    from ..engine.crate import write_crate
    from ..engine.outputs import REPO

    ended = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    for out in dict.fromkeys(getattr(args, "_outputs", [])):
        if not out.is_dir() or out.resolve() == (REPO / "docs").resolve():
            continue  # nothing written; or `patterns --out docs` (the documentation)
        write_crate(out, command=["cogov", *args._argv], inputs=_inputs(args), started=started,
                    ended=ended, executor=_executor_record(args),
                    status="CompletedActionStatus" if code == 0 else "FailedActionStatus")


# the numeric flags, checked like scenario keys: (lowest, highest); the highest is a C long
# (numpy's integers) unless the flag has a narrower range
C_LONG_MAX = 2**63 - 1
FLAG_RANGES = {"seed": (0, C_LONG_MAX), "steps": (0, C_LONG_MAX), "replicates": (1, C_LONG_MAX),
               "workers": (1, 4096), "n": (1, C_LONG_MAX), "trials": (1, C_LONG_MAX),
               "batch": (1, 100_000), "sobol": (1, C_LONG_MAX), "port": (1, 65535)}
FLAG_LOWEST = {("sweep", "n"): 0}  # sweep: --n 0 is "no sampling", its default


def check_flags(args) -> None:
    """Every numeric flag within its range, or exit 2 naming the flag (as a scenario key
    is named): ``--seed -1`` used to end in numpy's traceback."""
    problems = []
    for name, (lo, hi) in FLAG_RANGES.items():
        value = getattr(args, name, None)
        lo = FLAG_LOWEST.get((args.command, name), lo)
        if value is not None and not lo <= value <= hi:
            flag = f"--{name}"
            shown = value if value.bit_length() <= 64 else \
                f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
            problems.append(f"{flag}: expected an integer in [{lo}, {hi}], got {shown}")
    if problems:
        raise _BadInput("; ".join(problems))


def _dispatch(args, argv: list[str] | None) -> int:
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    args._argv = list(sys.argv[1:] if argv is None else argv)
    code = EXIT_BAD_INPUT
    try:
        code = _run_command(args, argv)
        return code
    finally:
        if code != EXIT_BAD_INPUT:  # bad input leaves existing outputs alone
            _write_provenance(args, started, code)


def _run_command(args, argv: list[str] | None) -> int:
    from ..scenario.errors import FolderConflict, ScenarioError

    try:
        check_flags(args)
        _resolve_slurm(args)
        code = COMMANDS[args.command](args)
        if code == 0:
            _MADE.clear()
        return code
    except FolderConflict as exc:  # the folder, not the scenario
        for line in exc.errors:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as exc:
        print(f"error: invalid scenario ({len(exc.errors)} problem"
              f"{'s' if len(exc.errors) > 1 else ''}):", file=sys.stderr)
        for line in exc.errors:  # a YAML error's lines keep their caret under the place
            print(textwrap.indent(line, "  "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except _BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        from ..studies.calibrate import CalibrationInterrupted

        if isinstance(exc, CalibrationInterrupted):
            print(str(exc), file=sys.stderr)
            return 130
        return _stopped(exc, argv)
    finally:
        _release()


def _stopped(exc: Exception, argv: list[str] | None) -> int:
    """Exit code and message for a run that stopped early (Ctrl-C, a dead worker, failed runs);
    anything else is a bug and keeps its traceback."""
    from ..engine.compare import RunsFailed
    from ..engine.sweep import SweepInterrupted, SweepStopped

    if isinstance(exc, RunsFailed):
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not isinstance(exc, SweepStopped):
        raise exc
    print(f"{exc.reason}; finished runs are saved in {exc.out}/", file=sys.stderr)
    print(f"to run the rest: {resume_command(argv)}", file=sys.stderr)
    code = 130 if isinstance(exc, SweepInterrupted) else 1  # else SweepFailed
    if argv is None:
        _exit_if_threads_linger(code)
    return code


def _exit_if_threads_linger(code: int) -> None:
    """The command line's last guard against a hang after Ctrl-C: a thread left behind by
    stopped workers (a process pool's manager waiting for a result that will never come)
    would keep the interpreter from exiting; end the process now, its results saved."""
    import threading

    lingering = [t for t in threading.enumerate()
                 if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if lingering:
        _release()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def resume_command(argv: list[str] | None) -> str:
    """The command line that was run, plus --resume, invoked as it was (python run.py,
    python -m cogov, or the cogov console script)."""
    import shlex

    args = list(sys.argv[1:] if argv is None else argv)
    if argv is not None:
        prefix = ["cogov"]  # called as a function: the console command is the portable form
    elif sys.argv[0].endswith(".py") and Path(sys.argv[0]).name != "__main__.py":
        prefix = [sys.orig_argv[0], sys.argv[0]]  # the interpreter as typed, e.g. .venv/bin/python
    elif "-m" in sys.orig_argv:
        prefix = [sys.orig_argv[0], "-m", "cogov"]
    else:
        prefix = [sys.argv[0]]  # the console script, as the shell found it
    return shlex.join([*prefix, *args, *([] if "--resume" in args else ["--resume"])])
