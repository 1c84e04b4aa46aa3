"""The house of model/ as a picture, drawn from the code: docs/figures/architecture.png.

The layers are those tests/test_architecture.py enforces (``LAYERS``, lowest first, with
agents/ beside sim); the arrows are the import edges its ``graph()`` measures between
modules (every import of a cogov module, inside functions too), counted per pair of
folders. An import that ran up a layer would be drawn red; there is none. The script
also prints the measured facts docs/architecture.md states.

    python benchmarks/architecture_figure.py            # -> docs/figures/architecture.png
    python benchmarks/architecture_figure.py --out F.png
    python benchmarks/architecture_figure.py --facts    # print the facts, draw nothing
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import textwrap
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures" / "architecture.png"

# what each folder is for (the folders and their modules are read from the code)
CONCERN = {
    "scenario": "what a run is",
    "sim": "one Mesa model",
    "agents": "Mesa agents",
    "engine": "running many",
    "figures": "drawing results",
    "studies": "analyses, each with its figure",
    "ui": "front ends",
}


def _architecture():
    """tests/test_architecture.py as a module (its LAYERS, graph() and layer())."""
    spec = importlib.util.spec_from_file_location(
        "test_architecture", ROOT / "tests" / "test_architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def folder(name: str) -> str | None:
    """The folder a module lives in: a layer, or agents (None for cogov.model itself)."""
    parts = name.split(".")
    if parts[1] == "agents":
        return "agents"
    return parts[2] if len(parts) > 2 else None


def folder_edges(graph) -> tuple[Counter, Counter]:
    """Import edges between folders (importer, imported) and inside each folder."""
    between, inside = Counter(), Counter()
    for a, b in graph.edges:
        fa, fb = folder(a), folder(b)
        if fa is None or fb is None:
            continue
        if fa == fb:
            inside[fa] += 1
        else:
            between[(fa, fb)] += 1
    return between, inside


def folder_modules(arch) -> dict[str, list[str]]:
    """Module names per folder (a sub-package counts as one entry, ``mechanisms/``)."""
    found: dict[str, set[str]] = {}
    for name, path in arch.modules().items():
        f = folder(name)
        if f is None:
            continue
        parts = name.split(".")
        rest = parts[2:] if f == "agents" else parts[3:]
        if not rest:
            continue  # the folder's own __init__
        package = len(rest) > 1 or path.name == "__init__.py"
        found.setdefault(f, set()).add(rest[0] + ("/" if package else ""))
    for names in found.values():
        for sub in [n for n in names if n.endswith("/")]:
            package = next((ROOT / "model").glob(f"*/{sub}"))
            inner = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
            names.discard(sub)
            names.add(f"{sub} ({len(inner)}: " + ("base + " if "base" in inner else "")
                      + f"{len(inner) - ('base' in inner)})")
    return {f: sorted(n) for f, n in found.items()}


def class_lines(path: Path, name: str) -> int:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node.end_lineno - node.lineno + 1
    raise LookupError(name)


def facts(arch=None) -> dict[str, int]:
    """The measured facts docs/architecture.md states."""
    import networkx as nx

    from cogov.model.sim.mechanism import Mechanism
    from cogov.model.sim.mechanisms import PHASES

    arch = arch or _architecture()
    g = arch.graph()
    model_py = ROOT / "model" / "sim" / "model.py"
    up = [(a, b) for a, b in g.edges
          if arch.layer(a) >= 0 and arch.layer(b) >= 0 and arch.layer(b) > arch.layer(a)]
    mechanism_files = [p for p in (ROOT / "model/sim/mechanisms").glob("*.py")
                       if p.name != "__init__.py"]
    return {
        "modules": g.number_of_nodes(),
        "import edges": g.number_of_edges(),
        "import circles": sum(1 for c in nx.simple_cycles(g) if len(c) > 1),
        "upward imports": len(up),
        "flat modules in model/": sum(1 for p in (ROOT / "model").glob("*.py")
                                      if p.name != "__init__.py"),
        "lines of GovernanceModel": class_lines(model_py, "GovernanceModel"),
        "lines of model/sim/model.py": len(model_py.read_text(encoding="utf-8").splitlines()),
        ".enabled guards in model/sim/model.py": len(
            re.findall(r"\.enabled\b", model_py.read_text(encoding="utf-8"))),
        "phases": len(PHASES),
        "phases with an observe hook": sum(1 for p in PHASES if p.observe is not Mechanism.observe),
        "mechanism modules": len(mechanism_files),
    }


def draw(out: Path = OUT, arch=None) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # a script, not the library: it may choose its backend
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    arch = arch or _architecture()
    g = arch.graph()
    layers = list(arch.LAYERS)
    between, inside = folder_edges(g)
    modules = folder_modules(arch)
    fact = facts(arch)

    half_w, box_h, pitch = 4.4, 1.3, 2.05
    level = {name: i for i, name in enumerate(layers)}
    level["agents"] = level["sim"]
    centre_x = {name: 0.0 for name in layers}
    centre_x["agents"] = -7.5
    width = {name: half_w for name in layers}
    width["agents"] = 1.9

    def y(name):
        return level[name] * pitch

    fig, ax = plt.subplots(figsize=(12, 9.2))
    shades = plt.cm.Blues([0.12 + 0.11 * i for i in range(len(layers))])
    for name in [*layers, "agents"]:
        cx, w, cy = centre_x[name], width[name], y(name)
        colour = shades[level[name]] if name != "agents" else "#f3e6c8"
        ax.add_patch(FancyBboxPatch((cx - w, cy - box_h / 2), 2 * w, box_h,
                                    boxstyle="round,pad=0.02,rounding_size=0.12",
                                    fc=colour, ec="#345", lw=1.0))
        prefix = "agents/" if name == "agents" else f"model/{name}/"
        ax.text(cx, cy + box_h / 2 - 0.2, f"{prefix}  {CONCERN.get(name, '')}",
                ha="center", va="center", fontsize=10, weight="bold")
        names = ", ".join(modules.get(name, []))
        wrapped = textwrap.fill(names, 84 if name != "agents" else 30)
        ax.text(cx, cy - 0.02, wrapped, ha="center", va="center", fontsize=7.2,
                linespacing=1.25)
        count = sum(1 for m in g.nodes if folder(m) == name)
        n_in = inside.get(name, 0)
        ax.text(cx, cy - box_h / 2 + 0.14,
                f"{count} modules · {n_in} import{'s' * (n_in != 1)} among them",
                ha="center", va="center", fontsize=6.8, color="#345", style="italic")

    def lw(n):
        return 0.7 + 0.13 * n

    def colour(a, b):
        return "#c0392b" if level[b] > level[a] else "#2c3e50"

    # beside: sim -> agents
    skips = []
    for (a, b), n in sorted(between.items()):
        if "agents" in (a, b):
            xa = centre_x[a] - width[a] if centre_x[b] < centre_x[a] else centre_x[a] + width[a]
            xb = centre_x[b] + width[b] if centre_x[b] < centre_x[a] else centre_x[b] - width[b]
            ax.annotate("", xy=(xb, y(b)), xytext=(xa, y(a)),
                        arrowprops=dict(arrowstyle="-|>", lw=lw(n), color=colour(a, b)))
            ax.text((xa + xb) / 2, y(a) + 0.15, str(n), ha="center", fontsize=8)
        elif abs(level[a] - level[b]) == 1:
            ya, yb = y(a) - box_h / 2, y(b) + box_h / 2
            if level[b] > level[a]:
                ya, yb = y(a) + box_h / 2, y(b) - box_h / 2
            ax.annotate("", xy=(0, yb), xytext=(0, ya),
                        arrowprops=dict(arrowstyle="-|>", lw=lw(n), color=colour(a, b)))
            ax.text(0.18, (ya + yb) / 2, str(n), va="center", fontsize=8)
        else:
            skips.append((a, b, n))

    # edges that skip layers run in lanes on the right: the deeper the imported folder,
    # the further out; among edges into one folder, shorter spans inside
    skips.sort(key=lambda e: (-level[e[1]], abs(level[e[0]] - level[e[1]])))
    lane_x = {(a, b): half_w + 0.55 + 0.5 * k for k, (a, b, _) in enumerate(skips)}
    ports: dict[str, list] = {}
    for a, b, _ in skips:
        ports.setdefault(a, []).append(((a, b), "out"))
        ports.setdefault(b, []).append(((a, b), "in"))
    port_y = {}
    for name, items in ports.items():
        # lanes arriving (from above) on top, inner ones first; lanes leaving (downward)
        # below them, outer ones first: no lane crosses another next to a box
        ins = sorted([e for e, r in items if r == "in"], key=lambda e: lane_x[e])
        outs = sorted([e for e, r in items if r == "out"], key=lambda e: -lane_x[e])
        order = ins + outs
        span = box_h * 0.8
        for k, e in enumerate(order):
            yy = y(name) + span / 2 - span * (k + 0.5) / len(order)
            port_y[(e, name)] = yy
    for a, b, n in skips:
        x = lane_x[(a, b)]
        ya, yb = port_y[((a, b), a)], port_y[((a, b), b)]
        c = colour(a, b)
        ax.plot([half_w, x, x], [ya, ya, yb], color=c, lw=lw(n), solid_capstyle="butt",
                solid_joinstyle="miter")
        ax.annotate("", xy=(half_w, yb), xytext=(x, yb),
                    arrowprops=dict(arrowstyle="-|>", lw=lw(n), color=c,
                                    shrinkA=0, shrinkB=0))
        ax.text(x, y(b) + pitch / 2, str(n), ha="center", va="center", fontsize=7.5,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))

    right = max(lane_x.values(), default=half_w) + 0.6
    ax.set_xlim(centre_x["agents"] - width["agents"] - 0.3, right)
    ax.set_ylim(-box_h / 2 - 0.4, y(layers[-1]) + box_h / 2 + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        "model/: folders of one concern, imports only downward\n"
        f"{fact['modules']} modules, {fact['import edges']} import edges, "
        f"{fact['import circles']} import circles, {fact['upward imports']} upward imports\n"
        "arrow: importer → imported; number: imports between the two folders' modules "
        "(measured as tests/test_architecture.py does;\na package's __init__ counts as a "
        "module)", fontsize=9.5)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--facts", action="store_true", help="print the facts, draw nothing")
    args = parser.parse_args(argv)
    arch = _architecture()
    for key, value in facts(arch).items():
        print(f"{key}: {value}")
    if not args.facts:
        print(f"wrote {draw(args.out, arch)}")


if __name__ == "__main__":
    main()
