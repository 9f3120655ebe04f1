#!/usr/bin/env python3
"""Compares the packages of two folders entry by entry: exit 0 when every package holds the same files with the same
bytes, leaving out the parts NuGet writes anew on every pack (its core-properties part, named at random, and the
relationships and content types that name it). Usage: compare-packages.py FOLDER_A FOLDER_B"""
import hashlib
import pathlib
import sys
import zipfile

VOLATILE = ("package/services/metadata/core-properties/", "_rels/", "[Content_Types].xml")


def contents(path):
    with zipfile.ZipFile(path) as package:
        return {
            entry.filename: hashlib.sha256(package.read(entry)).hexdigest()
            for entry in package.infolist()
            if not entry.filename.startswith(VOLATILE)
        }


def main(first, second):
    a = {p.name: p for p in pathlib.Path(first).glob("*.nupkg")}
    b = {p.name: p for p in pathlib.Path(second).glob("*.nupkg")}
    if not a or a.keys() != b.keys():
        print(f"packages differ: {sorted(a)} against {sorted(b)}")
        return 1
    files = 0
    for name in sorted(a):
        left, right = contents(a[name]), contents(b[name])
        changed = sorted(f for f in left.keys() | right.keys() if left.get(f) != right.get(f))
        if changed:
            print(f"{name}: not reproducible, these entries differ between two builds: {', '.join(changed)}")
            return 1
        files += len(left)
    print(f"packages reproducible: {len(a)} packages, {files} files identical across two builds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
