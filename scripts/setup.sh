#!/usr/bin/env bash
# Sets Quire up on a fresh Debian machine with the Swift toolchain: installs missing system
# packages, builds in release mode (the quire tool and the engine library notebooks link) and runs the
# quick-start notebook.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system-packages.sh
quire_ensure_packages

echo "==> building quire and the notebook engine (release)"
swift build -c release --product quire
swift build -c release --product QuireEngine

echo "==> quick-start: quire run notebooks/quickstart.md"
.build/release/quire run notebooks/quickstart.md
echo
echo "Quire is built: .build/release/quire --help; the report is output/quickstart/index.html"
