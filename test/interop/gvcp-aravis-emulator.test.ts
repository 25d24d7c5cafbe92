/**
 * Aravis' clients against `gige emulate` run as a user runs it (the built CLI, default options:
 * 4504×4504 Mono8, 127.0.0.2), inside a namespace with only `lo` — Aravis discovers on every
 * interface, and a namespace of our own is the only place where that stays on this machine:
 * discovery by limited broadcast (`arv-tool-0.8` with no address lists it, `arv-test-0.8 -n <name>`
 * finds it), feature read/write (`arv-tool-0.8 control`), streaming with Aravis' default receiver
 * (as root: a packet socket, which sees exactly the datagrams on the wire) and with its UDP-socket
 * receiver (`--no-packet-socket`), plain and chunked, and the `arv-test-0.8` checks.
 *
 * The stream is paced to the camera's 1 Gbit/s link, as the real camera's wire is: 4504² Mono8 at
 * the manual's 5 fps.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Namespace, NamespaceProcess, deleteAllNamespaces, skipSaying, skipWithout } from './support/netns';

const CLI = path.resolve('dist/bin/gige.js');
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

/** The namespace's UDP counters (`/proc/net/snmp`): RcvbufErrors counts datagrams a full socket dropped. */
async function udpCounters(ns: Namespace): Promise<Record<string, number>> {
  const lines = (await ns.run('cat', ['/proc/net/snmp'])).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/).slice(1) ?? [];
  const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

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
    skipWithout(this, { namespaces: true, commands: ['arv-tool-0.8', 'arv-camera-test-0.8', 'arv-test-0.8'] });
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: build first (npm run build)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-arv-'));
    ns = Namespace.create('arvemu'); // only lo, with only 127.0.0.1/8: as on any host
    camera = ns.spawn(process.execPath, [CLI, 'emulate', '--no-io']);
    await camera.waitFor(/serial (\S+) at 127\.0\.0\.2/, 20000);
    serial = /serial (\S+) at/.exec(camera.stdout)![1];
  });
  after(async () => {
    await deleteAllNamespaces();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('arv-tool with no address lists it (limited-broadcast discovery on lo; our ack parses in Aravis)', async () => {
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
    await arvTool('control', 'Width=4504', 'Height=4504');
  });

  // Aravis' default receiver as root is a packet socket: it sees each datagram as the wire carries
  // it, so a datagram larger than the packet size (segmentation offload) would lose every frame.
  // It takes the camera's full rate. Aravis' UDP-socket receiver keeps the system's default socket
  // buffer (212992 bytes on Debian: under 2 ms of a 1 Gbit/s stream at packet size 1500); whenever
  // its thread waits longer for a core the kernel drops datagrams there (RcvbufErrors) and Aravis
  // asks for them again. At the full rate the frames fill 85 % of the link, so on two shared cores
  // the resends delay the next frames, which lose more: the stream collapses (7 of 20 frames, CI
  // 2026-12-07), on a real wire as here. Those cases run at half the rate, which leaves the link
  // room for the resends that such a socket needs — what a user of that receiver would configure.
  const FULL_RATE_RECEIVER: string[] = [];
  const UDP_RECEIVER = ['--no-packet-socket'];
  for (const receiver of [FULL_RATE_RECEIVER, UDP_RECEIVER]) {
    const frameRate = receiver === UDP_RECEIVER ? 2.5 : 5;
    const least = receiver === UDP_RECEIVER ? 6 : 10;
    for (const extra of [[], ['-u', 'ExposureTime,Gain']]) {
      const label = [...receiver, ...extra].join(' ') || 'default receiver';
      it(`arv-camera-test at 4504×4504, ${frameRate} fps (${label}): ≥ ${least} completed buffers in 4 s, none failed`, async () => {
        await arvTool('control', `AcquisitionFrameRate=${frameRate}`);
        const udpBefore = await udpCounters(ns);
        let r: Awaited<ReturnType<Namespace['run']>>;
        try {
          r = await ns.run('arv-camera-test-0.8', ['-n', ADDRESS, '--duration=4', ...receiver, ...extra], 40000);
        } finally {
          await arvTool('control', 'AcquisitionFrameRate=5');
        }
        const dropped = ((await udpCounters(ns)).RcvbufErrors ?? 0) - (udpBefore.RcvbufErrors ?? 0);
        const c = counters(r.stdout);
        const rates = r.stdout
          .split('\n')
          .filter((l) => /frames?\/s/.test(l))
          .map((l) => l.trim())
          .join(' | ');
        process.stdout.write(
          `      arv-camera-test ${label}: completed ${c.n_completed_buffers}, failures ${c.n_failures}, ` +
            `resend requests ${c.n_resend_requests}, resent ${c.n_resent_packets}, missing ${c.n_missing_packets}; ` +
            // (The packet-socket receiver leaves the UDP socket it binds unread: those drops are no loss.)
            `${receiver === UDP_RECEIVER ? `datagrams its socket dropped ${dropped}; ` : ''}${rates}\n`,
        );
        assert.match(r.stdout, /image width\s*= 4504/, r.stdout + r.stderr);
        assert.ok(c.n_completed_buffers >= least, `${label}: completed ${c.n_completed_buffers}\n${r.stdout.slice(-1500)}`);
        assert.equal(c.n_failures, 0, r.stdout.slice(-1500));
        assert.equal(c.n_size_mismatch_errors, 0);
        if (c.n_resend_requests > 0) assert.ok(c.n_resent_packets > 0, `Aravis asked for resends and got none\n${r.stdout.slice(-1500)}`);
      });
    }
  }

  it('arv-test passes every check its configuration enables', async () => {
    const cfg = path.join(tmp, 'arv-test.cfg');
    fs.writeFileSync(cfg, ARV_TEST_CONFIG);
    const r = await ns.run('arv-test-0.8', ['-n', `${VENDOR}-${MODEL}-${serial}`, '-c', cfg], 100000);
    const lines = r.stdout.split('\n').filter((l) => /\b(SUCCESS|FAILURE|IGNORED)\b/.test(l));
    assert.ok(lines.length >= 12, r.stdout + r.stderr);
    assert.deepEqual(
      lines.filter((l) => /FAILURE/.test(l)),
      [],
      r.stdout,
    );
    for (const check of [
      'Genicam:Load',
      'Properties:SensorSizeCheck',
      'SingleAcquisition:BufferCheck',
      'SoftwareTrigger:BufferCheck',
      'GigEVision:StreamChannel',
    ]) {
      assert.ok(
        lines.some((l) => l.includes(check) && l.includes('SUCCESS')),
        `${check} did not succeed:\n${r.stdout}`,
      );
    }
  });

  it('its GenICam XML validates against the GenApi 1.1 schema (the check arv-test cannot make)', async function () {
    skipWithout(this, { commands: ['xmllint', 'gresource'] });
    const xml = path.join(tmp, 'camera.xml');
    fs.writeFileSync(xml, await arvTool('genicam'));
    const xsd = path.join(tmp, 'GenApiSchema_Version_1_1.xsd');
    const ex = spawnSync('gresource', ['extract', '/usr/bin/arv-test-0.8', '/org/aravis/GenApiSchema_Version_1_1.xsd'], {
      encoding: 'utf8',
    });
    if (ex.status !== 0 || !ex.stdout.includes('xs:schema'))
      skipSaying(
        this,
        'this Aravis build does not carry the GenApi 1.1 schema (gresource found no /org/aravis/GenApiSchema_Version_1_1.xsd in arv-test-0.8)',
      );
    fs.writeFileSync(xsd, ex.stdout);
    const v = spawnSync('xmllint', ['--noout', '--schema', xsd, xml], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stderr, /validates/);
  });
});
