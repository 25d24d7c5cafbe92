#!/usr/bin/env node
'use strict';
// Transpiles lib/ and test/ (TypeScript) to CommonJS in OUT, as tsx does on the fly, and copies
// their data files beside them — for a Node that cannot run tsx's esbuild binary (arm64 Node
// under qemu-user, where a child process of another architecture cannot start).
//   node .ci/transpile.js OUT
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const out = path.resolve(process.argv[2] || '');
if (!process.argv[2]) throw new Error('usage: node .ci/transpile.js OUT');

const sources = [];
function walk(dir) {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel);
    else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) sources.push(rel);
    else {
      fs.mkdirSync(path.join(out, dir), { recursive: true });
      fs.copyFileSync(path.join(root, rel), path.join(out, rel));
    }
  }
}
for (const dir of ['lib', 'test']) walk(dir);
esbuild.buildSync({
  entryPoints: sources.map((s) => path.join(root, s)),
  outdir: out,
  outbase: root,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.stdout.write(`transpiled ${sources.length} files to ${out}\n`);
