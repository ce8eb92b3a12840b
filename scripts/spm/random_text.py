#!/usr/bin/python3
"""Writes lines of random text for the SentencePiece golden tests.

Each line mixes words of a word list (the training text) with runs of
random characters from many Unicode blocks (controls, combining marks,
scripts of every direction, compatibility characters that NFKC rewrites,
emoji, tags) and with odd spacing (tabs, no-break spaces, U+2581).
Line breaks and surrogates never appear. Deterministic for a given seed.

Usage: random_text.py WORDS.txt LINES SEED > random.txt
"""

import random
import sys

BLOCKS = [
    (0x20, 0x7E), (0x00, 0x1F), (0x80, 0x2FF), (0x300, 0x36F), (0x370, 0x3FF),
    (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F),
    (0x1100, 0x11FF), (0x2000, 0x206F), (0x2100, 0x218F), (0x2460, 0x24FF),
    (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3300, 0x33FF), (0x4E00, 0x4E80),
    (0xAC00, 0xAC80), (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE00, 0xFE6F),
    (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x1F300, 0x1F6FF),
    (0x1F900, 0x1F9FF), (0xE0000, 0xE007F),
]
SPACING = [" ", "  ", "\t", "\u3000", "\u00a0", " \u200b ", "\u2581",
           "\u2581\u2581", " \u2581 "]


def random_run(rng):
    lo, hi = rng.choice(BLOCKS)
    out = []
    for _ in range(rng.randint(1, 6)):
        c = rng.randint(lo, hi)
        if c in (0x0A, 0x0D):
            c = 0x41
        out.append(chr(c))
    return "".join(out)


def main():
    words_path, lines, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(words_path, encoding="utf-8") as f:
        words = f.read().split()
    rng = random.Random(seed)
    out = sys.stdout
    for _ in range(lines):
        parts = []
        for _ in range(rng.randint(0, 12)):
            r = rng.random()
            if r < 0.4:
                parts.append(rng.choice(words))
            elif r < 0.5:
                parts.append(rng.choice(SPACING))
            else:
                parts.append(random_run(rng))
        out.write(rng.choice([" ", "", " ", "  "]).join(parts) + "\n")


if __name__ == "__main__":
    main()
