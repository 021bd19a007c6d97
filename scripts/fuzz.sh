#!/usr/bin/env bash
# Builds and runs Quire's libFuzzer targets (Tests/Fuzz/<target>/Fuzz.swift).
#
#   scripts/fuzz.sh TARGET [SECONDS]   build TARGET and fuzz it for SECONDS (default 60)
#   scripts/fuzz.sh --ci               build every target and fuzz each for ~5 s (FUZZ_CI_SECONDS)
#   scripts/fuzz.sh --build [TARGET]   build only
#   scripts/fuzz.sh --list             list the targets
#   FUZZ_RUNS=1000000 scripts/fuzz.sh TARGET 3600   stop after that many executions (or the time)
#
# SwiftPM does not build libFuzzer executables, so this compiles the module sources a target needs
# straight with swiftc (-sanitize=fuzzer,address), each module once into .build/fuzz/ (rebuilt only
# when its sources change). Runs start from the committed seed corpus Tests/Fuzz/<target>/corpus/ and
# the committed crashes Tests/Fuzz/<target>/crashes/, and grow a scratch corpus in
# .build/fuzz/corpus/<target>/. A crash input is written to .build/fuzz/artifacts/<target>/: commit it
# under Tests/Fuzz/<target>/crashes/ with the fix (FuzzCorpusReplayTests replays every committed file).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(safetensors checkpoint-json idx csv jsonl png notebook)
OUT=${FUZZ_OUT:-.build/fuzz}
SWIFTC=${SWIFTC:-swiftc}
JOBS=${FUZZ_JOBS:-2}

# Module sources and flags, in dependency order.
module_sources() {
    case $1 in
        QuireTensor) find Sources/QuireTensor -name '*.swift' ;;
        # Hashing.swift imports swift-crypto; the fuzz build swaps in a stub with the same interface.
        QuireCheckpoint) find Sources/QuireCheckpoint -name '*.swift' ! -name Hashing.swift; echo Tests/Fuzz/Support/SHA256Stub.swift ;;
        QuireData) find Sources/QuireData -name '*.swift' ;;
        # SHA256Text.swift imports swift-crypto; the fuzz build swaps in a stub with the same interface.
        QuireNotebook) find Sources/QuireNotebook -name '*.swift' ! -name SHA256Text.swift; echo Tests/Fuzz/Support/SHA256TextStub.swift ;;
    esac
}
module_deps() {
    case $1 in
        QuireTensor) ;;
        QuireCheckpoint) echo QuireTensor ;;
        QuireData) echo QuireTensor QuireCheckpoint ;;
        QuireNotebook) ;;
    esac
}
target_modules() {
    case $1 in
        safetensors|checkpoint-json) echo QuireTensor QuireCheckpoint ;;
        idx|csv|jsonl|png) echo QuireTensor QuireCheckpoint QuireData ;;
        notebook) echo QuireNotebook ;;
        *) echo "unknown fuzz target '$1' (targets: ${TARGETS[*]})" >&2; exit 2 ;;
    esac
}

# C system libraries: the module maps in Sources/C* and pkg-config's include paths; the engine's own C
# target (CQuireFused) through a module map written into $OUT/cmodules (SwiftPM generates one for it).
CFLAGS=(-I Sources/COpenBLAS -I Sources/CPNG -I Sources/CCmark -I "$OUT/cmodules")
for inc in $(pkg-config --cflags-only-I openblas libpng libcmark); do CFLAGS+=(-Xcc "$inc"); done
LIBS=($(pkg-config --libs openblas libpng libcmark))
SAN=(-sanitize=fuzzer,address)
LD=(-use-ld=lld)   # gold warns about every ASan helper symbol
OPT=(-O -Xcc -march=native)

newer_than() {   # newer_than FILE SRC...: true when FILE exists and is newer than every SRC
    local out=$1; shift
    [[ -e $out ]] || return 1
    for s in "$@"; do [[ $s -nt $out ]] && return 1; done
    return 0
}

