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
  native/test/sanitized_test.cc native/src/frame_assembler.cc native/src/stream_receiver.cc \
  native/src/gvsp_sender.cc native/src/scene.cc native/src/unpack.cc \
  -lpthread -o "$out/sanitized_test"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$out/sanitized_test"
