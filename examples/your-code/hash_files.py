"""Hashing files: the Day 14 document's "hash calculation", over real files.

hashlib releases the GIL while it hashes a large buffer, so threads run side by
side here and a process pool only adds its start-up and the pickling of names.

    gil-lab compare examples/your-code/hash_files.py:digest --inputs examples/your-code/hash_files.py:groups
"""

import hashlib
import os
import sys
import sysconfig


def groups(count=4, min_bytes=256 * 1024):
    """The standard library's larger files, dealt into ``count`` groups of paths."""
    roots = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    files = []
    for root in sorted(roots):
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    if os.path.isfile(path) and os.path.getsize(path) >= min_bytes:
                        files.append(path)
                except OSError:
                    continue
    files.sort()
    if not files:
        sys.exit("no file of %d bytes or more under %s" % (min_bytes, ", ".join(sorted(roots))))
    return [files[i::count] * 8 for i in range(count)]


def digest(paths):
    """The SHA-256 of each file's content, read in 1 MiB blocks."""
    out = []
    for path in paths:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        out.append(h.hexdigest())
    return out
