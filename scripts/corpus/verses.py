#!/usr/bin/python3
"""Join diatheke OSIS dumps of three SWORD modules into the verse-aligned TSVs.

    verses.py WEB.osis KJV.osis RV1909.osis OUTDIR

Each input is the output of
    diatheke -b MODULE -f OSIS -k "Genesis 1:1-Revelation 22:21"
Writes OUTDIR/bible.en-es.tsv (ref, book, WEB, RV1909) and
OUTDIR/bible.kjv-es.tsv (ref, book, KJV, RV1909) for every verse present
and non-empty in all three modules, in canonical order. Standard library only.
"""
import html
import re
import sys
import unicodedata

# diatheke's English book names (locale en) -> OSIS ids, canonical order.
BOOKS = [
    ("Genesis", "Gen"), ("Exodus", "Exod"), ("Leviticus", "Lev"), ("Numbers", "Num"),
    ("Deuteronomy", "Deut"), ("Joshua", "Josh"), ("Judges", "Judg"), ("Ruth", "Ruth"),
    ("I Samuel", "1Sam"), ("II Samuel", "2Sam"), ("I Kings", "1Kgs"), ("II Kings", "2Kgs"),
    ("I Chronicles", "1Chr"), ("II Chronicles", "2Chr"), ("Ezra", "Ezra"), ("Nehemiah", "Neh"),
    ("Esther", "Esth"), ("Job", "Job"), ("Psalms", "Ps"), ("Proverbs", "Prov"),
    ("Ecclesiastes", "Eccl"), ("Song of Solomon", "Song"), ("Isaiah", "Isa"), ("Jeremiah", "Jer"),
    ("Lamentations", "Lam"), ("Ezekiel", "Ezek"), ("Daniel", "Dan"), ("Hosea", "Hos"),
    ("Joel", "Joel"), ("Amos", "Amos"), ("Obadiah", "Obad"), ("Jonah", "Jonah"), ("Micah", "Mic"),
    ("Nahum", "Nah"), ("Habakkuk", "Hab"), ("Zephaniah", "Zeph"), ("Haggai", "Hag"),
    ("Zechariah", "Zech"), ("Malachi", "Mal"), ("Matthew", "Matt"), ("Mark", "Mark"),
    ("Luke", "Luke"), ("John", "John"), ("Acts", "Acts"), ("Romans", "Rom"),
    ("I Corinthians", "1Cor"), ("II Corinthians", "2Cor"), ("Galatians", "Gal"),
    ("Ephesians", "Eph"), ("Philippians", "Phil"), ("Colossians", "Col"),
    ("I Thessalonians", "1Thess"), ("II Thessalonians", "2Thess"), ("I Timothy", "1Tim"),
    ("II Timothy", "2Tim"), ("Titus", "Titus"), ("Philemon", "Phlm"), ("Hebrews", "Heb"),
    ("James", "Jas"), ("I Peter", "1Pet"), ("II Peter", "2Pet"), ("I John", "1John"),
    ("II John", "2John"), ("III John", "3John"), ("Jude", "Jude"),
    ("Revelation of John", "Rev"),
]
# Deuterocanonical books of the WEB module: their verses are read (so that
# they do not run on into the verse before them) and then dropped.
OTHER_BOOKS = [
    "Tobit", "Judith", "Wisdom", "Sirach", "Baruch", "Prayer of Azariah", "Susanna",
    "Bel and the Dragon", "I Maccabees", "II Maccabees", "III Maccabees", "IV Maccabees",
    "I Esdras", "II Esdras", "Prayer of Manasses", "Additional Psalm", "Esther (Greek)",
    "Daniel (Greek)",
]
OSIS = dict(BOOKS)
ORDER = {osis: i for i, (_, osis) in enumerate(BOOKS)}
# A verse key, anywhere in a line: text before it on the line is a heading.
NAMES = sorted([n for n, _ in BOOKS] + OTHER_BOOKS, key=len, reverse=True)
KEY = re.compile(r"(?:^|(?<=[\s>]))(" + "|".join(re.escape(n) for n in NAMES) + r") (\d+):(\d+): ")
NOTE = re.compile(r"<note\b.*?</note>", re.S)
TAG = re.compile(r"<[^>]*>")


def clean(text):
    """OSIS verse text -> plain NFC text: notes dropped, every word element
    opened on a space (the modules glue some words: <w>God</w><w>created</w>)
    except after an opening bracket or quote, other tags removed, entities
    decoded, spaces collapsed."""
    text = NOTE.sub("", text)
    text = re.sub(r"<w\b[^>]*>", " ", text)
    text = TAG.sub("", text)
    text = html.unescape(text)
    text = " ".join(text.split())
    text = re.sub(r"([(\[“‘]) ", r"\1", text)  # no space after an opening bracket or quote
    return unicodedata.normalize("NFC", text)


def read(path):
    """Returns {ref: text} from a diatheke OSIS dump."""
    verses, ref, parts = {}, None, []

    def flush():
        if ref is not None:
            verses[ref] = clean(" ".join(parts))

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if re.fullmatch(r"\(\w+\)", line.strip()):  # the closing "(MODULE)"
                continue
            m = KEY.search(line)
            if m:
                flush()
                book = OSIS.get(m.group(1), "other:" + m.group(1))
                ref = "%s.%s.%s" % (book, m.group(2), m.group(3))
                parts = [line[m.end():]]
            elif ref is not None:
                parts.append(line)
    flush()
    return verses


def lower_chapter_opening(ref, text):
    """RV 1909 prints the first word(s) of each chapter in capitals
    ("EN el principio", "Y FUERON acabados"): lower-case the leading run of
    all-capital words, keeping the verse's first character ("¿ POR qué"
    becomes "¿ por qué")."""
    if not ref.endswith(".1"):
        return text
    words = text.split(" ")
    n = 0  # leading words without a lower-case letter ("¿ POR qué" has two)
    while n < len(words) and not any(c.islower() for c in words[n]):
        n += 1
    if n == 0 or not any(sum(c.isalpha() for c in w) >= 2 for w in words[:n]):
        return text
    lead = " ".join(words[:n]).lower()
    return " ".join([text[0] + lead[1:]] + words[n:])


def key(ref):
    b, c, v = ref.split(".")
    return ORDER[b], int(c), int(v)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    web, kjv, es = (read(p) for p in sys.argv[1:4])
    out = sys.argv[4]
    refs = sorted((r for r in es if r in web and r in kjv and web[r] and kjv[r] and es[r]
                   and not r.startswith("other:")), key=key)
    with open(out + "/bible.en-es.tsv", "w", encoding="utf-8") as a, \
            open(out + "/bible.kjv-es.tsv", "w", encoding="utf-8") as b:
        for r in refs:
            book = r.split(".")[0]
            spa = lower_chapter_opening(r, es[r])
            a.write("\t".join([r, book, web[r], spa]) + "\n")
            b.write("\t".join([r, book, kjv[r], spa]) + "\n")
    print("%d verses in all three modules" % len(refs), file=sys.stderr)


if __name__ == "__main__":
    main()
