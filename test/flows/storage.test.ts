import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { helper, onCall, placeExample, CORE_NODES, ALL_PACKAGE_NODES, FlowNode, until, redeploy, nextSend } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

/** Files in `dir` by extension. */
function filesIn(dir: string, ext: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(ext)) : [];
}

describe('flows: storage — every frame, and the frames around a fault', function () {
  this.timeout(120000);
  let dir: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-store-'));
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"Store every frame": 1,000 frames written across a full redeploy, none overwritten, names from serial + device timestamp', async () => {
    const address = uniqueLoopbackAddress();
    // Small fast frames so that 1,000 come in seconds; Mono12Packed, as shipped (16-bit TIFF).
    const flow = placeExample('Store every frame', (n) => {
      if (n.type === 'gige-camera-config')
        return {
          ...n,
          address,
          settings: n.settings
            .replace('Width=1920', 'Width=640')
            .replace('Height=1080', 'Height=480')
            .replace('AcquisitionFrameRate=5', 'AcquisitionFrameRate=60'),
        };
      if (n.type === 'gige-record') return { ...n, folder: dir };
      return n;
    });
    // Counted per record node: a redeploy replaces the node, and the old one's "lost" count goes
    // with it (its last status may never be shown). Only the node running at the end is drained.
    type Tally = { arrived: number; written: number; status: string };
    const tallies: Tally[] = [];
    const files = new Set<string>();
    const written = () => tallies.reduce((sum, t) => sum + t.written, 0);
    const watch = () => {
      const tally: Tally = { arrived: 0, written: 0, status: '' };
      tallies.push(tally);
      const record = helper.getNode('st0record0000001');
      onCall(record, 'send', (args) => {
        tally.written += 1;
        files.add((args[0] as { filename: string }).filename);
      });
      onCall(record, 'status', (args) => {
        tally.status = String((args[0] as { text?: string }).text ?? '');
      });
      record.on('input', (msg: Record<string, any>) => {
        if (Buffer.isBuffer(msg.payload)) tally.arrived += 1;
      });
      return tally;
    };
    const start = async () => {
      // Recording starts once the serial is known (read on start), as an operator would click it.
      await until('camera serial read', () => helper.getNode('st0keep000000001').context().flow.get('cameraSerial'));
      helper.getNode('st0start00000001').receive({ payload: 'start' });
    };
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    watch();
    await start();
    await until('500 frames written before the redeploy', () => written() >= 500, 60000);
    const beforeRedeploy = written();

    // A full redeploy while frames stream: the camera config closes, the emulated camera restarts,
    // frame ids start at 1 again.
    const old = helper.getNode('st0record0000001');
    await redeploy(flow);
    await until('the redeployed record node', () => {
      const n = helper.getNode('st0record0000001');
      return n && n !== old ? n : undefined;
    });
    const last = watch();
    await start();
    await until('1,000 frames written in all', () => written() >= beforeRedeploy + 500, 60000);
    helper.getNode('st0stop000000001').receive({ payload: 'stop' });
    // Every frame that reached the running record node is written or counted lost in its status (a
    // loaded machine's disk and encoder may not keep up with 60 fps: the queue then counts losses).
    const lost = () => Number(/(\d+) lost/.exec(last.status)?.[1] ?? 0);
    await until('the queue drained', () => last.written + lost() >= last.arrived && written() === filesIn(dir, '.tif').length, 30000).catch(
      (err: Error) => {
        throw new Error(
          `${err.message}: ${last.arrived} frames arrived, ${last.written} written, status "${last.status}"; ${written()} written in all, ${filesIn(dir, '.tif').length} files`,
        );
      },
    );
    assert.equal(last.written + lost(), last.arrived, 'no frame unaccounted for');

    const images = filesIn(dir, '.tif');
    const sidecars = filesIn(dir, '.json');
    assert.ok(written() >= 1000, `${written()} frames written`);
    assert.equal(images.length, written(), 'one file per frame written: none replaced another');
    assert.equal(files.size, written(), 'every write reported its own file name');
    assert.equal(sidecars.length, images.length, 'a sidecar per frame');
    for (const f of images) assert.match(f, /^EMU00007-\d{20}\.tif$/, 'serial + 20-digit device timestamp, no collision suffix needed');
    const described = sidecars.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    const timestamps = new Set(described.map((d) => d.image.timestamp));
    assert.equal(timestamps.size, described.length, 'device timestamps are unique');
    const frameIds = described.map((d) => d.image.frameId as number);
    assert.ok(
      frameIds.length - new Set(frameIds).size >= 50,
      'frame ids repeat after the redeploy: names from them would have overwritten files',
    );
    const sample = described[0];
    assert.equal(sample.image.pixelFormat, 'Mono12Packed');
    assert.equal(sample.valueScale, 16);
    const meta = await sharp(path.join(dir, sample.file)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.depth, meta.channels], ['tiff', 640, 480, 'ushort', 1]);
  });

  it('"Record frames around a fault": 10 frames before and 5 after into a new folder, memory bounded and shown', async () => {
    const address = uniqueLoopbackAddress();
    const flow = placeExample('Record frames around a fault', (n) => {
      if (n.type === 'gige-camera-config')
        return { ...n, address, settings: n.settings.replace('AcquisitionFrameRate=10', 'AcquisitionFrameRate=30') };
      if (n.type === 'gige-record') return { ...n, folder: dir };
      return n;
    });
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    const record = helper.getNode('rg0record0000001');
    const shown: string[] = [];
    onCall(record, 'status', (args) => shown.push(String((args[0] as { text?: string }).text ?? '')));
    await until('the ring is full', () => shown.some((s) => /^10 frames, \d+ MB$/.test(s)), 30000);
    await until('camera serial read', () => record.context().flow.get('cameraSerial'));

    const capture = nextSend('rg0record0000001', () => true, 30000);
    helper.getNode('rg0fault00000001').receive({ payload: 'operator pressed fault' });
    const summary = (await capture).payload;
    assert.equal(summary.reason, 'operator pressed fault');
    assert.deepEqual([summary.before, summary.after, summary.complete], [10, 5, true]);
    assert.equal(path.dirname(summary.folder), dir);
    const ids = summary.files.map((f: { frameId: number }) => f.frameId);
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, `consecutive frames, before then after: ${ids}`);
    assert.deepEqual(
      summary.files.map((f: { when: string }) => f.when),
      [...Array(10).fill('before'), ...Array(5).fill('after')],
    );
    const onDisk = fs.readdirSync(summary.folder);
    assert.equal(onDisk.filter((f) => /^EMU00008-\d{20}\.tif$/.test(f)).length, 15);
    assert.equal(onDisk.filter((f) => f.endsWith('.json') && f !== 'capture.json').length, 15);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(summary.folder, 'capture.json'), 'utf8')).files, summary.files);
    const meta = await sharp(path.join(summary.folder, summary.files[0].file)).metadata();
    assert.deepEqual([meta.width, meta.height, meta.depth], [1024, 768, 'uchar']);

    // Bounded: never more than 10 frames held, and the MB shown are what 10 frames of this size take.
    const held = shown.map((s) => /^(\d+) frames, (\d+) MB$/.exec(s)).filter((m): m is RegExpExecArray => m !== null);
    assert.ok(held.length >= 1);
    for (const [, frames, mb] of held) {
      assert.ok(Number(frames) <= 10, `frames held: ${frames}`);
      assert.ok(Number(mb) <= Math.ceil((10 * 1024 * 1024) / (1024 * 1024)) + 1, `MB held: ${mb}`);
    }
  });

  it('gige-record: the memory bound evicts frames before the count does, and the status says so', async () => {
    const address = uniqueLoopbackAddress();
    const flow: FlowNode[] = [
      { id: 't', type: 'tab', label: 't' },
      {
        id: 'cam',
        type: 'gige-camera-config',
        source: 'emulated',
        address,
        serial: 'RINGMEM',
        settings: 'Width=1024\nHeight=1024\nAcquisitionFrameRate=30',
      },
      {
        id: 'grab',
        type: 'gige-grab',
        z: 't',
        camera: 'cam',
        mode: 'continuous',
        autoStart: true,
        encoding: 'raw',
        x: 100,
        y: 100,
        wires: [['rec']],
      },
      {
        id: 'rec',
        type: 'gige-record',
        z: 't',
        mode: 'ring',
        folder: dir,
        format: 'raw',
        preFrames: '50',
        postFrames: '0',
        maxMemory: '4',
        x: 300,
        y: 100,
        wires: [['out']],
      },
      { id: 'out', type: 'helper', z: 't', x: 500, y: 100 },
    ];
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    const shown: string[] = [];
    onCall(helper.getNode('rec'), 'status', (args) => shown.push(String((args[0] as { text?: string }).text ?? '')));
    await until('frames arrive', () => shown.filter((s) => /frames/.test(s)).length >= 4, 30000);
    const held = shown.map((s) => /^(\d+) frames, (\d+) MB$/.exec(s)).filter((m): m is RegExpExecArray => m !== null);
    // 1 MiB frames within 4 MiB: at most 4 held, never the 50 the count allows.
    for (const [, frames, mb] of held) {
      assert.ok(Number(frames) <= 4, `frames held: ${frames}`);
      assert.ok(Number(mb) <= 4, `MB held: ${mb}`);
    }
    const written = nextSend('rec');
    helper.getNode('rec').receive({ action: 'record' });
    const summary = (await written).payload;
    assert.ok(summary.before >= 1 && summary.before <= 4);
    const raw = fs.readdirSync(summary.folder).filter((f) => f.endsWith('.raw'));
    assert.equal(raw.length, summary.before);
    assert.equal(fs.statSync(path.join(summary.folder, raw[0])).size, 1024 * 1024, 'raw bytes as sent');
  });

  it('gige-record: refuses what is not a frame, and a configuration out of range, with what is allowed', async () => {
    const flow: FlowNode[] = [
      { id: 't', type: 'tab', label: 't' },
      { id: 'rec', type: 'gige-record', z: 't', mode: 'ring', folder: dir, x: 300, y: 100, wires: [[]] },
      { id: 'bad', type: 'gige-record', z: 't', mode: 'ring', folder: dir, preFrames: '0', x: 300, y: 200, wires: [[]] },
      { id: 'catch', type: 'catch', z: 't', scope: null, x: 100, y: 300, wires: [['out']] },
      { id: 'out', type: 'helper', z: 't', x: 300, y: 300 },
    ];
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    const caught = nextSend('catch');
    helper.getNode('rec').receive({ payload: 'hello' });
    assert.match((await caught).error.message, /takes frames \(msg\.payload a Buffer with msg\.image/);
    const refused = nextSend('catch');
    helper.getNode('bad').receive({ payload: Buffer.alloc(4), image: { width: 2, height: 2, pixelFormat: 'Mono8', timestamp: '1' } });
    assert.match((await refused).error.message, /Frames before "0" is out of range; allowed 1 … 10000/);
  });
});
