"""The Scroll Pipeline: a parallel data pipeline with processes and queues.

Three stages connected by bounded multiprocessing Queues, like scribes passing
scrolls along a line. A producer process writes scrolls (records), several
transformer processes analyse them (CPU-heavy, one scroll at a time) and the
main process collects and aggregates the results. A sentinel (None) travels
down the line to shut every stage down cleanly. The same work done in a plain
loop gives the reference result and time; compare the throughput.

Document: multiprocessing-module §Suggested Extensions 4
Demonstrates: a producer -> N transformers -> sink pipeline over bounded Queues, with sentinel shutdown.
Requires: 3.8
Start methods: yes
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lab

WORDS = ["dharma", "karma", "astra", "chariot", "arrow", "vow", "forge", "kingdom"]


def write_scroll(i, length):
    """Stage 1 work: make a record."""
    return i, " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(length))


def analyse_scroll(scroll):
    """Stage 2 work: CPU-heavy analysis of one record."""
    i, text = scroll
    checksum = 0
    for rounds in range(4):
        for position, char in enumerate(text):
            checksum = (checksum * 31 + ord(char) * (position % 13 + rounds)) % 1_000_000_007
    return i, len(text.split()), checksum


def producer(out_queue, count, length, consumers):
    for i in range(count):
        out_queue.put(write_scroll(i, length))
    for _ in range(consumers):
        out_queue.put(None)  # one sentinel per transformer


def transformer(in_queue, out_queue):
    handled = 0
    while True:
        scroll = in_queue.get()
        if scroll is None:
            break
        out_queue.put(analyse_scroll(scroll))
        handled += 1
    out_queue.put(("done", os.getpid(), handled))  # the sentinel for the sink


def main():
    args = _lab.parse_args(__doc__, start_methods=True)
    ctx = _lab.context(args.start_method)
    _lab.intro(__doc__, ctx)
    count = 100 if args.quick else 1000
    length = 300
    workers = max(2, _lab.cpu_count())
    print(f"{count} scrolls of {length} words; 1 producer -> {workers} transformers -> main sink\n")

    # Reference: the whole pipeline as a plain loop.
    with _lab.stopwatch() as plain:
        expected = {}
        for i in range(count):
            idx, words, checksum = analyse_scroll(write_scroll(i, length))
            expected[idx] = (words, checksum)

    with _lab.stopwatch() as piped:
        scrolls = ctx.Queue(maxsize=64)   # bounded: the producer cannot run away
        analysed = ctx.Queue(maxsize=64)
        stages = [ctx.Process(target=producer, args=(scrolls, count, length, workers))]
        stages += [ctx.Process(target=transformer, args=(scrolls, analysed)) for _ in range(workers)]
        for p in stages:
            p.start()
        results, per_worker, first_at = {}, {}, None
        while len(per_worker) < workers:  # sink: collect until every transformer said "done"
            item = analysed.get(timeout=120)
            if item[0] == "done":
                per_worker[item[1]] = item[2]
                continue
            if first_at is None:
                first_at = time.perf_counter()
            idx, words, checksum = item
            results[idx] = (words, checksum)
        for p in stages:
            p.join()
        for q in (scrolls, analysed):
            q.close()
            q.join_thread()

    assert results == expected, "the pipeline lost or changed scrolls"
    for pid, handled in sorted(per_worker.items()):
        print(f"  transformer PID {pid} analysed {handled} scrolls")
    first_result = first_at - piped.start
    total_words = sum(words for words, _ in results.values())
    print(f"\nPlain loop:  {plain.seconds:.2f}s ({count / plain.seconds:,.0f} scrolls/s)")
    print(f"Pipeline:    {piped.seconds:.2f}s ({count / piped.seconds:,.0f} scrolls/s), "
          f"first result after {_lab.ms(first_result)}")
    print(f"Aggregate:   {len(results)} scrolls, {total_words:,} words, identical to the loop")

    _lab.conclusion(
        f"the {2 + workers}-process pipeline handled {count} scrolls in {piped.seconds:.2f} s versus "
        f"{plain.seconds:.2f} s for the loop ({plain.seconds / piped.seconds:.2f}x), with the work spread as "
        f"{sorted(per_worker.values())} scrolls per transformer and results flowing after "
        f"{_lab.ms(first_result)}; the sentinels shut all {len(stages)} stage processes down cleanly."
    )


if __name__ == "__main__":
    main()
