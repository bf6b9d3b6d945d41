#!/usr/bin/env python3
"""Builds two labelled (query, passage) sets from documentation installed on a Debian machine, for measuring
embedding adapters (issue 19). Neither set is written by us:

  manpages.jsonl   query = a manual page's one-line summary (NAME), passage = its DESCRIPTION section
  appstream.jsonl  query = an AppStream component's Summary, passage = its Description (Debian's DEP-11 metadata)

Usage: python3 prepare_sets.py OUTPUT_DIR [MAX_MANPAGES]
Each line is {"query": ..., "passage": ...}; queries and passages are de-duplicated, so that every query has exactly one
relevant passage in the set's corpus.
"""
import glob, gzip, html, json, os, re, subprocess, sys

def collapse(text):
    return re.sub(r"\s+", " ", text).strip()

def clip(text, limit=1200):
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("; "))
    return cut[: end + 1] if end > limit // 2 else cut

def render(path):
    env = dict(os.environ, MANWIDTH="100", LANG="C.UTF-8", MAN_KEEP_FORMATTING="0")
    try:
        out = subprocess.run(["man", "-l", "-P", "cat", path], env=env, capture_output=True, timeout=20).stdout
        return subprocess.run(["col", "-bx"], input=out, capture_output=True).stdout.decode("utf-8", "replace")
    except Exception:
        return ""

def sections(text):
    result, name, lines = {}, None, []
    for line in text.splitlines():
        if re.match(r"^[A-Z][A-Z /-]+$", line.strip()) and not line.startswith(" "):
            if name:
                result[name] = "\n".join(lines)
            name, lines = line.strip(), []
        elif name:
            lines.append(line)
    if name:
        result[name] = "\n".join(lines)
    return result

def manpages(limit):
    files = sorted(glob.glob("/usr/share/man/man1/*.1*") + glob.glob("/usr/share/man/man8/*.8*"))
    files = [f for f in files if not os.path.islink(f)]
    step = max(1, len(files) // limit)
    pairs = []
    for path in files[::step]:
        s = sections(render(path))
        name, description = collapse(s.get("NAME", "")), collapse(s.get("DESCRIPTION", ""))
        if " - " not in name or len(description) < 120:
            continue
        summary = name.split(" - ", 1)[1].strip()
        if len(summary.split()) < 3:
            continue
        pairs.append({"query": summary, "passage": clip(description)})
    return pairs

def appstream():
    import yaml
    pairs = []
    for path in glob.glob("/var/lib/apt/lists/*dep11_Components-amd64.yml.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if not isinstance(doc, dict):
                    continue
                summary = (doc.get("Summary") or {}).get("C")
                description = (doc.get("Description") or {}).get("C")
                if not summary or not description:
                    continue
                text = collapse(html.unescape(re.sub(r"<[^>]+>", " ", description)))
                if len(text) < 120 or len(summary.split()) < 3:
                    continue
                pairs.append({"query": collapse(summary), "passage": clip(text)})
    return pairs

def unique(pairs):
    queries, passages = {}, {}
    for p in pairs:
        queries[p["query"]] = queries.get(p["query"], 0) + 1
        passages[p["passage"]] = passages.get(p["passage"], 0) + 1
    return [p for p in pairs if queries[p["query"]] == 1 and passages[p["passage"]] == 1]

def write(path, pairs):
    with open(path, "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"{path}: {len(pairs)} pairs")

if __name__ == "__main__":
    out = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "appstream.jsonl"), unique(appstream()))
    write(os.path.join(out, "manpages.jsonl"), unique(manpages(limit)))
