"""Every claim ``gil-lab verify`` checks, as typed entries in one list.

A :class:`Claim` holds the document's words, where they are, and the function
that checks them: ``run(quick, interpreters)`` returns what :mod:`gil_lab.claims.measure`
builds (experiment, figures, verdict, explanation). :data:`CLAIMS` is the order
the report lists them in; :func:`find` looks one up by id.
"""

from dataclasses import dataclass
from typing import Callable

from gil_lab.claims import forkbomb, gil, interpreters, ipc, pools, ram, released, scaling

DAY14 = "true-parallelism-day14.txt"
MODULE = "multiprocessing-module.md"


@dataclass(frozen=True)
class Claim:
    """One of the documents' claims and the experiment that checks it."""

    id: str
    number: int
    text: str
    source: str
    run: Callable[[bool, list], dict]

    def identity(self):
        """What the report shows of the claim itself: id, number, the document's words, source."""
        return {"id": self.id, "number": self.number, "claim": self.text, "source": self.source}


CLAIMS = (
    Claim("threads-slower-for-math", 1,
          "The threaded version is mathematically slower. (Sequential Time: 0.76s Threaded Time: 0.83s)",
          DAY14 + ", 5. The GIL: The Ancient Vow (And The Proof)",
          gil.threads_slower),
    Claim("amdahl-eight-cores", 2,
          "spawn 8 Python processes, and expect their code to run exactly 8x faster. It only runs 5.5x faster.",
          DAY14 + ", 2. The 100% Parallelism Myth & Production Headroom",
          scaling.eight_cores),
    Claim("io-threads-wait-together", 3,
          "Sequential time would be 5 seconds. Threaded time is ~1 second. (All scouts returned in 1.01s)",
          DAY14 + ", 3. Threading Deep Dive (I/O Bound)",
          pools.io_threads),
    Claim("pool-avoids-process-boot", 4,
          "avoiding the massive overhead of booting up a new process 1,000 times",
          DAY14 + ", 4.2 The Process Pool (The Enterprise Standard)",
          pools.pool_avoids_boot),
    Claim("subinterpreters-share-process", 5,
          "both executed within PID 8842. True parallelism, zero memory duplication. "
          "(... a 3.14 interpreters pool to cut the memory footprint by 80%)",
          DAY14 + ", 4.3 Subinterpreters (The 3.14 Standard); 9. The Forge: The Multi-Core Astra Forge",
          interpreters.subinterpreters),
    Claim("thread-costs-8mb", 6,
          "Thread Pool | Shared (Lightweight, ~8MB)",
          DAY14 + ", 7. Internals: Serialization, IPC & Pool Selection",
          ram.thread_weight),
    Claim("processes-clone-model-ram", 7,
          "load a 2GB Machine Learning model into RAM, and then spawn 8 processes ... It uses 16GB of RAM",
          DAY14 + ", 6. Dangers: RAM Outages & The Fork Bomb",
          ram.model_copies),
    Claim("pickling-costs-cpu", 8,
          "Python must serialize (Pickle) the data ... This takes massive CPU overhead.",
          DAY14 + ", 7. Internals: Serialization, IPC & Pool Selection",
          ipc.pickling_cost),
    Claim("small-tasks-slower-in-processes", 9,
          "Why does multiprocessing feel slower for small tasks?",
          DAY14 + ", 10. FAQ: Advanced Scaling",
          pools.small_tasks),
    Claim("fork-bomb-without-guard", 10,
          "The OS recursively clones the file, spawning infinite armies until your PC blue-screens and dies.",
          DAY14 + ", 6. Dangers: RAM Outages & The Fork Bomb",
          forkbomb.fork_bomb),
    Claim("interpreters-module-name", 11,
          "In Python 3.14 (PEP 734), the interpreters API is fully stable. (import interpreters)",
          DAY14 + ", 4.3 Subinterpreters (The 3.14 Standard)",
          interpreters.interpreters_module),
    Claim("free-threaded-build", 12,
          "In Python 3.13 and 3.14 (PEP 703), the GIL is finally being removed via a specialized build configuration",
          DAY14 + ", 5. The GIL: The Ancient Vow (And The Proof)",
          gil.free_threaded_build),
    Claim("processes-run-on-separate-cores", 13,
          "Processes run on separate cores simultaneously.",
          MODULE + ", Section 2 — True CPU Parallelism",
          scaling.separate_cores),
    Claim("shared-counter-needs-lock", 14,
          "Why don't my threads share updated variables correctly? ... threading.Lock().",
          DAY14 + ", 10. FAQ: Advanced Scaling",
          gil.shared_counter),
    Claim("guard-matters-on-linux-3.14", 15,
          "When you spawn a Process on Linux, the OS uses fork() ... Because Windows spawn() re-imports your script "
          "... You MUST guard process execution behind if __name__ == '__main__'. (The module's Pool.map and "
          "ProcessPoolExecutor examples print no guard.)",
          DAY14 + ", 6. Dangers: RAM Outages & The Fork Bomb; " + MODULE
          + ", Section 2 — True CPU Parallelism, Section 4 — Process Pools and Executors",
          forkbomb.guard_on_linux),
    Claim("cpu-bound-needs-processes", 16,
          "CPU-bound → processes. (Day 14: Parallelism (Multiprocessing) ... Best for CPU Bound tasks "
          "(Image resizing, Hash calculation, Data Science).)",
          MODULE + ", last section; " + DAY14 + ", 1. Concurrency vs Parallelism",
          released.cpu_bound_needs_processes),
)


def find(claim_id):
    """The claim with this id; ValueError naming the known ones otherwise."""
    for claim in CLAIMS:
        if claim.id == claim_id:
            return claim
    raise ValueError("unknown claim %r; known: %s" % (claim_id, ", ".join(c.id for c in CLAIMS)))
