import { strict as assert } from 'node:assert';

import { GvspSender } from '../../lib/stream/native';
import { PixelFormat } from '../../lib/stream/pixel-formats';
import { uniqueLoopbackAddress } from '../support/loopback';
import { openStreamPair, sceneBlock, type StreamPair } from './support/stream-pair';

// Issue 15 item 4: the receiver took GVSP from anybody, and whole frames forged by another socket
// were delivered as complete. It must accept only the camera's address, and only the camera's
// stream source port once that is known (given as SCSP, or learned from the camera's first packet).
describe('native StreamReceiver accepts GVSP only from the camera', function () {
  const params = { width: 200, height: 60, pixelFormat: PixelFormat.Mono8 };
  const forgedData = Buffer.alloc(200 * 60, 0xee);
  let pair: StreamPair | undefined;
  let forger: InstanceType<typeof GvspSender> | undefined;
  afterEach(async () => {
    await Promise.all([pair?.close(), forger?.close()]);
    pair = undefined;
    forger = undefined;
  });

  async function forge(bindAddress: string, blockIds: bigint[]): Promise<void> {
    forger = new GvspSender({ bindAddress });
    forger.configure({ destinationAddress: receiverAddress, destinationPort: pair!.stream.port, packetSize: 1500 });
    for (const id of blockIds) await forger.sendBlock({ ...sceneBlock(id, params), data: forgedData });
  }

  let receiverAddress: string;
  let deviceAddress: string;
  beforeEach(() => {
    receiverAddress = uniqueLoopbackAddress();
    deviceAddress = uniqueLoopbackAddress();
  });

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  function assertOnlyGenuine(expectedIds: bigint[]): void {
    const stats = pair!.stream.stats();
    for (const frame of pair!.frames) {
      assert.ok(!frame.data.equals(forgedData), `frame ${frame.blockId} is a forged one: ${JSON.stringify(stats)}`);
    }
    assert.deepEqual(pair!.frames.map((f) => f.blockId), expectedIds, JSON.stringify(stats));
    assert.ok(pair!.frames.every((f) => f.status === 'complete'));
    assert.ok(stats.packetsRejected > 0, 'the forged packets are counted as rejected');
  }

  it('rejects whole frames forged from another address (and counts them)', async () => {
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 200 * 60, bindAddress: receiverAddress, deviceAddress });
    await forge(uniqueLoopbackAddress(), [1n, 2n, 3n]);
    for (const id of [1n, 2n, 3n]) await pair.sender.sendBlock(sceneBlock(id, params));
    await pair.waitFrames(3);
    await settle();
    assertOnlyGenuine([1n, 2n, 3n]);
    assert.equal(pair.stream.stats().packetsRejected, 3 * (1 + Math.ceil((200 * 60) / 1464) + 1));
  });

  it('rejects frames from the camera\'s address but another port once the camera\'s port is learned', async () => {
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 200 * 60, bindAddress: receiverAddress, deviceAddress });
    await pair.sender.sendBlock(sceneBlock(1n, params));
    await pair.waitFrames(1);
    await forge(deviceAddress, [2n, 3n]);
    for (const id of [2n, 3n]) await pair.sender.sendBlock(sceneBlock(id, params));
    await pair.waitFrames(3);
    await settle();
    assertOnlyGenuine([1n, 2n, 3n]);
  });

  it('with the camera\'s stream source port given (SCSP), rejects a forger on its address that sends first', async () => {
    // The sender binds before the stream opens, so its port can be passed as the camera's SCSP.
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 200 * 60, bindAddress: receiverAddress, deviceAddress }, {}, (sender) => ({ sourcePort: sender.port }));
    await forge(deviceAddress, [1n, 2n]);
    for (const id of [1n, 2n]) await pair.sender.sendBlock(sceneBlock(id, params));
    await pair.waitFrames(2);
    await settle();
    assertOnlyGenuine([1n, 2n]);
  });
});
