import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../support/processes';
import { currentTarget, loadNativeAddon, localBuildFile, prebuiltFile, shippedPrebuilds } from '../../lib/stream/native-loader';

/** Runs TypeScript in a fresh Node (the addon, once loaded, stays loaded in this one). */
function inChild(script: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('native core loader: a local build, else the prebuilt binary for this platform, else an explanation', function () {
  this.timeout(30000);
  let fakeRoot: string;
  const target = currentTarget();

  beforeEach(() => {
    fakeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-loader-'));
    fs.writeFileSync(path.join(fakeRoot, 'package.json'), '{"name":"node-red-contrib-gige-vision"}');
    fs.mkdirSync(path.join(fakeRoot, 'dist'));
  });

  afterEach(() => fs.rmSync(fakeRoot, { recursive: true, force: true }));

  it('knows this machine: linux with its C library, and the file name node-gyp-build would use', () => {
    assert.equal(target.platform, 'linux');
    assert.equal(target.libc, 'glibc');
    assert.equal(path.relative(fakeRoot, prebuiltFile(fakeRoot, target)), `prebuilds/linux-${process.arch}/node.napi.glibc.node`);
  });

  it('with neither a build nor a prebuilt binary: NATIVE_NOT_FOUND naming the platform, what the package has and the fix', () => {
    fs.mkdirSync(path.join(fakeRoot, 'prebuilds', 'linux-arm64'), { recursive: true });
    fs.writeFileSync(path.join(fakeRoot, 'prebuilds', 'linux-arm64', 'node.napi.glibc.node'), '');
    assert.deepEqual(shippedPrebuilds(fakeRoot), ['linux-arm64 (glibc)']);
    const result = loadNativeAddon(path.join(fakeRoot, 'dist'));
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'NATIVE_NOT_FOUND');
    assert.match(result.error.message, new RegExp(`no prebuilt binary for linux-${process.arch} \\(glibc\\) \\(it has: linux-arm64 \\(glibc\\)\\)`));
    assert.match(result.error.message, /sudo apt install build-essential python3/);
    assert.match(result.error.message, /run `npm rebuild node-red-contrib-gige-vision` in the Node-RED user directory/);
    assert.match(result.error.message, /local build .*build\/Release\/gige_native\.node: not present/);
  });

  it('a prebuilt binary that does not load here (another architecture, a too-old glibc) is named with the loader\'s reason', () => {
    const prebuilt = prebuiltFile(fakeRoot, target);
    fs.mkdirSync(path.dirname(prebuilt), { recursive: true });
    fs.writeFileSync(prebuilt, 'not an ELF file');
    const result = loadNativeAddon(path.join(fakeRoot, 'dist'));
    assert.ok(!result.ok);
    assert.match(result.error.message, new RegExp(`the prebuilt binary for linux-${process.arch} \\(glibc\\) does not load on this machine \\(.*(invalid ELF header|too short)`));
  });

  it('an addon built from another version of the package is refused by name, with the fix', () => {
    const stale = path.join(fakeRoot, 'stale-addon.js');
    fs.writeFileSync(stale, 'module.exports = { abiVersion: 1, StreamReceiver: function () {} };');
    const result = loadNativeAddon(path.join(fakeRoot, 'dist'), stale);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'NATIVE_NOT_FOUND');
    assert.match(result.error.message, /built from another version of this package \(ABI 1, this one needs 2\); rebuild it: npm rebuild/);
  });

  it('loads the prebuilt binary when there is no local build, and prefers a local build', () => {
    const prebuilt = prebuiltFile(fakeRoot, target);
    fs.mkdirSync(path.dirname(prebuilt), { recursive: true });
    fs.copyFileSync(localBuildFile(ROOT), prebuilt);
    const probe = (root: string) => inChild(`
      const r = require('./lib/stream/native-loader').loadNativeAddon(${JSON.stringify(path.join(root, 'dist'))});
      console.log(JSON.stringify({ ok: r.ok, kind: r.kind, file: r.file, receiver: r.ok && typeof r.addon.StreamReceiver }));`);
    const fromPrebuilt = probe(fakeRoot);
    assert.equal(fromPrebuilt.status, 0, fromPrebuilt.stderr);
    assert.deepEqual(JSON.parse(fromPrebuilt.stdout), { ok: true, kind: 'prebuilt binary', file: prebuilt, receiver: 'function' });
    fs.mkdirSync(path.join(fakeRoot, 'build', 'Release'), { recursive: true });
    fs.copyFileSync(localBuildFile(ROOT), localBuildFile(fakeRoot));
    const fromBuild = probe(fakeRoot);
    assert.equal(JSON.parse(fromBuild.stdout).kind, 'local build');
  });

  it('without the core the package still loads; each native function, constructors included, throws the explanation', () => {
    const run = inChild(`
      const native = require('./lib/stream/native');
      const tries = {
        receiver: () => new native.StreamReceiver({}),
        sender: () => new native.GvspSender({ bindAddress: '127.0.0.1' }),
        render: () => native.renderRamp(Buffer.alloc(4), { width: 2, height: 2, pixelFormat: 0x01080001 }),
        unpack: () => native.unpackToMono16(Buffer.alloc(4), 0x01080001, 2, 2),
      };
      const out = { problem: native.nativeCoreProblem().code };
      for (const [name, f] of Object.entries(tries)) {
        try { f(); out[name] = 'no error'; } catch (err) { out[name] = err.code + ': ' + err.message.slice(0, 100); }
      }
      console.log(JSON.stringify(out));`, { GIGE_NATIVE_ADDON: path.join(fakeRoot, 'missing.node') });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.problem, 'NATIVE_NOT_FOUND');
    for (const name of ['receiver', 'sender', 'render', 'unpack']) {
      assert.match(out[name], /^NATIVE_NOT_FOUND: node-red-contrib-gige-vision: the native streaming core is missing/, name);
    }
  });
});
