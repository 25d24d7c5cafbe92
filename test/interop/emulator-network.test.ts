/**
 * `gige emulate --allow-network` serving a real (virtual) link on purpose: a camera namespace and a
 * host namespace joined by a veth pair on 192.168.77.0/24 with jumbo frames. From the host side,
 * `gige discover` finds it by the subnet's broadcast and by the limited broadcast, and `gige grab`
 * takes 5 frames at packet size 9000 — the camera's stream crossing the link, not loopback.
 *
 * And the other side of the safety argument: an emulator serving only its host (the default), in
 * the same camera namespace, also hears those limited broadcasts but never answers them, because
 * they do not come from a loopback address.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Namespace, NamespaceProcess, deleteAllNamespaces, vethPair, skipWithout } from './support/netns';

const CLI = path.resolve('dist/bin/gige.js');
const CAMERA_IP = '192.168.77.2';

describe('interop: gige emulate --allow-network over a veth pair (jumbo frames)', function () {
  this.timeout(120000);
  let host: Namespace;
  let cams: Namespace;
  let networked: NamespaceProcess;
  let hostOnly: NamespaceProcess;
  let tmp: string;

  async function gige(ns: Namespace, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return ns.run(process.execPath, [CLI, ...args], 60000);
  }

  before(async function () {
    skipWithout(this, { namespaces: true });
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: build first (npm run build)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-net-'));
    host = Namespace.create('nhost');
    cams = Namespace.create('ncam');
    const link = vethPair(cams, [`${CAMERA_IP}/24`], host, ['192.168.77.1/24']);
    cams.ip(['link', 'set', link.aName, 'mtu', '9000']);
    host.ip(['link', 'set', link.bName, 'mtu', '9000']);
    networked = cams.spawn(process.execPath, [
      CLI,
      'emulate',
      '--address',
      CAMERA_IP,
      '--allow-network',
      '--serial',
      'NET00001',
      '--no-io',
    ]);
    hostOnly = cams.spawn(process.execPath, [CLI, 'emulate', '--address', '127.0.0.2', '--serial', 'LOOP0001', '--no-io']);
    await networked.waitFor(/serving the network of that address on purpose/, 20000);
    await hostOnly.waitFor(/Ctrl-C to stop/, 20000);
  });
  after(async () => {
    await deleteAllNamespaces();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a non-loopback address without --allow-network, naming the flag', async () => {
    const r = await gige(cams, 'emulate', '--address', CAMERA_IP, '--no-io');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /192\.168\.77\.2 is not a loopback address.*--allow-network/);
  });

  it('is found from the other namespace by the subnet broadcast (gige discover --broadcast 192.168.77.255)', async () => {
    const r = await gige(host, 'discover', '--broadcast', '192.168.77.255', '--json');
    assert.equal(r.code, 0, r.stderr);
    const found = JSON.parse(r.stdout) as Array<{ ipAddress: string; serialNumber: string; subnetMask: string }>;
    assert.deepEqual(
      found.map((d) => [d.ipAddress, d.serialNumber, d.subnetMask]),
      [[CAMERA_IP, 'NET00001', '255.255.255.0']],
    );
  });

  it('answers the limited broadcast from the link; the host-only emulator beside it stays silent', async () => {
    // From the link's address: the limited broadcast goes out of the interface that owns it.
    const r = await gige(host, 'discover', '--broadcast', '255.255.255.255', '--local-address', '192.168.77.1', '--json');
    assert.equal(r.code, 0, r.stderr);
    const serials = (JSON.parse(r.stdout) as Array<{ serialNumber: string }>).map((d) => d.serialNumber);
    assert.deepEqual(serials, ['NET00001'], 'LOOP0001 heard a broadcast from 192.168.77.1 and must not answer it');
    // Not even try: the kernel would refuse a 127/8 source towards the link anyway, and say so.
    assert.equal(hostOnly.stderr, '', 'the host-only emulator attempted no answer');
    // The host-only emulator is alive and answers on its own host.
    const local = await gige(cams, 'discover', '--broadcast', '255.255.255.255', '--local-address', '127.0.0.1', '--json');
    assert.ok(
      (JSON.parse(local.stdout) as Array<{ serialNumber: string }>).some((d) => d.serialNumber === 'LOOP0001'),
      local.stdout + local.stderr,
    );
  });

  it('streams 5 frames to the other namespace at packet size 9000 (gige grab)', async () => {
    const set = await gige(host, 'set', '-a', CAMERA_IP, 'Width=1920', 'Height=1080');
    assert.equal(set.code, 0, set.stderr);
    const r = await gige(host, 'grab', '-a', CAMERA_IP, '-n', '5', '-o', path.join(tmp, 'frames'), '--packet-size', '9000', '--stats');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((r.stdout.match(/1920x1080 Mono8 frame \d+ complete/g) ?? []).length, 5, r.stdout);
    const stats = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    assert.equal(stats.socket.packetSize, 9000);
    assert.equal(stats.socket.mtu, 9000, 'the stream came over the veth, not loopback');
    assert.ok(stats.packetsReceived >= 5 * Math.ceil((1920 * 1080) / (9000 - 36)), JSON.stringify(stats));
    assert.equal(fs.readdirSync(path.join(tmp, 'frames')).filter((f) => f.endsWith('.png')).length, 5);
  });
});
