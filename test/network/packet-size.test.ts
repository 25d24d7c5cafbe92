/**
 * Packet size "auto": the largest GVSP packet size that reaches the host unfragmented, found with
 * the camera's test packets (do not fragment) — on a direct link of MTU 1500, on a jumbo link
 * (9000), and across two routers whose middle link has a smaller MTU (4470) than both ends (9000),
 * where only the path, not any interface of the host or the camera, limits it. Through the CLI
 * (`gige packet-size`) and through a connection with packet size "auto" (the config node's
 * default), which then streams complete frames at that size.
 */
import assert from 'node:assert/strict';
import { Namespace, deleteAllNamespaces } from '../interop/support/netns';
import { CLIENT, skipWithoutNetworks, emulate, gige, lines, link, sysctl } from './support/topology';

const base = 70 + (process.pid % 100);

async function packetSize(
  host: Namespace,
  camera: string,
): Promise<{ packetSize: number; limitedBy: string; probes: Array<{ size: number; arrived: boolean }> }> {
  const r = await gige(host, ['packet-size', '-a', camera, '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout);
}

describe('network: packet size "auto" over links of MTU 1500 and 9000, and a path with a smaller middle hop', function () {
  this.timeout(180000);
  before(function () {
    skipWithoutNetworks(this);
  });
  afterEach(async () => {
    await deleteAllNamespaces();
  });

  for (const mtu of [1500, 9000]) {
    it(`picks ${mtu} on a direct link of MTU ${mtu}`, async () => {
      const host = Namespace.create('psh');
      const cam = Namespace.create('psc');
      const subnet = `10.${base}.${mtu === 1500 ? 15 : 90}`;
      link(host, `${subnet}.1/24`, cam, `${subnet}.2/24`, mtu);
      const camera = emulate(cam, ['--address', `${subnet}.2`, '--allow-network', '--serial', `PS${mtu}`]);
      await camera.waitFor('Ctrl-C to stop', 20000);
      const result = await packetSize(host, `${subnet}.2`);
      assert.equal(result.packetSize, mtu, JSON.stringify(result));
      assert.equal(result.limitedBy, 'host-mtu');
      const client = host.spawnNode(CLIENT, [
        '--address',
        `${subnet}.2`,
        '--packet-size',
        'auto',
        '--settings',
        '{"Width":1024,"Height":512}',
        '--frames',
        '5',
      ]);
      await client.waitFor(/^SUMMARY /m, 40000);
      const summary = lines<{ complete: number; stats: { socket: { packetSize: number } }; packetSize: { packetSize: number } }>(
        client.stdout,
        'SUMMARY',
      )[0];
      assert.equal(summary.packetSize.packetSize, mtu, client.stdout);
      assert.equal(summary.stats.socket.packetSize, mtu, 'the stream used it');
      assert.equal(summary.complete, 5, client.stdout);
    });
  }

  it("finds the path MTU of a middle hop (4470, between two routers on jumbo links): 4468 on the camera's grid of 576 + 4k", async () => {
    const host = Namespace.create('psh');
    const r1 = Namespace.create('psr1');
    const r2 = Namespace.create('psr2');
    const cam = Namespace.create('psc');
    const [a, b, c] = [`10.${base}.31`, `10.${base}.32`, `10.${base}.33`];
    link(host, `${a}.2/24`, r1, `${a}.1/24`, 9000);
    link(r1, `${b}.1/24`, r2, `${b}.2/24`, 4470);
    link(r2, `${c}.1/24`, cam, `${c}.2/24`, 9000);
    for (const r of [r1, r2]) sysctl(r, 'net.ipv4.ip_forward=1');
    host.ip(['route', 'add', 'default', 'via', `${a}.1`]);
    cam.ip(['route', 'add', 'default', 'via', `${c}.1`]);
    r1.ip(['route', 'add', `${c}.0/24`, 'via', `${b}.2`]);
    r2.ip(['route', 'add', `${a}.0/24`, 'via', `${b}.1`]);
    const camera = emulate(cam, ['--address', `${c}.2`, '--allow-network', '--serial', 'PSHOP']);
    await camera.waitFor('Ctrl-C to stop', 20000);
    const started = Date.now();
    const result = await packetSize(host, `${c}.2`);
    const tookMs = Date.now() - started;
    assert.equal(result.packetSize, 4468, JSON.stringify(result));
    assert.equal(result.limitedBy, 'path');
    assert.ok(
      result.probes.some((p) => p.size === 9000 && !p.arrived),
      'the host MTU alone would have said 9000',
    );
    process.stdout.write(
      `      (middle hop 4470: ${result.probes.length} sizes tried in ${tookMs} ms: ${result.probes.map((p) => `${p.size}${p.arrived ? '+' : '-'}`).join(' ')})\n`,
    );
    const client = host.spawnNode(CLIENT, [
      '--address',
      `${c}.2`,
      '--packet-size',
      'auto',
      '--settings',
      '{"Width":1024,"Height":512}',
      '--frames',
      '5',
    ]);
    await client.waitFor(/^SUMMARY /m, 60000);
    const summary = lines<{ complete: number; stats: { socket: { packetSize: number }; framesIncomplete: number } }>(
      client.stdout,
      'SUMMARY',
    )[0];
    assert.equal(summary.stats.socket.packetSize, 4468, client.stdout);
    assert.equal(summary.complete, 5, client.stdout);
  });
});
