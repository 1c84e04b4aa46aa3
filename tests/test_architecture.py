"""The house: folders of one concern in model/, imports only downward, no circles.

Layers, lowest first (docs/architecture.md): scenario (what a run is) -> sim (one Mesa
model; agents/ sits beside it) -> engine (running many) -> figures -> studies -> ui.
A module may import its own layer or a lower one, never a higher one, and the module
graph has no cycles (imports inside functions count too: they are not a way around).
"""

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["scenario", "sim", "engine", "figures", "studies", "ui"]
FLAT_MAX = 12  # modules directly in model/ (besides __init__.py); the rest live in folders


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = ["cogov", *rel.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    files = [*ROOT.glob("model/**/*.py"), *ROOT.glob("agents/*.py")]
    return {module_name(p): p for p in files}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of cogov that ``name`` imports (anywhere in the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [stem] + [f"{stem}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            if target in known:
                found.add(target)
    found.discard(name)
    return found


def graph() -> nx.DiGraph:
    mods = modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        for target in imports(name, path, set(mods)):
            # a package's __init__ is imported on the way to its modules: count the module
            g.add_edge(name, target)
    return g


def layer(name: str) -> int:
    parts = name.split(".")
    if parts[1] == "agents":
        return LAYERS.index("sim")
    if len(parts) < 3:
        return -1  # cogov.model itself: the package's lazy exports
    return LAYERS.index(parts[2]) if parts[2] in LAYERS else -1


def test_no_import_circles():
    g = graph()
    # edges into a package __init__ that only re-exports do not make a circle of code
    cycles = [c for c in nx.simple_cycles(g) if len(c) > 1]
    assert not cycles, f"{len(cycles)} import circles, e.g. {cycles[:3]}"


def test_imports_only_run_downward():
    up = [(a, b) for a, b in graph().edges
          if layer(a) >= 0 and layer(b) >= 0 and layer(b) > layer(a)]
    assert not up, f"imports that run up a layer: {up}"


def test_model_is_a_house_of_folders():
    flat = [p.name for p in (ROOT / "model").glob("*.py") if p.name != "__init__.py"]
    assert len(flat) <= FLAT_MAX, flat
    folders = {p.name for p in (ROOT / "model").iterdir() if (p / "__init__.py").is_file()}
    assert set(LAYERS) <= folders


def test_every_import_inside_a_function_resolves():
    """Imports inside functions run late: a moved module must not leave one dangling."""
    import importlib

    mods = modules()
    dangling = []
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("cogov"):
                continue
            module = importlib.import_module(target)
            for alias in node.names:
                if not hasattr(module, alias.name) and f"{target}.{alias.name}" not in mods:
                    dangling.append(f"{path.relative_to(ROOT)}:{node.lineno} {target}.{alias.name}")
    assert not dangling, dangling
