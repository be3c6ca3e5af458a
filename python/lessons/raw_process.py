"""The Raw Process: one chariot, started and joined by hand.

The lowest tier of the multiprocessing arsenal: create one mp.Process, start()
it, and join() it. The Brahmastra is forged in a separate OS process; look at
the two PIDs (they differ), the child's exit code, and how long starting and
joining a single process takes with the chosen start method.

Document: true-parallelism-day14 §4.1 The Raw Process (Manual Control)
Demonstrates: mp.Process runs a function in a new OS process; start() ignites it, join() waits for it.
Requires: 3.8
Start methods: yes
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def forge_weapon(astra_name):
    print(f"Forging {astra_name} on an isolated CPU core! (child PID {os.getpid()}, "
          f"parent PID {os.getppid()})", flush=True)
    # A little real work so the child is more than an empty shell.
    sum(i * i for i in range(200_000))


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)

    with _lab.stopwatch() as total:
        p = ctx.Process(target=forge_weapon, args=("Brahmastra",))
        with _lab.stopwatch() as starting:
            p.start()  # Ignites the OS process
        print(f"[MAIN] started child PID {p.pid} in {_lab.ms(starting.seconds)}", flush=True)
        p.join()  # Main script halts until 'p' completes
    child_pid, exitcode = p.pid, p.exitcode
    p.close()  # release the process object's resources
    print(f"[MAIN] child exit code: {exitcode}")
    print(f"[MAIN] start() + join() took {_lab.ms(total.seconds)} in total")

    same = "the same" if child_pid == os.getpid() else "a different"
    _lab.conclusion(
        f"the weapon was forged by PID {child_pid}, {same} process than the main PID {os.getpid()}; "
        f"one {ctx.get_start_method()} process cost {_lab.ms(total.seconds)} to start, run and join "
        f"(exit code {exitcode})."
    )


if __name__ == "__main__":
    main()
