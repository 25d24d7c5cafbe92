#!/usr/bin/env node
'use strict';
// `npm start`: builds what is missing or stale, then runs Node-RED on 127.0.0.1:1880 with a local
// user directory (.demo-userdir/), this package, and the demo flow that grabs from the emulated
// DMK 38GX541-a and serves the latest frame at http://127.0.0.1:1880/camera/latest.jpg.
//   npm start                 keep the demo user directory's flows if you edited them
//   npm start -- --reset      start again from the demo flow
//   PORT=1990 npm start       another port (still on 127.0.0.1)
//   npm start -- --example "Live view dashboard"   that example (examples/<name>.json) instead of
//                             the demo, in a flows file of its own (flows-<name>.json): your edits
//                             to it are kept, --reset starts it again from the example
// For tests: GIGE_DEMO_USERDIR (another user directory), GIGE_DEMO_CAMERA_ADDRESS (another
// loopback address for the emulated camera).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const userDir = path.resolve(process.env.GIGE_DEMO_USERDIR || path.join(root, '.demo-userdir'));
const cameraAddress = process.env.GIGE_DEMO_CAMERA_ADDRESS;
const port = Number(process.env.PORT || 1880);
const reset = process.argv.includes('--reset');
const exampleName = optionValue('--example');
const examplesDir = path.join(root, 'examples');
const startFlow = path.join(examplesDir, `${exampleName ?? 'Live camera demo'}.json`);
const flowFile = exampleName ? `flows-${exampleName.replace(/[^A-Za-z0-9._-]+/g, '-')}.json` : 'flows.json';

/** `--name value` or `--name=value`; exits with the allowed values when the value is missing. */
function optionValue(name) {
  const args = process.argv.slice(2);
  const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return undefined;
  const value = args[at].includes('=') ? args[at].slice(name.length + 1) : args[at + 1];
  if (!value || value.startsWith('--')) {
    console.error(`${name} needs an example name, e.g. ${name} "Live view dashboard"`);
    process.exit(2);
  }
  return value;
}

function checkExample() {
  if (!exampleName || fs.existsSync(startFlow)) return;
  const names = fs
    .readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => `  ${f.slice(0, -5)}`)
    .sort();
  console.error(`No example named "${exampleName}" in examples/. Examples:\n${names.join('\n')}`);
  process.exit(2);
}

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

function buildIfNeeded() {
  // Each output against its own sources: the native addon is rebuilt only when native code
  // changes, so comparing it with the TypeScript sources would rebuild on every start.
  const newest = (paths) => Math.max(...paths.map((p) => newestMtime(path.join(root, p))));
  const tsBuilt = newestMtime(path.join(root, 'dist', 'nodes', 'gige-grab.js'));
  const nativeBuilt = newestMtime(path.join(root, 'build', 'Release', 'gige_native.node'));
  const stale =
    !tsBuilt ||
    !nativeBuilt ||
    tsBuilt < newest(['lib', 'nodes', 'bin', 'locales', 'icons']) ||
    nativeBuilt < newest(['native', 'binding.gyp']);
  if (!stale) return;
  console.log('Building (first start, or sources changed) ...');
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status || 1);
}

function prepareUserDir() {
  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  // Node-RED finds the package like any installed node module; the link keeps it live while you edit.
  const link = path.join(userDir, 'node_modules', 'node-red-contrib-gige-vision');
  if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
  fs.writeFileSync(
    path.join(userDir, 'package.json'),
    JSON.stringify(
      {
        name: 'gige-vision-demo',
        description: 'Node-RED user directory of `npm start` (generated)',
        version: '0.0.0',
        private: true,
        dependencies: { 'node-red-contrib-gige-vision': 'file:..' },
      },
      null,
      2,
    ),
  );
  const flows = path.join(userDir, flowFile);
  if (reset || !fs.existsSync(flows)) {
    const flow = JSON.parse(fs.readFileSync(startFlow, 'utf8'));
    // Another loopback address (tests): only where one camera is configured; a multi-camera
    // example keeps its own addresses.
    const cameras = flow.filter((node) => node.type === 'gige-camera-config');
    if (cameraAddress && cameras.length === 1) cameras[0].address = cameraAddress;
    fs.writeFileSync(flows, JSON.stringify(flow, null, 2));
  }
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `// Generated by scripts/start.js
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: '${flowFile}',
  credentialSecret: false,
  flowFilePretty: true,
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  // The camera search in the config node's editor asks only the emulators on loopback. Remove this
  // line to search every network interface for real cameras.
  gigeVisionDiscoveryBroadcast: '127.255.255.255',
};
`,
  );
}

checkExample();
buildIfNeeded();
prepareUserDir();
const red = path.join(path.dirname(require.resolve('node-red/package.json', { paths: [root] })), 'red.js');
console.log(
  exampleName
    ? `Node-RED: http://127.0.0.1:${port}/   example: ${exampleName} (its comment node says where to look)`
    : `Node-RED: http://127.0.0.1:${port}/   live camera: http://127.0.0.1:${port}/camera`,
);
const child = spawn(process.execPath, [red, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
  cwd: root,
  stdio: 'inherit',
});
let forwarded = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    forwarded = signal;
    child.kill(signal);
  });
}
// A stop we asked for is a clean exit; Node-RED dying of a signal of its own (a crash) is not.
child.on('exit', (code, signal) => {
  if (signal && signal !== forwarded) {
    console.error(`Node-RED was killed by ${signal}`);
    process.exit(1);
  }
  process.exit(code ?? 0);
});
