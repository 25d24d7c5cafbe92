/**
 * What `gige emulate` puts on the wire, judged by Wireshark's dissectors: a capture on `lo` (inside
 * a namespace of our own, so only this test's traffic is in it) during `gige grab` of full
 * 4504×4504 frames at packet sizes 1500 and 9000. A real camera never sends a datagram larger than
 * GevSCPSPacketSize; every stream packet must dissect as GVSP, and each frame must be exactly a
 * leader, ceil(payload / (packet size − 36)) data packets and a trailer — counted, not just "no
 * malformed packets".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Namespace, NamespaceProcess, deleteAllNamespaces, skipWithout } from './support/netns';
import { LoopbackCapture } from './support/capture';

const CLI = path.resolve('dist/bin/gige.js');
const ADDRESS = '127.0.0.2';
const SIDE = 4504;

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 512 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('interop: the emulated camera on the wire (tshark during 4504×4504 grabs)', function () {
  this.timeout(180000);
  let ns: Namespace;
  let camera: NamespaceProcess;
  let tmp: string;

  before(async function () {
    skipWithout(this, { namespaces: true, commands: ['tshark'] });
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: build first (npm run build)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-wire-'));
    ns = Namespace.create('wire');
    camera = ns.spawn(process.execPath, [CLI, 'emulate', '--no-io']);
    await camera.waitFor(/at 127\.0\.0\.2/, 20000);
  });
  after(async () => {
    await deleteAllNamespaces();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const packetSize of [1500, 9000]) {
    it(`packet size ${packetSize}: no datagram above it, every stream packet GVSP, leader + data + trailer per frame`, async () => {
      const file = path.join(tmp, `grab-${packetSize}.pcapng`);
      const capture = await LoopbackCapture.start(`udp and host ${ADDRESS}`, file, ADDRESS, { namespace: ns, bufferMiB: 256 });
      let grab;
      try {
        grab = await ns.run(
          process.execPath,
          [CLI, 'grab', '-a', ADDRESS, '-n', '2', '-o', path.join(tmp, `frames-${packetSize}`), '--packet-size', String(packetSize)],
          120000,
        );
      } finally {
        await capture.stop();
      }
      assert.equal(grab.code, 0, grab.stdout + grab.stderr);
      assert.equal((grab.stdout.match(/4504x4504 Mono8 frame \d+ complete/g) ?? []).length, 2, grab.stdout + grab.stderr);

      // Every datagram the camera sent, whatever its port: IP length within the packet size.
      const sent = tshark(['-r', file, '-Y', `ip.src == ${ADDRESS} && udp`, '-T', 'fields', '-e', 'udp.srcport', '-e', 'ip.len'])
        .trim()
        .split('\n')
        .map((l) => l.split('\t').map(Number));
      const oversized = sent.filter(([, len]) => len > packetSize);
      assert.deepEqual(oversized.slice(0, 5), [], `${oversized.length} of ${sent.length} datagrams are larger than ${packetSize} bytes`);
      assert.ok(
        sent.every(([, len]) => len > 0),
        'every datagram has an IP length',
      );

      // The stream channel's source port (SCSP) is the camera's busiest one.
      const perPort = new Map<number, number>();
      for (const [port] of sent) perPort.set(port, (perPort.get(port) ?? 0) + 1);
      const streamPort = [...perPort.entries()].filter(([p]) => p !== 3956).sort((a, b) => b[1] - a[1])[0][0];
      const streamPackets = perPort.get(streamPort) ?? 0;

      const rows = tshark([
        '-r',
        file,
        '-d',
        `udp.port==${streamPort},gvsp`,
        '-Y',
        `udp.srcport == ${streamPort}`,
        '-T',
        'fields',
        '-e',
        '_ws.col.Protocol',
        '-e',
        'gvsp.format',
        '-e',
        'gvsp.blockid16',
        '-e',
        'gvsp.packetid24',
        '-e',
        'gvsp.sizex',
        '-e',
        'gvsp.sizey',
        '-e',
        'ip.len',
      ])
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      assert.equal(rows.length, streamPackets);
      const notGvsp = rows.filter((r) => r[0] !== 'GVSP' || r[1] === '');
      assert.deepEqual(notGvsp.slice(0, 5), [], `${notGvsp.length} of ${rows.length} stream packets did not dissect as GVSP`);
      const bad = tshark([
        '-r',
        file,
        '-d',
        `udp.port==${streamPort},gvsp`,
        '-Y',
        '_ws.malformed || _ws.expert.severity >= "error"',
        '-T',
        'fields',
        '-e',
        'frame.number',
        '-e',
        '_ws.col.Info',
      ]);
      assert.equal(bad.trim(), '', `malformed or error packets:\n${bad.slice(0, 2000)}`);

      interface Block {
        leader: number;
        trailer: number;
        data: Set<number>;
        size?: [number, number];
      }
      const blocks = new Map<number, Block>();
      const order: number[] = [];
      for (const [, format, block, packet, sizeX, sizeY] of rows) {
        const id = Number(block);
        if (id === 0) continue; // a test packet
        if (!blocks.has(id)) {
          blocks.set(id, { leader: 0, trailer: 0, data: new Set() });
          order.push(id);
        }
        const b = blocks.get(id)!;
        // gvsp.format (tshark prints it in hex): 1 leader, 2 trailer, 3 payload.
        const kind = Number(format);
        if (kind === 1) {
          b.leader += 1;
          b.size = [Number(sizeX), Number(sizeY)];
        } else if (kind === 2) b.trailer += 1;
        else if (kind === 3) b.data.add(Number(packet));
      }
      const perFrame = Math.ceil((SIDE * SIDE) / (packetSize - 36));
      const whole = order.filter((id) => blocks.get(id)!.trailer > 0);
      assert.ok(whole.length >= 2, `frames with a trailer: ${whole.length} of ${order.length}`);
      for (const id of whole) {
        const b = blocks.get(id)!;
        assert.deepEqual(b.size, [SIDE, SIDE], `block ${id} leader`);
        assert.equal(b.leader, 1, `block ${id}: leaders`);
        assert.equal(b.data.size, perFrame, `block ${id}: data packets`);
        assert.deepEqual([Math.min(...b.data), Math.max(...b.data)], [1, perFrame], `block ${id}: ids 1…${perFrame}, then the trailer`);
      }
      // Only the frame being sent when the host closed the channel may lack its end.
      assert.ok(
        order.length - whole.length <= 1 && (whole.length === order.length || order[order.length - 1] !== whole[whole.length - 1]),
        `blocks without a trailer: ${order.filter((id) => !whole.includes(id)).join(', ')}`,
      );
      process.stdout.write(
        `      packet size ${packetSize}: ${sent.length} datagrams from the camera, largest ${Math.max(...sent.map(([, l]) => l))} B; ` +
          `${whole.length} whole frames of 1 + ${perFrame} + 1 GVSP packets\n`,
      );
    });
  }
});
