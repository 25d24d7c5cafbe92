import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { start, killAll, freePort, ROOT } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';
import { PACKAGE_NAME, currentTarget, prebuiltFile } from '../../lib/stream/native-loader';
import { prepareTarballs, compilerFreePath, npmInstall, type Tarballs } from './support';
import { startNodeRed, type NodeRedRun } from './node-red';

/**
 * As a user gets it: the packed tarball installed into a fresh directory on a PATH with node and
 * npm but no compiler, make or Python. With the prebuilt binary for this machine everything works
 * through `require(PACKAGE_NAME)` and the installed `gige`; without one, the install still
 * succeeds and Node-RED registers every node, the grab node saying what is missing and how to fix
 * it. GIGE_PACKAGE_TARBALL names a tarball to test (CI: the one with every prebuilt binary);
 * otherwise one is packed here with this machine's build as its prebuilt binary.
 */
describe('package: the packed tarball installed where there is no compiler', function () {
  this.timeout(240000);
  let work: string;
  let tarballs: Tarballs;
  let binDir: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-package-'));
    tarballs = prepareTarballs(work);
    binDir = compilerFreePath(path.join(work, 'bin'));
  });

  after(() => {
    killAll();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the PATH used below really has no compiler, make or Python', () => {
    for (const tool of ['cc', 'c++', 'gcc', 'g++', 'clang', 'make', 'python3', 'python']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH: binDir }, encoding: 'utf8' });
      assert.notEqual(found.status, 0, `${tool} is on the test PATH: ${found.stdout}`);
    }
    assert.equal(spawnSync('node', ['--version'], { env: { PATH: binDir } }).status, 0);
  });

  describe('with the prebuilt binary for this machine', () => {
    let dir: string;
    let installOutput: string;

    before(() => {
      dir = path.join(work, 'with-prebuild');
      installOutput = npmInstall(dir, tarballs.withPrebuild, binDir);
    });

    it('installs: its install script uses the prebuilt binary and compiles nothing', () => {
      assert.match(installOutput, /using the prebuilt binary prebuilds\/linux-x64\/node\.napi\.glibc\.node; nothing to compile/);
      const installed = path.join(dir, 'node_modules', PACKAGE_NAME);
      assert.ok(fs.existsSync(prebuiltFile(installed, currentTarget())));
      assert.ok(!fs.existsSync(path.join(installed, 'build')), 'nothing was compiled into build/');
    });

    it('installed with --ignore-scripts (or a blocked install script), the prebuilt binary is found at run time', () => {
      const blocked = path.join(work, 'scripts-ignored');
      const output = npmInstall(blocked, tarballs.withPrebuild, binDir, 'ignored');
      assert.doesNotMatch(output, /nothing to compile/, 'the install script did not run');
      const run = spawnSync('node', ['-p', `JSON.stringify(require(${JSON.stringify(PACKAGE_NAME)}).nativeCoreProblem())`], {
        cwd: blocked,
        env: { PATH: binDir },
        encoding: 'utf8',
        timeout: 30000,
      });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), 'null');
    });

    it('require() gives the library: an EmulatedCamera read through Camera, and a frame through the native core', () => {
      const address = uniqueLoopbackAddress();
      const script = `
        const gige = require(${JSON.stringify(PACKAGE_NAME)});
        (async () => {
          const emulator = await gige.EmulatedCamera.start({ address: ${JSON.stringify(address)}, serial: 'PKG00001' });
          const camera = await gige.Camera.open({ address: ${JSON.stringify(address)} });
          try {
            const model = await camera.get('DeviceModelName');
            await camera.set('Width', 640);
            await camera.set('Height', 480);
            const frame = await camera.grab(10000);
            console.log(JSON.stringify({ model, problem: gige.nativeCoreProblem(), width: frame.width, height: frame.height,
              status: frame.status, bytes: frame.data.length, format: frame.pixelFormatName, exports: Object.keys(gige).sort() }));
          } finally {
            await camera.close();
            await emulator.stop();
          }
        })().catch((err) => { console.error(err.stack); process.exitCode = 1; });`;
      const run = spawnSync('node', ['-e', script], {
        cwd: dir,
        env: { PATH: binDir, HOME: os.homedir() },
        encoding: 'utf8',
        timeout: 60000,
      });
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout.trim().split('\n').pop() as string);
      assert.equal(result.model, 'DMK 38GX541-a');
      assert.equal(result.problem, null);
      assert.deepEqual([result.width, result.height, result.status, result.format], [640, 480, 'complete', 'Mono8']);
      assert.equal(result.bytes, 640 * 480);
      for (const name of [
        'Camera',
        'CameraConnection',
        'acquireCamera',
        'discover',
        'forceIp',
        'sendActionCommand',
        'NodeMap',
        'loadDeviceXml',
        'openStream',
        'PixelFormat',
        'EmulatedCamera',
        'GigeError',
      ]) {
        assert.ok(result.exports.includes(name), `exports ${name}`);
      }
    });

    it('the types: dist/lib/index.d.ts declares what main exports', () => {
      const installed = path.join(dir, 'node_modules', PACKAGE_NAME);
      const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
      const types = fs.readFileSync(path.join(installed, pkg.types), 'utf8');
      for (const name of ['Camera', 'EmulatedCamera', 'NodeMap', 'openStream', 'GigeError', 'Frame'])
        assert.match(types, new RegExp(`\\b${name}\\b`));
    });

    it('the installed gige CLI grabs a PNG from `gige emulate`', async () => {
      const address = uniqueLoopbackAddress();
      const gige = path.join(dir, 'node_modules', '.bin', 'gige');
      const env = { PATH: binDir, HOME: os.homedir() };
      const emulator = start(gige, ['emulate', '--address', address, '--serial', 'PKGCLI01', '--no-io'], env);
      await emulator.waitFor(/emulated DMK 38GX541-a serial PKGCLI01 at/, 30000);
      const set = spawnSync(gige, ['set', '-a', address, 'Width=640', 'Height=480'], { env, encoding: 'utf8', timeout: 30000 });
      assert.equal(set.status, 0, set.stderr);
      const file = path.join(work, 'grab.png');
      const grab = spawnSync(gige, ['grab', '-a', address, '-o', file], { env, encoding: 'utf8', timeout: 30000 });
      assert.equal(grab.status, 0, grab.stderr);
      assert.match(grab.stdout, /640x480 Mono8 frame \d+ complete/);
      const png = fs.readFileSync(file);
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [640, 480], 'IHDR width and height');
      assert.equal(await emulator.stop('SIGINT'), 0);
    });
  });

  describe('with neither a prebuilt binary for this machine nor a compiler', () => {
    let dir: string;
    let installOutput: string;
    let nodeRed: NodeRedRun | null = null;

    before(() => {
      dir = path.join(work, 'without-prebuild');
      installOutput = npmInstall(dir, tarballs.withoutPrebuild, binDir);
    });

    after(async () => {
      await nodeRed?.stop();
    });

    it('installs anyway; its install script says what is missing and how to fix it', () => {
      assert.match(installOutput, /WARNING: the native streaming core is not available: no prebuilt binary loads on linux-x64/);
      assert.match(installOutput, /missing: a C\+\+ compiler \(c\+\+\/g\+\+\/clang\+\+\), make, Python 3/);
      assert.match(installOutput, /sudo apt install build-essential python3/);
      assert.match(installOutput, /npm rebuild node-red-contrib-gige-vision/);
    });

    it('require() still works: control over GVCP does, and the missing core is explained', () => {
      const address = uniqueLoopbackAddress();
      const script = `
        const gige = require(${JSON.stringify(PACKAGE_NAME)});
        (async () => {
          const emulator = await gige.EmulatedCamera.start({ address: ${JSON.stringify(address)} });
          const camera = await gige.Camera.open({ address: ${JSON.stringify(address)} });
          let grabError = null;
          try {
            const model = await camera.get('DeviceModelName');
            await camera.grab(5000).catch((err) => { grabError = { code: err.code, message: err.message }; });
            const problem = gige.nativeCoreProblem();
            console.log(JSON.stringify({ model, grabError, problem: problem && { code: problem.code, message: problem.message } }));
          } finally {
            await camera.close();
            await emulator.stop();
          }
        })().catch((err) => { console.error(err.stack); process.exitCode = 1; });`;
      const run = spawnSync('node', ['-e', script], {
        cwd: dir,
        env: { PATH: binDir, HOME: os.homedir() },
        encoding: 'utf8',
        timeout: 60000,
      });
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout.trim().split('\n').pop() as string);
      assert.equal(result.model, 'DMK 38GX541-a');
      assert.equal(result.problem.code, 'NATIVE_NOT_FOUND');
      assert.match(result.problem.message, /no prebuilt binary for linux-x64 \(glibc\)/);
      assert.match(result.problem.message, /npm rebuild node-red-contrib-gige-vision/);
      assert.equal(result.grabError?.code, 'NATIVE_NOT_FOUND', JSON.stringify(result.grabError));
    });

    it('Node-RED registers every node of package.json; gige-grab shows the missing core, the log has the fix, gige-feature works', async () => {
      nodeRed = await startNodeRed(dir, binDir, await freePort(), uniqueLoopbackAddress());
      const types = await nodeRed.registeredTypes(PACKAGE_NAME);
      const listed = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes);
      assert.deepEqual(types.sort(), listed.sort(), nodeRed.output());
      const grabStatus = await nodeRed.statusOf('grab', /native core/);
      assert.deepEqual(grabStatus, { fill: 'red', shape: 'ring', text: 'native core missing: see log' });
      // A node that needs no frames is green (connected to the emulated camera).
      const featureStatus = await nodeRed.statusOf('feature', /connected/);
      assert.equal(featureStatus.fill, 'green');
      const log = nodeRed.output();
      assert.match(
        log,
        /\[warn\] node-red-contrib-gige-vision: the native streaming core is missing: this package has no prebuilt binary for linux-x64 \(glibc\)/,
      );
      assert.match(log, /run `npm rebuild node-red-contrib-gige-vision` in the Node-RED user directory/);
      assert.match(log, /\[error\] \[gige-grab:grab\] node-red-contrib-gige-vision: the native streaming core is missing/);
    });
  });
});
