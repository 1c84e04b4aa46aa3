"""cogov benchmarks: one command, results in docs/performance.md.

    python benchmarks/run.py            # full set (about 10 minutes on 2 cores)
    python benchmarks/run.py --quick    # small sizes, to check the benchmarks still run

Sections: (1) cogov vs the textbook Mesa model of the same citizen rules;
(2) a full cogov step vs the sparse mat-vec floor; (3) scaling of time and
memory with N; (4) a 10^6-citizen, 200-step run's peak memory; (5) sweeps: the
parallel efficiency of each executor (process pool and Dask LocalCluster, 1 vs 2
workers) and the store's per-run overhead; (6) CLI start-up; (7) a profile
of a large step; (8) the step with every mechanism on. Ratios are measured in the same run. Each
measurement that needs a clean peak-memory reading runs in its own process.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of(fn, repeat: int) -> float:
    """Smallest wall time of ``repeat`` calls (seconds)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def scaled(n: int, degree: int = 10):
    """The adaptive preset at N citizens on a random regular network, by overrides alone."""
    from cogov.model import load_scenario

    return load_scenario(ROOT / "scenarios/adaptive.yaml", {
        "population.citizens": n, "network.kind": "regular", "network.degree": degree})


def neighbour_passes(scenario) -> int:
    """Neighbour-averaging sweeps (sparse mat-vecs) in one full step."""
    m = scenario.mechanisms
    return 2 * m.incentives.enabled + (m.incentives.compensation > 0) + 2 * m.trust.enabled


# ------------------------------------------------------------ measurements
def measure_vs_mesa(n: int, steps: int) -> dict:
    """Per-step time of cogov's citizen core vs the idiomatic Mesa reference."""
    from benchmarks.mesa_reference import ReferenceModel, core_scenario
    from cogov.model import GovernanceModel

    scenario = core_scenario(n)
    fast = GovernanceModel(scenario, seed=1)
    t_fast = best_of(fast.step, max(5, steps))
    t = time.perf_counter()
    ref = ReferenceModel(GovernanceModel(scenario, seed=1), seed=1)
    build = time.perf_counter() - t
    t_ref = best_of(ref.step, steps)
    return {"n": n, "cogov_step_s": t_fast, "mesa_step_s": t_ref, "mesa_build_s": build,
            "speedup": t_ref / t_fast}


