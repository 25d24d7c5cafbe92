import { GigeError, quoteInput } from '../lib/errors';
import { parseSettings } from '../lib/camera/settings';
import {
  checkIntegerInRange, checkTimeoutMs, MAX_BUFFER_COUNT, MAX_PACKET_SIZE, MIN_BUFFER_COUNT, MIN_PACKET_SIZE,
} from '../lib/camera/limits';
import { isIpv4 } from '../lib/gvcp';

/** The camera config node's properties as the editor saves them (strings; imported flows may hold numbers). */
export interface CameraConfigProperties {
  address?: unknown;
  packetSize?: unknown;
  bufferCount?: unknown;
  frameTimeout?: unknown;
  frameMemory?: unknown;
  settings?: string;
}

export interface CameraConfigOptions {
  address: string;
  frameTimeoutMs: number;
  bufferCount?: number;
  packetSize?: number;
  /** Bytes that frames may take in all (pool plus raw frames a flow keeps); default: the stream's. */
  frameMemoryLimit?: number;
  settings: Array<[string, string]>;
}

export const DEFAULT_ADDRESS = '127.0.0.2';
export const DEFAULT_FRAME_TIMEOUT_MS = 5000;
/** The editor's upper bound for the frame memory field, MB. */
const MAX_FRAME_MEMORY_MB = 65536;

/**
 * Checks every property against its limits (the editor checks the same, but a flow can be
 * imported or written by hand): the first one out of range is refused with what is allowed,
 * instead of turning into something else at runtime (a 3 000 000 000 ms timeout into 1 ms).
 */
export function parseCameraConfig(def: CameraConfigProperties): CameraConfigOptions {
  const blank = (value: unknown) => value === undefined || value === null || String(value).trim() === '';
  const address = blank(def.address) ? DEFAULT_ADDRESS : String(def.address).trim();
  if (!isIpv4(address)) {
    throw new GigeError('BAD_CONFIG', `Camera address ${quoteInput(address)} is not an IPv4 address (e.g. 192.168.1.20)`);
  }
  return {
    address,
    frameTimeoutMs: blank(def.frameTimeout) ? DEFAULT_FRAME_TIMEOUT_MS : checkTimeoutMs(def.frameTimeout, 'Frame timeout'),
    bufferCount: blank(def.bufferCount) ? undefined : checkIntegerInRange(def.bufferCount, MIN_BUFFER_COUNT, MAX_BUFFER_COUNT, 'Buffer count'),
    packetSize: blank(def.packetSize) ? undefined : checkIntegerInRange(def.packetSize, MIN_PACKET_SIZE, MAX_PACKET_SIZE, 'Packet size', 'bytes'),
    frameMemoryLimit: blank(def.frameMemory) ? undefined
      : checkIntegerInRange(def.frameMemory, 1, MAX_FRAME_MEMORY_MB, 'Frame memory', 'MB') * 1024 * 1024,
    settings: parseSettings(def.settings),
  };
}
