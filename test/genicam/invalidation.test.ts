import { strict as assert } from 'node:assert';
import { MemoryPort, NodeMap } from '../../lib/genicam';
import { intReg, memoryMap, rejection } from './support';
import { TESTCAM_XML, testcam, testcamMemory } from './testcam';

/** Counts device reads of one address. */
function readsOf(port: MemoryPort, address: number): number {
  return port.log.filter((entry) => entry.op === 'read' && entry.address === address).length;
}

describe('genicam caching and invalidation', () => {
  const modes: [string, string, number][] = [
    ['WriteThrough keeps the written value: no read after a write', 'WriteThrough', 0],
    ['WriteAround reads after a write', 'WriteAround', 1],
    ['NoCache reads every time', 'NoCache', 2],
  ];
  for (const [label, mode, expectedReads] of modes) {
    it(label, async () => {
      const { map, port } = memoryMap(intReg('R', 0x100, `<Cachable>${mode}</Cachable>`));
      await map.setValue('R', 5);
      assert.equal(await map.getValue('R'), 5);
      assert.equal(await map.getValue('R'), 5);
      assert.equal(readsOf(port, 0x100), expectedReads);
    });
  }

  it('reads a cached locked feature without reading its lock: a lock only takes writing away', async () => {
    // As SFNC cameras lock Width: a NoCache lock register (TLParamsLocked) behind a formula.
    const { map, mem, port } = memoryMap(`
      <Integer Name="Width"><pIsLocked>WidthLocked</pIsLocked><pValue>WidthReg</pValue></Integer>
      ${intReg('WidthReg', 0x100, '<Cachable>WriteThrough</Cachable>')}
      <IntSwissKnife Name="WidthLocked"><pVariable Name="TL">TLParamsLocked</pVariable><Formula>TL = 1</Formula></IntSwissKnife>
      ${intReg('TLParamsLocked', 0x200, '<Cachable>NoCache</Cachable>')}`);
    mem.writeUInt32BE(640, 0x100);
    mem.writeUInt32BE(1, 0x200);
    assert.equal(await map.getValue('Width'), 640);
    assert.equal(await map.getValue('Width'), 640);
    assert.equal(readsOf(port, 0x100), 1, 'the value is read once, then served from the cache');
    assert.equal(readsOf(port, 0x200), 0, 'no read of the lock for a read');
    // Writing and the access mode still go by the lock, read every time.
    assert.equal(await map.access('Width'), 'RO');
    assert.equal(readsOf(port, 0x200), 1);
    const refused = await map.setValue('Width', 800).then(
      () => null,
      (err: Error & { code?: string }) => err,
    );
    assert.equal(refused?.code, 'FEATURE_LOCKED');
    mem.writeUInt32BE(0, 0x200);
    await map.setValue('Width', 800);
    assert.equal(mem.readUInt32BE(0x100), 800, 'unlocked, the write reaches the device');
    assert.equal(await map.getValue('Width'), 800);
  });

  it('skips the locks of the nodes behind a feature too, and still refuses to read a write-only one', async () => {
    const { map, mem, port } = memoryMap(`
      <Integer Name="Gain"><pValue>GainReg</pValue></Integer>
      ${intReg('GainReg', 0x100, '<Cachable>WriteThrough</Cachable><pIsLocked>Locked</pIsLocked>')}
      <Integer Name="Key"><pIsLocked>Locked</pIsLocked><pValue>KeyReg</pValue></Integer>
      ${intReg('KeyReg', 0x104, '<Cachable>WriteThrough</Cachable>').replace('<AccessMode>RW</AccessMode>', '<AccessMode>WO</AccessMode>')}
      ${intReg('Locked', 0x200, '<Cachable>NoCache</Cachable>')}`);
    mem.writeUInt32BE(7, 0x100);
    mem.writeUInt32BE(1, 0x200);
    assert.equal(await map.getValue('Gain'), 7);
    assert.equal(await map.isReadable('Gain'), true);
    assert.equal(readsOf(port, 0x200), 0, 'the register behind Gain is locked; reading does not ask');
    assert.equal(await map.isWritable('Gain'), false);
    // Locked, write-only is NA; for a read, what matters is that it is write-only.
    assert.equal(await map.access('Key'), 'NA');
    const refused = await rejection(map.getValue('Key'));
    assert.equal(refused.code, 'FEATURE_NOT_READABLE');
    assert.equal(refused.message, 'Key: is write-only');
    assert.equal(await map.isReadable('Key'), false);
  });

  it('drops a register whose pInvalidator changed, directly or through what it depends on', async () => {
    const { map, mem, port } = memoryMap(`
      <Integer Name="Width"><pValue>WidthReg</pValue></Integer>
      ${intReg('WidthReg', 0x100)}
      ${intReg('Payload', 0x104, '<AccessMode>RO</AccessMode><pInvalidator>Width</pInvalidator>').replace('<AccessMode>RW</AccessMode>', '')}`);
    mem.writeUInt32BE(1000, 0x104);
    assert.equal(await map.getValue('Payload'), 1000);
    mem.writeUInt32BE(2000, 0x104); // the device recomputes it when Width changes
    assert.equal(await map.getValue('Payload'), 1000, 'cached until invalidated');
    await map.setValue('Width', 8);
    assert.equal(await map.getValue('Payload'), 2000);
    mem.writeUInt32BE(3000, 0x104);
    await map.setValue('WidthReg', 9); // writing the register Width reads also invalidates
    assert.equal(await map.getValue('Payload'), 3000);
    assert.equal(readsOf(port, 0x104), 3);
  });

  it('addresses selected registers by pIndex (set the selector, read the selected value)', async () => {
    const { map, mem } = testcam();
    mem.writeUInt32BE(1, 0xa044 + 0x10); // TriggerMode of AcquisitionStart
    assert.equal(await map.getValue('TriggerMode'), 'Off');
    await map.setValue('TriggerSelector', 'AcquisitionStart');
    assert.equal(await map.getValue('TriggerMode'), 'On');
    await map.setValue('TriggerMode', 'Off');
    assert.equal(mem.readUInt32BE(0xa054), 0);
    await map.setValue('TriggerSelector', 'FrameStart');
    await map.setValue('TriggerMode', 'On');
    assert.equal(mem.readUInt32BE(0xa044), 1);
  });

  it('re-reads a device-multiplexed register when its selector changes (pSelected)', async () => {
    /** TriggerSourceReg (0xA048) answers per the selector register (0xA040), as a device would. */
    class MuxPort extends MemoryPort {
      override async read(address: number, length: number): Promise<Buffer> {
        if (address === 0xa048) this.memory.writeUInt32BE(this.memory.readUInt32BE(0xa040) === 1 ? 1 : 0, 0xa048);
        return super.read(address, length);
      }
    }
    const port = new MuxPort(testcamMemory());
    const map = NodeMap.fromXml(TESTCAM_XML, { device: port });
    assert.equal(await map.getValue('TriggerSource'), 'Software');
    await map.setValue('TriggerSelector', 'AcquisitionStart');
    assert.equal(await map.getValue('TriggerSource'), 'Line1');
    await map.setValue('TriggerSelector', 'FrameStart');
    assert.equal(await map.getValue('TriggerSource'), 'Software');
  });

  it('keeps nodes over the same register consistent (a write drops overlapping entries)', async () => {
    const { map, mem } = testcam();
    assert.equal(await map.getValue('ReverseX'), false);
    assert.equal(await map.getValue('TestPattern'), 'Off');
    await map.setValue('TestPattern', 'Ramp');
    assert.equal(mem.readUInt32BE(0xa010), 0x01000000, 'BigEndian bits 4…7 count from the MSB');
    await map.setValue('ReverseX', true);
    assert.equal(mem.readUInt32BE(0xa010), 0x81000000);
    assert.equal(await map.getValue('TestPattern'), 'Ramp');
    assert.equal(await map.getValue('GevSCPSDoNotFragment'), false);
    await map.setValue('GevSCPSDoNotFragment', true);
    assert.equal(await map.getValue('GevSCPSPacketSize'), 1500);
    assert.equal(mem.readUInt32BE(0x0d04), 0x400005dc);
  });

  it('tells listeners which features may have changed', async () => {
    const { map } = testcam();
    const seen: string[][] = [];
    const off = map.onChange((names) => seen.push(names));
    await map.setValue('Width', 1024);
    off();
    await map.setValue('Width', 2048);
    assert.equal(seen.length, 1);
    for (const name of ['WidthReg', 'Width', 'PayloadSize', 'OffsetXMax', 'OffsetX']) assert.ok(seen[0].includes(name), name);
    assert.ok(!seen[0].includes('Height'));
  });

  it('poll() invalidates registers whose PollingTime has passed', async () => {
    const { map, port } = memoryMap(intReg('Temp', 0x100, '<PollingTime>100</PollingTime>'));
    await map.getValue('Temp');
    assert.deepEqual(map.poll(60), []);
    await map.getValue('Temp');
    assert.equal(readsOf(port, 0x100), 1);
    assert.deepEqual(map.poll(60), ['Temp']);
    await map.getValue('Temp');
    assert.equal(readsOf(port, 0x100), 2);
  });

  it('invalidate() drops every cached value', async () => {
    const { map, port } = testcam();
    await map.getValue('Width');
    map.invalidate();
    await map.getValue('Width');
    assert.equal(readsOf(port, 0xa000), 2);
  });

  it('reads a register once for concurrent requests', async () => {
    const { map, port } = testcam({ delayMs: 5 });
    const values = await Promise.all([map.getValue('Width'), map.getValue('Width'), map.getValue('PayloadSize')]);
    assert.deepEqual(values, [4504, 4504, 4504 * 4504]);
    assert.equal(readsOf(port, 0xa000), 1);
  });

  it('does not cache a read that was under way while the register was written', async () => {
    const { map, mem } = memoryMap(intReg('R', 0x100), { delayMs: 5 });
    mem.writeUInt32BE(1, 0x100);
    const pending = map.getValue('R');
    await map.setValue('R', 2);
    await pending;
    assert.equal(await map.getValue('R'), 2);
  });
});
