"""Slurm settings: partition, walltime, memory, cores and other sbatch options.

The same settings serve both ways of running on Slurm: ``--executor slurm`` (Dask workers in
Slurm jobs, :class:`~cogov.model.engine.executors.SlurmExecutor`) and job arrays
(``--array K``, model/engine/array.py). They come, weakest first, from

1. ``[tool.cogov.slurm]`` in a ``pyproject.toml`` of the working directory
   (``partition``, ``time``, ``mem``, ``cpus``, ``options``: a list of sbatch options);
2. the environment: ``COGOV_SLURM_PARTITION``, ``COGOV_SLURM_TIME``, ``COGOV_SLURM_MEM``,
   ``COGOV_SLURM_CPUS``, ``COGOV_SLURM_OPTIONS`` (sbatch options, split as a shell would);
3. the flags ``--slurm-partition``, ``--slurm-time``, ``--slurm-mem``, ``--slurm-cpus`` and
   ``--slurm-option`` (repeatable).

A value given at a stronger level replaces the weaker one (options too). A bad value raises
ValueError naming where it came from (the flag, the variable or the pyproject key).

    >>> cfg = slurm_config({"time": "1:00:00", "cpus": "2"}, cwd="/nonexistent", environ={})
    >>> cfg.sbatch_directives()
    ['--time=1:00:00', '--cpus-per-task=2']
    >>> slurm_config({"mem": "lots"}, cwd="/nonexistent", environ={})
    Traceback (most recent call last):
    ...
    ValueError: --slurm-mem: 'lots' is not a Slurm memory size (e.g. 4000, 500M, 4G)
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path

KEYS = ("partition", "time", "mem", "cpus", "options")

_TIME = re.compile(r"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}"
                   r"|\d+-\d+:\d{1,2}:\d{1,2}|infinite|unlimited)$", re.IGNORECASE)
_MEM = re.compile(r"^(\d+)([KMGT]?)B?$", re.IGNORECASE)
_PARTITION = re.compile(r"^[A-Za-z0-9_.,-]+$")


@dataclass(frozen=True)
class SlurmConfig:
    """Where and how Slurm jobs run (every field optional: Slurm's defaults apply)."""

    partition: str | None = None
    time: str | None = None      # sbatch --time: minutes, H:M:S, D-H:M:S
    mem: str | None = None       # sbatch --mem: per node (job), e.g. 4G
    cpus: int = 1                # cores per job (Dask worker processes, or an array task's pool)
    options: tuple[str, ...] = ()  # further sbatch options, e.g. --account=abc

    def to_dict(self) -> dict:
        """Plain data, for sweep.json and the provenance file."""
        return {**asdict(self), "options": list(self.options)}

    def sbatch_directives(self) -> list[str]:
        """The sbatch options these settings stand for (without ``#SBATCH``)."""
        out = []
        if self.partition:
            out.append(f"--partition={self.partition}")
        if self.time:
            out.append(f"--time={self.time}")
        if self.mem:
            out.append(f"--mem={self.mem}")
        out.append(f"--cpus-per-task={self.cpus}")
        return out + list(self.options)

    def dask_memory(self) -> str:
        """The job's memory in Dask's units (Slurm's K/M/G/T are binary; no unit is M)."""
        if not self.mem:
            return "4GiB"  # nominal: Dask needs a number; no --mem is sent then
        n, unit = _MEM.match(self.mem).groups()
        return f"{n}{(unit or 'M').upper()}iB"


def _check(key: str, value, where: str):
    """The value, converted, or ValueError naming ``where``."""
    if key == "cpus":
        try:
            cpus = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {value!r} is not a whole number of cores") from None
        if cpus < 1:
            raise ValueError(f"{where}: must be at least 1, got {cpus}")
        return cpus
    if key == "options":
        items = shlex.split(value) if isinstance(value, str) else list(value)
        for item in items:
            if not isinstance(item, str) or not item.startswith("-") or "\n" in item:
                raise ValueError(f"{where}: {item!r} is not an sbatch option (e.g. --account=abc)")
        return tuple(items)
    value = str(value).strip()
    if key == "time" and not _TIME.match(value):
        raise ValueError(f"{where}: {value!r} is not a Slurm time (minutes, H:M:S or D-H:M:S)")
    if key == "mem" and not _MEM.match(value):
        raise ValueError(f"{where}: {value!r} is not a Slurm memory size (e.g. 4000, 500M, 4G)")
    if key == "partition" and not _PARTITION.match(value):
        raise ValueError(f"{where}: {value!r} is not a partition name")
    return value


def _from_pyproject(cwd: Path) -> dict:
    path = Path(cwd) / "pyproject.toml"
    if not path.is_file():
        return {}
    import tomllib

    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    section = table.get("tool", {}).get("cogov", {}).get("slurm", {})
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise ValueError(f"{path} [tool.cogov.slurm]: unknown key {unknown[0]!r} "
                         f"(known: {', '.join(KEYS)})")
    return {k: (v, f"{path} [tool.cogov.slurm] {k}") for k, v in section.items()}


def slurm_config(flags: dict | None = None, cwd: str | Path | None = None,
                 environ: dict | None = None) -> SlurmConfig:
    """The settings from pyproject.toml, the environment and ``flags`` (strongest);
    ``flags`` maps the keys of :data:`KEYS` to values (None or [] = not given).

    Raises:
        ValueError: a bad value, naming the flag, variable or key it came from.
    """
    environ = os.environ if environ is None else environ
    given = _from_pyproject(Path.cwd() if cwd is None else Path(cwd))
    for key in KEYS:
        name = f"COGOV_SLURM_{key.upper()}"
        if environ.get(name, "").strip():
            given[key] = (environ[name], name)
    for key, value in (flags or {}).items():
        if value not in (None, [], ()):
            flag = "--slurm-option" if key == "options" else f"--slurm-{key}"
            given[key] = (value, flag)
    return SlurmConfig(**{k: _check(k, v, where) for k, (v, where) in given.items()})
