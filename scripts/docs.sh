#!/usr/bin/env bash
# Builds the API reference: one DocC archive per engine module plus an index page.
#
#   scripts/docs.sh [OUT]            every module into OUT (default output/api), then OUT/index.html
#   scripts/docs.sh --check [OUT]    CI check: every module, nothing written outside a temporary folder
#                                    unless OUT is given; fails on any warning from a catalog (.docc)
#                                    and on Swift code in a page that does not type-check
#   scripts/docs.sh --no-build ...   skip `swift build -c release --product QuireEngine`
#
# Symbol graphs come from the release modules (`QUIRE_BUILD_PATH`, default .build): the engine is built with
# library evolution, so `swift symbolgraph-extract -I .build/release/Modules` needs no C flags and nothing is
# recompiled. `docc convert` then renders each `Sources/M/M.docc` catalog with M's symbols.
#
# The archives are built for static hosting with OUT as the site root (`--hosting-base-path M.doccarchive`);
# DocC's pages are a JavaScript app that fetches JSON, so serve the folder, e.g.
#   python3 -m http.server -d output/api 8000      # then open http://localhost:8000/
# Set QUIRE_DOCS_BASE_PATH=some/prefix when OUT is published under a sub-path instead of the root.
# QUIRE_DOCS_MODULES="QuireTensor QuireData" builds only those modules (the index then lists only them).
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."

