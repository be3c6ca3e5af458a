"""The Astra Forge's work for pool workers of every kind: processes and interpreters.

A pool worker must import the function it runs: an interpreter-pool worker has
its own ``__main__`` (not the lesson's), so the weapon is forged here, in an
importable module. Each worker reports its weapon on a queue the moment it is
done: a ``multiprocessing.Queue`` for process workers, a ``concurrent.interpreters``
queue for interpreter workers (3.14). Both are handed over by the pool's
initializer. Results cross as a tuple of str and int, which every kind of queue
carries.
"""

import os
import time

WEAPONS = ("Brahmastra", "Pashupatastra", "Narayanastra", "Vajra")

_queue = None  # this worker's queue, set by open_forge


def open_forge(queue):
    """Pool initializer: the queue this worker announces its weapons on."""
    global _queue
    _queue = queue


def forge_divine_weapon(weapon, rounds):
    """``(weapon, pid, power as text)``: the heavy loop of the Day 14 challenge."""
    power = sum(i * i for i in range(rounds))
    return weapon, os.getpid(), str(power)


def forge_and_announce(weapon, rounds):
    """Forges ``weapon`` and puts it on this worker's queue at once, with the wall-clock time it was done."""
    result = forge_divine_weapon(weapon, rounds)
    _queue.put(result + (time.time(),))
    return result[0]
