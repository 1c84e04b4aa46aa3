"""Writing results: atomic files, provenance, per-agent Parquet tables."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]  # the checkout; site-packages when installed
_UMASK = os.umask(0)
os.umask(_UMASK)
PACKAGES = ("cogov", "mesa", "numpy", "scipy", "networkx", "pandas", "pyarrow", "matplotlib", "PyYAML")


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class FolderError(ValueError):
    """An output folder that cannot be used: a file is in the way, it cannot be made or
    written (the command line exits 2 with the message)."""


def prepare_folder(path: str | Path) -> Path:
    """Make ``path`` (and its parents) a writable folder, or raise :class:`FolderError`."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FolderError(f"--out {path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"--out {path}: cannot make the folder "
                          f"({exc.strerror or type(exc).__name__})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise FolderError(f"--out {path}: the folder is not writable")
    return path


LOCK_NAME = ".cogov.lock"


class FolderBusy(FolderError):
    """Another cogov process is writing into the folder."""


class FolderLock:
    """An exclusive lock on an output folder, held while one command writes into it.

    An ``fcntl`` lock on ``<folder>/.cogov.lock``, which holds the owner's pid: a second
    writer (or a second ``--resume``) fails at once with :class:`FolderBusy` naming that
    process. The operating system drops the lock when the process ends, however it ends
    (a killed process leaves no stale lock); :meth:`release` also deletes the file.
    """

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> FolderLock:
        import fcntl

        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = os.read(fd, 200).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise FolderBusy(f"--out {self.path.parent}: another cogov process (pid "
                                 f"{owner}) is writing into this folder; wait for it to end, "
                                 f"or stop it, then run again") from None
            # the file may have been deleted by its last owner between open and lock
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        """Delete the lock file and drop the lock (the order keeps a waiting writer safe)."""
        if self.fd is None:
            return
        with suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self.fd)
        self.fd = None


def write_csv(df, path: Path) -> None:
    """CSV with full float precision (repr), written atomically: same numbers, same bytes."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")


def write_json(data: dict, path: Path) -> None:
    """Indented JSON, written atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n", encoding="utf-8")


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    if hasattr(x, "to_dict"):  # e.g. a SlurmConfig given as the executor
        return x.to_dict()
    raise TypeError(f"not JSON serialisable: {type(x)}")


def git_commit() -> str | None:
    """Commit of the checkout, with ``-dirty`` if it has uncommitted changes.

    ``None`` for an installed wheel (its version is in ``versions.cogov``).
    """
    if not (REPO / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def provenance() -> dict:
    """Versions, commit, machine and command line, for run.json and friends."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cogov_commit": git_commit(),
        "versions": versions,
        "machine": {"platform": platform.platform(), "processor": platform.machine(),
                    "cpus": os.cpu_count()},
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


class AgentTable:
    """Streams one row per agent per step to Parquet, one row group per step.

    Citizens come straight from the model's arrays (never through Python
    objects); organisations from their Mesa agents. Key: (step, type, id), where a
    id is its Mesa unique_id; a citizen's is its network node index + 1 (citizens own
    unique_ids 1..n, whether or not their Citizen views exist). ``label``: a citizen's
    node in the network file (``network.kind: file``), to join results back to the
    original people; null for organisations and generated networks.
    """

    CITIZEN_COLUMNS = ("district", "field", "need", "received", "satisfaction",
                       "trust_gov", "trust_ngo", "strategy", "payoff")
    ORG_COLUMNS = ("field", "district", "funds", "service", "credit", "cash", "grant", "raised",
                   "treasury", "reserve", "spent")

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer = None
        self._tmp = None
        self._labels = None  # the citizens' label column, built once

    def __call__(self, model) -> None:
        """Append the model's current state."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.concat_tables([self._citizens(model, pa), self._organizations(model, pa)])
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = self.path.with_name(f".{self.path.name}.tmp")
            self._writer = pq.ParquetWriter(self._tmp, table.schema)
        self._writer.write_table(table)

    def _citizens(self, model, pa):
        c = model.citizens
        cols = {"step": np.full(c.n, model.steps, dtype=np.int64),
                "type": pa.array(["Citizen"] * c.n), "id": np.arange(1, c.n + 1, dtype=np.int64),
                "label": self._citizen_labels(model, pa)}
        for name in self.CITIZEN_COLUMNS:
            cols[name] = np.asarray(getattr(c, name), dtype=float)
        for name in self.ORG_COLUMNS:
            if name not in cols:
                cols[name] = np.full(c.n, np.nan)
        return pa.table(cols)

    def _citizen_labels(self, model, pa):
        if self._labels is None:
            labels = getattr(model, "network_labels", None)
            self._labels = (pa.array(labels, pa.string()) if labels is not None
                            else pa.nulls(model.citizens.n, pa.string()))
        return self._labels

    def _organizations(self, model, pa):
        orgs = [model.government, *model.hubs, *model.ngos]
        cols = {"step": [model.steps] * len(orgs), "type": [type(a).__name__ for a in orgs],
                "id": [a.unique_id for a in orgs], "label": [None] * len(orgs)}
        for name in self.CITIZEN_COLUMNS + self.ORG_COLUMNS:
            if name not in cols:
                cols[name] = [float(getattr(a, name, np.nan)) for a in orgs]
        schema = pa.schema([("step", pa.int64()), ("type", pa.string()), ("id", pa.int64()),
                            ("label", pa.string())] + [(k, pa.float64()) for k in list(cols)[4:]])
        return pa.table(cols, schema=schema)

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._writer is not None:
            self._writer.close()
            os.replace(self._tmp, self.path)
            self._writer = None