# CQuireFused's C files, compiled as SwiftPM compiles them, and its module map.
build_cfused() {
    mkdir -p "$OUT/cmodules" "$OUT/obj"
    printf 'module CQuireFused {\n    umbrella header "%s"\n    export *\n}\n' \
        "$PWD/Sources/CQuireFused/include/quire_fused.h" > "$OUT/cmodules/module.modulemap.new"
    if cmp -s "$OUT/cmodules/module.modulemap.new" "$OUT/cmodules/module.modulemap"; then
        rm "$OUT/cmodules/module.modulemap.new"
    else
        mv "$OUT/cmodules/module.modulemap.new" "$OUT/cmodules/module.modulemap"
    fi
    local c
    for c in Sources/CQuireFused/*.c; do
        local o=$OUT/obj/CQuireFused-$(basename "$c" .c).o
        newer_than "$o" "$c" Sources/CQuireFused/include/quire_fused.h Sources/CQuireFused/*.h && continue
        clang -O3 -march=native -mprefer-vector-width=512 -fno-math-errno -ffp-contract=off \
            -I Sources/CQuireFused/include -c "$c" -o "$o"
    done
}

build_module() {
    local m=$1 srcs deps
    mapfile -t srcs < <(module_sources "$m")
    deps=()
    for d in $(module_deps "$m"); do deps+=("$OUT/modules/$d.swiftmodule"); done
    if newer_than "$OUT/obj/$m.o" "${srcs[@]}" "${deps[@]}" "$OUT/flags"; then return; fi
    local extra=() san=("${SAN[@]}")
    if [[ $m == QuireNotebook ]]; then extra=("${NOTEBOOK_FLAGS[@]}"); fi
    # The engine is not what is fuzzed: uninstrumented, it compiles faster and runs faster, and ASan
    # still guards its allocations (the readers writing into tensor storage are instrumented).
    if [[ $m == QuireTensor ]]; then san=(); fi
    echo "fuzz: compiling $m (${#srcs[@]} files)" >&2
    local t0=$SECONDS
    "$SWIFTC" -parse-as-library -module-name "$m" -wmo -enable-testing \
        "${OPT[@]}" "${san[@]}" "${CFLAGS[@]}" "${extra[@]}" -I "$OUT/modules" \
        -emit-module -emit-module-path "$OUT/modules/$m.swiftmodule" \
        -c -o "$OUT/obj/$m.o" "${srcs[@]}"
    touch "$OUT/obj/$m.o" "$OUT/modules/$m.swiftmodule"   # the compiler keeps an unchanged output's old time
    echo "fuzz: compiled $m in $((SECONDS - t0)) s" >&2
}

build_target() {
    local t=$1 modules objs=()
    mkdir -p "$OUT/modules" "$OUT/obj" "$OUT/bin"
    # Rebuild everything when the compiler or the flags change.
    local flags="$("$SWIFTC" --version 2>&1 | head -1) ${OPT[*]} ${SAN[*]} ${CFLAGS[*]}"
    [[ -e $OUT/flags && $(cat "$OUT/flags") == "$flags" ]] || echo "$flags" > "$OUT/flags"
    modules=$(target_modules "$t")
    if [[ $t == notebook ]]; then notebook_setup; fi
    if [[ " $modules " == *" QuireTensor "* ]]; then
        build_cfused
        objs+=("$OUT"/obj/CQuireFused-*.o)
    fi
    for m in $modules; do build_module "$m"; objs+=("$OUT/obj/$m.o"); done
    local exe=$OUT/bin/fuzz-$t srcs=(Tests/Fuzz/$t/Fuzz.swift Tests/Fuzz/Support/FuzzSupport.swift)
    if newer_than "$exe" "${srcs[@]}" "${objs[@]}"; then return; fi
    echo "fuzz: linking fuzz-$t" >&2
    local extra=()
    if [[ $t == notebook ]]; then extra=("${NOTEBOOK_FLAGS[@]}" "${NOTEBOOK_LINK[@]}"); fi
    "$SWIFTC" -parse-as-library -module-name "Fuzz_${t//-/_}" "${OPT[@]}" "${SAN[@]}" "${LD[@]}" "${CFLAGS[@]}" "${extra[@]}" \
        -I "$OUT/modules" "${srcs[@]}" "${objs[@]}" "${LIBS[@]}" -o "$exe"
    touch "$exe"
}

# The notebook runner needs Yams, swift-mustache (SwiftPM packages) and CYaml: built by SwiftPM in
# .build/debug (uninstrumented) and linked from there.
NOTEBOOK_FLAGS=()
NOTEBOOK_LINK=()
notebook_setup() {
    [[ ${#NOTEBOOK_FLAGS[@]} -gt 0 ]] && return
    if [[ ! -e .build/debug/Modules/Yams.swiftmodule || ! -e .build/debug/Modules/Mustache.swiftmodule ]]; then
        echo "fuzz: building Yams and Mustache with SwiftPM" >&2
        swift build --target Yams >&2
        swift build --target Mustache >&2
    fi
    NOTEBOOK_FLAGS=(-I .build/debug/Modules -Xcc -fmodule-map-file=.build/checkouts/Yams/Sources/CYaml/include/module.modulemap
                    -Xcc -I.build/checkouts/Yams/Sources/CYaml/include)
    NOTEBOOK_LINK=()
    mapfile -t NOTEBOOK_LINK < <(find .build/debug/Yams.build .build/debug/CYaml.build .build/debug/Mustache.build -name '*.o')
}

run_target() {
    local t=$1 seconds=$2 exe=$OUT/bin/fuzz-$1
    local scratch=$OUT/corpus/$t artifacts=$OUT/artifacts/$t
    mkdir -p "$scratch" "$artifacts" "Tests/Fuzz/$t/corpus"
    local dirs=("$scratch" "Tests/Fuzz/$t/corpus")
    [[ -d Tests/Fuzz/$t/crashes ]] && dirs+=("Tests/Fuzz/$t/crashes")
    echo "fuzz: running $t for $seconds s" >&2
    # Inputs are written to a scratch file per execution (the readers take paths): in memory, and removed after.
    local shm=/dev/shm; [[ -w $shm ]] || shm=${TMPDIR:-/tmp}
    local tmp=$shm/quire-fuzz-$$-$t
    mkdir -p "$tmp"
    local rc=0 log=$OUT/$t.log
    # libFuzzer's progress lines go to a log; the terminal gets its final stats, or the log's tail on a crash.
    QUIRE_FUZZ_SCRATCH=$tmp ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1} \
        "$exe" -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=10 \
        -max_len="${FUZZ_MAX_LEN:-65536}" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -artifact_prefix="$artifacts/" -print_final_stats=1 \
        "${dirs[@]}" > "$log" 2>&1 || rc=$?
    rm -rf "$tmp"
    if [[ $rc -ne 0 ]]; then
        echo "fuzz: $t FAILED (exit $rc); the end of $log:" >&2
        tail -n 60 "$log" >&2
    else
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | tr '\n' ' ' | sed "s/^/fuzz: $t: /" >&2
        echo >&2
    fi
    return $rc
}

case ${1:-} in
    --list) printf '%s\n' "${TARGETS[@]}" ;;
    --build)
        if [[ -n ${2:-} ]]; then build_target "$2"; else for t in "${TARGETS[@]}"; do build_target "$t"; done; fi ;;
    --ci)
        start=$SECONDS
        for t in "${TARGETS[@]}"; do build_target "$t"; done
        echo "fuzz: built every target in $((SECONDS - start)) s" >&2
        for t in "${TARGETS[@]}"; do run_target "$t" "${FUZZ_CI_SECONDS:-5}"; done
        echo "fuzz: --ci done in $((SECONDS - start)) s" >&2 ;;
    ""|-h|--help) sed -n '2,14p' "$0" ;;
    *) build_target "$1"; run_target "$1" "${2:-60}" ;;
esac
