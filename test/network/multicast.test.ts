/**
 * One controller and two monitors watching one camera over a switch (a Linux bridge with IGMP
 * snooping, its default): the controller opens the stream to a multicast group (GevSCDA
 * 239.192.x.y), the monitors open the camera read-only and join that group on their own link;
 * every host receives the same complete frames, and the monitors never write to the camera.
 */
import assert from 'node:assert/strict';
import { NamespaceProcess, deleteAllNamespaces } from '../interop/support/netns';
import { Bridged, CLIENT, bridgedHosts, skipWithoutNetworks, emulate, lines } from './support/topology';

interface Frame {
  id: number;
  status: string;
  received: number;
  expected: number;
  bytes: number;
}

describe('network: one controller and two multicast monitors on a bridge', function () {
  this.timeout(180000);
  let net: Bridged;
  let camera: NamespaceProcess;

  before(async function () {
    skipWithoutNetworks(this);
    net = bridgedHosts(['mcam', 'mctl', 'mmon1', 'mmon2'], `10.61.${process.pid % 200}`);
    camera = emulate(net.hosts.mcam.ns, ['--address', net.hosts.mcam.address, '--allow-network', '--serial', 'MCAST001']);
    await camera.waitFor('Ctrl-C to stop', 20000);
  });
  after(async () => {
    await deleteAllNamespaces();
  });

  /** Packets each namespace's interfaces dropped (ip -s link), for a failure to say where frames lost packets. */
  const drops = async (): Promise<string> => {
    const out: string[] = [];
    for (const [name, ns] of [['switch', net.switchNs], ...Object.entries(net.hosts).map(([n, h]) => [n, h.ns] as const)] as const) {
      const r = await ns.run('ip', ['-s', '-o', 'link']);
      for (const line of r.stdout.split('\n').filter((l) => /gn[ab]|br0/.test(l))) {
        const dev = /^\d+: ([^:@]+)/.exec(line)?.[1];
        const nums = line
          .split('\\')
          .map((part) => part.trim())
          .filter((part) => /^[\d\s]+$/.test(part));
        out.push(`${name}/${dev}: RX ${nums[0] ?? '?'} TX ${nums[1] ?? '?'}`);
      }
    }
    return out.join('; ');
  };

  it('the controller streams to the group; both monitors receive the same complete frames without writing', async () => {
    const group = '239.192.61.7';
    const cam = net.hosts.mcam.address;
    const settings = JSON.stringify({ Width: 1280, Height: 720, AcquisitionFrameRate: 10 });
    const controller = net.hosts.mctl.ns.spawnNode(CLIENT, [
      '--address',
      cam,
      '--multicast',
      group,
      '--settings',
      settings,
      '--frames',
      '1000',
      '--seconds',
      '14',
    ]);
    await controller.waitFor(/"type":"frame"/, 30000);
    const monitors = ['mmon1', 'mmon2'].map((name) =>
      net.hosts[name].ns.spawnNode(CLIENT, ['--address', cam, '--access', 'monitor', '--frames', '20', '--seconds', '12']),
    );
    await Promise.all(monitors.map((m) => m.waitFor(/^SUMMARY /m, 40000)));
    await controller.waitFor(/^SUMMARY /m, 40000);
    const controllerFrames = lines<{ frames: Frame[] }>(controller.stdout, 'EV').filter(
      (e) => (e as unknown as { type: string }).type === 'frame',
    ) as unknown as Frame[];
    const byId = new Map(controllerFrames.map((f) => [f.id, f]));
    for (const [i, m] of monitors.entries()) {
      const events = lines<{ type: string } & Frame & { code?: string; message?: string }>(m.stdout, 'EV');
      const got = events.filter((e) => e.type === 'frame');
      assert.ok(got.length >= 20, `monitor ${i + 1} received ${got.length} frames:\n${m.stdout.slice(-1500)}\n${m.stderr.slice(-800)}`);
      const stats = (lines<{ stats: Record<string, unknown> }>(m.stdout, 'SUMMARY')[0] ?? { stats: {} }).stats;
      const counters = [
        'framesComplete',
        'framesIncomplete',
        'packetsReceived',
        'packetsMissing',
        'packetsResent',
        'packetsLate',
        'packetsDuplicate',
        'packetsRejected',
        'packetsIgnored',
        'resendRequests',
        'resendPacketsRequested',
        'resendLimitReached',
        'packetsDroppedBySocket',
        'receiveErrors',
        'receiveThreadCpuMs',
      ]
        .map((k) => `${k} ${String(stats[k])}`)
        .join(', ');
      for (const f of got) {
        if (f.status !== 'complete')
          assert.fail(
            `monitor ${i + 1} frame ${f.id} ${f.status}: ${JSON.stringify(got.slice(0, 5))}; ${counters}; links (bytes packets errors dropped …): ${await drops()}`,
          );
        assert.equal(f.bytes, 1280 * 720);
        const same = byId.get(f.id);
        assert.ok(same, `monitor ${i + 1} frame ${f.id} was not received by the controller`);
        assert.equal(same.status, 'complete');
      }
      const summary = lines<{ stats: { socket: { multicastGroup: string | null }; packetsRejected: number } }>(m.stdout, 'SUMMARY')[0];
      assert.equal(summary.stats.socket.multicastGroup, group, 'the monitor joined the group');
      assert.ok(!events.some((e) => e.type === 'warning' && /ACCESS_DENIED|write/i.test(e.message ?? '')), 'a monitor writes nothing');
    }
    const ctlSummary = lines<{ complete: number; stats: { socket: { multicastGroup: string | null }; framesIncomplete: number } }>(
      controller.stdout,
      'SUMMARY',
    )[0];
    assert.equal(ctlSummary.stats.socket.multicastGroup, group);
    if (ctlSummary.stats.framesIncomplete !== 0) {
      const bad = controllerFrames.filter((f) => f.status !== 'complete').map((f) => `${f.id} (${f.received}/${f.expected})`);
      const joined = monitors.map((m) => lines<Frame>(m.stdout, 'EV').find((e) => (e as unknown as { type: string }).type === 'frame')?.id);
      assert.fail(
        `controller: ${ctlSummary.stats.framesIncomplete} incomplete frames: ${bad.join(', ')} of ${controllerFrames[0]?.id}…${controllerFrames[controllerFrames.length - 1]?.id}; ` +
          `monitors' first frames ${joined.join(', ')}; ${JSON.stringify(ctlSummary.stats)}; links: ${await drops()}`,
      );
    }
  });
});
