/**
 * Aravis' clients against our emulated DMK 38GX541-a (GVCP server + camera model), inside a
 * namespace with only `lo`: discovery (`arv-tool-0.8` lists it), feature read/write
 * (`arv-tool-0.8 control`), streaming (`arv-camera-test-0.8`, zero failed buffers, no missing
 * packets) and the `arv-test-0.8` checks with a configuration section for this camera.
 *
 * The camera starts at 608×128 (the smallest width) so that a whole frame fits the default
 * 208 KiB socket buffer of Aravis' receiver: the test then does not depend on the receive thread
 * being scheduled promptly on a busy 2-core machine, and needs no global sysctl. The stream is
 * paced to the camera's 1 Gbit/s link, as the real camera's wire is.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Namespace, NamespaceProcess, canUseNamespaces, deleteAllNamespaces, hasCommand } from './support/netns';

const CAMERA = 'test/interop/support/run-camera.ts';
const ADDRESS = '127.0.0.2';
const VENDOR = 'The Imaging Source Europe GmbH';
const MODEL = 'DMK 38GX541-a';

/**
 * arv-test configuration for this camera. Each switched-off check says which Aravis 0.8.26
 * behaviour prevents it, and where this suite checks the same thing instead.
 */
const ARV_TEST_CONFIG = `[${VENDOR}:${MODEL}]

# Aravis 0.8.26 validates a schema "1.1" file against its 1.0 schema (it loads the 1.0 resource
# for both), so a valid 1.1 file fails; the XML is validated against the 1.1 schema below.
Schema=Ignore
SensorSize=4504;4504
SoftwareTriggerSupport=true
# Aravis sets the frame rate of "The Imaging Source" cameras through a feature named FPS; this
# camera (manual 5.1.4) has AcquisitionFrameRate. Continuous acquisition is checked with
# arv-camera-test below.
MultipleAcquisitionA=false
MultipleAcquisitionB=false
# Aravis' chunk check reads chunk values as integers; this camera's chunks (ExposureTime, Gain,
# manual 5.15) are floats. Chunked streaming (0x4001 payloads) is checked with arv-camera-test -u.
Chunks=false
`;

function counters(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of output.matchAll(/^(n_\w+)\s*=\s*(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

describe('interop: Aravis tools ↔ our emulated DMK 38GX541-a', function () {
  this.timeout(120000);
  let ns: Namespace;
  let camera: NamespaceProcess;
  let serial: string;
  let tmp: string;

  async function arvTool(...args: string[]): Promise<string> {
    const r = await ns.run('arv-tool-0.8', ['-a', ADDRESS, ...args]);
    return r.stdout + r.stderr;
  }

  before(async function () {
    if (!canUseNamespaces() || !['arv-tool-0.8', 'arv-camera-test-0.8', 'arv-test-0.8'].every(hasCommand)) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-arv-'));
    ns = Namespace.create('arvemu');
    ns.ip(['addr', 'add', `${ADDRESS}/8`, 'dev', 'lo']); // Aravis enumerates interfaces
    camera = ns.spawnNode(CAMERA, ['--address', ADDRESS, '--broadcast', '127.255.255.255,255.255.255.255', '--allow-non-loopback', '--settings', 'Width=608,Height=128', '--max-seconds', '110']);
    await camera.waitFor('READY', 20000);
    serial = JSON.parse(/READY (.*)/.exec(camera.stdout)![1]).serial;
  });
  after(async () => {
    await deleteAllNamespaces();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('arv-tool discovers it by broadcast (our discovery ack parses in Aravis)', async () => {
    const r = await ns.run('arv-tool-0.8', []);
    assert.match(r.stdout, new RegExp(`${VENDOR}-${MODEL}-${serial} \\(${ADDRESS.replace(/\./g, '\\.')}\\)`));
  });

  it('arv-tool reads and writes features: DeviceModelName, Width', async () => {
    const out = await arvTool('control', 'DeviceVendorName', 'DeviceModelName', 'Width=1280', 'Height=768');
    assert.match(out, new RegExp(`DeviceVendorName = ${VENDOR}`));
    assert.match(out, new RegExp(`DeviceModelName = ${MODEL}`));
    assert.match(out, /Width = 1280 px min:608 max:4504/);
    const back = await arvTool('control', 'Width', 'Height', 'PayloadSize', 'R[0x0934]');
    assert.match(back, /Width = 1280/, 'the write persisted in another session');
    assert.match(back, /Height = 768/);
    assert.match(back, /PayloadSize = 983040/);
    assert.doesNotMatch(back, /error|not found/i);
    await arvTool('control', 'Width=608', 'Height=128');
  });

  it('arv-camera-test streams with zero failed buffers and no missing packets (plain and chunked)', async () => {
    for (const extra of [[], ['-u', 'ExposureTime,Gain']]) {
      const r = await ns.run('arv-camera-test-0.8', ['-n', ADDRESS, '--duration=3', '--no-packet-socket', ...extra], 30000);
      const c = counters(r.stdout);
      assert.ok(c.n_completed_buffers >= 5, `${extra.join(' ')}: completed ${c.n_completed_buffers}\n${r.stdout.slice(-1500)}`);
      assert.equal(c.n_failures, 0, r.stdout.slice(-1500));
      assert.equal(c.n_missing_packets, 0);
      assert.equal(c.n_size_mismatch_errors, 0);
    }
  });

  it('arv-test passes every check its configuration enables', async () => {
    const cfg = path.join(tmp, 'arv-test.cfg');
    fs.writeFileSync(cfg, ARV_TEST_CONFIG);
    const r = await ns.run('arv-test-0.8', ['-n', `${VENDOR}-${MODEL}-${serial}`, '-c', cfg], 100000);
    const lines = r.stdout.split('\n').filter((l) => /\b(SUCCESS|FAILURE|IGNORED)\b/.test(l));
    assert.ok(lines.length >= 12, r.stdout + r.stderr);
    assert.deepEqual(lines.filter((l) => /FAILURE/.test(l)), [], r.stdout);
    for (const check of ['Genicam:Load', 'Properties:SensorSizeCheck', 'SingleAcquisition:BufferCheck', 'SoftwareTrigger:BufferCheck', 'GigEVision:StreamChannel']) {
      assert.ok(lines.some((l) => l.includes(check) && l.includes('SUCCESS')), `${check} did not succeed:\n${r.stdout}`);
    }
  });

  it('its GenICam XML validates against the GenApi 1.1 schema (the check arv-test cannot make)', async function () {
    if (!hasCommand('xmllint') || !hasCommand('gresource')) this.skip();
    const xml = path.join(tmp, 'camera.xml');
    fs.writeFileSync(xml, await arvTool('genicam'));
    const xsd = path.join(tmp, 'GenApiSchema_Version_1_1.xsd');
    const ex = spawnSync('gresource', ['extract', '/usr/bin/arv-test-0.8', '/org/aravis/GenApiSchema_Version_1_1.xsd'], { encoding: 'utf8' });
    if (ex.status !== 0 || !ex.stdout.includes('xs:schema')) this.skip();
    fs.writeFileSync(xsd, ex.stdout);
    const v = spawnSync('xmllint', ['--noout', '--schema', xsd, xml], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stderr, /validates/);
  });
});
