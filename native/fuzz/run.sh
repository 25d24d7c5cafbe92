#!/bin/sh
# Builds native/fuzz/gvsp_assembler_fuzzer.cc with libFuzzer + ASan + UBSan (clang-14) and runs it
# for a bounded time from a freshly generated seed corpus (npm run test:fuzz; .ci/run as root).
#   FUZZ_SECONDS   how long to fuzz (default 60)
#   FUZZ_CORPUS    keep the corpus in this directory (default: a temporary one, removed afterwards)
#   FUZZ_ARTIFACTS where a crashing input is written (default: ./fuzz-artifacts/)
# With arguments, runs the given inputs once each instead (to replay a crash):
#   sh native/fuzz/run.sh fuzz-artifacts/crash-…
set -eu
cd "$(dirname "$0")/../.."
CXX=${FUZZ_CXX:-clang++-14}
command -v "$CXX" >/dev/null 2>&1 || { echo "$CXX not found: install clang-14 and libclang-rt-14-dev" >&2; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/gige-fuzz.XXXXXX")
trap 'rm -rf "$out"' EXIT
# Unsigned overflow is not undefined, but on wire values it is a bug (a size that wraps looks
# small); the functions that wrap on purpose are listed in ubsan.supp. Suppressions need a
# recoverable check, and halt_on_error still stops at the first unsuppressed report.
"$CXX" -std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined,unsigned-integer-overflow \
  -fno-sanitize-recover=all -fsanitize-recover=unsigned-integer-overflow \
  -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion \
  native/fuzz/gvsp_assembler_fuzzer.cc native/src/frame_assembler.cc native/src/frame_resend.cc \
  -o "$out/gvsp_assembler_fuzzer"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=native/fuzz/ubsan.supp
if [ $# -gt 0 ]; then
  exec "$out/gvsp_assembler_fuzzer" -runs=1 "$@"
fi

corpus=${FUZZ_CORPUS:-$out/corpus}
artifacts=${FUZZ_ARTIFACTS:-fuzz-artifacts}
mkdir -p "$corpus" "$artifacts"
node native/fuzz/make-seeds.js "$corpus"
# -rss_limit_mb bounds the process (pools are at most 8 × 64 KiB; growth means a leak), -timeout
# flags one input that runs for seconds (a loop that does not end), -max_len leaves room for a
# dozen jumbo datagrams.
"$CXX" --version | head -n 1
"$out/gvsp_assembler_fuzzer" "$corpus" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=131072 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/"
