#!/usr/bin/env node
'use strict';
// Builds what the package needs to run: the native addon (node-gyp) when it is missing or older
// than its sources, the TypeScript (tsc), and the Node-RED editor assets next to the compiled
// nodes (Node-RED looks for <node>.html, locales/ and icons/ beside each node's .js file).
//   node scripts/build.js            native if stale + TypeScript + assets
//   node scripts/build.js --ts-only  TypeScript + assets (npm's `prepare`; node-gyp already ran)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tsOnly = process.argv.includes('--ts-only');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write(`build: ${cmd} ${args.join(' ')} failed (exit ${r.status})\n`);
    process.exit(r.status || 1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function nativeIsStale() {
  const addon = path.join(root, 'build', 'Release', 'gige_native.node');
  if (!fs.existsSync(addon)) return true;
  const built = fs.statSync(addon).mtimeMs;
  return Math.max(newestMtime(path.join(root, 'native')), fs.statSync(path.join(root, 'binding.gyp')).mtimeMs) > built;
}

function copyDir(from, to, filter) {
  if (!fs.existsSync(from)) return;
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst, filter);
    else if (!filter || filter(entry.name)) fs.copyFileSync(src, dst);
  }
}

if (!tsOnly && nativeIsStale()) {
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', {
    paths: [path.dirname(process.execPath) + '/../lib/node_modules/npm/node_modules', root],
  });
  run(process.execPath, [nodeGyp, 'rebuild']);
}

run(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.json']);

const distNodes = path.join(root, 'dist', 'nodes');
copyDir(path.join(root, 'nodes'), distNodes, (name) => name.endsWith('.html'));
copyDir(path.join(root, 'locales'), path.join(distNodes, 'locales'));
copyDir(path.join(root, 'icons'), path.join(distNodes, 'icons'));
// The emulator's GenICam XML and other data files ship beside the compiled library.
copyDir(path.join(root, 'lib'), path.join(root, 'dist', 'lib'), (name) => /\.(xml|json)$/.test(name));
const cli = path.join(root, 'dist', 'bin', 'gige.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
