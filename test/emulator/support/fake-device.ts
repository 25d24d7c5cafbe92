/**
 * Test helpers for the camera model on its own (no network): a DeviceServices that records the
 * blocks and events the model hands to the GVCP server, and feature access by name through the
 * model's register file — the same bytes the server would put on the wire.
 */
import type { DeviceServices, OutgoingBlock, OutgoingEvent, StreamChannelConfig } from '../../../lib/emulator/device-model';
import { Dmk38gx541, Dmk38gx541Options } from '../../../lib/emulator/dmk38gx541/camera-model';
import { feature } from '../../../lib/emulator/dmk38gx541/features';
import { DeviceAccessError } from '../../../lib/emulator/device-model';
import { DeviceClock } from '../../../lib/emulator/device/clock';

export const OPEN_CHANNEL: StreamChannelConfig = {
  destinationAddress: '127.0.0.1',
  destinationPort: 50000,
  packetSize: 1500,
  packetDelayTicks: 0,
  doNotFragment: false,
  extendedIds: false,
};

export class FakeServices implements DeviceServices {
  readonly blocks: OutgoingBlock[] = [];
  readonly events: OutgoingEvent[] = [];
  channel: StreamChannelConfig | null = OPEN_CHANNEL;
  private nextBlockId = 1n;
  readonly timeBase = new DeviceClock();

  now(): bigint {
    return this.timeBase.now();
  }

  streamChannel(): StreamChannelConfig | null {
    return this.channel;
  }

  reserveBlockId(): bigint | null {
    if (!this.channel) return null;
    const id = this.nextBlockId;
    this.nextBlockId += 1n;
    return id;
  }

  async sendBlock(block: OutgoingBlock): Promise<bigint> {
    // Copy: the model reuses its payload buffers once a block has been sent.
    this.blocks.push({ ...block, data: Buffer.from(block.data) });
    return block.blockId ?? this.reserveBlockId() ?? 0n;
  }

  sendEvent(event: OutgoingEvent): void {
    this.events.push(event);
  }

  controlled(): boolean {
    return true;
  }
}

export interface TestCamera {
  model: Dmk38gx541;
  services: FakeServices;
  get(name: string): number | bigint;
  set(name: string, value: number | bigint): void;
  /** GVCP status a write is refused with (0 when accepted). */
  refusal(name: string, value: number | bigint): number;
  execute(name: string): void;
  close(): Promise<void>;
}

export function testCamera(options: Dmk38gx541Options = {}): TestCamera {
  const model = new Dmk38gx541({ address: '127.0.0.9', ptpSettlingMs: 50, ...options });
  const services = new FakeServices();
  model.attach(services);
  model.onStreamChannel(services.channel);
  const bytesOf = (name: string): { address: number; length: number } => {
    const f = feature(name);
    if (f.address === undefined || f.storage.kind !== 'model') throw new Error(`${name} is not a model register`);
    return { address: f.address, length: f.storage.length };
  };
  const get = (name: string): number | bigint => {
    const f = feature(name);
    const { address, length } = bytesOf(name);
    const bytes = model.readMemory(address, length);
    if (f.kind === 'float') return bytes.readDoubleBE(0);
    return length === 8 ? bytes.readBigUInt64BE(0) : bytes.readUInt32BE(0);
  };
  const set = (name: string, value: number | bigint): void => {
    const f = feature(name);
    const { address, length } = bytesOf(name);
    const bytes = Buffer.alloc(length);
    if (f.kind === 'float') bytes.writeDoubleBE(Number(value), 0);
    else if (length === 8) bytes.writeBigUInt64BE(BigInt(value), 0);
    else bytes.writeUInt32BE(Number(value) >>> 0, 0);
    if (length === 4) model.writeRegister(address, bytes.readUInt32BE(0));
    else model.writeMemory(address, bytes);
  };
  const refusal = (name: string, value: number | bigint): number => {
    try {
      set(name, value);
      return 0;
    } catch (err) {
      if (err instanceof DeviceAccessError) return err.status;
      throw err;
    }
  };
  return { model, services, get, set, refusal, execute: (name) => set(name, 1), close: () => model.close() };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
