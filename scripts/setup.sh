#!/usr/bin/env bash
# Sets Quire up on a fresh Debian machine with the Swift toolchain: installs missing system
# packages, builds in release mode and runs the quick-start.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system-packages.sh
quire_ensure_packages

echo "==> building quire (release)"
swift build -c release --product quire

echo "==> quick-start"
.build/release/quire demo
echo
echo "Quire is built: .build/release/quire --help"
