"""The lesson catalog: every ``python/lessons/*.py`` described by its own docstring.

A lesson's docstring ends with ``Key: value`` lines (Document, Demonstrates,
Requires, Start methods); this module reads them with ``ast`` without importing
the lesson, so listing the catalog never runs lesson code.
"""

import ast
import json
import os
import sys

LESSONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lessons")
KEYS = ("Document", "Demonstrates", "Requires", "Start methods")


def lesson_files(directory=LESSONS_DIR):
    return sorted(
        os.path.join(directory, f)
        for f in os.listdir(directory)
        if f.endswith(".py") and not f.startswith("_")
    )


def describe(path):
    """One lesson's entry, or a ValueError naming the key that is missing."""
    with open(path, encoding="utf-8") as f:
        doc = ast.get_docstring(ast.parse(f.read(), path)) or ""
    lines = doc.strip().splitlines()
    fields = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip() in KEYS:
            fields[key.strip()] = value.strip()
    missing = [k for k in KEYS if k not in fields]
    if missing:
        raise ValueError("%s: docstring lacks %s" % (path, ", ".join(missing)))
    document, _, section = fields["Document"].partition("§")
    requires = tuple(int(p) for p in fields["Requires"].split("."))
    return {
        "name": os.path.basename(path)[:-3].replace("_", "-"),
        "title": lines[0].strip() if lines else "",
        "document": document.strip(),
        "section": section.strip(),
        "demonstrates": fields["Demonstrates"],
        "min_python": fields["Requires"],
        "start_methods": fields["Start methods"].lower().startswith("yes"),
        "available": sys.version_info[: len(requires)] >= requires,
        "path": path,
    }


def catalog(directory=LESSONS_DIR):
    return [describe(p) for p in lesson_files(directory)]


def catalog_json(directory=LESSONS_DIR):
    return json.dumps(catalog(directory))


if __name__ == "__main__":
    for entry in catalog():
        print("%-20s %s" % (entry["name"], entry["demonstrates"]))
