#!/bin/sh
# Builds the native core with AddressSanitizer + UndefinedBehaviorSanitizer into a temporary
# directory (not build/: node-gyp rebuild wipes that)
# and runs native/test/sanitized_test.cc (malformed packets, adversarial assembly, sender and
# receiver threads over 127.0.0.1). Used by `npm run test:native-asan` (and .ci/run, as root).
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp -d "${TMPDIR:-/tmp}/gige-native-sanitized.XXXXXX")
trap 'rm -rf "$out"' EXIT
${CXX:-g++} -std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
  -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion \
  native/test/sanitized_test.cc native/src/frame_assembler.cc native/src/frame_resend.cc native/src/stream_receiver.cc \
  native/src/gvsp_sender.cc native/src/gvsp_transmit.cc native/src/scene.cc native/src/unpack.cc \
  -lpthread -o "$out/sanitized_test"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$out/sanitized_test"

# The N-API bindings too: the addon built with the sanitizers (in a scratch copy of the project
# layout, so build/ is untouched) runs the native mocha suites, minus the timing-bound ones
# (resend deadlines, event-loop delay), which the sanitizers' slowdown would make meaningless.
root=$(pwd)
mkdir -p "$out/addon"
cp binding.gyp "$out/addon/"
ln -s "$root/native" "$out/addon/native"
ln -s "$root/node_modules" "$out/addon/node_modules"
node_gyp=$(node -p "require.resolve('node-gyp/bin/node-gyp.js', { paths: [require('path').dirname(process.execPath) + '/../lib/node_modules/npm/node_modules', process.cwd()] })")
# Same headers as the main build (npm passes its nodedir setting when it runs this script).
nodedir=${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null || true)}
case "$nodedir" in ''|undefined|null) nodedir_arg= ;; *) nodedir_arg="--nodedir=$nodedir" ;; esac
(cd "$out/addon" && node "$node_gyp" rebuild $nodedir_arg -- -Dgige_sanitize=1 >/dev/null)
addon="$out/addon/build/Release/gige_native.node"
# Proof that the suites below really run instrumented code, not a plain build.
nm -D "$addon" | grep -q __asan_report || { echo "sanitized addon lacks ASan instrumentation" >&2; exit 1; }
GIGE_NATIVE_ADDON="$addon" \
LD_PRELOAD="$(${CXX:-g++} -print-file-name=libasan.so) $(${CXX:-g++} -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  node node_modules/mocha/bin/mocha.js --no-config -r tsx/cjs --extension ts --timeout 60000 \
  test/native/scene.test.ts test/native/scene-inspection.test.ts test/native/unpack.test.ts test/native/sender.test.ts \
  test/native/receiver.test.ts test/native/assembly.test.ts test/native/frame-lifecycle.test.ts \
  test/native/source-filter.test.ts test/gvcp/keepalive.test.ts
