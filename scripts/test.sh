#!/usr/bin/env bash
# Runs the whole test suite (installing missing system packages first, as setup.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system-packages.sh
quire_ensure_packages
quire_ensure_test_python
quire_try_test_packages

# Formatting of the Swift lines changed since main (.swift-format; untouched code is never checked).
./scripts/format-check.sh
# The end-to-end tests run the real `quire` on notebooks, which link the release engine library.
swift build -c release --product QuireEngine
./scripts/docs.sh --check --no-build   # the API reference builds without warnings and its articles' code type-checks
swift build --build-tests
# Every file format and the notebook parser under libFuzzer for a few seconds each (only on a full run).
if [ "$#" -eq 0 ] && [ "${QUIRE_SKIP_FUZZ:-0}" != 1 ]; then
    ./scripts/fuzz.sh --ci
fi
swift test --skip-build --disable-swift-testing "$@"
