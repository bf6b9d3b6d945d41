#!/usr/bin/env python3
"""Builds the chunking benchmark corpus (>= 50 MB of plain text) from Debian's documentation packages.

    sudo apt-get update && sudo apt-get install -y python3.11-doc postgresql-doc-15 git-doc glibc-doc bash-doc
    python3 benchmarks/Llm.Stack.Benchmarks/Chunking/make-corpus.py /tmp/llmstack-corpus
    export LLMSTACK_CHUNKING_CORPUS=/tmp/llmstack-corpus

HTML pages become their text (no script/style, a line break per block element, entities decoded); *.txt files
and the gzipped glibc ChangeLogs are copied as they are. Files are numbered in a fixed order, so the corpus is the
same on every machine with the same package versions.
"""
import gzip
import html.parser
import pathlib
import re
import sys

DOC = pathlib.Path("/usr/share/doc")
SOURCES = [
    ("python3.11-doc/html", ("*.html", "*.txt")),
    ("postgresql-doc-15/html", ("*.html",)),
    ("git-doc", ("*.html", "*.txt")),
    ("glibc-doc", ("ChangeLog*",)),
    ("bash-doc", ("*.html",)),
]
BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "dt", "dd", "section", "blockquote"}


class TextExtractor(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in BLOCKS:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def text_of(path):
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if path.name.endswith((".html", ".htm")):
        extractor = TextExtractor()
        extractor.feed(text)
        text = "".join(extractor.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/llmstack-corpus")
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    total = 0
    for folder, patterns in SOURCES:
        root = DOC / folder
        if not root.exists():
            sys.exit(f"{root} is missing: install the package (see this script's docstring)")
        files = sorted({p for pattern in patterns for p in root.rglob(pattern) if p.is_file()})
        for path in files:
            text = text_of(path)
            if len(text.strip()) < 200:
                continue
            n += 1
            data = text.encode("utf-8")
            (out / f"{n:05d}.txt").write_bytes(data)
            total += len(data)
    print(f"{n} files, {total / 1e6:.1f} MB in {out}")
    if total < 50 * 1024 * 1024:
        sys.exit("less than 50 MB: install more documentation packages")


if __name__ == "__main__":
    main()
