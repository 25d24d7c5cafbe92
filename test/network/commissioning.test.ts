/**
 * Commissioning a camera that arrives on a foreign subnet, from the command line: a switch joins
 * the host, the camera (an emulator that owns its interface as a camera owns its NIC, factory
 * address 10.99.0.2/24) and a neighbour that already holds the address the host would propose
 * first. The host also has an uplink carrying its default route, as plant PCs do.
 *
 * - With strict reverse-path filtering the camera cannot even be seen (its replies come from an
 *   address routed out of the uplink); `gige ip` says so with the command that fixes it, and after
 *   that command it finds the camera, not reachable, with the command that fixes that.
 * - `gige ip --force auto` skips the neighbour's address (ARP answered), gives the camera the next
 *   free one, and the camera streams from there (`gige grab`).
 * - `gige ip --persistent` is kept across a restart of the camera (its state file): it powers up at
 *   the persistent address.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Namespace, NamespaceProcess, deleteAllNamespaces } from '../interop/support/netns';
import { emulate, gige, link, plug, switchNamespace, sysctl } from './support/topology';
import { skipWithoutNetworks } from './support/topology';

interface Listed {
  cameras: Array<{
    macAddress: string;
    interface: string;
    reachable: boolean;
    problem?: string;
    fix?: string;
    current: { address: string; subnetMask: string };
    persistent?: { address: string };
  }>;
  strictReversePathFilter: Array<{ interface: string; fix: string }>;
}

describe('network: a camera on a foreign subnet, found and fixed from the CLI', function () {
  this.timeout(180000);
  let host: Namespace;
  let cam: Namespace;
  let camIf: string;
  let hostIf: string;
  let camera: NamespaceProcess;
  let stateDir: string;
  let mac: string;
  let fixedAt: string;
  const subnet = `192.168.${100 + (process.pid % 100)}`;

  const startCamera = async (): Promise<NamespaceProcess> => {
    const p = emulate(cam, [
      '--address',
      '10.99.0.2',
      '--subnet-mask',
      '255.255.255.0',
      '--allow-network',
      '--own-interface',
      camIf,
      '--serial',
      'FOREIGN01',
      '--state-dir',
      stateDir,
    ]);
    await p.waitFor('Ctrl-C to stop', 20000);
    return p;
  };
  const list = async (): Promise<Listed> => {
    const r = await gige(host, ['ip', '--json', '--interface', hostIf]);
    return JSON.parse(r.stdout) as Listed;
  };

  before(async function () {
    skipWithoutNetworks(this);
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-commission-'));
    const sw = switchNamespace();
    host = Namespace.create('ch');
    cam = Namespace.create('cc');
    const neighbour = Namespace.create('cn');
    const lan = Namespace.create('cl');
    hostIf = plug(sw, host, `${subnet}.1/24`);
    camIf = plug(sw, cam, null);
    plug(sw, neighbour, `${subnet}.130/24`);
    link(host, '10.200.0.1/24', lan, '10.200.0.254/24');
    host.ip(['route', 'add', 'default', 'via', '10.200.0.254']);
    camera = await startCamera();
  });
  after(async () => {
    await deleteAllNamespaces();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('with strict reverse-path filtering the camera cannot answer, and gige ip names the fix; after it the camera is found, not reachable, with its fix', async () => {
    sysctl(host, 'net.ipv4.conf.all.rp_filter=1');
    sysctl(host, `net.ipv4.conf.${hostIf}.rp_filter=1`);
    const blocked = await list();
    assert.deepEqual(blocked.cameras, [], 'strict rp_filter drops the replies of 10.99.0.2 (routed out of the uplink)');
    const note = blocked.strictReversePathFilter.find((s) => s.interface === hostIf);
    assert.ok(note, JSON.stringify(blocked));
    assert.equal(note.fix, `sudo sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.${hostIf}.rp_filter=2`);
    // The command as given (as root here, without sudo).
    const fix = await host.run('sh', ['-c', note.fix.replace(/^sudo /, '')]);
    assert.equal(fix.code, 0, fix.stderr);

    const found = await list();
    assert.equal(found.cameras.length, 1, JSON.stringify(found));
    const c = found.cameras[0];
    assert.equal(c.current.address, '10.99.0.2');
    assert.equal(c.reachable, false);
    assert.match(c.problem ?? '', /not in the subnet of/);
    assert.equal(c.fix, `gige ip --mac ${c.macAddress} --force auto --interface ${hostIf}`);
    const nic = await cam.run('cat', [`/sys/class/net/${camIf}/address`]);
    assert.equal(c.macAddress, nic.stdout.trim(), "the camera reports the MAC of the interface it owns, as a camera reports its NIC's");
    assert.deepEqual(
      found.strictReversePathFilter.filter((s) => s.interface === hostIf),
      [],
    );
    mac = c.macAddress;
  });

  it('--force auto skips the address the neighbour holds (ARP) and gives the camera the next free one; it streams from there', async () => {
    assert.ok(mac, 'found by the first test');
    const r = await gige(host, ['ip', '--mac', mac, '--force', 'auto', '--interface', hostIf, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const fix = JSON.parse(r.stdout) as {
      address: string;
      subnetMask: string;
      checks: Array<{ address: string; free: boolean; detail: string }>;
      verified: { serialNumber: string } | null;
    };
    assert.deepEqual(
      fix.checks.map((c) => [c.address, c.free]),
      [
        [`${subnet}.130`, false],
        [`${subnet}.131`, true],
      ],
      JSON.stringify(fix.checks),
    );
    assert.match(fix.checks[0].detail, /answered ARP/);
    assert.equal(fix.address, `${subnet}.131`);
    assert.equal(fix.subnetMask, '255.255.255.0');
    assert.equal(fix.verified?.serialNumber, 'FOREIGN01');
    fixedAt = fix.address;
    const listed = await list();
    assert.equal(listed.cameras[0].reachable, true, JSON.stringify(listed));
    assert.equal(listed.cameras[0].persistent?.address, '10.99.0.2', 'FORCEIP leaves the persistent address alone');

    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-commission-grab-'));
    try {
      const set = await gige(host, ['set', '-a', fixedAt, 'Width=800', 'Height=600']);
      assert.equal(set.code, 0, set.stderr);
      const grab = await gige(host, ['grab', '-a', fixedAt, '-n', '3', '-o', out]);
      assert.equal(grab.code, 0, grab.stdout + grab.stderr);
      assert.equal((grab.stdout.match(/800x600 Mono8 frame \d+ complete/g) ?? []).length, 3, grab.stdout);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('--persistent survives a restart of the camera: it powers up at the persistent address', async () => {
    assert.ok(fixedAt, 'fixed by the previous test');
    const set = await gige(host, ['ip', '-a', fixedAt, '--persistent', `${subnet}.60/255.255.255.0`, '--gateway', `${subnet}.1`]);
    assert.equal(set.code, 0, set.stdout + set.stderr);
    assert.match(
      set.stdout,
      new RegExp(`persistent IP on \\(${subnet.replace(/\./g, '\\.')}\\.60/24 gw ${subnet.replace(/\./g, '\\.')}\\.1\\)`),
    );
    await camera.stop();
    camera = await startCamera();
    assert.match(camera.stdout, new RegExp(`at ${subnet.replace(/\./g, '\\.')}\\.60 \\(its persistent IP; given 10\\.99\\.0\\.2\\)`));
    const listed = await list();
    assert.equal(listed.cameras.length, 1, JSON.stringify(listed));
    assert.equal(listed.cameras[0].current.address, `${subnet}.60`);
    assert.equal(listed.cameras[0].reachable, true);
    assert.equal(listed.cameras[0].persistent?.address, `${subnet}.60`);
  });
});
