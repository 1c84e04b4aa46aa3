"""Command line: ``python run.py {run,compare,validate} ...`` (see ``--help``).

Heavy libraries are imported inside the commands, so ``--help`` is instant.
Bad input (a scenario error, a wrong flag) prints a message naming the key path
and exits with code 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXIT_BAD_INPUT = 2

KEY_METRICS = ("trust_gov", "unmet_need", "satisfaction", "cooperation", "resource_leverage",
               "cost_per_need")


def _common(p: argparse.ArgumentParser, out_default: str | None = None) -> None:
    p.add_argument("--steps", type=int, help="number of steps (overrides the scenario)")
    p.add_argument("--seed", type=int, help="seed (overrides the scenario; base seed for replicates)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a scenario key, e.g. --set mechanisms.incentives.r=4.5 (repeatable)")
    if out_default is not None:
        p.add_argument("--out", type=Path, help=f"output folder (default: {out_default})")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for run.py."""
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="cogov: top-down management vs adaptive collaboration (agent-based model).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run one scenario once")
    p.add_argument("scenario", type=Path)
    _common(p, "out/<scenario name>")
    p.add_argument("--agents", action="store_true",
                   help="also write agents.parquet: one row per agent per step")
    p = sub.add_parser("compare", help="run scenarios with replicates and compare them")
    p.add_argument("scenarios", type=Path, nargs="+")
    p.add_argument("--replicates", type=int, default=10, help="replicates per scenario (default 10)")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    _common(p, "out/compare")
    p = sub.add_parser("validate", help="check a scenario without running it")
    p.add_argument("scenario", type=Path)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE")
    return parser


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
        f"{s.steps} steps, seed {s.seed}"
    )
    return 0


def cmd_run(args) -> int:
    """One run: model_metrics.csv, run.json, metrics.png [, agents.parquet]."""
    from .outputs import AgentTable, provenance, write_csv, write_json
    from .plots import plot_run
    from .runner import final_window, run_scenario

    s = _load(args.scenario, args)
    out = args.out or Path("out") / s.name
    table = AgentTable(out / "agents.parquet") if (args.agents or s.outputs.agents) else None
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    result = run_scenario(s, seed=args.seed, on_step=table)
    if table:
        table.close()
    write_csv(result.metrics, out / "model_metrics.csv")
    plot_run(result.metrics, out / "metrics.png", title=s.name)
    final = final_window(result.metrics, s.outputs.window)
    write_json({"scenario": s.to_dict(), "seed": result.seed, "started_at": started,
                "wall_time_s": round(result.wall_time, 3),
                "final_window": {"steps": s.outputs.window, **final.to_dict()},
                **provenance()}, out / "run.json")
    print(f"{s.name}: {s.steps} steps, seed {result.seed}, {result.wall_time:.2f} s -> {out}/")
    for name in KEY_METRICS:
        print(f"  {name:<18} {final[name]:.4f}")
    return 0


def cmd_compare(args) -> int:
    """Replicated comparison: summary.csv, timeseries.csv, compare.png, compare.json."""
    from .outputs import provenance, write_csv, write_json
    from .plots import plot_compare
    from .runner import replicate_seeds, run_replicates, summarize

    scenarios = [_load(path, args) for path in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise _BadInput(f"compare: two scenarios share a name ({', '.join(names)}); give each a "
                        "distinct `name:`")
    if args.replicates < 1 or args.workers < 1:
        raise _BadInput("compare: --replicates and --workers must be at least 1")
    base = scenarios[0].seed if args.seed is None else args.seed
    out = args.out or Path("out") / "compare"
    window = scenarios[0].outputs.window
    started = time.perf_counter()
    ts = run_replicates(scenarios, args.replicates, base, workers=args.workers, progress=True)
    summary = summarize(ts, window)
    write_csv(ts, out / "timeseries.csv")
    write_csv(summary, out / "summary.csv")
    plot_compare(ts, out / "compare.png")
    write_json({"scenarios": [s.to_dict() for s in scenarios], "replicates": args.replicates,
                "base_seed": base, "seeds": replicate_seeds(base, args.replicates),
                "final_window_steps": window, "wall_time_s": round(time.perf_counter() - started, 3),
                **provenance()}, out / "compare.json")
    print(format_summary(summary))
    print(f"\n{len(scenarios)} scenarios x {args.replicates} replicates, final-window mean of the "
          f"last {window} steps ± 95% CI -> {out}/")
    return 0


def format_summary(summary) -> str:
    """A plain-text table: scenarios down, key metrics across, 'mean ± half-width'."""
    cells = {}
    for row in summary.itertuples():
        if row.metric in KEY_METRICS:
            cells[(row.scenario, row.metric)] = f"{row.mean:.3f} ± {(row.ci_high - row.mean):.3f}"
    names = list(dict.fromkeys(summary["scenario"]))
    first = max(len("scenario"), *(len(n) for n in names))
    widths = [max(len(m), *(len(cells[(n, m)]) for n in names)) for m in KEY_METRICS]
    lines = ["  ".join(["scenario".ljust(first)] + [m.rjust(w) for m, w in zip(KEY_METRICS, widths,
                                                                               strict=True)])]
    for n in names:
        lines.append("  ".join([n.ljust(first)] + [cells[(n, m)].rjust(w)
                                                    for m, w in zip(KEY_METRICS, widths, strict=True)]))
    return "\n".join(lines)


class _BadInput(Exception):
    pass


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "validate": cmd_validate}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
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
