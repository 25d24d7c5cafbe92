import assert from 'node:assert/strict';
import { discover } from '../../lib/gvcp/discovery';
import { GvcpDevice } from '../../lib/gvcp/device';
import { LOOPBACK_BROADCAST } from '../support/loopback';
import { startTestDevice, TestDevice } from './support/harness';

describe('gvcp: discovery on loopback', function () {
  const devices: TestDevice[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.stop();
  });

  async function start(serial: string, mac: string): Promise<TestDevice> {
    const d = await startTestDevice({ broadcastAddresses: [LOOPBACK_BROADCAST], modelOptions: { serial, mac } });
    devices.push(d);
    return d;
  }

  it('finds several emulated devices by broadcast to 127.255.255.255 with a correct discovery ack', async () => {
    const tag = `D${process.pid % 100000}`;
    const a = await start(`${tag}A`, '02:00:00:00:0a:01');
    const b = await start(`${tag}B`, '02:00:00:00:0b:02');
    const found = (await discover({ broadcast: LOOPBACK_BROADCAST, timeoutMs: 300 })).filter((f) => f.serialNumber.startsWith(tag));
    assert.deepEqual(found.map((f) => f.serialNumber).sort(), [`${tag}A`, `${tag}B`]);
    const fa = found.find((f) => f.serialNumber === `${tag}A`)!;
    assert.equal(fa.sourceAddress, a.address);
    assert.equal(fa.ipAddress, a.address);
    assert.equal(fa.subnetMask, '255.0.0.0');
    assert.equal(fa.macAddress, '02:00:00:00:0a:01');
    assert.equal(fa.specVersionMajor, 2);
    assert.equal(fa.specVersionMinor, 0);
    assert.equal(fa.deviceMode, 0x80000001, 'big-endian registers, transmitter, UTF-8');
    assert.equal(fa.manufacturerName, 'GVCP Test Vendor');
    assert.equal(fa.modelName, 'GVCP-Test-Device');
    assert.equal(fa.userDefinedName, 'bench');
    assert.equal(found.find((f) => f.serialNumber === `${tag}B`)!.ipAddress, b.address);
  });

  it('finds one device by unicast, even while another application holds exclusive access', async () => {
    const a = await start('UNI1', '02:00:00:00:0c:03');
    const holder = await GvcpDevice.connect({ address: a.address, access: 'exclusive' });
    try {
      const found = await discover({ address: a.address, timeoutMs: 200 });
      assert.equal(found.length, 1);
      assert.equal(found[0].serialNumber, 'UNI1');
    } finally {
      await holder.close();
    }
  });

  it('returns nothing (no error) when no device answers, and refuses bad arguments', async () => {
    assert.deepEqual(await discover({ address: '127.1.2.3', timeoutMs: 100 }), []);
    await assert.rejects(discover({}), /needs a broadcast address/);
    await assert.rejects(discover({ address: '300.1.1.1' }), /not an IPv4 address/);
  });
});
