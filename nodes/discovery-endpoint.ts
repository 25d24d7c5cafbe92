import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import {
  discover,
  isIpv4,
  ipToNumber,
  listIPv4Interfaces,
  interfaceForAddress,
  InterfaceDiscoveredDevice,
  DiscoveredDevice,
} from '../lib/gvcp';
import { GigeError, quoteInput } from '../lib/errors';
import { searchCameras, searchInterfaces } from './camera-locator';

/** One camera as the editor's "search" list shows it. */
export interface DiscoveredCamera {
  address: string;
  mac: string;
  vendor: string;
  model: string;
  serial: string;
  userName: string;
  interface?: string;
  reachable?: boolean;
  problem?: string;
  advice?: string;
}

/** One host interface as the config node's "interface" choice lists it. */
export interface HostInterface {
  name: string;
  address: string;
  broadcast: string;
  netmask: string;
  internal: boolean;
  mtu?: number;
  up: boolean;
}

/**
 * Where the endpoint may send DISCOVERY: the directed broadcast of one of this host's interfaces,
 * or one unicast address (a camera). Anything else — 255.255.255.255, a multicast group, another
 * network's broadcast, an address that is not IPv4 — is refused with what is allowed: an editor
 * request must not make Node-RED spray datagrams beyond its own links.
 */
export function checkDiscoveryTarget(kind: 'broadcast' | 'address', value: string): string | null {
  if (!isIpv4(value)) return `${kind} ${quoteInput(value)} is not an IPv4 address`;
  const broadcasts = [...new Set(listIPv4Interfaces().map((i) => i.broadcast))];
  if (kind === 'broadcast') {
    return broadcasts.includes(value)
      ? null
      : `broadcast ${value} is not the broadcast address of an interface of this host; allowed: ${broadcasts.join(', ') || 'none'}, or ?address= one camera`;
  }
  const first = ipToNumber(value) >>> 24;
  if (value === '0.0.0.0' || value === '255.255.255.255' || (first >= 224 && first <= 239) || broadcasts.includes(value)) {
    return `address ${value} is not a single camera (broadcast or multicast); give the camera's own address, or ?broadcast= an interface's broadcast`;
  }
  return null;
}

function fromDiscovery(d: DiscoveredDevice): DiscoveredCamera {
  const iface = interfaceForAddress(d.ipAddress);
  return {
    address: d.ipAddress,
    mac: d.macAddress,
    vendor: d.manufacturerName,
    model: d.modelName,
    serial: d.serialNumber,
    userName: d.userDefinedName,
    ...(iface ? { interface: iface.name } : {}),
  };
}

function fromInterfaceDiscovery(d: InterfaceDiscoveredDevice): DiscoveredCamera {
  return {
    address: d.ipAddress,
    mac: d.macAddress,
    vendor: d.manufacturerName,
    model: d.modelName,
    serial: d.serialNumber,
    userName: d.userDefinedName,
    interface: d.interface.name,
    reachable: d.reachable,
    problem: d.problem,
    advice: d.advice,
  };
}

/**
 * GET <admin>/gige-vision/discover — cameras for the config node's search, each with model,
 * serial, address, the interface it answered on and whether it can be controlled from there (if
 * not: the problem and what to do). DISCOVERY goes to:
 * - `?interface=NAME`: that interface's directed broadcast;
 * - `?broadcast=ADDR`: an interface's directed broadcast, given by address;
 * - `?address=IP`: one camera, unicast;
 * - otherwise the broadcast of every interface that is up — loopback included, so emulated cameras
 *   are found as real ones are — or, when settings.js sets `gigeVisionDiscoveryBroadcast` (e.g.
 *   '127.255.255.255', as the `npm start` demo does), that one broadcast address only.
 * GET <admin>/gige-vision/interfaces — the host's IPv4 interfaces for the "interface" choice.
 * Both need the editor's read permission.
 */
export function registerDiscoveryEndpoint(RED: NodeAPI): void {
  RED.httpAdmin.get('/gige-vision/interfaces', RED.auth.needsPermission('gige-vision.read'), (_req: Request, res: Response) => {
    const interfaces: HostInterface[] = listIPv4Interfaces().map((i) => ({
      name: i.name,
      address: i.address,
      broadcast: i.broadcast,
      netmask: i.netmask,
      internal: i.internal,
      mtu: i.mtu,
      up: i.operState !== 'down',
    }));
    res.json(interfaces);
  });

  RED.httpAdmin.get('/gige-vision/discover', RED.auth.needsPermission('gige-vision.read'), (req: Request, res: Response) => {
    const configured = (RED.settings as unknown as { gigeVisionDiscoveryBroadcast?: unknown }).gigeVisionDiscoveryBroadcast;
    const iface = typeof req.query.interface === 'string' && req.query.interface !== '' ? req.query.interface : undefined;
    const address = typeof req.query.address === 'string' ? req.query.address : undefined;
    const broadcast =
      typeof req.query.broadcast === 'string'
        ? req.query.broadcast
        : typeof configured === 'string' && address === undefined && iface === undefined
          ? configured
          : undefined;
    const timeoutMs = Math.min(5000, Math.max(100, Number(req.query.timeout) || 1000));
    let refused =
      (broadcast !== undefined ? checkDiscoveryTarget('broadcast', broadcast) : null) ??
      (address !== undefined ? checkDiscoveryTarget('address', address) : null);
    if (!refused && iface !== undefined) {
      try {
        searchInterfaces(iface);
      } catch (err) {
        refused = (err as Error).message;
      }
    }
    if (refused) {
      res.status(400).json({ error: refused });
      return;
    }
    const found: Promise<DiscoveredCamera[]> =
      broadcast !== undefined || address !== undefined
        ? discover({ broadcast, address, timeoutMs }).then((devices) => devices.map(fromDiscovery))
        : searchCameras(iface, timeoutMs).then((devices) => devices.map(fromInterfaceDiscovery));
    found.then(
      (cameras) => res.json(cameras),
      (err: Error) => res.status(500).json({ error: err.message, code: (err as GigeError).code }),
    );
  });
}
