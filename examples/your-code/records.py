"""Pure-Python record processing: parse, filter and aggregate log lines.

The kind of code that holds the GIL the whole time: threads take turns,
processes scale (and pay for pickling the records they are sent).

    gil-lab compare examples/your-code/records.py:summarize --inputs examples/your-code/records.py:batches
"""

import random


def batches(count=4, lines=150_000):
    """``count`` batches of access-log lines, made the same on every run."""
    rng = random.Random(42)
    paths = ["/", "/login", "/api/items", "/api/orders", "/static/app.js", "/health"]
    out = []
    for _ in range(count):
        out.append([
            "%d.%d.%d.%d - - GET %s %d %d" % (
                rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(256),
                rng.choice(paths), rng.choice((200, 200, 200, 304, 404, 500)), rng.randrange(100, 50_000))
            for _ in range(lines)
        ])
    return out


def summarize(lines):
    """Requests, bytes and errors per path: string splitting and dict updates, all in Python."""
    totals = {}
    for line in lines:
        parts = line.split()
        path, status, size = parts[4], int(parts[5]), int(parts[6])
        entry = totals.setdefault(path, [0, 0, 0])
        entry[0] += 1
        entry[1] += size
        entry[2] += status >= 500
    return sorted((path, *entry) for path, entry in totals.items())
