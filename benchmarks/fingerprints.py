"""Fingerprints of every preset's metrics: the check that a refactor changed no number.

Each preset runs at 324 citizens (a square, for the lattice presets) for 30 steps with seed 1 (presets that read a network
file keep the file's size); the fingerprint is the SHA-256 of its model metrics written
as CSV with every float in full (``repr``), so any change in any bit of any metric shows.

    python benchmarks/fingerprints.py            # compare with tests/data/fingerprints.json
    python benchmarks/fingerprints.py --record   # write that file anew (after a change
                                                 # meant to change numbers, said so in the commit)
    python benchmarks/fingerprints.py --dump DIR # also write each preset's CSV to DIR

tests/test_fingerprints.py runs the comparison; it imports only ``cogov``'s stable exports,
so it holds across moves of the code inside the package.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "tests" / "data" / "fingerprints.json"
if __name__ == "__main__":  # fingerprint this checkout's code, not another editable install's
    sys.path.insert(0, str(ROOT))
SIZE = {"population.citizens": 324, "steps": 30}


def metrics_csv(name: str) -> str:
    """One preset's model metrics as CSV text (floats in full)."""
    import cogov

    scenario = cogov.load_scenario(cogov.preset(name))
    overrides = dict(SIZE)
    if scenario.network.kind == "file":
        overrides.pop("population.citizens")
    model = cogov.GovernanceModel(scenario, seed=1, **overrides)
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    return frame.to_csv(float_format=repr, lineterminator="\n")


def fingerprints(dump: Path | None = None) -> dict[str, str]:
    import cogov

    found = {}
    for name in cogov.presets():
        text = metrics_csv(name)
        if dump is not None:
            path = dump / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        found[name] = hashlib.sha256(text.encode()).hexdigest()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write the fingerprints file")
    parser.add_argument("--dump", type=Path, help="write each preset's metrics CSV here")
    args = parser.parse_args(argv)
    found = fingerprints(args.dump)
    if args.record:
        FILE.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(found)} presets in {FILE}")
        return 0
    expected = json.loads(FILE.read_text())
    changed = sorted(k for k in expected.keys() | found.keys() if expected.get(k) != found.get(k))
    for name in changed:
        print(f"changed: {name}")
    print(f"{len(found) - len(changed)} of {len(found)} presets bit-identical")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
