import { strict as assert } from 'node:assert';
import { parseChunkData } from '../../lib/genicam';
import { memoryMap, rejection } from './support';
import { testcam } from './testcam';

/** A chunk: its data followed by the big-endian tag (ChunkID, length). */
function chunk(id: number, data: Buffer): Buffer {
  const tag = Buffer.alloc(8);
  tag.writeUInt32BE(id, 0);
  tag.writeUInt32BE(data.length, 4);
  return Buffer.concat([data, tag]);
}

function payload(timestamp: bigint, exposure: number, frameId: number): Buffer {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(timestamp);
  const exp = Buffer.alloc(12);
  exp.writeDoubleBE(exposure, 0);
  exp.writeUInt32LE(frameId, 8);
  return Buffer.concat([chunk(0x00000001, Buffer.alloc(64, 0x11)), chunk(0xa5a50001, ts), chunk(0xa5a50002, exp)]);
}

describe('genicam chunk data', () => {
  it('parses tags backwards from the end', () => {
    const parsed = parseChunkData(payload(5n, 1.5, 9));
    assert.deepEqual([...parsed.chunks.keys()], [0xa5a50002, 0xa5a50001, 0x00000001]);
    assert.equal(parsed.chunks.get(0x00000001)?.length, 64);
    assert.equal(parsed.problem, undefined);
  });

  it('keeps what it found when a tag makes no sense, and never throws on random bytes', () => {
    const broken = Buffer.concat([Buffer.from([1, 2, 3]), chunk(0xa5a50001, Buffer.alloc(8))]);
    const parsed = parseChunkData(broken);
    assert.deepEqual([...parsed.chunks.keys()], [0xa5a50001]);
    assert.match(parsed.problem ?? '', /3 bytes at the start are not a tagged chunk/);
    const lying = Buffer.concat([Buffer.alloc(4), Buffer.from([0, 0, 0, 7, 0xff, 0xff, 0xff, 0xf0])]);
    assert.match(parseChunkData(lying).problem ?? '', /claims 4294967280 bytes but only 4 precede its tag/);
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 2000; i += 1) {
      const data = Buffer.from(Array.from({ length: random() }, random));
      parseChunkData(data);
    }
  });

  it('shows chunk features as not available until chunk data is attached', async () => {
    const { map } = testcam();
    assert.equal(await map.access('ChunkTimestamp'), 'NA');
    const err = await rejection(map.getValue('ChunkTimestamp'));
    assert.equal(err.code, 'FEATURE_NOT_AVAILABLE');
    assert.equal(err.message, 'ChunkTimestamp: not available: no chunk data is attached (ChunkTimestampReg)');
  });

  it('reads chunk features from the attached buffer, afresh for each buffer', async () => {
    const { map } = testcam();
    const seen: string[][] = [];
    map.onChange((names) => seen.push(names));
    assert.deepEqual(map.attachChunkData(payload(0x0102030405060708n, 250.5, 77)).chunkIds, [0xa5a50002, 0xa5a50001, 1]);
    assert.equal(await map.getValue('ChunkTimestamp'), 0x0102030405060708n);
    assert.equal(await map.getValue('ChunkExposureTime'), 250.5);
    assert.equal(await map.getValue('ChunkFrameID'), 77);
    assert.ok(seen.some((names) => names.includes('ChunkTimestamp')));
    map.attachChunkData(payload(42n, 100, 78));
    assert.deepEqual(await map.readChunkValues(), { ChunkTimestamp: 42, ChunkExposureTime: 100, ChunkFrameID: 78 });
    assert.deepEqual(map.chunkFeatureNames(), ['ChunkTimestamp', 'ChunkExposureTime', 'ChunkFrameID']);
    assert.equal((await map.describe('ChunkFrameID')).source?.chunkId, 0xa5a50002);
  });

  it('names a chunk missing from the attached data, and refuses writes', async () => {
    const { map } = testcam();
    map.attachChunkData(chunk(0xa5a50001, Buffer.alloc(8)));
    assert.equal(await map.getValue('ChunkTimestamp'), 0);
    const err = await rejection(map.getValue('ChunkExposureTime'));
    assert.equal(err.message, 'ChunkExposureTime: not available: the attached chunk data holds no chunk 0xA5A50002 (ChunkExposureTimeReg)');
    assert.deepEqual(await map.readChunkValues(), { ChunkTimestamp: 0 });
    assert.equal((await rejection(map.setValue('ChunkTimestamp', 1))).code, 'FEATURE_NOT_WRITABLE');
    map.detachChunkData();
    assert.equal(await map.access('ChunkTimestamp'), 'NA');
  });

  it('reports a chunk shorter than its register', async () => {
    const { map } = testcam();
    map.attachChunkData(chunk(0xa5a50002, Buffer.alloc(8)));
    const err = await rejection(map.getValue('ChunkFrameID'));
    assert.equal(err.code, 'PORT_OUT_OF_RANGE');
    assert.equal(err.message, 'ChunkFrameID: chunk 0xA5A50002 holds 8 bytes; cannot read 4 bytes at offset 8');
  });

  it('resolves the chunk id from pChunkID', async () => {
    const { map } = memoryMap(`
      <Integer Name="Id"><Value>0x42</Value></Integer>
      <Port Name="P"><pChunkID>Id</pChunkID></Port>
      <IntReg Name="C"><Address>0</Address><Length>2</Length><AccessMode>RO</AccessMode><pPort>P</pPort><Endianess>BigEndian</Endianess></IntReg>`);
    map.attachChunkData(chunk(0x42, Buffer.from([0x12, 0x34, 0, 0])));
    assert.equal(await map.getValue('C'), 0x1234);
  });
});

