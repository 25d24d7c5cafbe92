/**
 * Commissioning from the editor: the same network as the CLI test (a switch joining the host, a
 * camera that owns its interface at the factory address 10.99.0.2/24, and a neighbour holding the
 * first address the host would propose), with Node-RED running on the host. Through the admin
 * endpoints, as the config node's camera search uses them, the camera is listed as not reachable
 * with its one-click fix; the fix gives it a free address (not the neighbour's: ARP); an address
 * the neighbour holds, typed by hand, is refused; and a camera config node with a gige-grab streams from there.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Namespace, deleteAllNamespaces } from '../interop/support/netns';
import { skipWithoutNetworks, emulate, lines, plug, switchNamespace, sysctl } from './support/topology';

const HOST = path.resolve('test/network/support/editor-host.ts');

interface Camera {
  macAddress: string;
  reachable?: boolean;
  problem?: string;
  interface?: string;
  current: { address: string };
  fix?: { method: string; path: string; body: Record<string, string> };
}

describe('network: a camera on a foreign subnet, found and fixed from the editor endpoint', function () {
  this.timeout(180000);
  let host: Namespace;
  let cam: Namespace;
  let hostIf: string;
  let camIf: string;
  const subnet = `192.168.${(process.pid % 100) + 1}`;

  before(async function () {
    skipWithoutNetworks(this);
    const sw = switchNamespace();
    host = Namespace.create('eh');
    cam = Namespace.create('ec');
    const neighbour = Namespace.create('en');
    hostIf = plug(sw, host, `${subnet}.1/24`);
    camIf = plug(sw, cam, null);
    plug(sw, neighbour, `${subnet}.130/24`);
    // No reverse-path filtering: the host has no route to the camera's factory subnet at all (the
    // CLI test shows the strict filter and its fix).
    sysctl(host, 'net.ipv4.conf.all.rp_filter=0');
    sysctl(host, `net.ipv4.conf.${hostIf}.rp_filter=0`);
    const camera = emulate(cam, [
      '--address',
      '10.99.0.2',
      '--subnet-mask',
      '255.255.255.0',
      '--allow-network',
      '--own-interface',
      camIf,
      '--serial',
      'EDITOR01',
    ]);
    await camera.waitFor('Ctrl-C to stop', 20000);
  });
  after(async () => {
    await deleteAllNamespaces();
  });

  it('lists it as not reachable with its fix, fixes it by FORCEIP, refuses a taken address; a gige-grab streams from there', async () => {
    const r = await host.runNode(HOST, ['--interface', hostIf, '--taken', `${subnet}.130`], 120000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const before = lines<{ cameras: Camera[] }>(r.stdout, 'CAMERAS')[0];
    assert.equal(before.cameras.length, 1, JSON.stringify(before));
    const listed = before.cameras[0];
    assert.equal(listed.current.address, '10.99.0.2');
    assert.equal(listed.interface, hostIf);
    assert.match(listed.problem ?? '', /not in the subnet of/);
    assert.deepEqual(listed.fix, {
      method: 'POST',
      path: 'gige-vision/commissioning/force-ip',
      body: { mac: listed.macAddress, interface: hostIf, address: 'auto' },
    });

    const fix = lines<{
      status: number;
      body: { address: string; checks: Array<{ address: string; free: boolean }>; verified: { serialNumber: string } | null };
    }>(r.stdout, 'FIX')[0];
    assert.equal(fix.status, 200, JSON.stringify(fix));
    assert.deepEqual(
      fix.body.checks.map((c) => [c.address, c.free]),
      [
        [`${subnet}.130`, false],
        [`${subnet}.131`, true],
      ],
    );
    assert.equal(fix.body.address, `${subnet}.131`);
    assert.equal(fix.body.verified?.serialNumber, 'EDITOR01');

    const taken = lines<{ status: number; body: { code: string; error: string } }>(r.stdout, 'TAKEN')[0];
    assert.equal(taken.status, 409, JSON.stringify(taken));
    assert.equal(taken.body.code, 'GVCP_ADDRESS_IN_USE');
    assert.match(taken.body.error, new RegExp(`${subnet.replace(/\./g, '\\.')}\\.130 is taken on ${hostIf}: .*answered ARP`));

    const after = lines<{ cameras: Camera[] }>(r.stdout, 'AFTER')[0];
    assert.deepEqual(
      after.cameras.map((c) => [c.current.address, c.reachable, c.fix]),
      [[`${subnet}.131`, true, undefined]],
    );

    const frames = lines<Array<{ width: number; height: number; status: string; bytes: number }>>(r.stdout, 'FRAMES')[0];
    assert.deepEqual(frames, Array(3).fill({ width: 800, height: 600, status: 'complete', bytes: 800 * 600 }));
  });
});
