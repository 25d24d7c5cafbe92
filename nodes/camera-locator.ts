/**
 * Where discovery looks for cameras (the config node's "interface" choice) and how a camera chosen
 * by serial number is found: one DISCOVERY round on those interfaces, the camera whose serial
 * matches. Used on every (re)connect of a camera chosen by serial, so a camera that was given
 * another IP is still found.
 */
import { discoverOnInterfaces, listIPv4Interfaces, NetworkInterfaceInfo, InterfaceDiscoveredDevice } from '../lib/gvcp';
import { GigeError, quoteInput } from '../lib/errors';

/**
 * The interfaces a search uses: the one named, or every interface with an IPv4 address that is
 * not down — loopback included, so emulated cameras (127.x) are found like real ones. Each gets
 * DISCOVERY to its own directed broadcast only (never 255.255.255.255).
 */
export function searchInterfaces(name?: string): NetworkInterfaceInfo[] {
  const all = listIPv4Interfaces();
  if (name) {
    const named = all.filter((i) => i.name === name);
    if (named.length === 0) {
      throw new GigeError(
        'INTERFACE_MISSING',
        `Interface ${quoteInput(name)} has no IPv4 address on this host; interfaces with one: ${[...new Set(all.map((i) => i.name))].join(', ') || 'none'}`,
        { interface: name },
      );
    }
    return named.slice(0, 1);
  }
  const seen = new Set<string>();
  return all.filter((i) => {
    if (i.operState === 'down' || seen.has(i.name)) return false;
    seen.add(i.name);
    return true;
  });
}

/** Cameras answering DISCOVERY on `interfaceName` (or every interface), each with its interface and reachability. */
export async function searchCameras(interfaceName?: string, timeoutMs = 1000): Promise<InterfaceDiscoveredDevice[]> {
  const interfaces = searchInterfaces(interfaceName);
  if (interfaces.length === 0) return [];
  return discoverOnInterfaces({ interfaces: interfaces.map((i) => i.name), interfaceList: interfaces, timeoutMs });
}

export interface LocatedCamera {
  address: string;
  interface: string;
  model: string;
  serial: string;
}

/**
 * The address of the camera with `serial`, found by discovery. Rejects with CAMERA_NOT_FOUND (none
 * answered with that serial: which ones did) or CAMERA_UNREACHABLE (it answered from a subnet this
 * host cannot control it on, with what to do) — both may pass, so callers retry.
 */
export async function locateBySerial(serial: string, interfaceName?: string, timeoutMs = 1000): Promise<LocatedCamera> {
  const wanted = serial.trim().toLowerCase();
  const found = await searchCameras(interfaceName, timeoutMs);
  const matching = found.filter((d) => d.serialNumber.trim().toLowerCase() === wanted);
  const where = interfaceName ? `interface ${interfaceName}` : 'any interface';
  if (matching.length === 0) {
    const others = found.map((d) => `${d.serialNumber || '?'} at ${d.ipAddress}`);
    throw new GigeError(
      'CAMERA_NOT_FOUND',
      `No camera with serial ${quoteInput(serial)} answered discovery on ${where}` +
        (others.length ? ` (found: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''})` : ' (no camera answered)'),
      { serial },
    );
  }
  const usable = matching.find((d) => d.reachable);
  if (!usable) {
    const d = matching[0];
    throw new GigeError(
      'CAMERA_UNREACHABLE',
      `Camera ${quoteInput(serial)} answered from ${d.ipAddress} but cannot be controlled from ${d.interface.name}: ${d.problem}; ${d.advice}`,
      {
        serial,
        address: d.ipAddress,
        interface: d.interface.name,
      },
    );
  }
  return { address: usable.ipAddress, interface: usable.interface.name, model: usable.modelName, serial: usable.serialNumber };
}
