import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { discover, discoverWithDiagnostics, isIpv4 } from '../lib/gvcp';

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
 * GET <admin>/gige-vision/discover — cameras for the config node's address field. With
 * `?broadcast=ADDR`, or the setting `gigeVisionDiscoveryBroadcast` in settings.js, DISCOVERY goes
 * to that address only (e.g. 127.255.255.255 for emulators); otherwise to every interface that is
 * up, each camera with whether it is reachable and what to do when it is not. Needs the editor's
 * read permission.
 */
export function registerDiscoveryEndpoint(RED: NodeAPI): void {
  RED.httpAdmin.get('/gige-vision/discover', RED.auth.needsPermission('gige-vision.read'), (req: Request, res: Response) => {
    const configured = (RED.settings as unknown as { gigeVisionDiscoveryBroadcast?: unknown }).gigeVisionDiscoveryBroadcast;
    const broadcast = typeof req.query.broadcast === 'string' ? req.query.broadcast
      : typeof configured === 'string' ? configured : undefined;
    const timeoutMs = Math.min(5000, Math.max(100, Number(req.query.timeout) || 1000));
    if (broadcast !== undefined && !isIpv4(broadcast)) {
      res.status(400).json({ error: `broadcast "${broadcast}" is not an IPv4 address` });
      return;
    }
    const found: Promise<DiscoveredCamera[]> = broadcast
      ? discover({ broadcast, timeoutMs }).then((devices) => devices.map((d) => ({
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