def measure_run(n: int, steps: int) -> dict:
    """Build and step the scaled adaptive preset; runs in a fresh process for peak RSS."""
    from cogov.model import GovernanceModel

    scenario = scaled(n)
    t = time.perf_counter()
    model = GovernanceModel(scenario, seed=1)
    build = time.perf_counter() - t
    model.step()  # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        model.step()
    step = (time.perf_counter() - t) / steps
    adj = model.adjacency
    x = model.citizens.trust_gov.copy()
    matvec = best_of(lambda: adj @ x, 20)
    passes = neighbour_passes(scenario)
    return {"n": n, "edges": int(adj.nnz // 2), "build_s": build, "step_s": step,
            "matvec_s": matvec, "passes": passes, "floor_ratio": step / (passes * matvec),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_subprocess(n: int, steps: int) -> dict:
    """Run one scaled-preset measurement in a fresh interpreter and read its JSON."""
    out = subprocess.run([sys.executable, __file__, "--measure", str(n), str(steps)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_long_run(n: int, steps: int) -> dict:
    """The full CLI run at N citizens (degree 10, all core mechanisms), peak RSS of the process."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "run.py"), "run", str(ROOT / "scenarios/adaptive.yaml"),
               "--set", f"population.citizens={n}", "--set", "network.kind=regular",
               "--set", "network.degree=10", "--steps", str(steps), "--out", tmp]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"n": n, "steps": steps, "wall_s": wall, "peak_rss_mb": peak}


ALL_ON = {f"mechanisms.{m}.enabled": True for m in (
    "opinion", "unrest", "early_warning", "mediation", "incubation", "credit", "hub_strategy",
    "projects", "collective_bargaining", "emergency", "interests", "public_security")}
ALL_ON.update({  # every part of every mechanism, and Essay 7's four shifts
    "governance.law_based": True, "governance.comprehensive": True, "governance.source": True,
    "mechanisms.opinion.responsiveness": 0.1, "mechanisms.emergency.network": True,
    "mechanisms.credit.enterprises": True, "mechanisms.credit.budget": 0.0008,
    **{f"mechanisms.credit.{part}.enabled": True
       for part in ("rewards", "citizens", "government", "association")},
    **{f"mechanisms.mediation.{part}.enabled": True
       for part in ("deadlines", "follow_up", "accountability", "petitions")},
    **{f"mechanisms.public_security.{link}": 1 / 6
       for link in ("strike", "prevent", "educate", "manage", "build", "reform")},
    "mechanisms.public_security.responsibility": True, "mechanisms.public_security.sharing": True,
})
RELOCATION = [{"kind": "relocation", "step": 1, "size": 1.0, "share": 0.2}]


def measure_all_mechanisms(n: int, steps: int) -> dict:
    """Per-step time of the scaled preset with every mechanism on (and a relocation) vs the core."""
    from cogov.model import GovernanceModel

    core = scaled(n)
    every = core.replace(**ALL_ON, shocks=RELOCATION)
    out = {"n": n}
    for name, scenario in (("core", core), ("all", every)):
        model = GovernanceModel(scenario, seed=1)
        model.step()  # the first step sets up lazily-built state
        out[f"{name}_step_s"] = best_of(model.step, steps)
    out["ratio"] = out["all_step_s"] / out["core_step_s"]
    return out


def measure_startup() -> float:
    """Best of 5 wall times of `python run.py --help`."""
    cmd = [sys.executable, str(ROOT / "run.py"), "--help"]
    return best_of(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT), 5)


EXECUTORS = ("process", "dask")


def measure_sweep(runs: int, citizens: int = 2500, rounds: int = 3) -> dict:
    """One `runs`-run sweep of the adaptive preset, timed as a plain loop, in-process through
    the store, and on each executor with 1 and 2 workers; and each executor's fixed cost."""

    from cogov.model import load_scenario
    from cogov.model.engine.sweep import execute, make_jobs

    base = load_scenario(ROOT / "scenarios/adaptive.yaml", {"population.citizens": citizens})
    jobs = make_jobs(base, sweep_points(runs), 10, base.seed, None)
    for job in jobs[:3]:  # warm caches and lazy imports before timing either side
        execute(job)
    t = time.perf_counter()
    results = [execute(job) for job in jobs]
    out = {"runs": len(jobs), "citizens": citizens, "plain_loop_s": time.perf_counter() - t}
    out["store_per_run_ms"] = 1000 * time_store(results) / len(jobs)

    def timed_sweep(workers: int, executor: str | None) -> float:
        return sweep_in_fresh_process(citizens, len(jobs), workers, executor)

    # Best of `rounds`, the configurations interleaved in each round: this machine's speed
    # drifts by 10-15 % over minutes, more than the differences being measured.
    configs = [("in_process", 1, None)] + [(f"{k}_{w}", w, k) for k in EXECUTORS for w in (1, 2)]
    out.update({f"{name}_s": math.inf for name, _, _ in configs})
    for _ in range(rounds):
        for name, workers, kind in configs:
            out[f"{name}_s"] = min(out[f"{name}_s"], timed_sweep(workers, kind))
    out["rounds"] = rounds
    out["engine_overhead_per_run_ms"] = 1000 * (out["in_process_s"] - out["plain_loop_s"]) / len(jobs)
    for kind in EXECUTORS:
        out[f"{kind}_start_s"] = executor_fixed_cost(kind, base)
        # 1 vs 2 workers of the same executor, and 2 workers vs the in-process sweep
        out[f"{kind}_efficiency"] = out[f"{kind}_1_s"] / (2 * out[f"{kind}_2_s"])
        out[f"{kind}_efficiency_vs_in_process"] = out["in_process_s"] / (2 * out[f"{kind}_2_s"])
    return out


def measure_pool_efficiency(runs: int, rounds: int = 2) -> dict:
    """The local default executor on a longer sweep (``runs`` runs of the adaptive preset
    at 2,500 citizens): 1 vs 2 workers, best of ``rounds``, starting the workers
    included. Worker start-up is a fixed cost, so efficiency grows with a sweep's length."""
    best = {1: math.inf, 2: math.inf}
    for _ in range(rounds):
        for workers in (1, 2):
            best[workers] = min(best[workers],
                                sweep_in_fresh_process(2500, runs, workers, "process"))
    return {"runs": runs, "rounds": rounds, "one_s": best[1], "two_s": best[2],
            "efficiency": best[1] / (2 * best[2])}


def sweep_points(runs: int) -> list[dict]:
    """The benchmark sweep's points: ``runs`` // 10 values of the synergy r, 10 replicates each."""
    return [{"mechanisms.incentives.r": 3.0 + 3.0 * i / (runs // 10 - 1)}
            for i in range(runs // 10)]


def time_sweep(citizens: int, runs: int, workers: int, executor: str | None) -> float:
    """Seconds one ``run_sweep`` of the benchmark sweep takes in this process (starting its
    workers included)."""
    import tempfile

    from cogov.model import load_scenario
    from cogov.model.engine.sweep import run_sweep

    base = load_scenario(ROOT / "scenarios/adaptive.yaml", {"population.citizens": citizens})
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        run_sweep(base, sweep_points(runs), replicates=10, workers=workers, executor=executor,
                  out=tmp)
        return time.perf_counter() - t


def sweep_in_fresh_process(citizens: int, runs: int, workers: int, executor: str | None) -> float:
    """:func:`time_sweep` in a new Python process, as a user's `cogov sweep` runs (cogov's
    import not timed): no thread or pool left behind by an earlier measurement (a Dask
    cluster's threads would make the process pool spawn)."""
    done = subprocess.run([sys.executable, __file__, "--time-sweep", str(citizens), str(runs),
                           str(workers), executor or "none"], check=True, capture_output=True,
                          text=True, cwd=ROOT)
    return float(done.stdout.strip().splitlines()[-1])


def time_store(results: list[dict]) -> float:
    """Seconds the store takes for these results: chunked writes as in a sweep on 2
    workers, then runs.parquet, and summary.csv from the stored time series."""
    import tempfile

    from cogov.model.engine.sweep import SweepStore, write_summary

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        store = SweepStore(Path(tmp), chunk_runs=8)
        for result in results:
            store.add(result)
        store.flush()
        table = store.consolidate()
        write_summary(Path(tmp), table, 20)
        return time.perf_counter() - t


def executor_fixed_cost(kind: str, base) -> float:
    """Start an executor with 2 workers, run one 1-step, 200-citizen job on each (so each
    worker imports cogov), shut it down: the seconds a sweep pays whatever its length."""
    from cogov.model.engine.sweep import execute, make_executor, make_jobs

    tiny = base.replace(**{"population.citizens": 200, "warmup": 0, "steps": 1})
    jobs = make_jobs(tiny, [{}], 2, 1, None)
    t = time.perf_counter()
    executor = make_executor(2, None, kind)
    try:
        for _ in executor.map(execute, jobs):
            pass
    finally:
        executor.close()
    return time.perf_counter() - t


def profile(n: int, steps: int) -> str:
    """Top functions by own time over ``steps`` steps at N citizens."""
    from cogov.model import GovernanceModel

    model = GovernanceModel(scaled(n), seed=1)
    model.step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        model.step()
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    for (file, line, name), (_, ncalls, tottime, _, _) in stats.stats.items():
        label = f"{Path(file).name}:{line}({name})" if file != "~" else name
        rows.append((tottime, ncalls, label))
    rows.sort(reverse=True)
    lines = ["| share of step time | calls | function |", "|---|---|---|"]
    for tottime, ncalls, label in rows[:10]:
        lines.append(f"| {100 * tottime / total:.0f} % | {ncalls} | `{label}` |")
    return "\n".join(lines)


# ------------------------------------------------------------------ report
def machine() -> dict:
    """What the numbers were measured on."""
    import numpy
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1),
            "python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d"),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def plot_scaling(rows: list[dict], path: Path) -> None:
    """Log-log time per step and peak memory against edges."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    edges = [r["edges"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    a.loglog(edges, [r["step_s"] for r in rows], "o-", label="cogov step")
    a.loglog(edges, [r["passes"] * r["matvec_s"] for r in rows], "s--", label="floor: passes × mat-vec")
    ref = rows[0]["step_s"]
    a.loglog(edges, [ref * e / edges[0] for e in edges], ":", color="grey", label="linear in edges")
    a.set_xlabel("edges")
    a.set_ylabel("seconds per step")
    a.legend(fontsize=8)
    a.grid(alpha=0.3, which="both")
    b.loglog([r["n"] for r in rows], [r["peak_rss_mb"] for r in rows], "o-")
    b.set_xlabel("citizens")
    b.set_ylabel("peak RSS (MB)")
    b.grid(alpha=0.3, which="both")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def table(rows: list[dict], columns: list[tuple[str, str]]) -> list[str]:
    """Markdown table lines: a header of titles, then each row through its format strings."""
    return ["| " + " | ".join(title for title, _ in columns) + " |",
            "|" + "---|" * len(columns),
            *("| " + " | ".join(fmt.format(**r) for _, fmt in columns) + " |" for r in rows)]


def report(results: dict, out: Path) -> str:
    """docs/performance.md."""
    m = results["machine"]
    lines = [
        "# Performance",
        "",
        "Generated by `make bench` (`python benchmarks/run.py`); every ratio below was",
        "measured in the same run. Tests never assert wall-clock times.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['platform']};",
        f"Python {m['python']}, numpy {m['numpy']}, scipy {m['scipy']}; measured {m['date']}"
        f" (OPENBLAS_CORETYPE={m['OPENBLAS_CORETYPE']}; the step is sparse, not BLAS-bound).",
        "",
        "## 1. cogov vs the textbook Mesa model",
        "",
        "Same rules (co-production game with trust-scaled participation and Fermi",
        "imitation, satisfaction, trust learning and social influence), same network",
        "(random regular, degree 10) and initial state. The reference",
        "(`benchmarks/mesa_reference.py`) has one `mesa.Agent` per citizen with cached",
        "neighbour tuples and staged `do`/`shuffle_do` calls; `tests/test_mesa_reference.py`",
        "checks that both give the same mean trajectories within sampling error.",
        "",
        *table(results["vs_mesa"], [
            ("citizens", "{n:,}"), ("Mesa s/step", "{mesa_step_s:.3f}"),
            ("cogov s/step", "{cogov_step_s:.5f}"), ("speed-up", "{speedup:.0f}×"),
            ("Mesa build s", "{mesa_build_s:.2f}")]),
        "",
        "## 2. A full step vs the sparse mat-vec floor",
        "",
        "The adaptive preset scaled by overrides alone (`--set population.citizens=N",
        "--set network.kind=regular --set network.degree=10`), all core mechanisms on.",
        "One CSR mat-vec over the network is a lower bound for one neighbour-averaging",
        "pass; a step makes `passes` of them (co-production 2, trust 2).",
        "",
        *table(results["scaling"], [
            ("citizens", "{n:,}"), ("edges", "{edges:,}"), ("step s", "{step_s:.4f}"),
            ("mat-vec s", "{matvec_s:.5f}"), ("passes", "{passes}"),
            ("step / (passes × mat-vec)", "{floor_ratio:.2f}")]),
        "",
        "## 3. Scaling",
        "",
        *table(results["scaling"], [
            ("citizens", "{n:,}"), ("build s", "{build_s:.2f}"), ("step s", "{step_s:.4f}"),
            ("peak RSS MB", "{peak_rss_mb:.0f}")]),
        "",
        "![scaling](figures/scaling.png)",
        "",
    ]
    long = results.get("long_run")
    if long:
        lines += [
            "## 4. One million citizens, 200 steps",
            "",
            f"`run.py run scenarios/adaptive.yaml --set population.citizens={long['n']:,}`"
            " `--set network.kind=regular --set network.degree=10"
            f" --steps {long['steps']}`: {long['wall_s']:.0f} s wall, peak RSS "
            f"{long['peak_rss_mb']:.0f} MB (bound: 4,096 MB). Citizen views are not created",
            "above 100,000 citizens (`population.agents: auto`).",
            "",
        ]
    lines += sweep_section(results["sweep"])
    pool = results.get("pool_efficiency")
    if pool:
        lines += [
            f"A longer sweep on the local default executor ({pool['runs']} runs of the adaptive "
            f"preset, 2,500 citizens, best of {pool['rounds']}): {pool['one_s']:.1f} s on 1 "
            f"worker, {pool['two_s']:.1f} s on 2, a parallel efficiency of "
            f"{pool['efficiency']:.0%} with starting the workers included (their start-up is a "
            "fixed cost, so efficiency grows with a sweep's length).",
            "",
        ]
    lines += [
        "## 6. Start-up",
        "",
        f"`python run.py --help`: {results['startup_s']:.3f} s (best of 5; heavy imports are",
        "deferred to the command that needs them).",
        "",
        f"## 7. Where the time goes ({results['profile_n']:,} citizens)",
        "",
        results["profile"],
        "",
    ]
    if results.get("all_mechanisms"):
        lines += [
            "## 8. Every mechanism on",
            "",
            "The preset of section 2 with every mechanism and every part of it on (opinion and",
            "responses to it, unrest, early warning, the full grand-mediation procedure,",
            "incubation, social credit for every actor with rewards, hub strategy, projects,",
            "collective bargaining, the emergency network, consultation, law-based governance,",
            "public security with all six links, the four shifts) and a relocation shock",
            "displacing 20 % of citizens (best of the steps after the first).",
            "",
            *table([results["all_mechanisms"]], [
                ("citizens", "{n:,}"), ("core s/step", "{core_step_s:.4f}"),
                ("all mechanisms s/step", "{all_step_s:.4f}"), ("ratio", "{ratio:.2f}")]),
            "",
        ]
    text = "\n".join(lines) + _app_section(out)
    out.write_text(text, encoding="utf-8")
    return text


APP_SECTION = "## 9. The app"


def _app_section(out: Path) -> str:
    """The app's section as it stands (measured by benchmarks/app_step.py in a browser, not
    by this run): kept when the rest is regenerated."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    at = old.find(APP_SECTION)
    return "\n" + old[at:] if at >= 0 else ""


def sweep_section(sw: dict) -> list[str]:
    """Section 5: each executor's parallel efficiency and the store's per-run overhead."""
    engine = (f"{sw['engine_overhead_per_run_ms']:.1f} ms per run"
              if sw["engine_overhead_per_run_ms"] > 0 else
              "below what this measurement resolves (the in-process sweep was "
              f"{sw['plain_loop_s'] - sw['in_process_s']:.1f} s faster than the plain loop; "
              "run-to-run order effects are a few per cent)")
    names = {"process": "process pool (local default)", "dask": "Dask LocalCluster"}
    rows = [{"name": names[k], **{f: sw[f"{k}_{f}"] for f in (
        "1_s", "2_s", "start_s", "efficiency", "efficiency_vs_in_process")}} for k in EXECUTORS]
    return [
        "## 5. Sweeps: parallel efficiency and store overhead",
        "",
        f"One sweep, {sw['runs']} runs of the adaptive preset ({sw['citizens']:,} citizens, "
        "100 steps), 10 replicates per point, through `run_sweep` (chunked Parquet store",
        f"included), best of {sw.get('rounds', 1)} rounds, the configurations interleaved in each "
        "round (this machine's speed drifts by 10-15 % over minutes): in-process, then each "
        "executor with 1 and 2",
        "workers (`--executor process|dask --workers 1|2`), each sweep in a fresh Python",
        "process (as `cogov sweep` runs; timed from `run_sweep`'s call, cogov already",
        "imported). Parallel efficiency is the 1-worker time over twice the 2-worker time",
        "of the same executor; against the in-process sweep it also counts starting the",
        "workers. The fixed cost is starting 2 workers, one tiny run on each and shutting",
        "down: the process pool forks its workers on Linux (nothing to import again); Dask's",
        "are new processes that import cogov.",
        "",
        f"Plain loop (`execute` on every job, no store): {sw['plain_loop_s']:.1f} s; in-process"
        f" sweep: {sw['in_process_s']:.1f} s. Store overhead: {sw['store_per_run_ms']:.1f} ms per"
        " run (the store alone on those results: chunked Parquet writes, runs.parquet and",
        f"summary.csv); everything the engine adds to a plain loop: {engine} (including",
        "per-sweep costs: sweep.json with provenance, the summary).",
        "",
        *table(rows, [("executor", "{name}"), ("1 worker s", "{1_s:.1f}"),
                      ("2 workers s", "{2_s:.1f}"), ("fixed cost s", "{start_s:.1f}"),
                      ("efficiency, 1 vs 2 workers", "{efficiency:.0%}"),
                      ("efficiency vs in-process", "{efficiency_vs_in_process:.0%}")]),
        "",
    ]


def main(argv=None) -> int:
    """Run the benchmarks and write the report."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes only (a smoke check)")
    p.add_argument("--out", type=Path, default=ROOT / "docs/performance.md")
    p.add_argument("--only", nargs="+", default=[], metavar="SECTION",
                   help="re-measure only these sections (vs_mesa, scaling, long_run, sweep, "
                        "pool_efficiency, startup_s, profile, all_mechanisms); the rest come from "
                        "benchmarks/results.json")
    p.add_argument("--measure", nargs=2, type=int, metavar=("N", "STEPS"), help=argparse.SUPPRESS)
    p.add_argument("--time-sweep", nargs=4, metavar=("N", "RUNS", "WORKERS", "EXECUTOR"),
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_run(*args.measure)))
        return 0
    if args.time_sweep:
        n, runs, workers, executor = args.time_sweep
        print(time_sweep(int(n), int(runs), int(workers), None if executor == "none" else executor))
        return 0
    sizes = [2_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    mesa_sizes = [2_000] if args.quick else [10_000, 100_000]
    json_path = ROOT / "benchmarks/results.json" if not args.quick else args.out.with_suffix(".json")
    sections = {
        "vs_mesa": lambda: [measure_vs_mesa(n, 2 if n >= 100_000 else 3) for n in mesa_sizes],
        "scaling": lambda: [in_subprocess(n, 5 if n >= 1_000_000 else 20) for n in sizes],
        "long_run": lambda: None if args.quick else measure_long_run(1_000_000, 200),
        "sweep": lambda: measure_sweep(20 if args.quick else 100, 300 if args.quick else 2500,
                                       1 if args.quick else 3),
        "pool_efficiency": lambda: measure_pool_efficiency(20 if args.quick else 200,
                                                           1 if args.quick else 2),
        "startup_s": measure_startup,
        "profile": lambda: profile(sizes[-1], 3 if args.quick else 5),
        "all_mechanisms": lambda: measure_all_mechanisms(sizes[-1], 3 if args.quick else 5),
    }
    unknown = set(args.only) - set(sections)
    if unknown:
        p.error(f"--only: unknown section {sorted(unknown)} (known: {', '.join(sections)})")
    # --only re-measures some sections and keeps the others from the last full run
    results = json.loads(json_path.read_text()) if args.only else {}
    results["machine"] = machine()
    results["profile_n"] = sizes[-1]
    for i, (name, measure) in enumerate(sections.items(), start=1):
        if args.only and name not in args.only:
            continue
        print(f"{i}/{len(sections)} {name} ...", flush=True)
        results[name] = measure()
    figure = args.out.parent / "figures/scaling.png"
    plot_scaling(results["scaling"], figure)
    (args.out.parent / "figures").mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    print(report(results, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
