"""Admission of ready tasks by the cpu/memory requests in the IR, so one machine is not
oversubscribed: a task starts only when a parallelism slot, its cpu and its memory are free.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from ideko.local.runner.errors import RunnerError
from ideko.schema.env import NUM_THREADS, OMP_NUM_THREADS

_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_SUFFIX = {
    "": 1.0, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40,
}  # fmt: skip
DEFAULT_CPU = 1.0  # a task without a request is assumed to keep one core busy
THREAD_VARIABLES = (  # ideko's thread budget, then the names OpenMP and TensorFlow read
    NUM_THREADS,
    OMP_NUM_THREADS,
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
)


def parse_quantity(text: str | float | int) -> float:
    """A Kubernetes quantity ("500m", "2", "1Gi", "512M") as a plain number."""
    if isinstance(text, int | float):
        return float(text)
    match = _QUANTITY.match(str(text))
    if not match or match.group(2) not in _SUFFIX:
        raise RunnerError(f"invalid resource quantity {text!r}")
    return float(match.group(1)) * _SUFFIX[match.group(2)]


@dataclass(frozen=True)
class Request:
    cpu: float = DEFAULT_CPU
    memory: float = 0.0  # bytes

    @classmethod
    def from_container(cls, container: dict[str, Any]) -> Request:
        """Read requests the way KFP 2.17 writes them (quantity strings, legacy floats)."""
        res = container.get("resources", {})
        cpu = res.get("resourceCpuRequest") or res.get("cpuRequest")
        memory = res.get("resourceMemoryRequest")
        mem_bytes = parse_quantity(memory) if memory else float(res.get("memoryRequest", 0)) * 1e9
        return cls(cpu=parse_quantity(cpu) if cpu else DEFAULT_CPU, memory=mem_bytes)

    def threads(self, cores: int) -> int:
        """Threads a task may use: its cpu request rounded, at least 1, at most the cores."""
        return max(1, min(cores, round(self.cpu)))


@dataclass(frozen=True)
class Capacity:
    cpu: float
    memory: float

    @classmethod
    def of_machine(cls) -> Capacity:
        return cls(cpu=float(available_cores()), memory=_memory_bytes())


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _memory_bytes() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


class ResourcePool:
    """Tracks what running tasks hold; a task larger than the machine still runs, alone."""

    def __init__(self, capacity: Capacity, parallelism: int) -> None:
        if parallelism < 1:
            raise RunnerError(f"--parallelism must be at least 1, got {parallelism}")
        self.capacity = capacity
        self.parallelism = parallelism
        self._held: dict[str, Request] = {}

    @property
    def running(self) -> int:
        return len(self._held)

    def can_admit(self, request: Request) -> bool:
        if not self._held:
            return True
        if len(self._held) >= self.parallelism:
            return False
        cpu = sum(r.cpu for r in self._held.values()) + request.cpu
        memory = sum(r.memory for r in self._held.values()) + request.memory
        return cpu <= self.capacity.cpu + 1e-9 and memory <= self.capacity.memory

    def acquire(self, key: str, request: Request) -> None:
        self._held[key] = request

    def release(self, key: str) -> None:
        self._held.pop(key, None)


def thread_environment(request: Request, cores: int) -> dict[str, str]:
    """Environment that caps TF/OMP threads of one task to its share of the machine."""
    n = str(request.threads(cores))
    return dict.fromkeys(THREAD_VARIABLES, n)
