#!/usr/bin/env node
'use strict';
// npm's install script. An installed package normally uses the prebuilt binary shipped for its
// platform (prebuilds/, one N-API build for every Node version) and compiles nothing. Only where
// none loads (another platform, a too-old C library) — or with `npm install --build-from-source` —
// does it compile the native core with node-gyp, and only when a compiler, make and Python are
// there. It never fails the install: without the native core the package still loads, its nodes
// register and say what is missing; so does this script, with the fix.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const loaderFile = path.join(root, 'dist', 'lib', 'stream', 'native-loader.js');
const fromSource = /^(true|1|node-red-contrib-gige-vision)$/.test(process.env.npm_config_build_from_source || '');

function say(line) {
  process.stdout.write(`node-red-contrib-gige-vision: ${line}\n`);
}

function warn(lines) {
  process.stderr.write(lines.map((l) => `node-red-contrib-gige-vision: ${l}\n`).join(''));
}

// In a source checkout dist/ is built after this script (by `prepare`): then there is no
// prebuilt binary to use and the native core is compiled, as before.
const loader = fs.existsSync(loaderFile) ? require(loaderFile) : null;

function loadsNow() {
  if (!loader) return { ok: false, error: null };
  return loader.loadNativeAddon(loaderFile);
}

if (!fromSource) {
  const loaded = loadsNow();
  if (loaded.ok) {
    say(`using the ${loaded.kind} ${path.relative(root, loaded.file)}; nothing to compile`);
    process.exit(0);
  }
  if (loaded.error) say(`no usable prebuilt binary for this machine (${loaded.error.details.target}); compiling the native core`);
}

function onPath(commands) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  return commands.find((c) => dirs.some((d) => fs.existsSync(path.join(d, c)))) || null;
}

const missing = [
  onPath(['c++', 'g++', 'clang++']) ? null : 'a C++ compiler (c++/g++/clang++)',
  onPath(['make']) ? null : 'make',
  onPath(['python3', 'python']) ? null : 'Python 3',
].filter(Boolean);

function advice() {
  return loader ? `${loader.buildFromSourceAdvice()}.` : 'Install a C++ compiler, make and Python 3, then run `npm run build:native`.';
}

if (missing.length) {
  warn([
    `WARNING: the native streaming core is not available: no prebuilt binary loads on ${process.platform}-${process.arch}` +
      ` and it cannot be compiled here (missing: ${missing.join(', ')}).`,
    'The package is installed; its nodes load and work for camera features, events and action commands, but cannot receive frames.',
    advice(),
  ]);
  process.exit(0);
}

const nodeGyp =
  process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)
    ? process.env.npm_config_node_gyp
    : (() => {
        try {
          return require.resolve('node-gyp/bin/node-gyp.js', {
            paths: [path.dirname(process.execPath) + '/../lib/node_modules/npm/node_modules', root],
          });
        } catch {
          return null;
        }
      })();
if (!nodeGyp) {
  warn(['WARNING: the native streaming core is not available: node-gyp (which comes with npm) was not found.', advice()]);
  process.exit(0);
}

const build = spawnSync(process.execPath, [nodeGyp, 'rebuild'], { cwd: root, stdio: 'inherit' });
const loaded = build.status === 0 ? loadsNow() : { ok: false, error: null };
if (build.status !== 0 || (loader && !loaded.ok)) {
  warn([
    `WARNING: compiling the native streaming core failed (node-gyp exit ${build.status}${loaded.error ? `; ${loaded.error.message}` : ''}).`,
    'The package is installed; its nodes load and work for camera features, events and action commands, but cannot receive frames.',
    `The compiler output above says what went wrong. ${advice()}`,
  ]);
}
process.exit(0);
