/**
 * An emulated DMK 38GX541-a and a client talking to it over real GVCP/GVSP on loopback: the GVCP
 * device (lib/gvcp), its GenICam node map built from the XML the camera serves (lib/genicam), and
 * on demand a stream receiver (lib/stream) and a message channel for events.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { EmulatedCamera, EmulatedCameraOptions } from '../../../lib/emulator';
import { GvcpDevice } from '../../../lib/gvcp/device';
import { MessageChannel, GvcpEvent } from '../../../lib/gvcp/message-channel';
import { ipToNumber } from '../../../lib/gvcp/address';
import { NodeMap, loadDeviceXml } from '../../../lib/genicam';
import { Frame, Stream, openStream } from '../../../lib/stream';
import { uniqueLoopbackAddress } from '../../support/loopback';

export type Value = string | number | boolean | bigint | Buffer;

export interface Client {
  camera: EmulatedCamera;
  device: GvcpDevice;
  map: NodeMap;
  address: string;
  get(name: string): Promise<Value>;
  set(name: string, value: unknown): Promise<void>;
  execute(name: string): Promise<void>;
  /** The device clock now (ns), through the timestamp latch. */
  deviceTime(): Promise<bigint>;
  /** Opens stream channel 0 towards a local receiver; frames collect in `frames`. */
  openStream(options?: { maxPayloadSize?: number }): Promise<StreamHandle>;
  /** Opens the message channel; events collect in `events`. */
  openEvents(): Promise<EventHandle>;
  /**
   * Waits until the device clock has passed `horizon` (device ns) and every frame and event the
   * camera sent by then has reached this client's stream and message channel. What a test then
   * observes does not depend on how busy the machine is; only a frame lost outright hits the bound.
   */
  settle(horizon: bigint, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface StreamHandle {
  stream: Stream;
  frames: Frame[];
  /** Resolves with the first `count` frames received after the call (exposed at or after `since`, device ns). */
  next(count: number, timeoutMs?: number, since?: bigint): Promise<Frame[]>;
  /** Starts acquisition, waits for `count` frames of this acquisition, stops. */
  grab(count: number, timeoutMs?: number): Promise<Frame[]>;
}

export interface EventHandle {
  channel: MessageChannel;
  events: GvcpEvent[];
  waitFor(predicate: (e: GvcpEvent) => boolean, timeoutMs?: number): Promise<GvcpEvent>;
}

const xmlCache = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-emu-xml-'));

/**
 * A received frame's pool buffer returns to the receiver only when it is garbage-collected. These
 * tests keep copies and drop the originals, so they collect now and then; otherwise a quiet test
 * process can exhaust the pool and lose frames until V8 happens to collect.
 */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Settings that make the response the identity (Mono8 = scene >> 4): no auto functions, 10 ms, 0 dB, black 0. */
export const IDENTITY_RESPONSE = { ExposureAuto: 'Off', GainAuto: 'Off', ExposureTime: 10000, Gain: 0, BlackLevel: 0 } as const;

export async function openClient(options: EmulatedCameraOptions = {}): Promise<Client> {
  const address = options.address ?? uniqueLoopbackAddress();
  const camera = await EmulatedCamera.start({ broadcastAddresses: [], ptpSettlingMs: 200, ...options, address });
  let device: GvcpDevice;
  try {
    device = await GvcpDevice.connect({ address, access: 'control' });
  } catch (err) {
    await camera.stop();
    throw err;
  }
  const xml = await loadDeviceXml(device.port, { cacheDir: xmlCache });
  const map = NodeMap.fromXml(xml, { device: device.port });
  const closers: Array<() => Promise<void>> = [];
  // Totals for settle(): what this client's stream and message channel have received.
  let streamOpen = false;
  let eventsOpen = false;
  let framesReceived = 0;
  let eventsReceived = 0;
  const client: Client = {
    camera,
    device,
    map,
    address,
    get: (name) => map.getValue(name) as Promise<Value>,
    set: (name, value) => map.setValue(name, value),
    execute: (name) => map.execute(name),
    async deviceTime() {
      await map.execute('TimestampLatch');
      return BigInt((await map.getValue('TimestampLatchValue')) as number | bigint);
    },
    async openStream(options = {}) {
      const packetSize = Number(await map.getValue('GevSCPSPacketSize'));
      const frames: Frame[] = [];
      const listeners = new Set<(frame: Frame) => void>();
      let received = 0;
      streamOpen = true;
      const stream = openStream({
        bindAddress: '127.0.0.1',
        deviceAddress: address,
        packetSize,
        // Room for any format of a 640×480-class image unless asked for more.
        maxPayloadSize: options.maxPayloadSize ?? Math.max(Number(await map.getValue('PayloadSize')), 2 << 20),
        bufferCount: 16,
        socketBufferBytes: 8 << 20,
      });
      stream.on('frame', (frame) => {
        // Keep a copy: a received frame holds a pool buffer until it is garbage-collected, and a
        // test that keeps frames would otherwise starve the receiver.
        const copy = { ...frame, data: Buffer.from(frame.data), chunkData: frame.chunkData && Buffer.from(frame.chunkData) };
        received += 1;
        framesReceived += 1;
        if (received % 6 === 0) setImmediate(collectGarbage);
        frames.push(copy);
        if (frames.length > 64) frames.splice(0, frames.length - 64);
        for (const listener of [...listeners]) listener(copy);
      });
      await map.setValue('GevSCDA', ipToNumber('127.0.0.1'));
      await map.setValue('GevSCPHostPort', stream.port);
      closers.push(async () => {
        await map.setValue('GevSCPHostPort', 0).catch(() => undefined);
        await stream.close();
      });
      const handle: StreamHandle = {
        stream,
        frames,
        async grab(count, timeoutMs = 5000) {
          const since = await client.deviceTime();
          // Listening before the start: on a stalled event loop the first frame can be handled
          // before AcquisitionStart's acknowledgement, and a listener added after it misses that
          // frame (the likely cause of a CI run where a frame set began at its second member).
          // `since` keeps earlier frames out.
          const frames = handle.next(count, timeoutMs, since);
          try {
            await map.execute('AcquisitionStart');
          } catch (err) {
            frames.catch(() => undefined);
            throw err;
          }
          try {
            return await frames;
          } finally {
            await map.execute('AcquisitionStop');
          }
        },
        next(count, timeoutMs = 5000, since = 0n) {
          return new Promise<Frame[]>((resolve, reject) => {
            const got: Frame[] = [];
            const listener = (frame: Frame): void => {
              if (frame.timestamp >= since) got.push(frame);
              if (got.length < count) return;
              listeners.delete(listener);
              clearTimeout(timer);
              resolve(got);
            };
            const timer = setTimeout(() => {
              listeners.delete(listener);
              reject(new Error(`timed out after ${timeoutMs} ms: ${got.length} of ${count} frames`));
            }, timeoutMs);
            listeners.add(listener);
          });
        },
      };
      return handle;
    },
    async openEvents() {
      const channel = await MessageChannel.open(device.channel, { localAddress: '127.0.0.1' });
      eventsOpen = true;
      const events: GvcpEvent[] = [];
      const waiters: Array<() => void> = [];
      channel.on('event', (e: GvcpEvent) => {
        events.push(e);
        eventsReceived += 1;
        for (const w of waiters.splice(0)) w();
      });
      closers.push(() => channel.close());
      return {
        channel,
        events,
        waitFor(predicate, timeoutMs = 3000) {
          return new Promise<GvcpEvent>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for an event`)), timeoutMs);
            let seen = 0;
            const check = (): void => {
              for (; seen < events.length; seen += 1) {
                if (predicate(events[seen])) {
                  clearTimeout(timer);
                  resolve(events[seen]);
                  return;
                }
              }
              waiters.push(check);
            };
            check();
          });
        },
      };
    },
    async settle(horizon, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
      // A camera timer runs at most a few ms after its time (Node rounds delays up to whole ms).
      const until = horizon + 5_000_000n;
      while (camera.io.now() < until) {
        if (Date.now() > deadline) throw new Error(`the device clock did not reach ${horizon} within ${timeoutMs} ms`);
        await sleep(Math.max(1, Math.min(20, Number(until - camera.io.now()) / 1e6)));
      }
      const { producer, eventCounts } = camera.model;
      for (;;) {
        const events = Object.values(eventCounts).reduce((a, b) => a + b, 0);
        const handedOver = producer.stats.framesSent + producer.stats.sendErrors >= producer.stats.framesQueued;
        const framesDone = handedOver && (!streamOpen || framesReceived >= producer.stats.framesSent);
        const eventsDone = !eventsOpen || eventsReceived >= events;
        if (framesDone && eventsDone) return;
        if (Date.now() > deadline) {
          throw new Error(
            `not everything the camera sent arrived within ${timeoutMs} ms: frames ${framesReceived} of ` +
              `${producer.stats.framesSent} (${producer.stats.framesQueued} queued), events ${eventsReceived} of ${events}`,
          );
        }
        await sleep(5);
      }
    },
    async close() {
      for (const c of closers.reverse()) await c().catch(() => undefined);
      await device.close().catch(() => undefined);
      await camera.stop();
    },
  };
  return client;
}

/** Applies settings in order (order matters: auto off before writing ExposureTime). */
export async function configure(client: Client, settings: Record<string, unknown>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) await client.set(name, value);
}

export function mean(bytes: Buffer): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 1) sum += bytes[i];
  return bytes.length ? sum / bytes.length : 0;
}
