"""The Messenger Bird: what one message between processes really costs.

Processes are isolated kingdoms, so orders travel like a messenger bird: the
sender pickles the data into bytes, the bytes fly through an OS pipe, and the
receiver unpickles them back into objects. This lesson times each leg of the
flight separately for lists of floats of growing size, and compares the whole
trip with the work the receiver then does on the data (summing it). Look at the
last column: when the messaging costs more than the work, a second process
cannot pay off.

Document: true-parallelism-day14 §7 Internals: Serialization, IPC & Pool Selection
Demonstrates: sending data to a process costs pickling + pipe transfer + unpickling, often more than the work itself.
Requires: 3.8
Start methods: yes
"""

import os
import pickle
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def receiver(conn):
    """Process B: receive, unpickle, work, report timings; until told to stop."""
    while True:
        raw = conn.recv_bytes()
        arrived = time.time()  # wall clock: comparable between processes
        if raw == b"STOP":
            break
        t0 = time.perf_counter()
        orders = pickle.loads(raw)
        unpickled = time.perf_counter()
        total = sum(orders)  # the actual work
        worked = time.perf_counter()
        conn.send((arrived, unpickled - t0, worked - unpickled, total, os.getpid()))
    conn.close()


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    sizes = [10_000, 100_000, 300_000] if args.quick else [10_000, 100_000, 1_000_000, 3_000_000]

    here, there = ctx.Pipe()
    bird_keeper = ctx.Process(target=receiver, args=(there,))
    bird_keeper.start()
    there.close()

    print(f"{'floats':>10} {'pickled':>9} {'pickle':>9} {'pipe':>9} {'unpickle':>9} "
          f"{'message':>9} {'work':>9} {'message/work':>13}")
    rows = []
    # One small warm-up flight so imports and first-touch costs are not counted.
    for n in [1000] + sizes:
        orders = [float(i) for i in range(n)]
        t0 = time.perf_counter()
        raw = pickle.dumps(orders, protocol=pickle.HIGHEST_PROTOCOL)
        pickled = time.perf_counter() - t0
        sent = time.time()
        here.send_bytes(raw)
        arrived, unpickle_s, work_s, total, pid = here.recv()
        assert total == sum(orders)
        pipe_s = max(0.0, arrived - sent)
        message_s = pickled + pipe_s + unpickle_s
        if n == 1000:
            continue
        rows.append((n, len(raw), message_s, work_s))
        print(f"{n:>10,} {len(raw) / 1e6:>7.2f}MB {_lab.ms(pickled):>9} {_lab.ms(pipe_s):>9} "
              f"{_lab.ms(unpickle_s):>9} {_lab.ms(message_s):>9} {_lab.ms(work_s):>9} "
              f"{message_s / work_s:>12.1f}x")

    here.send_bytes(b"STOP")
    bird_keeper.join()
    here.close()
    print(f"\nReceiver PID {pid}, sender PID {os.getpid()}")

    n, nbytes, message_s, work_s = rows[-1]
    rate = nbytes / 1e6 / message_s
    _lab.conclusion(
        f"for {n:,} floats ({nbytes / 1e6:.1f} MB pickled) the message cost {_lab.ms(message_s)} "
        f"({rate:.0f} MB/s end to end) while summing them in the receiver took {_lab.ms(work_s)}: "
        f"messaging was {message_s / work_s:.1f}x the work. Send work that is heavy compared with its data, "
        "or send a path instead of the data."
    )


if __name__ == "__main__":
    main()
