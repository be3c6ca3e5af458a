"""The Deadlock Watchdog: a lock taken twice, two locks taken in opposite order.

The FAQ's answer to lost updates is threading.Lock() - but a lock used wrongly
hangs a program forever instead of corrupting it. Bhima takes the chariot lock
and then the bow lock; Arjuna takes the bow lock and then the chariot lock. Each
waits for the other forever: a deadlock. A plain Lock taken twice by the same
warrior waits for itself. This lesson stages both safely: the warriors are
daemon threads, a watchdog waits a bounded time for them, sees that nobody made
progress and reports the deadlock instead of hanging. Then the fixes: one global
lock order, and an RLock for re-entry.

Document: true-parallelism-day14 §10 FAQ: Advanced Scaling
Demonstrates: locks taken in opposite order, or a Lock taken twice, deadlock; a watchdog detects it and the fixes (lock order, RLock) finish.
Requires: 3.8
Start methods: no
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

chariot = threading.Lock()
bow = threading.Lock()


def warrior(first, second, both_hold_one, name, log):
    with first:
        both_hold_one.wait()  # make the bad interleaving certain, not a matter of luck
        with second:
            log.append(name)


def opposite_order(patience):
    """Two daemon warriors that lock in opposite order; True when the watchdog saw a deadlock."""
    log = []
    both_hold_one = threading.Barrier(2)
    warriors = [
        threading.Thread(target=warrior, args=(chariot, bow, both_hold_one, "Bhima", log), daemon=True),
        threading.Thread(target=warrior, args=(bow, chariot, both_hold_one, "Arjuna", log), daemon=True),
    ]
    for w in warriors:
        w.start()
    deadline = time.monotonic() + patience
    for w in warriors:
        w.join(max(0.0, deadline - time.monotonic()))
    stuck = [w for w in warriors if w.is_alive()]
    return bool(stuck) and not log


def same_order(patience):
    """The fix: every warrior takes the locks in one global order (chariot, then bow)."""
    a, b = threading.Lock(), threading.Lock()
    log = []
    both_ready = threading.Barrier(2)

    def ordered(name):
        both_ready.wait()
        with a:
            with b:
                log.append(name)

    warriors = [threading.Thread(target=ordered, args=(n,), daemon=True) for n in ("Bhima", "Arjuna")]
    for w in warriors:
        w.start()
    for w in warriors:
        w.join(patience)
    return sorted(log)


def take_twice(lock, patience):
    """Acquire LOCK, then again from the same thread with a timeout; True when the second wait gave up."""
    with lock:
        got_it = lock.acquire(timeout=patience)
        if got_it:
            lock.release()
        return not got_it


def main():
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    patience = 0.3 if args.quick else 1.0
    print(f"Watchdog patience: {patience:.1f} s per experiment\n")

    with _lab.stopwatch() as t:
        deadlocked = opposite_order(patience)
    print(f"1. Bhima locks chariot then bow, Arjuna bow then chariot: "
          f"{'DEADLOCK detected' if deadlocked else 'finished'} after {t.seconds:.2f} s")

    with _lab.stopwatch() as t:
        done = same_order(patience)
    print(f"   Fix - one lock order for all: finished by {done} in {t.seconds:.3f} s")

    lock_waits_forever = take_twice(threading.Lock(), patience)
    rlock_waits_forever = take_twice(threading.RLock(), patience)
    print(f"2. A Lock taken twice by the same thread: "
          f"{'DEADLOCK detected (second acquire never succeeds)' if lock_waits_forever else 'acquired'}")
    print(f"   Fix - an RLock taken twice by the same thread: "
          f"{'still stuck' if rlock_waits_forever else 'acquired at once'}")

    _lab.conclusion(
        f"opposite lock order {'deadlocked' if deadlocked else 'did not deadlock'} and a Lock taken twice "
        f"{'deadlocked' if lock_waits_forever else 'did not'}; the watchdog ended both after {patience:.1f} s "
        f"instead of hanging. One global lock order {'fixed' if len(done) == 2 else 'did not fix'} the first, "
        f"an RLock {'fixed' if not rlock_waits_forever else 'did not fix'} the second."
    )


if __name__ == "__main__":
    main()
