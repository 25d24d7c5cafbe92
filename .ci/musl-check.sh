#!/usr/bin/env bash
# What can be verified of the linux-x64 musl prebuilt binary (Alpine; the node-red Docker images)
# on this Debian machine. No musl build of Node is on the npm registry or in Debian, so it is not
# loaded into a real Node here; instead:
#   1. it links nothing but musl's libc (Zig puts libc++ inside it);
#   2. every symbol it imports is N-API (Node provides those) or exported by musl's libc;
#   3. musl's dynamic loader loads it (RTLD_NOW: every relocation resolves, C++ static
#      initialisers run) into a musl C program that stands in for Node's N-API exports;
#   4. the C++ core it is made of — receiver, assembler, resend, sender over 127.0.0.1, unpack —
#      built for musl by the same Zig passes native/test/sanitized_test.cc.
# Needs: Debian's musl + musl-tools, GIGE_ZIG (the Zig compiler), objdump/nm.
set -euo pipefail
cd "$(dirname "$0")/.."
addon=prebuilds/linux-x64/node.napi.musl.node
musl_libc=/usr/lib/x86_64-linux-musl/libc.so
zig=${GIGE_ZIG:?GIGE_ZIG must name the Zig compiler}
work=$(mktemp -d "${TMPDIR:-/tmp}/gige-musl-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

needed=$(objdump -p "$addon" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')
[ "$needed" = "libc.so " ] || { echo "musl check: $addon needs '$needed', expected only libc.so" >&2; exit 1; }
echo "musl check 1/4: links only musl's libc.so"

nm -D --undefined-only "$addon" | awk '{print $NF}' | grep -vE '^(napi|node_api)_' | sort -u > "$work/imports"
nm -D --defined-only "$musl_libc" | awk '{print $NF}' | sort -u > "$work/libc"
missing=$(comm -23 "$work/imports" "$work/libc")
[ -z "$missing" ] || { echo "musl check: symbols musl's libc does not provide: $missing" >&2; exit 1; }
echo "musl check 2/4: all $(wc -l < "$work/imports") non-N-API imports are in musl's libc"

{
  echo '#include <dlfcn.h>'
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  nm -D --undefined-only "$addon" | awk '{print $NF}' | grep -E '^(napi|node_api)_' | sort -u |
    while read -r symbol; do echo "void $symbol(void) { abort(); }"; done
  cat <<'C'
int main(int argc, char **argv) {
  void *addon = dlopen(argv[1], RTLD_NOW);
  if (!addon) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
  if (!dlsym(addon, "napi_register_module_v1")) { fprintf(stderr, "no napi_register_module_v1\n"); return 1; }
  return 0;
}
C
} > "$work/host.c"
musl-gcc -rdynamic "$work/host.c" -o "$work/host"
"$work/host" "$addon"
# The check can fail: the glibc build does not load under musl.
if "$work/host" prebuilds/linux-x64/node.napi.glibc.node 2>/dev/null; then
  echo "musl check: the glibc build loaded under musl too — the host proves nothing" >&2; exit 1
fi
echo "musl check 3/4: musl's loader loads it (and refuses the glibc build)"

"$zig" c++ -target x86_64-linux-musl -static -std=c++17 -O1 \
  native/test/sanitized_test.cc native/src/frame_assembler.cc native/src/frame_resend.cc native/src/stream_receiver.cc \
  native/src/gvsp_sender.cc native/src/gvsp_transmit.cc native/src/scene.cc native/src/unpack.cc -o "$work/core_test"
"$work/core_test"
echo "musl check 4/4: the C++ core built for musl passes its tests"
