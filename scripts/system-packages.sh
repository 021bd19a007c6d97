# Sourced by setup.sh and test.sh: makes sure the Debian packages Quire builds against are installed.
# As root it installs what is missing with apt-get; otherwise it prints the exact command and stops.

# openmpi: QuireDistributed (data-parallel training). fortunes: the plain-text corpus of the transformer notebook and `quire bench transformer` (as the peer).
QUIRE_APT_PACKAGES="pkg-config libcmark-dev libpng-dev libopenblas-dev libcairo2-dev fonts-dejavu-core libopenmpi-dev openmpi-bin tidy fortunes"

# The packages among "$@" (default: QUIRE_APT_PACKAGES) that dpkg does not list as installed.
quire_missing_packages() {
    local missing=()
    for p in ${@:-$QUIRE_APT_PACKAGES}; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    echo "${missing[@]:-}"
}

quire_ensure_packages() {
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org first." >&2
        exit 1
    fi
    local missing
    missing=$(quire_missing_packages)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "==> installing system packages: $missing"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
    else
        echo "Quire needs these Debian packages: $missing" >&2
        echo "Install them, then run this command again:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y $missing" >&2
        exit 1
    fi
}

# The tests use Python only as a second reader of Quire's files (NumPy, safetensors, TensorBoard).
# They run in their own virtualenv outside the repository; QUIRE_TEST_PYTHON tells the tests where it is.
QUIRE_TEST_PIP_PACKAGES="numpy safetensors tensorboard"

quire_ensure_test_python() {
    local venv="${QUIRE_TEST_VENV:-$HOME/.cache/quire-test-venv}"
    if ! "$venv/bin/python" -c "import numpy, safetensors, tensorboard" >/dev/null 2>&1; then
        echo "==> making the test virtualenv $venv ($QUIRE_TEST_PIP_PACKAGES)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q $QUIRE_TEST_PIP_PACKAGES
    fi
    export QUIRE_TEST_PYTHON="$venv/bin/python"
}

# Only the test suite's browser test of `quire watch` (headless Chromium over WebDriver) uses these. They are
# installed when possible; when they cannot be, that test skips and says why.
QUIRE_TEST_APT_PACKAGES="chromium chromium-driver"

quire_try_test_packages() {
    local missing
    read -r -a missing <<< "$(quire_missing_packages $QUIRE_TEST_APT_PACKAGES)"
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "==> installing test packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
            || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
            || echo "note: could not install ${missing[*]}; the browser test of quire watch will skip" >&2
    else
        echo "note: ${missing[*]} not installed; the browser test of quire watch will skip" >&2
    fi
}
