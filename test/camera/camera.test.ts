import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera, CameraEvent } from '../../lib/camera/camera';
import { renderRampReference } from '../../lib/stream/scene-reference';
import { signalTable } from '../../lib/emulator/dmk38gx541/transfer';
import { PixelFormat, unpackToMono16 } from '../../lib/stream';
import { isGigeError } from '../../lib/errors';
import { uniqueLoopbackAddress } from '../support/loopback';
import { IDENTITY_SETTINGS, expectedFrameBytes, firstDifference } from '../support/emulated-scene';

describe('camera: Camera against an emulated DMK 38GX541-a', function () {
  let emulator: EmulatedCamera;
  let address: string;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address, serial: 'CAMTEST1', heartbeatTimeoutMs: 1000 });
  });

  afterEach(async () => {
    await emulator.stop();
  });

  async function openWithIdentityTransfer(): Promise<Camera> {
    const camera = await Camera.open({ address, xmlCacheDir: undefined });
    for (const [name, value] of IDENTITY_SETTINGS) await camera.set(name, value);
    await camera.set('Width', 1024);
    await camera.set('Height', 256);
    return camera;
  }

  it('reads identity and features by name', async () => {
    const camera = await Camera.open({ address });
    try {
      assert.equal(await camera.get('DeviceModelName'), 'DMK 38GX541-a');
      assert.equal(await camera.get('DeviceVendorName'), 'The Imaging Source Europe GmbH');
      assert.equal(await camera.get('Width'), 4504);
      assert.equal(await camera.get('PixelFormat'), 'Mono8');
    } finally {
      await camera.close();
    }
  });

  for (const format of ['Mono8', 'Mono16', 'Mono12Packed'] as const) {
    it(`grabs a ${format} frame whose pixels are the documented scene`, async () => {
      const camera = await openWithIdentityTransfer();
      try {
        await camera.set('PixelFormat', format);
        const frame = await camera.grab();
        assert.equal(frame.status, 'complete');
        assert.equal(frame.width, 1024);
        assert.equal(frame.height, 256);
        assert.equal(frame.pixelFormat, PixelFormat[format]);
        const diff = firstDifference(frame.data, expectedFrameBytes(frame));
        assert.equal(diff, -1, `first wrong byte at ${diff}`);
        if (format === 'Mono12Packed') {
          const wide = unpackToMono16(frame.data, frame.pixelFormat, frame.width, frame.height);
          const fromReference = unpackToMono16(expectedFrameBytes(frame), frame.pixelFormat, frame.width, frame.height);
          assert.ok(wide.equals(fromReference));
        }
      } finally {
        await camera.close();
      }
    });
  }

  it('streams consecutive frames during acquisition and stops cleanly', async () => {
    const camera = await openWithIdentityTransfer();
    try {
      await camera.startAcquisition();
      const first = await camera.nextFrame();
      const second = await camera.nextFrame();
      assert.ok(second.blockId > first.blockId, `block ids ${first.blockId} then ${second.blockId}`);
      await camera.stopAcquisition();
      assert.equal(camera.acquiring, false);
      await assert.rejects(camera.nextFrame(200), (err: unknown) => isGigeError(err, 'NOT_ACQUIRING'));
    } finally {
      await camera.close();
    }
  });

  it('fires a software trigger and receives exactly the triggered frame', async () => {
    const camera = await openWithIdentityTransfer();
    try {
      await camera.set('TriggerMode', 'On');
      await camera.set('TriggerSource', 'Software');
      await camera.startAcquisition();
      await assert.rejects(
        camera.nextFrame(400),
        (err: unknown) => isGigeError(err, 'FRAME_TIMEOUT'),
        'a camera waiting for a trigger must not send frames',
      );
      const frame = await camera.triggerSoftware();
      assert.equal(frame.status, 'complete');
    } finally {
      await camera.close();
    }
  });

  it('refuses a second controller with a clear error, and frees control on close', async () => {
    const first = await Camera.open({ address });
    await assert.rejects(
      Camera.open({ address }),
      (err: unknown) => isGigeError(err) && /another application controls this camera/.test((err as Error).message),
    );
    await first.close();
    const second = await Camera.open({ address });
    await second.close();
  });

  it('names the feature and the allowed range when a value is out of range', async () => {
    const camera = await Camera.open({ address });
    try {
      await assert.rejects(
        camera.set('Width', 20),
        (err: unknown) =>
          isGigeError(err) &&
          /Width/.test((err as Error).message) &&
          /608/.test((err as Error).message) &&
          /4504/.test((err as Error).message),
      );
      await assert.rejects(camera.get('NoSuchFeature'), (err: unknown) => isGigeError(err) && /NoSuchFeature/.test((err as Error).message));
    } finally {
      await camera.close();
    }
  });

  it('delivers device events with their name and the values of their event features', async () => {
    const camera = await openWithIdentityTransfer();
    try {
      assert.deepEqual(await camera.availableEvents(), [
        'ExposureEnd',
        'FrameTriggerMissed',
        'Line1FallingEdge',
        'Line1RisingEdge',
        'Test',
      ]);
      const events: CameraEvent[] = [];
      camera.on('event', (event: CameraEvent) => events.push(event));
      await camera.enableEvents(['Test', 'ExposureEnd']);
      await camera.execute('TestEventGenerate');
      const frame = await camera.grab();
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && events.length < 2) await new Promise((r) => setTimeout(r, 20));
      const test = events.find((e) => e.name === 'Test');
      assert.ok(test, JSON.stringify(events.map((e) => e.name)));
      assert.equal(typeof test.values.EventTestTimestamp, 'bigint');
      const exposureEnd = events.find((e) => e.name === 'ExposureEnd');
      assert.ok(exposureEnd);
      assert.equal(BigInt(exposureEnd.values.EventExposureEndFrameID as number), frame.blockId, 'ExposureEnd names the frame');
      await assert.rejects(
        camera.enableEvents(['Bogus']),
        (err: unknown) => isGigeError(err, 'UNKNOWN_EVENT') && /offers: ExposureEnd/.test((err as Error).message),
      );
    } finally {
      await camera.close();
    }
  });

  it('reads chunk values with each frame, and the image bytes stay exact', async () => {
    const camera = await openWithIdentityTransfer();
    try {
      await camera.set('ExposureTime', 12500);
      await camera.set('ChunkModeActive', true);
      for (const chunk of ['ExposureTime', 'Gain']) {
        await camera.set('ChunkSelector', chunk);
        await camera.set('ChunkEnable', true);
      }
      const frame = await camera.grab();
      assert.equal(frame.chunks?.ChunkExposureTime, 12500);
      assert.equal(frame.chunks?.ChunkGain, 0);
      const expected = renderRampReference({
        width: frame.width,
        height: frame.height,
        pixelFormat: frame.pixelFormat,
        originX: frame.offsetX,
        originY: frame.offsetY,
        phase: frame.blockId,
        lut: signalTable(12500, 0, 0),
      });
      assert.equal(firstDifference(frame.data, expected), -1);
    } finally {
      await camera.close();
    }
  });

  it('reports the camera lost when it vanishes, and fails pending grabs', async function () {
    this.timeout(10000);
    const camera = await openWithIdentityTransfer();
    await camera.set('TriggerMode', 'On');
    await camera.startAcquisition();
    const lost = new Promise<Error>((resolve) => camera.once('lost', resolve));
    const pending = camera.nextFrame(8000);
    pending.catch(() => undefined);
    const vanishedAt = Date.now();
    await emulator.stop();
    const err = await lost;
    assert.ok(Date.now() - vanishedAt < 3000, `lost after ${Date.now() - vanishedAt} ms`);
    await assert.rejects(pending);
    assert.ok(err instanceof Error);
    await assert.rejects(camera.get('Width'), (e: unknown) => isGigeError(e, 'CAMERA_LOST'));
    await camera.close();
    emulator = await EmulatedCamera.start({ address, serial: 'CAMTEST1' });
  });
});
