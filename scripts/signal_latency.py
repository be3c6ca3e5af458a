"""Seconds from a signal to the end of a command and every process it started.

    python3 scripts/signal_latency.py SIGNAL AFTER_S CODE [--children N] -- CMD...

Starts CMD in a session of its own, waits until the session holds N processes
(default 1), then AFTER_S seconds more, sends SIGNAL (INT or TERM) to CMD and
prints how long until CMD has exited and no process of its session is left.
Prints "n/a" (and the reason on stderr) when CMD ended before the signal or
exited with a code other than CODE. A session still alive 60 s after the
signal is killed; the figure printed is then the 60 s.
"""

import os
import signal
import subprocess
import sys
import time

GIVE_UP_S = 60.0


def in_session(sid):
    """Live processes of session `sid`, zombies left out."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(name))
    return found


def main(argv):
    split = argv.index("--")
    options, cmd = argv[:split], argv[split + 1 :]
    sig = getattr(signal, "SIG" + options[0])
    after, code = float(options[1]), int(options[2])
    children = int(options[options.index("--children") + 1]) if "--children" in options else 1
    child = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    begun = time.monotonic()
    while len(in_session(child.pid)) < children and child.poll() is None:
        if time.monotonic() - begun > GIVE_UP_S:
            break
        time.sleep(0.02)
    time.sleep(after)
    if child.poll() is not None:
        print("n/a")
        print("ended before the signal, with %d" % child.returncode, file=sys.stderr)
        return
    os.kill(child.pid, sig)
    sent = time.monotonic()
    while child.poll() is None or in_session(child.pid):
        if time.monotonic() - sent > GIVE_UP_S:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            break
        time.sleep(0.005)
    took = time.monotonic() - sent
    if child.returncode != code:
        print("n/a")
        print("exited with %d, not %d" % (child.returncode, code), file=sys.stderr)
        return
    print(round(took, 3))


if __name__ == "__main__":
    main(sys.argv[1:])