check=0 build=1 out=""
for arg in "$@"; do
    case "$arg" in
        --check) check=1 ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d'; exit 0 ;;
        -*) echo "docs.sh: unknown option $arg" >&2; exit 2 ;;
        *) case "$arg" in /*) out="$arg" ;; *) out="$caller/$arg" ;; esac ;;
    esac
done

all_modules="QuireTensor QuireNN QuireOptim QuireCheckpoint QuireData QuireKernels QuirePlot QuireMetrics QuireTesting QuireDistributions Quire"
read -r -a modules <<< "${QUIRE_DOCS_MODULES:-$all_modules}"
declare -A summary=(
    [QuireTensor]="Tensors, dtypes, broadcasting, random keys and reverse-mode autodiff (grad, valueAndGrad)."
    [QuireNN]="Flax-NNX-style modules: layers, parameters by dotted path, valueAndGrad(of:), the Optimizer."
    [QuireOptim]="Optax-style gradient transformations, learning-rate schedules and losses."
    [QuireCheckpoint]="Orbax-style checkpoints: safetensors files in atomically committed step directories."
    [QuireData]="Grain-style data pipelines: sources, MapDataset, prefetching and checkpointable iterators."
    [QuireKernels]="Pallas-style kernels: pallasCall, BlockSpec and Refs, interpreted or compiled to C."
    [QuirePlot]="Charts drawn with Cairo into RGBA images and PNG."
    [QuireMetrics]="Metrics, the run log (JSON Lines, CSV, TensorBoard), progress bars and timeit."
    [QuireTesting]="chex-style asserts for tensors and trees, a finite-difference gradient checker, test variants."
    [QuireDistributions]="distrax-style distributions (sample, logProb, entropy, KL) and bijectors, reparameterized."
    [Quire]="The umbrella a notebook imports: the engine plus display, table, markdown, image and plot; notebooks."
)

build_path="${QUIRE_BUILD_PATH:-.build}"
base_path="${QUIRE_DOCS_BASE_PATH:-}"
base_path="${base_path#/}"; base_path="${base_path%/}"
docc="$(command -v docc || true)"
[ -n "$docc" ] || docc="$(dirname "$(readlink -f "$(command -v swift)")")/docc"
[ -x "$docc" ] || { echo "docs.sh: docc not found (it ships with the Swift toolchain)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ -z "$out" ]; then
    if [ "$check" = 1 ]; then out="$tmp/api"; else out="output/api"; fi
fi
start=$(date +%s)

if [ "$build" = 1 ]; then
    echo "==> swift build -c release --product QuireEngine"
    swift build -c release --product QuireEngine ${QUIRE_BUILD_PATH:+--scratch-path "$build_path"}
fi
modules_dir="$build_path/release/Modules"
[ -f "$modules_dir/Quire.swiftmodule" ] || [ -d "$modules_dir/Quire.swiftmodule" ] \
    || { echo "docs.sh: no release modules in $modules_dir (run without --no-build)" >&2; exit 1; }

mkdir -p "$out"
status=0
for m in "${modules[@]}"; do
    graphs="$tmp/symbols/$m"
    mkdir -p "$graphs"
    swift symbolgraph-extract -module-name "$m" -I "$modules_dir" -target "$(uname -m)-unknown-linux-gnu" \
        -minimum-access-level public -skip-synthesized-members -emit-extension-block-symbols -output-dir "$graphs"
    lower="$(echo "$m" | tr '[:upper:]' '[:lower:]')"
    hosting="${base_path:+$base_path/}$m.doccarchive"
    rm -rf "$out/$m.doccarchive"
    diagnostics="$tmp/$m.diagnostics.json"
    "$docc" convert "Sources/$m/$m.docc" \
        --additional-symbol-graph-dir "$graphs" \
        --fallback-display-name "$m" --fallback-bundle-identifier "org.quire.$m" \
        --output-path "$out/$m.doccarchive" \
        --transform-for-static-hosting --hosting-base-path "$hosting" \
        --diagnostics-file "$diagnostics" > "$tmp/$m.log" 2>&1 || { cat "$tmp/$m.log"; status=1; }
    # Warnings from the catalog (articles, landing page) fail --check; those from doc comments in the sources
    # are listed, since fixing them needs a rebuild of the module.
    read -r own other < <(python3 - "$diagnostics" "$m" <<'PY'
import json, sys
try:
    diagnostics = json.load(open(sys.argv[1])).get("diagnostics", [])
except (OSError, ValueError):
    diagnostics = []
own = other = 0
for d in diagnostics:
    if d.get("severity") not in ("warning", "error"):
        continue
    source = d.get("source") or ""
    where = source.split("/Sources/", 1)[-1] if source else "(symbol graph)"
    line = (d.get("range") or {}).get("start", {}).get("line", "")
    in_catalog = ".docc/" in source
    own += in_catalog; other += not in_catalog
    print(f"  {'catalog' if in_catalog else 'source '} {where}:{line}: {d.get('summary', '')}", file=sys.stderr)
print(own, other)
PY
)
    pages=$(find "$out/$m.doccarchive/data/documentation" -name '*.json' 2>/dev/null | wc -l)
    printf '%-16s %5d pages   %d catalog warnings, %d doc-comment warnings\n' "$m" "$pages" "$own" "$other"
    [ "$own" = 0 ] || status=1
    [ -f "$out/$m.doccarchive/documentation/$lower/index.html" ] || { echo "docs.sh: $m: no landing page" >&2; status=1; }
done

{
    cat <<'HTML'
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Quire API reference</title>
<style>
body { font: 16px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.8rem; }
dt { font-weight: 600; margin-top: 1rem; }
dd { margin: 0.2rem 0 0 0; color: #444; }
code { font-size: 0.95em; }
</style>
</head>
<body>
<h1>Quire API reference</h1>
<p>One DocC reference per module, with articles. The pages load their content with JavaScript: serve this
folder (<code>python3 -m http.server -d output/api</code>) rather than opening the files from disk.</p>
<dl>
HTML
    for m in "${modules[@]}"; do
        lower="$(echo "$m" | tr '[:upper:]' '[:lower:]')"
        printf '<dt><a href="%s.doccarchive/documentation/%s/">%s</a></dt>\n<dd>%s</dd>\n' "$m" "$lower" "$m" "${summary[$m]}"
    done
    cat <<'HTML'
</dl>
</body>
</html>
HTML
} > "$out/index.html"

# --check also type-checks the Swift code of every page against the release modules, one program per page
# (a notebook example, in a ````markdown fence, is left out; the Quire pages get a notebook's `import Quire`
# and `seed`).
if [ "$check" = 1 ]; then
    for m in "${modules[@]}"; do
        for page in "Sources/$m/$m.docc"/*.md; do
            program="$tmp/typecheck/$m-$(basename "$page" .md).swift"
            mkdir -p "$tmp/typecheck"
            python3 - "$page" "$m" > "$program" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"^````markdown\n.*?^````\n", "", text, flags=re.S | re.M)
blocks = re.findall(r"^```swift\n(.*?)^```", text, flags=re.S | re.M)
code = "\n".join(blocks)
imports = sorted(set(re.findall(r"^import \w+$", code, flags=re.M)))
if sys.argv[2] == "Quire":
    imports = sorted(set(imports) | {"import Quire"})
    code = "let seed = 0\n" + code
print("\n".join(imports))
print(re.sub(r"^import \w+$", "", code, flags=re.M) if blocks else "")
PY
            if ! swiftc -typecheck -I "$modules_dir" -target "$(uname -m)-unknown-linux-gnu" "$program" 2> "$program.log"; then
                echo "docs.sh: the code in $page does not compile:" >&2
                grep -E "error:" "$program.log" | sed "s|$program|$page (its Swift blocks joined)|" | head -20 >&2
                status=1
            fi
        done
    done
    echo "code examples: type-checked $(find "$tmp/typecheck" -name '*.swift' | wc -l) pages"
fi

echo "==> $(( $(date +%s) - start )) s"
if [ "$check" = 1 ]; then
    [ "$status" = 0 ] && echo "docs: every catalog builds without warnings" || echo "docs: FAILED" >&2
else
    echo "API reference: $out/index.html (serve it: python3 -m http.server -d $out 8000)"
fi
exit "$status"
