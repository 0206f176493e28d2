#!/usr/bin/env python3
"""Writes a C file defining one string constant with a text file's content.

    embed.py INPUT OUTPUT SYMBOL
"""
import sys


def main():
    src, dst, symbol = sys.argv[1:4]
    with open(src, "rb") as f:
        data = f.read() + b"\0"
    # bytes, not a string literal: C11 compilers need support only 4095-character strings
    rows = [", ".join(str(b) for b in data[i:i + 24]) for i in range(0, len(data), 24)]
    with open(dst, "w", encoding="utf-8") as f:
        f.write(f"/* Generated from {src.split('/')[-1]} by core/osfp/embed.py: do not edit. */\n")
        f.write(f"extern const char {symbol}[];\nconst char {symbol}[] = {{\n")
        f.write(",\n".join("\t" + r for r in rows) + "\n};\n")


if __name__ == "__main__":
    main()
