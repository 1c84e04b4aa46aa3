"""Provenance of an output folder as an RO-Crate 1.1: ``ro-crate-metadata.json``.

Every command that writes an output folder (run, compare, sweep and its job arrays,
sensitivity, calibrate, decompose, gap, patterns) leaves this file beside its results
(model/ui/cli.py calls :func:`write_crate` when the command ends). It records, as
schema.org JSON-LD that RO-Crate tools (ro-crate-py, Describo, WorkflowHub) read:

- the run as a ``CreateAction``: the command line, start and end times, its status;
- its ``instrument``: cogov (``SoftwareApplication``) with its version and git commit, and
  Python and the packages it ran with (``softwareRequirements``);
- its ``object``: the scenario files read (with the files their ``extends:`` chains read)
  and the design and targets files (``File``, with SHA-256 and size;
  outside the folder they are ``file://`` addresses), and the seeds and the executor
  (``PropertyValue``);
- its ``result``: every file in the folder (``File``, with SHA-256 and size), each also
  a part (``hasPart``) of the folder (the root ``Dataset``).

The crate is built with the ``rocrate`` package (ro-crate-py) when it is installed;
without it the same entities are written as JSON-LD by hand, following RO-Crate 1.1.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path

from .outputs import provenance, write_json

CRATE = "ro-crate-metadata.json"
PROFILE = "https://w3id.org/ro/crate/1.1"
SEED_FILES = ("sweep.json", "run.json", "compare.json", "calibration.json",
              "decomposition.json", "gap.json")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file(identifier: str, path: Path, **more) -> dict:
    kind = mimetypes.guess_type(path.name)[0] or {
        ".parquet": "application/vnd.apache.parquet", ".yaml": "application/yaml",
        ".yml": "application/yaml", ".sbatch": "text/x-shellscript",
        ".pkl": "application/x-python-pickle", ".arrows": "application/vnd.apache.arrow.stream",
    }.get(path.suffix, "application/octet-stream")
    return {"@id": identifier, "@type": "File", "name": path.name, "contentSize": path.stat().st_size,
            "sha256": sha256(path), "encodingFormat": kind, **more}


def folder_files(folder: Path) -> list[Path]:
    """The files the folder holds (not the crate itself, nor temporary or hidden files)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CRATE
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def seeds_of(folder: Path) -> dict:
    """The seeds the folder's own records name (base seed, replicate seeds, a run's seed)."""
    found = {}
    for name in SEED_FILES:
        for path in (folder / name, folder / "runs" / name, folder / "sweep" / name):
            if not path.is_file():
                continue
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            for key in ("seed", "base_seed", "seeds"):
                if key in data and key not in found:
                    found[key] = data[key]
    return found


def entities(folder: Path, *, command: list[str], inputs: list[Path], started: str, ended: str,
             executor: dict, status: str) -> tuple[dict, list[dict]]:
    """The root dataset's properties and the other entities of the crate."""
    prov = provenance()
    versions = dict(prov["versions"])
    cogov_version = versions.pop("cogov", None)
    python = versions.pop("python")
    files = [_file(p.relative_to(folder).as_posix(), p) for p in folder_files(folder)]
    read = [_file(Path(p).resolve().as_uri(), Path(p), alternateName=str(p))
            for p in dict.fromkeys(inputs) if Path(p).is_file()]
    software = [{"@id": "#python", "@type": "SoftwareApplication", "name": "Python",
                 "version": python, "url": "https://www.python.org/"}]
    software += [{"@id": f"#package-{name.lower()}", "@type": "SoftwareApplication", "name": name,
                  "version": version, "url": f"https://pypi.org/project/{name}/"}
                 for name, version in versions.items() if version]
    cogov = {"@id": "#cogov", "@type": "SoftwareApplication", "name": "cogov",
             "version": cogov_version, "identifier": prov["cogov_commit"],
             "description": "agent-based model of collaborative governance (Mesa)",
             "softwareRequirements": [{"@id": s["@id"]} for s in software],
             "runtimePlatform": prov["machine"]["platform"]}
    values = [{"@id": f"#{key}", "@type": "PropertyValue", "name": key,
               "value": json.dumps(value) if isinstance(value, list | dict) else value}
              for key, value in {**seeds_of(folder), "executor": executor}.items()]
    action = {"@id": "#command", "@type": "CreateAction", "name": " ".join(command[:2]),
              "description": " ".join(command), "instrument": {"@id": "#cogov"},
              "startTime": started, "endTime": ended,
              "actionStatus": {"@id": f"http://schema.org/{status}"},
              "object": [{"@id": e["@id"]} for e in read + values],
              "result": [{"@id": e["@id"]} for e in files]}
    root = {"name": f"cogov output: {folder.name}",
            "description": f"results of `{' '.join(command)}`", "datePublished": ended,
            "hasPart": [{"@id": e["@id"]} for e in files],
            "mentions": {"@id": "#command"}}
    return root, [action, cogov, *software, *values, *read, *files]


def write_crate(folder: str | Path, *, command: list[str], inputs: list[Path] = (),
                started: str, ended: str, executor: dict | None = None,
                status: str = "CompletedActionStatus") -> Path:
    """Write ``folder/ro-crate-metadata.json`` (see the module docstring); return its path."""
    folder = Path(folder)
    root, others = entities(folder, command=command, inputs=list(inputs), started=started,
                            ended=ended, executor=executor or {}, status=status)
    try:
        data = _with_rocrate(root, others)
    except ImportError:
        data = by_hand(root, others)
    write_json(data, folder / CRATE)
    return folder / CRATE


def _with_rocrate(root: dict, others: list[dict]) -> dict:
    from rocrate.model.contextentity import ContextEntity
    from rocrate.model.file import File
    from rocrate.rocrate import ROCrate

    crate = ROCrate()
    for key, value in root.items():
        crate.root_dataset[key] = value
    for entity in others:
        props = {k: v for k, v in entity.items() if k != "@id"}
        if entity["@type"] == "File":
            crate.add(File(crate, dest_path=entity["@id"], properties=props)
                      if "://" not in entity["@id"] else
                      File(crate, source=entity["@id"], properties=props))
        else:
            crate.add(ContextEntity(crate, entity["@id"], properties=props))
    data = crate.metadata.generate()
    for entity in data["@graph"]:  # keep what was recorded, not what the library inferred
        if entity["@id"] == "./":
            entity["hasPart"] = root["hasPart"]
    return data


def by_hand(root: dict, others: list[dict]) -> dict:
    """The crate as RO-Crate 1.1 JSON-LD, without ro-crate-py."""
    descriptor = {"@id": CRATE, "@type": "CreativeWork", "conformsTo": {"@id": PROFILE},
                  "about": {"@id": "./"}}
    return {"@context": f"{PROFILE}/context",
            "@graph": [descriptor, {"@id": "./", "@type": "Dataset", **root}, *others]}
