/** A native sender and a native receiver on two loopback addresses, and helpers to await frames. */
import { GvspSender, renderRamp, type GvspBlock, type GvspSenderConfig, type RampParams } from '../../../lib/stream/native';
import { openStream, type Frame, type Stream, type StreamOptions } from '../../../lib/stream/index';
import { imageByteLength } from '../../../lib/stream/pixel-formats';
import { uniqueLoopbackAddress } from '../../support/loopback';
import { ResendForwarder } from './resend-forwarder';

export interface StreamPair {
  stream: Stream;
  sender: InstanceType<typeof GvspSender>;
  /** Receives the stream's PACKETRESEND commands and forwards them to the sender. */
  forwarder: ResendForwarder;
  frames: Frame[];
  /** Frames delivered so far (kept or not). */
  readonly received: number;
  /** performance.now() when each frame was delivered. */
  deliveredAt: number[];
  warnings: string[];
  /** Resolves with the first `count` frames received, or rejects after `timeoutMs`. */
  waitFrames(count: number, timeoutMs?: number): Promise<Frame[]>;
  close(): Promise<void>;
}

export async function openStreamPair(
  streamOptions: Omit<StreamOptions, 'bindAddress' | 'deviceAddress'> & Partial<Pick<StreamOptions, 'bindAddress' | 'deviceAddress'>>,
  senderConfig: Partial<GvspSenderConfig> = {},
  /** Stream options that depend on the sender (e.g. its source port as the camera's SCSP). */
  fromSender: (sender: InstanceType<typeof GvspSender>) => Partial<StreamOptions> = () => ({}),
  /** false: frames are only counted (`frames` stays empty), as a consumer that looks and lets go. */
  keepFrames = true,
): Promise<StreamPair> {
  const receiverAddress = streamOptions.bindAddress ?? uniqueLoopbackAddress();
  const deviceAddress = streamOptions.deviceAddress ?? uniqueLoopbackAddress();
  const sender = new GvspSender({ bindAddress: deviceAddress });
  const forwarder = await ResendForwarder.open(deviceAddress, sender);
  const stream = openStream({ devicePort: forwarder.port, ...streamOptions, ...fromSender(sender), bindAddress: receiverAddress, deviceAddress });
  sender.configure({
    destinationAddress: receiverAddress,
    destinationPort: stream.port,
    packetSize: streamOptions.packetSize,
    extendedIds: streamOptions.extendedIds,
    ...senderConfig,
  });
  const frames: Frame[] = [];
  let received = 0;
  const delivered = () => (keepFrames ? frames.length : received);
  const deliveredAt: number[] = [];
  const warnings: string[] = [];
  let waiters: (() => void)[] = [];
  stream.on('frame', (frame) => {
    // Tests look at frames after the event: each keeps its pool buffer (a share) until the test ends.
    if (keepFrames) frames.push(frame.share());
    else received += 1;
    deliveredAt.push(performance.now());
    const w = waiters;
    waiters = [];
    w.forEach((wake) => wake());
  });
  stream.on('warning', (w) => warnings.push(w.message));
  return {
    stream,
    sender,
    forwarder,
    frames,
    deliveredAt,
    warnings,
    get received() {
      return delivered();
    },
    async waitFrames(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (delivered() < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`got ${delivered()} of ${count} frames within ${timeoutMs} ms: ${JSON.stringify(stream.stats())}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return frames.slice(0, count);
    },
    async close() {
      await Promise.all([stream.close(), sender.close(), forwarder.close()]);
    },
  };
}

/** A block carrying the scene for `params` (phase = block id unless given). */
export function sceneBlock(blockId: bigint, params: RampParams, extra: Partial<GvspBlock> = {}): GvspBlock {
  const data = Buffer.alloc(imageByteLength(params.pixelFormat, params.width, params.height));
  renderRamp(data, { phase: Number(blockId % 4096n), ...params });
  return {
    blockId,
    timestamp: 1_000_000n * blockId,
    pixelFormat: params.pixelFormat,
    width: params.width,
    height: params.height,
    offsetX: params.originX ?? 0,
    offsetY: params.originY ?? 0,
    paddingX: 0,
    paddingY: 0,
    data,
    ...extra,
  };
}
