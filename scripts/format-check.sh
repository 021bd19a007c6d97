#!/usr/bin/env bash
# Checks the Swift lines this branch adds or changes against the repository's style, so untouched code
# never fails CI. Usage: scripts/format-check.sh [BASE] (default: the merge base with main;
# QUIRE_FORMAT_BASE overrides). Skipped when swift-format is not in the toolchain. Takes seconds.
#
# On changed lines it reports:
#   - swift-format's lint rules enabled in .swift-format (those today's code already follows: no block
#     comments, `///` doc comments, shorthand type names, no parentheses around conditions, …);
#   - lines over 140 characters and trailing whitespace (checked here, by characters).
# swift-format's pretty-printer findings (Indentation, AddLines, RemoveLine, Spacing, LineLength,
# TrailingComma) are not used: today's style aligns continuation lines under the opening parenthesis and
# aligns columns, which swift-format's layout cannot express, so they would flag correct code.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT_FORMAT=$(command -v swift-format || true)
[ -z "$SWIFT_FORMAT" ] && [ -x /opt/swift/usr/bin/swift-format ] && SWIFT_FORMAT=/opt/swift/usr/bin/swift-format
if [ -z "$SWIFT_FORMAT" ]; then
    echo "format-check: swift-format is not in the toolchain; skipped"
    exit 0
fi

base=${1:-${QUIRE_FORMAT_BASE:-}}
if [ -z "$base" ]; then
    base=$(git merge-base HEAD main 2>/dev/null || git merge-base HEAD origin/main 2>/dev/null || true)
fi
if [ -z "$base" ]; then
    echo "format-check: no base commit to compare with (no main branch); skipped"
    exit 0
fi

# Changed Swift files (committed or not) that still exist; the fuzz corpora are data, not code.
mapfile -t files < <(git diff --name-only --diff-filter=AM "$base" -- '*.swift' | grep -v '^Tests/Fuzz/' || true)
if [ "${#files[@]}" -eq 0 ]; then
    echo "format-check: no changed Swift files since ${base:0:12}"
    exit 0
fi

# "file:line" for every added or changed line.
changed=$(for f in "${files[@]}"; do
    git diff -U0 "$base" -- "$f" | awk -v f="$f" '/^@@/ {
        split($3, a, ","); start = substr(a[1], 2); n = (a[2] == "" ? 1 : a[2])
        for (i = 0; i < n; i++) print f ":" start + i
    }'
done)

lint=$("$SWIFT_FORMAT" lint --configuration .swift-format "${files[@]}" 2>&1 \
    | grep -E '^[^:]+:[0-9]+:[0-9]+: (warning|error): \[' \
    | grep -vE '\[(Indentation|AddLines|RemoveLine|Spacing|LineLength|TrailingComma|TrailingWhitespace)\]' || true)

bad=$(CHANGED="$changed" LINT="$lint" python3 - <<'PY'
import os
keep = set(l for l in os.environ["CHANGED"].split("\n") if l)
out = [l for l in os.environ["LINT"].split("\n") if l and ":".join(l.split(":")[:2]) in keep]
for key in sorted(keep, key=lambda k: (k.rsplit(":", 1)[0], int(k.rsplit(":", 1)[1]))):
    path, n = key.rsplit(":", 1)
    lines = open(path, encoding="utf-8").read().split("\n")
    line = lines[int(n) - 1] if int(n) <= len(lines) else ""
    if len(line) > 140:
        out.append(f"{path}:{n}:1: [LineLength] {len(line)} characters, at most 140")
    if line != line.rstrip():
        out.append(f"{path}:{n}:{len(line.rstrip()) + 1}: [TrailingWhitespace] remove trailing whitespace")
print("\n".join(out))
PY
)

if [ -n "$bad" ]; then
    echo "format-check: problems on lines changed since ${base:0:12} (see .swift-format and scripts/format-check.sh):"
    echo "$bad"
    exit 1
fi
echo "format-check: ${#files[@]} changed Swift file(s) since ${base:0:12}: no problems on changed lines"
