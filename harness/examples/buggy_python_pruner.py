#!/usr/bin/env python3
"""BUGGY black-box pruner in Python: takes no lock and deletes unreferenced
archives in place with shutil.rmtree (no rename to a trash dir first). A
reader that resolved an entry a moment ago, or an installer that has just
persisted its archive, loses files from under it.
Expected verdict: no-in-use-removal or no-dangling-reference (scenarios/bb-python-pruner.toml).

Usage: buggy_python_pruner.py CACHE_DIR
"""
import os
import shutil
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: buggy_python_pruner.py CACHE_DIR", file=sys.stderr)
        return 2
    cache = sys.argv[1]
    archives = os.path.join(cache, "archive-v0")
    wheels = os.path.join(cache, "wheels-v6")
    if not os.path.isdir(archives) or not os.path.isdir(wheels):
        return 2
    referenced = set()
    for dirpath, dirnames, filenames in os.walk(wheels):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                referenced.add(os.path.basename(os.readlink(path).rstrip("/")))
    for archive_id in sorted(os.listdir(archives)):
        path = os.path.join(archives, archive_id)
        if archive_id in referenced or os.path.islink(path) or not os.path.isdir(path):
            continue
        shutil.rmtree(path, ignore_errors=True)  # the bug: in place, and no lock
    return 0


if __name__ == "__main__":
    sys.exit(main())
