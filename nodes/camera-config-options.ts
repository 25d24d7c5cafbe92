import { GigeError, clipInput, quoteInput } from '../lib/errors';
import { parseSettings } from '../lib/camera/settings';
import {
  checkIntegerInRange,
  checkTimeoutMs,
  MAX_BUFFER_COUNT,
  MAX_PACKET_SIZE,
  MIN_BUFFER_COUNT,
  MIN_PACKET_SIZE,
} from '../lib/camera/limits';
import { isIpv4 } from '../lib/gvcp';
import { isBlank } from './input-checks';

/** One "On connect" row as the editor's table saves it. */
export interface SettingRow {
  name: string;
  value: string;
}

/** The camera config node's properties as the editor saves them (strings; imported flows may hold numbers). */
export interface CameraConfigProperties {
  version?: unknown;
  source?: unknown;
  /** Network cameras: 'address' (default) or 'serial' (found by discovery on every (re)connect). */
  identify?: unknown;
  address?: unknown;
  serial?: unknown;
  /** Host interface name discovery uses; empty = every interface. */
  interface?: unknown;
  packetSize?: unknown;
  bufferCount?: unknown;
  frameTimeout?: unknown;
  frameMemory?: unknown;
  /** Version 1: rows. Version 0 (flows saved before the table): `Name=Value` lines. */
  settings?: unknown;
}

export interface CameraConfigOptions {
  source: 'emulated' | 'network';
  address: string;
  /** Network camera chosen by serial number: the serial to look for. */
  findSerial?: string;
  interface?: string;
  frameTimeoutMs: number;
  bufferCount?: number;
  packetSize?: number;
  /** Bytes that frames may take in all (pool plus raw frames a flow keeps); default: the stream's. */
  frameMemoryLimit?: number;
  settings: Array<[string, string]>;
}

export const DEFAULT_ADDRESS = '127.0.0.2';
export const DEFAULT_FRAME_TIMEOUT_MS = 5000;
/** The version the editor saves now; older flows are migrated on load (runtime and editor alike). */
export const CAMERA_CONFIG_VERSION = 1;
/** The editor's upper bound for the frame memory field, MB. */
const MAX_FRAME_MEMORY_MB = 65536;
/** More rows than this is not a configuration but a mistake (each is a write on every connect). */
const MAX_SETTING_ROWS = 500;
const FEATURE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTERFACE_NAME = /^[A-Za-z0-9_.:@-]{1,64}$/;

/**
 * Brings properties saved by an older editor up to the current version, one step per version (as
 * node-red-contrib-home-assistant-websocket migrates its nodes): flows saved before the "On
 * connect" table keep working untouched, and the editor shows them as rows.
 *   0 → 1: `settings` text (`Name=Value` lines, `#` comments) becomes rows; `identify` 'address'.
 * A version newer than this code knows is left as it is.
 */
export function migrateCameraConfig<T extends CameraConfigProperties>(def: T): T & { version: number } {
  let current: CameraConfigProperties = { ...def };
  let version = Number(current.version ?? 0);
  if (!Number.isInteger(version) || version < 0) version = 0;
  if (version < 1) {
    current = {
      ...current,
      identify: current.identify ?? 'address',
      interface: current.interface ?? '',
      settings:
        typeof current.settings === 'string' || current.settings === undefined || current.settings === null
          ? parseSettings(current.settings as string | undefined).map(([name, value]) => ({ name, value }))
          : current.settings,
    };
    version = 1;
  }
  return { ...(current as T), version };
}

