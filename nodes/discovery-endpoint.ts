import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { discover, discoverWithDiagnostics, isIpv4, ipToNumber, listIPv4Interfaces } from '../lib/gvcp';
import { quoteInput } from '../lib/errors';

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
    return broadcasts.includes(value) ? null
      : `broadcast ${value} is not the broadcast address of an interface of this host; allowed: ${broadcasts.join(', ') || 'none'}, or ?address= one camera`;
  }
  const first = ipToNumber(value) >>> 24;
  if (value === '0.0.0.0' || value === '255.255.255.255' || (first >= 224 && first <= 239) || broadcasts.includes(value)) {
    return `address ${value} is not a single camera (broadcast or multicast); give the camera's own address, or ?broadcast= an interface's broadcast`;
  }
  return null;
}

/**
 * GET <admin>/gige-vision/discover — cameras for the config node's address field. With
 * `?broadcast=ADDR` (an interface's directed broadcast), `?address=IP` (one camera, unicast), or
 * the setting `gigeVisionDiscoveryBroadcast` in settings.js, DISCOVERY goes there only (e.g.
 * 127.255.255.255 for emulators); otherwise to the broadcast address of every interface that is
 * up, each camera with whether it is reachable and what to do when it is not. Needs the editor's
 * read permission.
 */
export function registerDiscoveryEndpoint(RED: NodeAPI): void {
  RED.httpAdmin.get('/gige-vision/discover', RED.auth.needsPermission('gige-vision.read'), (req: Request, res: Response) => {
    const configured = (RED.settings as unknown as { gigeVisionDiscoveryBroadcast?: unknown }).gigeVisionDiscoveryBroadcast;
    const broadcast = typeof req.query.broadcast === 'string' ? req.query.broadcast
      : typeof configured === 'string' && typeof req.query.address !== 'string' ? configured : undefined;
    const address = typeof req.query.address === 'string' ? req.query.address : undefined;
    const timeoutMs = Math.min(5000, Math.max(100, Number(req.query.timeout) || 1000));
    const refused = (broadcast !== undefined ? checkDiscoveryTarget('broadcast', broadcast) : null)
      ?? (address !== undefined ? checkDiscoveryTarget('address', address) : null);
    if (refused) {
      res.status(400).json({ error: refused });
      return;
    }
    const found: Promise<DiscoveredCamera[]> = broadcast !== undefined || address !== undefined
      ? discover({ broadcast, address, timeoutMs }).then((devices) => devices.map((d) => ({
        address: d.ipAddress, mac: d.macAddress, vendor: d.manufacturerName, model: d.modelName, serial: d.serialNumber, userName: d.userDefinedName,
      })))
      : discoverWithDiagnostics({ timeoutMs }).then((report) => report.devices.map((d) => ({
        address: d.ipAddress, mac: d.macAddress, vendor: d.manufacturerName, model: d.modelName, serial: d.serialNumber, userName: d.userDefinedName,
        interface: d.interface.name, reachable: d.reachable, problem: d.problem, advice: d.advice,
      })));
    found.then(
      (cameras) => res.json(cameras),
      (err: Error) => res.status(500).json({ error: err.message }),
    );
  });
}
