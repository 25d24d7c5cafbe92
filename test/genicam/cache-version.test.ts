import { strict as assert } from 'node:assert';
import { intReg, memoryMap } from './support';
import { testcam } from './testcam';

/**
 * NodeMap.cacheVersion(): the same version before and after reads means they were answered from
 * the cache alone and would be answered the same again; anything that can change such an answer
 * changes it (a caller skips work on it: Camera's trigger mode check).
 */
describe('genicam cache version', () => {
  const body = `
    ${intReg('Cached', 0x100, '<Cachable>WriteThrough</Cachable>')}
    ${intReg('Other', 0x200, '<Cachable>WriteThrough</Cachable>')}
    ${intReg('Volatile', 0x300, '<Cachable>NoCache</Cachable>')}
    <Command Name="Go"><pValue>GoReg</pValue><CommandValue>1</CommandValue></Command>
    ${intReg('GoReg', 0x400, '<Cachable>NoCache</Cachable>')}`;

  it('stays while reads come from the cache, and moves on a read that went to the device', async () => {
    const { map, mem } = memoryMap(body);
    mem.writeUInt32BE(7, 0x100);
    const start = map.cacheVersion();
    assert.equal(await map.getValue('Cached'), 7);
    const afterMiss = map.cacheVersion();
    assert.notEqual(afterMiss, start, 'the first read reached the device');
    assert.equal(await map.getValue('Cached'), 7);
    assert.equal(map.cacheVersion(), afterMiss, 'a cached read changes nothing');
    await map.getValue('Volatile');
    assert.notEqual(map.cacheVersion(), afterMiss, 'a NoCache register is read from the device every time');
  });

  it('moves when a cached value is written or invalidated, not when an unrelated register is written', async () => {
    const { map, mem } = memoryMap(body);
    await map.getValue('Cached');
    await map.getValue('Other');
    let version = map.cacheVersion();
    await map.execute('Go', { wait: false });
    assert.equal(map.cacheVersion(), version, 'a command over an uncached register leaves cached values as they are');
    await map.setValue('Other', 3);
    assert.notEqual(map.cacheVersion(), version, 'a write replaces a cached value');
    version = map.cacheVersion();
    mem.writeUInt32BE(9, 0x100);
    map.invalidate('Cached');
    assert.notEqual(map.cacheVersion(), version, 'an invalidation drops a cached value');
    assert.equal(await map.getValue('Cached'), 9);
    version = map.cacheVersion();
    map.invalidate();
    assert.notEqual(map.cacheVersion(), version, 'dropping every cached value');
  });

  it('moves when event data arrives', () => {
    const { map } = testcam();
    const version = map.cacheVersion();
    map.deliverEvent(0x9001, Buffer.alloc(4), { timestamp: 5n, blockId: 8n });
    assert.notEqual(map.cacheVersion(), version);
  });
});