/** The rows, checked: a name GenICam could have, a value present. */
export function checkSettingRows(settings: unknown): Array<[string, string]> {
  if (settings === undefined || settings === null || settings === '') return [];
  if (!Array.isArray(settings)) {
    throw new GigeError('BAD_SETTING', `"On connect" settings ${quoteInput(settings)} are not a list of {name, value} rows`, {});
  }
  if (settings.length > MAX_SETTING_ROWS) {
    throw new GigeError('BAD_SETTING', `"On connect" has ${settings.length} rows; allowed at most ${MAX_SETTING_ROWS}`, {});
  }
  return settings.map((row: unknown, index) => {
    const { name, value } = (row ?? {}) as { name?: unknown; value?: unknown };
    const text = typeof name === 'string' ? name.trim() : '';
    if (!FEATURE_NAME.test(text)) {
      throw new GigeError(
        'BAD_SETTING',
        `"On connect" row ${index + 1}: ${quoteInput(name)} is not a feature name (letters, digits, _; e.g. ExposureTime)`,
        { row: index + 1 },
      );
    }
    const valueText =
      typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
    if (valueText === '') {
      throw new GigeError('BAD_SETTING', `"On connect" row ${index + 1} (${text}): no value; give the value to set, e.g. ${text}=10000`, {
        row: index + 1,
        name: text,
      });
    }
    return [text, valueText] as [string, string];
  });
}

/**
 * Checks every property against its limits (the editor checks the same, but a flow can be
 * imported or written by hand): the first one out of range is refused with what is allowed,
 * instead of turning into something else at runtime (a 3 000 000 000 ms timeout into 1 ms).
 */
export function parseCameraConfig(raw: CameraConfigProperties): CameraConfigOptions {
  const def = migrateCameraConfig(raw);
  const source = def.source === 'network' ? 'network' : 'emulated';
  const bySerial = source === 'network' && def.identify === 'serial';
  if (source === 'network' && def.identify !== undefined && def.identify !== 'address' && def.identify !== 'serial') {
    throw new GigeError('BAD_CONFIG', `Find camera by ${quoteInput(def.identify)} is not known; allowed: address, serial`, {});
  }
  const serial = isBlank(def.serial) ? '' : String(def.serial).trim();
  if (bySerial && !serial)
    throw new GigeError(
      'BAD_CONFIG',
      'The camera is chosen by serial number, but no serial number is given (search the network to fill it in)',
      {},
    );
  if (serial.length > 64) throw new GigeError('BAD_CONFIG', `Serial number ${quoteInput(serial)} is longer than 64 characters`, {});
  // By serial, the address is only where it was last seen (the search fills it in): not needed.
  const address = isBlank(def.address) ? (bySerial ? '' : DEFAULT_ADDRESS) : String(def.address).trim();
  if (!(bySerial && address === '') && !isIpv4(address)) {
    throw new GigeError('BAD_CONFIG', `Camera address ${quoteInput(address)} is not an IPv4 address (e.g. 192.168.1.20)`, {});
  }
  const iface = isBlank(def.interface) ? undefined : String(def.interface).trim();
  if (iface !== undefined && !INTERFACE_NAME.test(iface)) {
    throw new GigeError('BAD_CONFIG', `Interface ${quoteInput(clipInput(iface, 64))} is not an interface name (e.g. eth0, enp3s0, lo)`, {});
  }
  return {
    source,
    address,
    findSerial: bySerial ? serial : undefined,
    interface: iface,
    frameTimeoutMs: isBlank(def.frameTimeout) ? DEFAULT_FRAME_TIMEOUT_MS : checkTimeoutMs(def.frameTimeout, 'Frame timeout'),
    bufferCount: isBlank(def.bufferCount)
      ? undefined
      : checkIntegerInRange(def.bufferCount, MIN_BUFFER_COUNT, MAX_BUFFER_COUNT, 'Buffer count'),
    packetSize: isBlank(def.packetSize)
      ? undefined
      : checkIntegerInRange(def.packetSize, MIN_PACKET_SIZE, MAX_PACKET_SIZE, 'Packet size', 'bytes'),
    frameMemoryLimit: isBlank(def.frameMemory)
      ? undefined
      : checkIntegerInRange(def.frameMemory, 1, MAX_FRAME_MEMORY_MB, 'Frame memory', 'MB') * 1024 * 1024,
    settings: checkSettingRows(def.settings),
  };
}
