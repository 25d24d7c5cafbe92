import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { start, killAll, builtCli, Running } from '../support/processes';
import { uniqueLoopbackAddress, LOOPBACK_BROADCAST } from '../support/loopback';
import { IDENTITY_SETTINGS, expectedFrameBytes, firstDifference } from '../support/emulated-scene';
import { PixelFormat } from '../../lib/stream';

/** Runs the built `gige` CLI to completion (bounded) and returns its exit status and output. */
function gige(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [builtCli(), ...args], { encoding: 'utf8', timeout: 30000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli: gige against `gige emulate` in another process', function () {
  this.timeout(60000);
  let address: string;
  let emulator: Running;
  let workDir: string;

  before(async () => {
    address = uniqueLoopbackAddress();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-cli-'));
    emulator = start(process.execPath, [builtCli(), 'emulate', '--address', address, '--serial', 'CLI00042']);
    await emulator.waitFor(/emulated DMK 38GX541-a serial CLI00042 at/, 20000);
  });

  after(async () => {
    killAll();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('get prints the bare value of one feature', () => {
    const { status, stdout, stderr } = gige('get', '-a', address, 'DeviceModelName');
    assert.equal(status, 0, stderr);
    assert.equal(stdout, 'DMK 38GX541-a\n');
  });

  it('get prints Name=value for several features', () => {
    const { status, stdout } = gige('get', '-a', address, 'DeviceVendorName', 'DeviceSerialNumber');
    assert.equal(status, 0);
    assert.equal(stdout, 'DeviceVendorName=The Imaging Source Europe GmbH\nDeviceSerialNumber=CLI00042\n');
  });

  it('set writes in order and prints what the camera now holds', () => {
    const { status, stdout, stderr } = gige(
      'set',
      '-a',
      address,
      ...IDENTITY_SETTINGS.map(([n, v]) => `${n}=${v}`),
      'Width=1024',
      'Height=128',
    );
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^ExposureAuto=Off$/m);
    assert.match(stdout, /^Width=1024$/m);
    assert.match(stdout, /^Height=128$/m);
  });

  it('set keeps a value as typed: a string feature holds "0042", not 42', () => {
    const { status, stdout, stderr } = gige('set', '-a', address, 'DeviceUserID=0042');
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^DeviceUserID=0042$/m);
    assert.equal(gige('get', '-a', address, 'DeviceUserID').stdout.trim(), '0042');
  });

  it('execute runs command features; get on a command points to execute', () => {
    const before = gige('get', '-a', address, 'TimestampLatchValue').stdout.trim();
    const { status, stdout, stderr } = gige('execute', '-a', address, 'TimestampLatch');
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^TimestampLatch done$/m);
    const after = gige('get', '-a', address, 'TimestampLatchValue').stdout.trim();
    assert.ok(BigInt(after) > BigInt(before), `the latch moved on: ${before} -> ${after}`);
    const asValue = gige('get', '-a', address, 'TimestampLatch');
    assert.notEqual(asValue.status, 0);
    assert.match(asValue.stderr, /TimestampLatch is a command: run it with gige execute/);
  });

  it('grab writes a PNG of the documented scene', async () => {
    const file = path.join(workDir, 'f.png');
    const { status, stdout, stderr } = gige('grab', '-a', address, '-o', file);
    assert.equal(status, 0, stderr);
    const match = /frame (\d+) complete/.exec(stdout);
    assert.ok(match, stdout);
    const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 1024);
    assert.equal(info.height, 128);
    const offsets = gige('get', '-a', address, 'OffsetX', 'OffsetY').stdout;
    const offsetX = Number(/OffsetX=(\d+)/.exec(offsets)?.[1]);
    const offsetY = Number(/OffsetY=(\d+)/.exec(offsets)?.[1]);
    const expected = expectedFrameBytes({
      width: 1024,
      height: 128,
      pixelFormat: PixelFormat.Mono8,
      offsetX,
      offsetY,
      blockId: BigInt(match[1]),
    });
    assert.equal(firstDifference(data, expected), -1);
  });

  it('grab -n writes several frames to a directory, 16-bit PNG for Mono16', async () => {
    assert.equal(gige('set', '-a', address, 'PixelFormat=Mono16').status, 0);
    try {
      const dir = path.join(workDir, 'frames');
      const { status, stdout, stderr } = gige('grab', '-a', address, '-n', '3', '-o', dir, '--stats');
      assert.equal(status, 0, stderr);
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.png'));
      assert.equal(files.length, 3, stdout);
      const meta = await sharp(path.join(dir, files[0])).metadata();
      assert.equal(meta.depth, 'ushort');
      assert.match(stdout, /"framesComplete"/, 'the --stats figures are printed');
    } finally {
      gige('set', '-a', address, 'PixelFormat=Mono8');
    }
  });

  it('features --json lists every feature with type, access, value and range', () => {
    const { status, stdout, stderr } = gige('features', '-a', address, '--json');
    assert.equal(status, 0, stderr);
    const features = JSON.parse(stdout) as Array<Record<string, unknown>>;
    const width = features.find((f) => f.name === 'Width');
    assert.ok(width, 'Width is listed');
    assert.equal(width.type, 'Integer');
    assert.equal(width.min, 608);
    assert.equal(width.max, 4504);
    const pixelFormat = features.find((f) => f.name === 'PixelFormat') as { entries: Array<{ name: string }> };
    assert.deepEqual(
      pixelFormat.entries.map((e) => e.name),
      ['Mono8', 'Mono12Packed', 'Mono16'],
    );
    assert.ok(features.length > 100, `${features.length} features`);
  });

  it('features prints a table', () => {
    const { status, stdout } = gige('features', '-a', address);
    assert.equal(status, 0);
    assert.match(stdout, /^NAME\s+TYPE\s+ACCESS\s+VALUE/m);
    assert.match(stdout, /^ExposureTime\s+Float\s+RW/m);
  });

  it('discover --broadcast 127.255.255.255 finds the emulator', () => {
    const { status, stdout, stderr } = gige('discover', '--broadcast', LOOPBACK_BROADCAST, '--timeout', '700', '--json');
    assert.equal(status, 0, stderr);
    const found = (JSON.parse(stdout) as Array<Record<string, string>>).find((d) => d.serialNumber === 'CLI00042');
    assert.ok(found, stdout);
    assert.equal(found.ipAddress, address);
    assert.equal(found.modelName, 'DMK 38GX541-a');
  });

  it('info describes the camera and who controls it', () => {
    const { status, stdout, stderr } = gige('info', '-a', address);
    assert.equal(status, 0, stderr);
    assert.match(stdout, /DMK 38GX541-a/);
  });

  it('fails with a clear message and a non-zero status on bad input', () => {
    const unknown = gige('get', '-a', address, 'NoSuchFeature');
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /NoSuchFeature/);
    const range = gige('set', '-a', address, 'Width=5');
    assert.notEqual(range.status, 0);
    assert.match(range.stderr, /Width.*608.*4504/);
    const usage = gige('set', '-a', address, 'Width');
    assert.equal(usage.status, 1);
    assert.match(usage.stderr, /not NAME=VALUE/);
    const command = gige('fly');
    assert.equal(command.status, 2);
    assert.match(command.stderr, /unknown command "fly"/);
    const nobody = gige('get', '-a', uniqueLoopbackAddress(), 'Width');
    assert.notEqual(nobody.status, 0);
    assert.match(nobody.stderr, /no answer|not reachable|timed out/i);
    const notLoopback = gige('emulate', '--address', '192.0.2.77');
    assert.notEqual(notLoopback.status, 0);
    assert.match(notLoopback.stderr, /not a loopback address/);
  });

  it('io drives TRIGGER_IN and reads the STROBE_OUT record of the emulated camera', () => {
    assert.match(gige('io', '-a', address, 'get').stdout, /^TRIGGER_IN low, STROBE_OUT low$/m);
    assert.equal(gige('io', '-a', address, 'set', 'high').status, 0);
    assert.match(gige('io', '-a', address, 'get').stdout, /^TRIGGER_IN high/m);
    assert.equal(gige('io', '-a', address, 'set', 'low').status, 0);
    const pulse = gige('io', '-a', address, 'pulse', '--width', '100', '--count', '3', '--period', '1000');
    assert.equal(pulse.status, 0, pulse.stderr);
    assert.match(pulse.stdout, /TRIGGER_IN pulses from \d+ to \d+/);

    assert.equal(gige('set', '-a', address, 'StrobeEnable=On').status, 0);
    gige('io', '-a', address, 'strobe', '--clear');
    assert.equal(gige('grab', '-a', address, '-o', path.join(workDir, 'strobed.raw')).status, 0);
    const edges = gige('io', '-a', address, 'strobe')
      .stdout.trim()
      .split('\n')
      .map((line) => line.split(' '));
    assert.ok(edges.filter(([, level]) => level === 'high').length >= 1, `a strobe pulse per exposure: ${JSON.stringify(edges)}`);
    assert.equal(gige('set', '-a', address, 'StrobeEnable=Off').status, 0);
    const bad = gige('io', '-a', address, 'pulse');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--width/);
  });

  it('emulate exits cleanly on SIGTERM', async () => {
    const second = start(process.execPath, [builtCli(), 'emulate', '--address', uniqueLoopbackAddress(), '--no-io']);
    await second.waitFor(/Ctrl-C to stop/, 20000);
    assert.equal(await second.stop('SIGTERM'), 0);
    assert.match(second.output(), /emulator stopped/);
    // What it streamed and how it answered resend requests, for a run that lost frames.
    assert.match(second.output(), /\S+ streamed 0 blocks; 0 resend requests\n/);
  });
});
