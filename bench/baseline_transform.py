"""Baseline for bench:transform: the naive rules in the Python standard library, one thread.

Same columns as the naive DuckDB SQL: trim + lower-case text columns, digits-only phone, SHA-256 each, dedupe
rows with a set, write CSV. Usage: python3 baseline_transform.py INPUT.csv OUTPUT.csv
"""
import csv
import hashlib
import re
import sys

NON_DIGITS = re.compile(r"[^0-9]")
TEXT_COLUMNS = ("email", "first_name", "last_name", "zip", "country")


def sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value else ""


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    seen = set()
    with open(source, newline="", encoding="utf-8") as fin:
        reader = csv.reader(fin)
        header = next(reader)
        text_at = [header.index(c) for c in TEXT_COLUMNS]
        phone_at = header.index("phone")
        add = seen.add
        for row in reader:
            add(tuple([sha(row[i].strip().lower()) for i in text_at] + [sha(NON_DIGITS.sub("", row[phone_at]))]))
    with open(target, "w", newline="", encoding="utf-8") as fout:
        writer = csv.writer(fout)
        for record in sorted(seen):
            writer.writerow(record)


if __name__ == "__main__":
    main()
