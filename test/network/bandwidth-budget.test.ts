/**
 * Two emulated cameras behind one 1 Gbit/s link to the host (a tbf qdisc at 1 Gbit/s with a
 * 256 KB queue on the cameras' side of the veth: a switch port), triggered together so that their
 * frames (1920 × 1080 Mono8, 20 per second each: 87 MB/s together, inside the link's 112.5 MB/s
 * with 10 % headroom) leave as simultaneous bursts. Unbudgeted, each bursts at its own 1 Gbit/s
 * and the port drops packets: frames arrive incomplete. Budgeted, GevSCPD spreads each camera's
 * frames so that the two fit the link: every frame complete, nothing missing. A demand that cannot
 * fit (30 fps each: 131 MB/s) lowers AcquisitionFrameRate to each camera's share and warns; stopping gives
 * each camera its own settings back.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Namespace, deleteAllNamespaces } from '../interop/support/netns';
import { skipWithoutNetworks, emulateAsHardware, lines, link } from './support/topology';

const CLIENT = path.resolve('test/network/support/budget-client.ts');

interface Result {
  budget: string;
  plan: string | null;
  warnings: Array<{ code?: string; message: string }>;
  cameras: Array<{
    address: string;
    framesComplete: number;
    framesIncomplete: number;
    framesNeverSeen: number;
    packetsResent: number;
    packetsMissing: number;
    packetDelay: number | null;
    frameRateWhileStreaming: number;
    frameRateAfter: number;
    packetDelayAfter: number;
  }>;
}

describe('network: bandwidth budget for two cameras on one 1 Gbit/s link', function () {
  this.timeout(240000);
  let host: Namespace;
  let cam: Namespace;
  let port: string;
  let cams: string[];

  /** Packets the 1 Gbit/s port dropped so far (tc's counter). */
  const portDrops = async (): Promise<number> => {
    const r = await cam.run('tc', ['-s', 'qdisc', 'show', 'dev', port]);
    return Number(/dropped (\d+)/.exec(r.stdout)?.[1] ?? NaN);
  };
  const run = async (budget: 'on' | 'off', fps: number): Promise<Result & { portDrops: number }> => {
    const before = await portDrops();
    const r = await host.runNode(
      CLIENT,
      [
        '--cameras',
        cams.join(','),
        '--budget',
        budget,
        '--link-mbps',
        '1000',
        '--triggers',
        '40',
        '--period-ms',
        '50',
        '--settings',
        JSON.stringify({ Width: 1920, Height: 1080, PixelFormat: 'Mono8', AcquisitionFrameRate: fps }),
      ],
      90000,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return { ...lines<Result>(r.stdout, 'RESULT')[0], portDrops: (await portDrops()) - before };
  };

  before(async function () {
    skipWithoutNetworks(this);
    host = Namespace.create('bwh');
    cam = Namespace.create('bwc');
    const subnet = `10.${80 + (process.pid % 100)}.7`;
    const { bName } = link(host, `${subnet}.1/24`, cam, `${subnet}.2/24`);
    port = bName;
    cam.ip(['addr', 'add', `${subnet}.3/24`, 'dev', bName]);
    // The switch port towards the host: 1 Gbit/s, a 256 KB queue.
    const tc = await cam.run('tc', ['qdisc', 'add', 'dev', bName, 'root', 'tbf', 'rate', '1gbit', 'burst', '64kb', 'limit', '256kb']);
    assert.equal(tc.code, 0, tc.stderr);
    // Two cameras that burst when triggered, as hardware does, not when a core is free (see emulateAsHardware).
    const emulators = emulateAsHardware(cam, ['--address', `${subnet}.2`, '--count', '2', '--allow-network']);
    await emulators.waitFor('Ctrl-C to stop', 20000);
    cams = [`${subnet}.2`, `${subnet}.3`];
  });
  after(async () => {
    await deleteAllNamespaces();
  });

  it('unbudgeted, simultaneous bursts overflow the link: both cameras lose packets of their frames', async () => {
    // Whether two bursts meet at the port is the emulators' timing on cores shared with the
    // receivers: even at realtime priority a run of 40 triggers now and then had them one after the
    // other (0 packets dropped). Such a run is repeated, a few times at most; a link that never
    // overflows unbudgeted still fails here.
    let r = await run('off', 20);
    for (let attempt = 2; r.portDrops === 0 && attempt <= 4; attempt++) r = await run('off', 20);
    for (const c of r.cameras) {
      // Lost at the port: the frame is whole only if every resend gets through in time (often
      // not: incomplete frames), and costs the link the resent packets on top.
      assert.ok(c.packetsResent + c.packetsMissing > 0, `${c.address} lost no packet unbudgeted: ${JSON.stringify(r)}`);
      assert.equal(c.packetDelay, null);
    }
    assert.ok(r.portDrops > 0, 'the port dropped packets');
    process.stdout.write(
      `      (unbudgeted: port dropped ${r.portDrops} packets; ${r.cameras.map((c) => `${c.address} ${c.framesComplete} complete, ${c.framesIncomplete} incomplete, ${c.packetsMissing} packets missing, ${c.packetsResent} resent`).join('; ')})\n`,
    );
  });

  it('budgeted, GevSCPD spreads both streams to fit the link: every frame complete, nothing missing', async () => {
    const r = await run('on', 20);
    assert.match(r.plan ?? '', /2 camera\(s\) on .* want 87\.\d MB\/s; the link carries 112\.5 MB\/s with 10 % headroom/);
    for (const c of r.cameras) {
      // Triggers the camera missed while busy (a loaded machine) make fewer frames, none of them lost.
      assert.ok(c.framesComplete >= 10, JSON.stringify(r));
      assert.equal(c.framesIncomplete, 0, JSON.stringify(r));
      assert.equal(c.framesNeverSeen, 0, JSON.stringify(r));
      assert.equal(c.packetsMissing, 0, JSON.stringify(r));
      assert.equal(c.packetsResent, 0, `nothing lost on the way, so nothing resent: ${JSON.stringify(r)}`);
      assert.ok((c.packetDelay ?? 0) > 10000, `GevSCPD ${c.packetDelay} ns`);
      assert.equal(c.frameRateWhileStreaming, 20, 'it fits: frame rates untouched');
      assert.equal(c.packetDelayAfter, 0, 'its own GevSCPD back after stopping');
    }
    assert.deepEqual(
      r.warnings.filter((w) => w.code === 'BANDWIDTH_EXCEEDED'),
      [],
    );
    process.stdout.write(
      `      (budgeted: port dropped ${r.portDrops} packets; ${r.plan}; ${r.cameras.map((c) => `${c.address} ${c.framesComplete} complete, ${c.packetsResent} resent`).join('; ')})\n`,
    );
  });

  it('a demand that cannot fit lowers each frame rate to its share and warns; stopping restores them', async () => {
    const r = await run('on', 30);
    assert.match(r.plan ?? '', /want 130\.\d MB\/s; the link carries 112\.5 MB\/s .* — it does not fit/, JSON.stringify(r));
    assert.ok(
      r.warnings.some((w) => w.code === 'BANDWIDTH_EXCEEDED' && /does not fit/.test(w.message)),
      JSON.stringify(r.warnings),
    );
    for (const c of r.cameras) {
      assert.ok(c.frameRateWhileStreaming < 30 && c.frameRateWhileStreaming > 24, `lowered to its share: ${c.frameRateWhileStreaming}`);
      assert.equal(c.frameRateAfter, 30, 'its own frame rate back after stopping');
    }
  });
});
