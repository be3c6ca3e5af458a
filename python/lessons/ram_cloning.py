"""RAM Cloning: does a 2 GB model really cost 16 GB with 8 processes?

The document claims that a 2 GB model used by 8 processes costs 16 GB of RAM.
Scaled down: the main process loads a "model" (50 MB, 5 MB with --quick), then
starts pairs of children that use it in different ways. Each child reports how
much private memory it gained and its RSS and PSS from /proc/self/smaps_rollup
(PSS splits every shared page between the processes that share it). Watch the
"grew" column: with fork, a child that only reads a big buffer shares the
parent's pages (copy-on-write) and gains almost nothing; one that writes, or
that merely reads a model made of many Python objects (reference counts are
writes!), gets private copies; a spawn child starts empty and must reload.

Document: true-parallelism-day14 §6 Dangers: RAM Outages & The Fork Bomb
Demonstrates: fork children share the parent's pages until they write them (copy-on-write); spawn children duplicate the data.
Requires: 3.8
Start methods: yes
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

PAGE = 4096
BUFFER = None   # the model as one big buffer (like a NumPy array or a tensor)
OBJECTS = None  # the model as many Python objects (like a dict of floats)

TASKS = {
    "read-buffer": "read every page of the buffer",
    "read-objects": "summed the list of Python floats",
    "write-buffer": "wrote one byte per page of the buffer",
    "reload": "loaded its own copy of the buffer",
}


def load_buffer(mb):
    return bytearray(b"\x07") * (mb * 1024 * 1024)  # every page really written


def load_objects(mb):
    # A float object is 24 bytes plus an 8-byte list slot: ~32 bytes each.
    return [float(i) for i in range(mb * 1024 * 1024 // 32)]


def child(task, mb, barrier, results):
    global BUFFER
    before = _lab.memory_mb()
    if task == "reload" or BUFFER is None:
        # spawn/forkserver: a fresh interpreter re-imported this file; the
        # parent's model is not here, so the child has to load its own.
        BUFFER = load_buffer(mb)
        task = "reload"
    elif task == "read-buffer":
        BUFFER.count(8)  # reads every byte, writes nothing
    elif task == "read-objects":
        sum(OBJECTS)  # "only reads", but every float's reference count is written
    elif task == "write-buffer":
        for i in range(0, len(BUFFER), PAGE):
            BUFFER[i] = 8  # one byte per page is enough to copy the whole page
    barrier.wait(timeout=60)  # everybody holds the model now: measure together
    after = _lab.memory_mb()
    results.put((task, os.getpid(), before, after))
    barrier.wait(timeout=60)  # stay alive until the siblings have measured too


def run_scenario(ctx, task, mb, children=2):
    barrier = ctx.Barrier(children + 1)  # the children and this main process
    results = ctx.Queue()
    procs = [ctx.Process(target=child, args=(task, mb, barrier, results)) for _ in range(children)]
    for p in procs:
        p.start()
    barrier.wait(timeout=60)
    parent = _lab.memory_mb()
    rows = [results.get(timeout=60) for _ in procs]
    barrier.wait(timeout=60)
    for p in procs:
        p.join()
    results.close()
    results.join_thread()
    return parent, rows


def main():
    global BUFFER, OBJECTS
    parser = _lab.parser(__doc__, start_methods=True)
    parser.add_argument("--mb", type=int, default=None,
                        help="size of the model in MB (default 50, or 5 with --quick)")
    args = parser.parse_args()
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    if not _lab.memory_mb():
        print("This lesson reads /proc/self/smaps_rollup, which only Linux (4.14+) has.")
        _lab.conclusion("nothing measured on this platform.")
        return
    mb = args.mb or (5 if args.quick else 50)

    # The scenarios: fork ones need the parent's memory to be inherited; spawn
    # and forkserver children always start without the model.
    import multiprocessing
    if args.start_method is None and "fork" in multiprocessing.get_all_start_methods():
        plan = [("fork", t) for t in ("read-buffer", "read-objects", "write-buffer")] + [("spawn", "reload")]
    elif ctx.get_start_method() == "fork":
        plan = [("fork", t) for t in ("read-buffer", "read-objects", "write-buffer")]
    else:
        plan = [(ctx.get_start_method(), "reload")]

    BUFFER = load_buffer(mb)
    OBJECTS = load_objects(mb)
    me = _lab.memory_mb()
    print(f"Main process holds a {mb} MB buffer and a {mb} MB list of floats: "
          f"RSS {me['Rss']:.0f} MB\n")
    print(f"{'method':<10} {'child task':<40} {'PID':>7} {'grew':>8} {'RSS':>8} {'PSS':>8} {'shared':>8}")

    growth = {}
    for method, task in plan:
        parent, rows = run_scenario(_lab.context(method), task, mb)
        for done, pid, before, after in rows:
            grew = after["Private"] - before["Private"]
            growth.setdefault((method, done), []).append(grew)
            print(f"{method:<10} {TASKS[done]:<40} {pid:>7} {grew:>6.1f}MB {after['Rss']:>6.1f}MB "
                  f"{after['Pss']:>6.1f}MB {after['Shared']:>6.1f}MB")
        print(f"{'':<10} {'(main process meanwhile)':<40} {os.getpid():>7} {'':>8} {parent['Rss']:>6.1f}MB "
              f"{parent['Pss']:>6.1f}MB {parent['Shared']:>6.1f}MB")

    print("\n'grew' = private memory the child gained while using the model.")
    print("Scaled up to the document's example (a 2 GB model used by 8 processes):")
    summary = []
    for (method, task), values in growth.items():
        copied = max(0.0, sum(values) / len(values)) / mb  # fraction of the model each child copied
        total_gb = 2 * (1 + 8 * copied)
        print(f"  {method:<10} {TASKS[task]:<40} each child copied {100 * copied:5.0f}% "
              f"of the model -> about {total_gb:4.1f} GB")
        summary.append((f"{method} + {task}", copied))
    shared = [s for s, c in summary if c < 0.1]
    copied = [s for s, c in summary if c >= 0.5]
    text = "; ".join(f"{label}: {100 * c:.0f}% of the model copied per child (~{2 * (1 + 8 * c):.1f} GB)"
                     for label, c in summary)
    if copied:
        text += f". Copying cases ({', '.join(copied)}) match the document's 2 GB x 8 = 16 GB, plus the parent's own 2 GB"
    if shared:
        text += f". Sharing cases ({', '.join(shared)}) stay near 2 GB thanks to copy-on-write"
    _lab.conclusion(text + ".")

if __name__ == "__main__":
    main()
