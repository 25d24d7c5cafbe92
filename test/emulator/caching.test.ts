/**
 * GenICam caching of the emulator's XML. Registers only the host changes are WriteThrough (a read
 * is served from the client's cache), with pInvalidator links wherever a write changes another
 * feature; what the camera changes by itself is NoCache. Correctness first: after every write of
 * every feature a client reading through its cache sees exactly what an uncached client sees.
 */
import { strict as assert } from 'node:assert';
import dgram from 'node:dgram';
import { NodeMap, loadDeviceXml } from '../../lib/genicam';
import { ipToNumber, macToString } from '../../lib/gvcp/address';
import { GvcpDevice } from '../../lib/gvcp/device';
import { forceIp } from '../../lib/gvcp/forceip';
import { Client, IDENTITY_RESPONSE, configure, openClient } from './support/client';
import { BatchReadPort, CacheWalk } from './support/cache-walk';

/** A UDP socket that swallows whatever the camera streams or sends to it. */
async function sink(): Promise<{ port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

async function freshMap(client: Client): Promise<NodeMap> {
  return NodeMap.fromXml(await loadDeviceXml(client.device.port, { cacheDir: false }), { device: new BatchReadPort(client.device) });
}

/** Device reads one more getValue costs, once the first has filled the cache. */
async function readsPerGet(client: Client, name: string): Promise<number> {
  await client.get(name);
  const before = client.map.statistics().deviceReads;
  await client.get(name);
  return client.map.statistics().deviceReads - before;
}

describe('emulator: GenICam caching', function () {
  this.timeout(60000);

  it('serves what only the host changes from the cache; asks the device for what the camera changes itself', async () => {
    const client = await openClient();
    try {
      // Width's lock reads AcquisitionStatus, which the camera ends by itself (SingleFrame) — but a
      // lock only takes writing away, so a read does not evaluate it; a write does.
      assert.equal(await readsPerGet(client, 'Width'), 0, 'Width: a read does not evaluate its lock');
      const beforeAccess = client.map.statistics().deviceReads;
      assert.equal(await client.map.isWritable('Width'), true);
      assert.ok(client.map.statistics().deviceReads > beforeAccess, 'Width: whether it can be written asks the device for its lock');
      assert.equal(await readsPerGet(client, 'BlackLevel'), 0);
      assert.equal(await readsPerGet(client, 'PayloadSize'), 0);
      assert.equal(await readsPerGet(client, 'AcquisitionFrameRateMax'), 0);
      assert.equal(await readsPerGet(client, 'ExposureTime'), 1, 'auto exposure changes ExposureTime: never cached');
      assert.equal(await readsPerGet(client, 'PtpStatus'), 1);
      assert.equal(await readsPerGet(client, 'GPIIn'), 1);
      assert.equal(await readsPerGet(client, 'AcquisitionStatus'), 1);
    } finally {
      await client.close();
    }
  });

  // A write shows a missing invalidator only if it changes the other feature from the state it is
  // in, so the walk runs from two states that between them make every dependency show (checked by
  // removing each declared dependency in turn: the walk then fails).
  const baselines = {
    'near factory settings: binned 2×2, centred auto-function ROI, TriggerOverlap Readout': {
      BinningHorizontal: 2,
      BinningVertical: 2,
      AutoFunctionsROI_Preset: 'Center50Percent',
      TriggerOverlap: 'Readout',
    },
    'everything unlocked, skipping 2×2, link-limited frame rate, chunks on, channels open': {
      // ExposureAutoUpperLimit differs from the frame period it follows when its auto mode is on.
      ...IDENTITY_RESPONSE,
      ExposureAutoUpperLimitAuto: 'Off',
      ExposureAutoUpperLimit: 50000,
      OffsetAutoCenter: 'Off',
      DecimationHorizontal: 2,
      DecimationVertical: 2,
      PixelFormat: 'Mono16',
      Width: 2200,
      Height: 1000,
      AutoFunctionsROIEnable: true,
      AutoFunctionsROI_Preset: 'CustomRectangle',
      UserSetSelector: 'UserSet1',
      ChunkModeActive: true,
      LUTEnable: true,
      MultiFrameSetOutputModeEnable: true,
      GevSCDA: ipToNumber('127.0.0.1'),
      GevSCPHostPort: 'stream',
      GevSCPSPacketSize: 8000,
      GevMCDA: ipToNumber('127.0.0.1'),
      GevMCPHostPort: 'events',
      EventSelector: 'Test',
      EventNotification: 'On',
    },
  };
  for (const [baseline, settings] of Object.entries(baselines)) {
    it(`never serves a stale value: every feature written through the cache, ${baseline}`, async () => {
      const client = await openClient({ ptpSettlingMs: 0 });
      const stream = await sink();
      const events = await sink();
      const ports: Record<string, number> = { stream: stream.port, events: events.port };
      try {
        // Triggered, so that AcquisitionStart makes no frames that change values mid-comparison.
        await configure(client, { TriggerMode: 'On' });
        await configure(
          client,
          Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, typeof v === 'string' && v in ports ? ports[v] : v])),
        );
        if (Object.hasOwn(settings, 'PixelFormat')) {
          // Readout of 1000 rows: 2.56 ms + 28 µs each (docs/emulator.md); the link must be slower.
          const readoutLimit = 1e9 / (2.56e6 + 28e3 * 1000);
          assert.ok(
            Number(await client.get('AcquisitionFrameRateMax')) < readoutLimit * 0.95,
            'the link limits the frame rate, so packet size and chunks change it',
          );
        }
        const walk = new CacheWalk(client, await freshMap(client), {
          exclude: {
            GevCCP: 'would give up control: the walk runs in that session',
            GevTimestampControlReset: 'moves the device clock; only the timestamps (NoCache) change',
          },
          candidates: {
            GevSCPHostPort: [0, stream.port],
            GevMCPHostPort: [0, events.port],
            GevSCDA: [ipToNumber('127.0.0.1'), ipToNumber('127.0.0.9')],
            GevMCDA: [ipToNumber('127.0.0.1'), ipToNumber('127.0.0.9')],
            GevHeartbeatTimeout: [10000],
          },
        });
        await walk.check('setting up');
        await walk.walkAll();
        assert.deepEqual(walk.problems, [], `${walk.problems.length} stale reads in ${walk.checks} comparisons`);
        assert.ok(walk.walked.size >= 95, `only ${walk.walked.size} features walked`);
        if (Object.hasOwn(settings, 'PixelFormat')) {
          for (const name of [
            'ExposureTime',
            'Gain',
            'ExposureAutoUpperLimit',
            'OffsetX',
            'OffsetY',
            'AutoFunctionsROI_Left',
            'AutoFunctionsROIHeight',
            'UserSetSave',
            'LUTValueAll',
          ]) {
            assert.ok(walk.walked.has(name), `${name} was not walked: ${walk.notWritable.get(name)}`);
          }
        }
      } finally {
        await client.close();
        await stream.close();
        await events.close();
      }
    });
  }

  it('UserSetLoad: every restored value reads back through the cache', async () => {
    const client = await openClient({ ptpSettlingMs: 0 });
    try {
      const walk = new CacheWalk(client, await freshMap(client));
      await configure(client, {
        ...IDENTITY_RESPONSE,
        Width: 1280,
        Height: 720,
        PixelFormat: 'Mono16',
        ChunkModeActive: true,
        LUTIndex: 7,
        LUTValue: 1000,
      });
      await configure(client, { UserSetSelector: 'UserSet1' });
      await client.execute('UserSetSave');
      await configure(client, {
        Width: 640,
        Height: 480,
        PixelFormat: 'Mono8',
        ChunkModeActive: false,
        ExposureAuto: 'Continuous',
        BinningHorizontal: 2,
        LUTValue: 5,
        PtpEnable: false,
      });
      await walk.check('changing the settings');
      // Read everything through the cache once more, so every stale candidate is cached.
      await walk.check('reading again');
      await client.execute('UserSetLoad');
      await walk.check('UserSetLoad UserSet1');
      assert.equal(await client.get('Width'), 1280);
      assert.equal(await client.get('PayloadSize'), 1280 * 720 * 2 + 8 + 16 * 2);
      assert.equal(await client.get('LUTValue'), 1000);
      assert.equal(await client.get('GevIEEE1588'), true);
      await configure(client, { UserSetSelector: 'Default' });
      await client.execute('UserSetLoad');
      await walk.check('UserSetLoad Default');
      assert.deepEqual(walk.problems, []);
    } finally {
      await client.close();
    }
  });

  it('what others change reads afresh: privilege (another application takes control), addresses (FORCEIP)', async () => {
    const client = await openClient();
    const monitor = await GvcpDevice.connect({ address: client.address, access: 'monitor' });
    try {
      const map = NodeMap.fromXml(await loadDeviceXml(monitor.port, { cacheDir: false }), { device: monitor.port });
      assert.equal(await map.getValue('GevCCP'), 'ControlAccess');
      assert.equal(await map.getValue('GevCurrentSubnetMask'), ipToNumber('255.0.0.0'));
      assert.equal(await map.getValue('GevCurrentDefaultGateway'), 0);
      await client.device.close();
      assert.equal(await map.getValue('GevCCP'), 'OpenAccess');
      // Same address, another mask and gateway (in one subnet with 127.0.0.1, so nothing moves).
      await forceIp({
        macAddress: macToString(client.camera.model.identity.macAddress),
        ipAddress: client.address,
        subnetMask: '254.0.0.0',
        gateway: '127.0.0.254',
        broadcast: client.address,
        localAddress: '127.0.0.1',
      });
      assert.equal(await map.getValue('GevCurrentSubnetMask'), ipToNumber('254.0.0.0'));
      assert.equal(await map.getValue('GevCurrentDefaultGateway'), ipToNumber('127.0.0.254'));
    } finally {
      await monitor.close();
      await client.close();
    }
  });

  it('what the camera changes by itself reads afresh: a SingleFrame acquisition ends, auto exposure moves, TRIGGER_IN moves', async () => {
    const client = await openClient();
    try {
      assert.equal(await client.get('GPIIn'), true, 'TRIGGER_IN low reads True (manual 5.6.1)');
      client.camera.io.setTriggerInput(true);
      assert.equal(await client.get('GPIIn'), false);
      client.camera.io.setTriggerInput(false);
      const stream = await client.openStream();
      // Exposure is capped at 100 µs, so auto gain has to make up the rest: both move.
      await configure(client, {
        Width: 640,
        Height: 480,
        AcquisitionMode: 'SingleFrame',
        ExposureAuto: 'Continuous',
        GainAuto: 'Continuous',
        ExposureAutoReference: 200,
        ExposureAutoUpperLimitAuto: 'Off',
        ExposureAutoUpperLimit: 100,
      });
      const exposureBefore = await client.get('ExposureTime');
      const gainBefore = await client.get('Gain');
      assert.equal(await client.map.isWritable('Width'), true);
      await client.execute('AcquisitionStart');
      assert.equal(await client.map.isWritable('Width'), false, 'locked while acquiring');
      await stream.next(1);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await client.get('AcquisitionStatus'), false, 'the single frame ended the acquisition');
      assert.equal(await client.map.isWritable('Width'), true, 'and unlocked Width without a host write');
      assert.notEqual(await client.get('ExposureTime'), exposureBefore, 'auto exposure chose another exposure');
      assert.notEqual(await client.get('Gain'), gainBefore, 'auto gain chose another gain');
    } finally {
      await client.close();
    }
  });
});
