"""Every preset's metrics are bit-identical to the recorded fingerprints (benchmarks/fingerprints.py).

A change meant to change numbers re-records them (``python benchmarks/fingerprints.py --record``)
and says why in its commit; a refactor must leave them as they are.
"""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("fingerprints", ROOT / "benchmarks" / "fingerprints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_preset_is_bit_identical_to_its_fingerprint():
    script = _script()
    expected = json.loads(script.FILE.read_text())
    found = script.fingerprints()
    assert sorted(found) == sorted(expected), "presets added or removed: re-record"
    changed = [name for name in found if found[name] != expected[name]]
    assert not changed, f"metrics changed for {changed}"
