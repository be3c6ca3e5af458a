"""The Shared State Illusion: a global list that stays empty.

The third fatal trap: warriors are enlisted by Pool workers that append to a
global registry list, and the parent expects to see them all. But processes are
isolated kingdoms: each worker appends to its own copy of the list, in its own
RAM. Watch the parent's list length stay 0 while the workers report their copies
growing; then the two fixes: return the values (map collects them), or use a
Manager list that lives in a server process and is reached through a proxy.

Document: true-parallelism-day14 §The 3 Fatal Multiprocessing Traps
Demonstrates: workers change their own copy of a global; the parent sees nothing unless results are returned or a Manager is used.
Requires: 3.8
Start methods: yes
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

warriors_registry = []  # the "shared" list the beginner expects to fill


def enlist(name):
    # The trap: this appends to the worker's own copy of warriors_registry.
    warriors_registry.append(name)
    return os.getpid(), len(warriors_registry)


def enlist_and_return(name):
    # Fix 1: send the result back; the pool carries it to the parent.
    return f"{name} (enlisted by PID {os.getpid()})"


def enlist_in_manager(args):
    # Fix 2: a Manager list proxy forwards append() to the manager's process.
    name, registry = args
    registry.append(name)
    return len(registry)


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    count = 8 if args.quick else 40
    names = [f"Warrior-{i:02d}" for i in range(count)]

    with ctx.Pool(2) as pool:
        reports = pool.map(enlist, names, chunksize=1)
        returned = pool.map(enlist_and_return, names)
        with ctx.Manager() as manager:
            shared = manager.list()
            pool.map(enlist_in_manager, [(name, shared) for name in names])
            managed = list(shared)

    copies = {}
    for pid, length in reports:
        copies[pid] = max(copies.get(pid, 0), length)
    print("-- The trap: append to a global list inside Pool workers")
    for pid, length in sorted(copies.items()):
        print(f"   worker PID {pid}: its own copy of warriors_registry grew to {length} names")
    print(f"   parent PID {os.getpid()}: warriors_registry has {len(warriors_registry)} names\n")

    print("-- Fix 1: return the values; pool.map collects them in order")
    print(f"   {len(returned)} results, e.g. {returned[0]!r} ... {returned[-1]!r}\n")

    print("-- Fix 2: multiprocessing Manager().list(), a proxy to a list in a server process")
    print(f"   the manager's list holds {len(managed)} names")

    _lab.conclusion(
        f"{count} warriors were appended in {len(copies)} worker "
        f"{'copy' if len(copies) == 1 else 'copies'} "
        f"(up to {max(copies.values())} names each), yet the parent's list has {len(warriors_registry)}; "
        f"returning values delivered {len(returned)} of {count} and the Manager list holds {len(managed)} of {count}."
    )


if __name__ == "__main__":
    main()