describe('genicam events', () => {
  it('shows event features as not available until the event arrives', async () => {
    const { map } = testcam();
    const err = await rejection(map.getValue('EventExposureEndTimestamp'));
    assert.equal(err.message, 'EventExposureEndTimestamp: not available: no event 0x9001 has been delivered yet');
  });

  it('lays out the event port as the 16-byte item header followed by the event data', async () => {
    const { map } = testcam();
    const data = Buffer.alloc(4);
    data.writeFloatBE(125.5);
    const fed = map.deliverEvent(0x9001, data, { timestamp: 123456789012345n, blockId: 0x10007n, streamChannel: 0 });
    assert.deepEqual(fed, ['EventExposureEnd', 'EventExposureEndTimestamp', 'EventExposureEndFrameID', 'EventExposureEndExposureTime']);
    assert.deepEqual(await map.readEventValues(0x9001), {
      EventExposureEnd: 0x9001,
      EventExposureEndTimestamp: 123456789012345,
      EventExposureEndFrameID: 7,
      EventExposureEndExposureTime: 125.5,
    });
    map.deliverEvent(0x9001, data, { timestamp: 5n, blockId: 8n });
    assert.equal(await map.getValue('EventExposureEndTimestamp'), 5);
  });

  it('ignores events no port listens to, and rejects impossible ids and data', () => {
    const { map } = testcam();
    assert.deepEqual(map.deliverEvent(0x9002), []);
    // …and keeps nothing of them: the device chooses the ids, so kept images could grow without end.
    for (let id = 0; id < 2000; id += 1) if (id !== 0x9001) map.deliverEvent(id, Buffer.alloc(500));
    assert.equal((map as unknown as { core: { events: Map<number, Buffer> } }).core.events.size, 0);
    assert.throws(() => map.deliverEvent(0x10000), /event id 65536 is out of range; allowed 0…65535/);
    assert.throws(() => map.deliverEvent(0x9001, 'data' as never), /expected the event data as a Buffer, got string/);
    assert.throws(() => map.attachChunkData([1, 2] as never), /expected a Buffer with the chunk data, got object/);
  });

  it('reports event data shorter than the register', async () => {
    const { map } = testcam();
    map.deliverEvent(0x9001);
    const err = await rejection(map.getValue('EventExposureEndExposureTime'));
    assert.equal(err.message, 'EventExposureEndExposureTime: event 0x9001 holds 16 bytes; cannot read 4 bytes at offset 16');
  });
});
