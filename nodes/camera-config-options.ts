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
import { MAX_HEADROOM } from '../lib/camera/bandwidth';
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
  /** A number of bytes, 'auto' (negotiated on connect; the default since version 2) or empty (the camera's own). */
  packetSize?: unknown;
  /** 'control' (default), 'exclusive' or 'monitor' (read-only; receives the controller's multicast stream). */
  access?: unknown;
  /** Control access: stream to this multicast group (224.0.0.0/4) so that monitors elsewhere receive it too. */
  multicastGroup?: unknown;
  bufferCount?: unknown;
  frameTimeout?: unknown;
  frameMemory?: unknown;
  /** Percent of the host link left free when cameras share it (0 … 90); empty: 10. */
  linkHeadroom?: unknown;
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
  access: 'control' | 'exclusive' | 'monitor';
  multicastGroup?: string;
  bufferCount?: number;
  packetSize?: number | 'auto';
  /** Bytes that frames may take in all (pool plus raw frames a flow keeps); default: the stream's. */
  frameMemoryLimit?: number;
  /** Share of the host link the bandwidth budget leaves free (0 … 0.9); default the budget's (0.1). */
  linkHeadroom?: number;
  settings: Array<[string, string]>;
}

export const DEFAULT_ADDRESS = '127.0.0.2';
export const DEFAULT_FRAME_TIMEOUT_MS = 5000;
/** The version the editor saves now; older flows are migrated on load (runtime and editor alike). */
export const CAMERA_CONFIG_VERSION = 2;
/** What a new config node's packet size field holds: the largest size that reaches this host unfragmented. */
export const DEFAULT_PACKET_SIZE = 'auto';
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
 *   1 → 2: the packet size field learnt 'auto', now a new node's default; a flow saved before keeps
 *          its number, and one that left the field empty (or had none) keeps the camera's own size.
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
  if (version < 2) {
    current = { ...current, packetSize: current.packetSize ?? '' };
    version = 2;
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
  const access = def.access === undefined || def.access === null || def.access === '' ? 'control' : def.access;
  if (access !== 'control' && access !== 'exclusive' && access !== 'monitor') {
    throw new GigeError('BAD_CONFIG', `Access ${quoteInput(access)} is not known; allowed: control, exclusive, monitor`, {});
  }
  // A monitor receives the group its controller chose (read from the camera): it has none of its own.
  const group = isBlank(def.multicastGroup) || access === 'monitor' ? undefined : String(def.multicastGroup).trim();
  if (group !== undefined && !isMulticastAddress(group)) {
    throw new GigeError(
      'BAD_CONFIG',
      `Multicast group ${quoteInput(clipInput(group, 64))} is not a multicast IPv4 address (224.0.0.0 to 239.255.255.255, e.g. 239.192.0.10)`,
      {},
    );
  }
  return {
    source,
    address,
    access,
    multicastGroup: group,
    findSerial: bySerial ? serial : undefined,
    interface: iface,
    frameTimeoutMs: isBlank(def.frameTimeout) ? DEFAULT_FRAME_TIMEOUT_MS : checkTimeoutMs(def.frameTimeout, 'Frame timeout'),
    bufferCount: isBlank(def.bufferCount)
      ? undefined
      : checkIntegerInRange(def.bufferCount, MIN_BUFFER_COUNT, MAX_BUFFER_COUNT, 'Buffer count'),
    packetSize: parsePacketSize(def.packetSize),
    frameMemoryLimit: isBlank(def.frameMemory)
      ? undefined
      : checkIntegerInRange(def.frameMemory, 1, MAX_FRAME_MEMORY_MB, 'Frame memory', 'MB') * 1024 * 1024,
    linkHeadroom: isBlank(def.linkHeadroom)
      ? undefined
      : checkIntegerInRange(def.linkHeadroom, 0, Math.round(MAX_HEADROOM * 100), 'Link headroom', '%') / 100,
    settings: checkSettingRows(def.settings),
  };
}

/** Empty: the camera's own; 'auto': negotiated on connect; otherwise bytes within the GigE Vision limits. */
function parsePacketSize(value: unknown): number | 'auto' | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  if (typeof value === 'string' && value.trim().toLowerCase() === 'auto') return 'auto';
  try {
    return checkIntegerInRange(value, MIN_PACKET_SIZE, MAX_PACKET_SIZE, 'Packet size', 'bytes');
  } catch (err) {
    const e = err as GigeError;
    throw new GigeError(e.code, `${e.message}, or auto (the largest that reaches this host unfragmented)`, e.details, { cause: err });
  }
}

function isMulticastAddress(address: string): boolean {
  if (!isIpv4(address)) return false;
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}
