"""What a Thread Weighs: the "~8 MB per thread" claim.

The document's table calls a thread pool lightweight at "~8MB" per thread. On
Linux the 8 MB is the default stack size (ulimit -s), and it is only reserved
address space: the kernel hands out real pages when the stack is touched. This
lesson parks a batch of idle threads and measures the growth of virtual memory
(VmSize) and of real memory (VmRSS) per thread, first with the default stack
size, then with threading.stack_size(256 KiB). Compare both with the RSS of a
whole new Python process.

Document: true-parallelism-day14 §7 Internals: Serialization, IPC & Pool Selection
Demonstrates: a thread reserves ~8 MB of virtual stack but uses only tens of KB of real RAM; a process costs megabytes.
Requires: 3.8
Start methods: no
"""

import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab


def park_threads(count, stack_bytes=0):
    """Start COUNT idle threads; return (virtual KB, resident KB) growth per thread."""
    previous = threading.stack_size(stack_bytes)
    release = threading.Event()
    ready = threading.Barrier(count + 1)

    def idle_warrior():
        ready.wait()
        release.wait()

    vm0, rss0 = _lab.status_kb("VmSize"), _lab.status_kb("VmRSS")
    threads = [threading.Thread(target=idle_warrior) for _ in range(count)]
    try:
        for t in threads:
            t.start()
        ready.wait()
        vm1, rss1 = _lab.status_kb("VmSize"), _lab.status_kb("VmRSS")
    finally:
        release.set()
        for t in threads:
            t.join()
        threading.stack_size(previous)
    return (vm1 - vm0) / count, (rss1 - rss0) / count


def fresh_process_rss_kb():
    code = "import sys; sys.path.insert(0, sys.argv[1]); import _lab; print(_lab.status_kb('VmRSS'))"
    out = subprocess.run([sys.executable, "-c", code, os.path.dirname(os.path.abspath(__file__))],
                         capture_output=True, text=True, timeout=60)
    return int(out.stdout.strip() or 0)


def main():
    args = _lab.parse_args(__doc__)
    _lab.intro(__doc__)
    if _lab.status_kb("VmRSS") is None:
        print("This lesson reads /proc/self/status, which only Linux has.")
        _lab.conclusion("nothing measured on this platform.")
        return
    count = 20 if args.quick else 100
    print(f"Parking {count} idle threads at a time\n")

    # Warm-up: the first threads also make glibc create its per-thread malloc
    # arenas (64 MB of address space each); they are kept and reused, so after
    # this the growth we measure is the threads' own stacks. (A different stack
    # size each time, so glibc's cache of freed stacks cannot be reused.)
    park_threads(count, 64 * 1024)
    small_vm, small_rss = park_threads(count, 256 * 1024)
    default_vm, default_rss = park_threads(count)
    process_rss = fresh_process_rss_kb()

    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
        limit = "unlimited" if soft == resource.RLIM_INFINITY else f"{soft / 1024 / 1024:.0f} MB"
        print(f"ulimit -s (the default thread stack size on Linux): {limit}\n")
    except (ImportError, OSError, ValueError):
        pass
    print(f"{'per thread':<38} {'virtual (VmSize)':>17} {'real (VmRSS)':>13}")
    print(f"{'default stack size':<38} {default_vm / 1024:>14.2f} MB {default_rss:>10.0f} KB")
    print(f"{'threading.stack_size(256 KiB)':<38} {small_vm / 1024:>14.2f} MB {small_rss:>10.0f} KB")
    print(f"{'a whole new Python process':<38} {'':>17} {process_rss / 1024:>10.1f} MB")

    _lab.conclusion(
        f"each thread reserved {default_vm / 1024:.1f} MB of address space (the '~8MB') but used only "
        f"{default_rss:.0f} KB of real RAM; with a 256 KiB stack it reserved {small_vm / 1024:.2f} MB; "
        f"a fresh process needs {process_rss / 1024:.1f} MB of real RAM, about "
        f"{process_rss / max(default_rss, 1):.0f}x a thread."
    )


if __name__ == "__main__":
    main()
