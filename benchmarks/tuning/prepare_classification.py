#!/usr/bin/env python3
"""Builds a labelled classification set from documentation on a Debian machine, for measuring EmbeddingClassifier
(issue 19 item 2). Nothing in it is written by us: the texts are the package descriptions of the Debian archive's
package index (as apt keeps it under /var/lib/apt/lists) and the labels are the archive sections the Debian
maintainers filed the packages under.

  sections.jsonl   text = a package's one-line summary (the index holds no long descriptions); label = its Section

Usage: python3 prepare_classification.py OUTPUT_DIR
Ten topical sections are kept (games, sound, graphics, science, mail, editors, database, video, net, text); debug,
documentation, development and library packages are dropped (their descriptions are boilerplate), and texts are
de-duplicated. Each line is {"text": ..., "label": ...}, in the index's order.
"""
import glob, json, os, re, subprocess, sys

SECTIONS = ["games", "sound", "graphics", "science", "mail", "editors", "database", "video", "net", "text"]

def collapse(text):
    return re.sub(r"\s+", " ", text).strip()

def packages():
    for path in sorted(glob.glob("/var/lib/apt/lists/*_debian_dists_*_main_binary-amd64_Packages*")):
        if "security" in path or "updates" in path:
            continue
        data = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], capture_output=True, check=True).stdout
        for stanza in data.decode("utf-8", "replace").split("\n\n"):
            fields, last = {}, None
            for line in stanza.splitlines():
                if line.startswith(" ") and last:
                    fields[last] += "\n" + line[1:]
                elif ":" in line:
                    last, value = line.split(":", 1)
                    fields[last] = value.strip()
            if "Package" in fields:
                yield fields

def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    seen, rows = set(), []
    for p in packages():
        section = p.get("Section", "").split("/")[-1]
        name = p["Package"]
        if section not in SECTIONS or re.search(r"-(dbg|dbgsym|doc|dev|data|common|l10n)$|^lib", name):
            continue
        text = collapse(p.get("Description", ""))
        key = text.lower()
        if len(text.split()) < 3 or key in seen:
            continue
        seen.add(key)
        rows.append({"text": text, "label": section})
    with open(os.path.join(out_dir, "sections.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = {s: sum(1 for r in rows if r["label"] == s) for s in SECTIONS}
    print(f"sections.jsonl: {len(rows)} texts; " + ", ".join(f"{s} {c}" for s, c in counts.items()))

if __name__ == "__main__":
    main(sys.argv[1])
