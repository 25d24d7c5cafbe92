/**
 * Discovery across a real (virtual) link: a host namespace and a camera namespace joined by a veth
 * pair. Camera A sits on the host's subnet; camera B on a foreign subnet answers only a limited
 * broadcast, with a broadcast ack, and is reported unreachable with FORCEIP advice; after FORCEIP it
 * is reachable and controllable. Root only; everything lives in namespaces this test creates.
 */
import assert from 'node:assert/strict';
import { Namespace, deleteAllNamespaces, vethPair, skipWithout } from './support/netns';

const CLIENT = 'test/interop/support/run-client.ts';
const EMULATOR = 'test/interop/support/run-emulator.ts';

function parse(out: { code: number | null; stdout: string; stderr: string }): any {
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`client printed no JSON (exit ${out.code}): ${out.stdout} ${out.stderr}`);
  }
}

describe('interop: discovery over a veth pair between network namespaces', function () {
  this.timeout(60000);
  let host: Namespace;
  let cams: Namespace;
  let hostIf: string;

  before(function () {
    skipWithout(this, { namespaces: true });
    host = Namespace.create('dhost');
    cams = Namespace.create('dcam');
    // Host 10.77.1.1/24; cameras: A 10.77.1.20/24 (same subnet), B 10.77.9.5/24 (foreign subnet),
    // and 10.77.1.30/24 kept free on the camera side as the address FORCEIP will give B.
    const link = vethPair(host, ['10.77.1.1/24'], cams, ['10.77.1.20/24', '10.77.9.5/24', '10.77.1.30/24']);
    hostIf = link.aName;
  });
  after(async () => {
    await deleteAllNamespaces();
  });

  it('finds a same-subnet camera as reachable and a foreign-subnet one with FORCEIP advice; FORCEIP fixes it', async () => {
    const a = cams.spawnNode(EMULATOR, [
      '--address',
      '10.77.1.20',
      '--subnet',
      '255.255.255.0',
      '--broadcast',
      '10.77.1.255,255.255.255.255',
      '--serial',
      'CAMA',
      '--mac',
      '02:00:00:77:00:0a',
      '--allow-network',
      '--max-seconds',
      '50',
    ]);
    const b = cams.spawnNode(EMULATOR, [
      '--address',
      '10.77.9.5',
      '--subnet',
      '255.255.255.0',
      '--broadcast',
      '255.255.255.255',
      '--serial',
      'CAMB',
      '--mac',
      '02:00:00:77:00:0b',
      '--allow-network',
      '--max-seconds',
      '50',
    ]);
    await a.waitFor('READY');
    await b.waitFor('READY');

    // Directed broadcast only: A answers; B (not on 10.77.1.0/24) never sees it.
    const directed = parse(await host.runNode(CLIENT, ['discover', '--iface', hostIf]));
    assert.deepEqual(
      directed.map((d: any) => d.serial),
      ['CAMA'],
    );
    assert.equal(directed[0].reachable, true);

    // With the limited broadcast B answers too — by broadcast ack, since it cannot route to us.
    const all = parse(await host.runNode(CLIENT, ['discover', '--iface', hostIf, '--limited']));
    const bySerial = Object.fromEntries(all.map((d: any) => [d.serial, d]));
    assert.deepEqual(Object.keys(bySerial).sort(), ['CAMA', 'CAMB']);
    assert.equal(bySerial.CAMA.reachable, true);
    assert.equal(bySerial.CAMB.reachable, false);
    assert.equal(bySerial.CAMB.ip, '10.77.9.5');
    assert.match(bySerial.CAMB.problem, /camera 10\.77\.9\.5\/255\.255\.255\.0 is not in the subnet of gva\w+ \(10\.77\.1\.1\/24\)/);
    assert.match(bySerial.CAMB.advice, /FORCEIP.*macAddress: '02:00:00:77:00:0b'.*broadcast: '10\.77\.1\.255'/);

    const moved = parse(
      await host.runNode(CLIENT, [
        'forceip',
        '--mac',
        '02:00:00:77:00:0b',
        '--ip',
        '10.77.1.30',
        '--mask',
        '255.255.255.0',
        '--broadcast',
        '255.255.255.255',
        '--local',
        '10.77.1.1',
      ]),
    );
    assert.deepEqual(moved, { address: '10.77.1.30' });

    const after = parse(await host.runNode(CLIENT, ['discover', '--iface', hostIf]));
    const b2 = after.find((d: any) => d.serial === 'CAMB');
    assert.ok(b2, `B not found after FORCEIP: ${JSON.stringify(after)}`);
    assert.equal(b2.ip, '10.77.1.30');
    assert.equal(b2.reachable, true);

    const probe = parse(await host.runNode(CLIENT, ['probe', '--address', '10.77.1.30']));
    assert.equal(probe.info.serialNumber, 'CAMB');
    assert.equal(probe.holder.isUs, true);
    await a.stop();
    await b.stop();
  });
});
