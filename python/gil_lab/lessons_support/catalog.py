"""The lesson catalog: every ``python/lessons/*.py`` described by its own docstring.

A lesson's docstring ends with ``Key: value`` lines (Document, Demonstrates,
Requires, Start methods); this module reads them with ``ast`` without importing
the lesson, so listing the catalog never runs lesson code. ``Requires: 3.8`` is
the oldest Python that runs the lesson; a lesson about a newer version's
features also sets ``BEST_PYTHON = ("3.14", "why")`` at its top level (older
Pythons run a fallback and say so).
"""

import ast
import json
import os
import sys

# python/lessons, beside the gil_lab package (this file is python/gil_lab/lessons_support/catalog.py).
LESSONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "lessons")
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
        tree = ast.parse(f.read(), path)
    doc = ast.get_docstring(tree) or ""
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
    best, best_why = _best_python(tree)
    return {
        "name": os.path.basename(path)[:-3].replace("_", "-"),
        "title": lines[0].strip() if lines else "",
        "document": document.strip(),
        "section": section.strip(),
        "demonstrates": fields["Demonstrates"],
        "min_python": fields["Requires"],
        "start_methods": fields["Start methods"].lower().startswith("yes"),
        "available": sys.version_info[: len(requires)] >= requires,
        # The version the lesson is about, or None; older Pythons run a fallback.
        "best_python": best or None,
        "best_python_why": best_why,
        "path": path,
    }


def _best_python(tree):
    """``BEST_PYTHON = ("3.14", "why")`` of a lesson's module, or ``(None, None)``."""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "BEST_PYTHON"):
            version, why = ast.literal_eval(node.value)
            return version, why
    return None, None


def runs_on(entry, version):
    """How lesson ``entry`` runs on Python ``version`` (``(3, 14)``): "fully", "fallback"
    (it runs, without the features it is about) or "no"."""
    version = tuple(version)[:2]
    if version < tuple(int(p) for p in entry["min_python"].split("."))[:2]:
        return "no"
    best = entry.get("best_python")
    if best and version < tuple(int(p) for p in best.split("."))[:2]:
        return "fallback"
    return "fully"


def catalog(directory=LESSONS_DIR):
    return [describe(p) for p in lesson_files(directory)]


def catalog_json(directory=LESSONS_DIR):
    return json.dumps(catalog(directory))


if __name__ == "__main__":
    for entry in catalog():
        print("%-20s %s" % (entry["name"], entry["demonstrates"]))
