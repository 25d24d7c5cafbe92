/** Starting, losing control and stopping leave nothing running; bad start options are refused clearly. */
import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { EmulatedCamera, IoControlClient } from '../../lib/emulator';
import { GvcpServer } from '../../lib/emulator/gvcp-server';
import { ipToNumber } from '../../lib/gvcp/address';
import { NodeMap, loadDeviceXml } from '../../lib/genicam';
import { GvcpDevice } from '../../lib/gvcp/device';
import { Client, configure, openClient } from './support/client';
import { uniqueLoopbackAddress } from '../support/loopback';

describe('emulator: lifecycle', function () {
  this.timeout(20000);

  it('stops acquisition when the controlling application goes away', async () => {
    const client: Client = await openClient();
    try {
      await configure(client, { Width: 640, Height: 480, AcquisitionFrameRate: 30 });
      const stream = await client.openStream();
      await client.execute('AcquisitionStart');
      await stream.next(2);
      await client.device.close(); // releases control (CCP ← 0) without AcquisitionStop
      const received = stream.frames.length;
      await new Promise((r) => setTimeout(r, 150));
      assert.ok(stream.frames.length - received <= 1, 'frames stop (at most the one being read out arrives)');
      const observer = await GvcpDevice.connect({ address: client.address, access: 'monitor' });
      try {
        const map = NodeMap.fromXml(await loadDeviceXml(observer.port, { cacheDir: false }), { device: observer.port });
        assert.equal(await map.getValue('AcquisitionStatus'), false);
      } finally {
        await observer.close();
      }
    } finally {
      await client.close();
    }
  });

  it('stop() during acquisition cancels every timer and can be called twice', async () => {
    const client = await openClient({ ioControlPort: 0 });
    await configure(client, { Width: 640, Height: 480, AcquisitionFrameRate: 30, TriggerMode: 'Off' });
    const stream = await client.openStream();
    await client.execute('AcquisitionStart');
    await stream.next(2);
    client.camera.io.pulseTriggerInput({ widthUs: 10, count: 100, periodUs: 100000 });
    await client.device.close();
    await client.camera.stop();
    await client.camera.stop();
    assert.equal(client.camera.model.timeline.pending, 0, 'no timer left');
    await assert.rejects(IoControlClient.connect(client.address, client.camera.ioControlPort as number, 500), /cannot reach|no emulator/);
    await client.close();
  });

  it('passes the device-core options through (allowNetwork, subnetMask, paceToLinkSpeed, segmentationOffload) and takes a MAC', async () => {
    const start = sinon.spy(GvcpServer, 'start');
    let client: Client | null = null;
    try {
      client = await openClient({
        allowNetwork: true,
        subnetMask: '255.255.0.0',
        paceToLinkSpeed: false,
        segmentationOffload: false,
        macAddress: '02:00:00:77:00:0b',
      });
      assert.equal(await client.get('GevMACAddress'), 0x02000077000b);
      assert.equal(await client.get('GevCurrentSubnetMask'), ipToNumber('255.255.0.0'));
      // allowNetwork: the stream channel accepts a destination beyond 127/8. Nothing is sent:
      // the channel stays closed (no host port), and the destination goes back to loopback.
      await client.set('GevSCDA', ipToNumber('10.1.2.3'));
      assert.equal(await client.get('GevSCDA'), ipToNumber('10.1.2.3'));
      await client.set('GevSCDA', ipToNumber('127.0.0.1'));
      // Pacing and offload only show in timing and on the wire: the device core got them.
      const options = start.firstCall.args[0];
      assert.equal(options.paceToLinkSpeed, false);
      assert.equal(options.segmentationOffload, false);
    } finally {
      start.restore();
      await client?.close();
    }
    const plain = await openClient();
    try {
      await assert.rejects(plain.set('GevSCDA', ipToNumber('10.1.2.3')), /GevSCDA: .*INVALID_PARAMETER/);
    } finally {
      await plain.close();
    }
    await assert.rejects(
      EmulatedCamera.start({ address: uniqueLoopbackAddress(), broadcastAddresses: [], macAddress: '02:00:00' }),
      /MAC address "02:00:00" is not allowed/,
    );
  });

  it('refuses a non-loopback address and a taken one, naming the problem', async () => {
    await assert.rejects(
      EmulatedCamera.start({ address: '192.168.1.10', broadcastAddresses: [] }),
      /not a loopback address.*--allow-network/,
    );
    // Serving a network on purpose takes an address this host has (192.0.2.0/24 is documentation-only).
    await assert.rejects(
      EmulatedCamera.start({ address: '192.0.2.77', allowNetwork: true, broadcastAddresses: [] }),
      /192\.0\.2\.77 is not an address of this host/,
    );
    const address = uniqueLoopbackAddress();
    const first = await EmulatedCamera.start({ address, broadcastAddresses: [] });
    try {
      await assert.rejects(EmulatedCamera.start({ address, broadcastAddresses: [] }), /already uses this address|EADDRINUSE|cannot listen/);
    } finally {
      await first.stop();
    }
  });

  it('refuses unknown or invalid start-up settings with the allowed values', async () => {
    await assert.rejects(
      EmulatedCamera.start({ address: uniqueLoopbackAddress(), broadcastAddresses: [], settings: { Brightness: 3 } }),
      /no such feature/,
    );
    await assert.rejects(
      EmulatedCamera.start({ address: uniqueLoopbackAddress(), broadcastAddresses: [], settings: { PixelFormat: 'Mono10' } }),
      /allowed Mono8, Mono12Packed, Mono16/,
    );
    const camera = await EmulatedCamera.start({
      address: uniqueLoopbackAddress(),
      broadcastAddresses: [],
      settings: { ExposureAuto: 'Off', ExposureTime: 1234 },
    });
    assert.equal(camera.model.store.get('ExposureTime'), 1234);
    await camera.stop();
  });
});
