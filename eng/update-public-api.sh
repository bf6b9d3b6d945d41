#!/usr/bin/env bash
# Adds every public symbol that the PublicApiAnalyzers report as undeclared (RS0016) to the project's
# PublicAPI.Unshipped.txt, and removes the ones reported as no longer present (RS0017).
# Review the diff: API changes must be deliberate.
# Usage: eng/update-public-api.sh src/Llm.Stack.X [more projects...]
set -euo pipefail
for proj in "$@"; do
  dir=$(cd "$proj" && pwd)
  log=$(mktemp)
  for f in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
    [ -s "$dir/$f" ] || echo '#nullable enable' > "$dir/$f"
  done || true
  dotnet build "$dir" --no-incremental -p:TreatWarningsAsErrors=false 2>&1 > "$log" || true
  grep -F "$dir/" "$log" | grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" | sort -u >> "$dir/PublicAPI.Unshipped.txt" || true
  grep -F "$dir/" "$log" | grep -oP "RS0017: Symbol '\K.*(?=' is part of the declared API, but)" | sort -u | while IFS= read -r sym; do
    grep -vxF -- "$sym" "$dir/PublicAPI.Unshipped.txt" > "$dir/PublicAPI.Unshipped.txt.tmp" || true
    mv "$dir/PublicAPI.Unshipped.txt.tmp" "$dir/PublicAPI.Unshipped.txt"
  done || true
  { echo '#nullable enable'; grep -vx '#nullable enable' "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } > "$dir/PublicAPI.Unshipped.txt.tmp"
  mv "$dir/PublicAPI.Unshipped.txt.tmp" "$dir/PublicAPI.Unshipped.txt"
  rm -f "$log"
  echo "$proj: $(wc -l < "$dir/PublicAPI.Unshipped.txt") public symbols declared"
done
