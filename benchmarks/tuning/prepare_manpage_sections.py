#!/usr/bin/env python3
"""Builds a second labelled classification set from documentation on a Debian machine, for measuring
EmbeddingClassifier (issue 19 item 2) beside prepare_classification.py's package sections. Nothing in it is written
by us: the texts are the one-line NAME descriptions of the installed manual pages (as man-db's index holds them,
read with `whatis --long`, which does not shorten them) and the labels are the manual sections their authors filed
the pages under.

  manpage_sections.jsonl   text = a page's NAME description; label = its section (1, 2, 3, 5, 7 or 8)

Usage: python3 prepare_manpage_sections.py OUTPUT_DIR
Sections 4 and 6 are left out (a few dozen pages). Pages whose description man-db could not read ("(unknown
subject)") are dropped, as are descriptions under three words; texts are de-duplicated (aliases of one page share
its description), and a text found under two sections is dropped altogether. Each line is {"text": ..., "label": ...},
in the index's order (by section, then name).
"""
import json, os, re, subprocess, sys

SECTIONS = ["1", "2", "3", "5", "7", "8"]
LINE = re.compile(r"^(?P<name>.+?) \((?P<section>[0-9][a-z]*)\)\s+- (?P<text>.*)$")

def collapse(text):
    return re.sub(r"\s+", " ", text).strip()

def pages(section):
    out = subprocess.run(["whatis", "--long", "-s", section, "-w", "*"], capture_output=True, check=True, text=True,
                         env={**os.environ, "LC_ALL": "C.UTF-8", "MANPATH": "/usr/share/man"}).stdout
    for line in out.splitlines():
        m = LINE.match(line)
        if m and m["section"][0] == section:
            yield m["name"].strip(), collapse(m["text"])

def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rows, labels_of = [], {}
    for section in SECTIONS:
        for name, text in pages(section):
            if text == "(unknown subject)" or len(text.split()) < 3:
                continue
            key = text.lower()
            if key in labels_of:
                labels_of[key].add(section)
                continue
            labels_of[key] = {section}
            rows.append({"text": text, "label": section})
    rows = [r for r in rows if len(labels_of[r["text"].lower()]) == 1]
    with open(os.path.join(out_dir, "manpage_sections.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = {s: sum(1 for r in rows if r["label"] == s) for s in SECTIONS}
    print(f"manpage_sections.jsonl: {len(rows)} texts; " + ", ".join(f"section {s} {c}" for s, c in counts.items()))

if __name__ == "__main__":
    main(sys.argv[1])
