/**
 * Commissioning from the editor, as `gige ip` does it from the command line (lib/camera/ip-listing.ts):
 *
 * GET <admin>/gige-vision/commissioning/cameras?interface=NAME[&timeout=MS] — every camera answering
 *   on that host interface, also one on a foreign subnet (DISCOVERY to the limited broadcast out of
 *   that interface, as IP configuration tools do), each with its current and persistent IP
 *   configuration, whether it can be controlled from there and, if not, why and the one-click fix
 *   (`fix`: the force-ip request that puts it into the interface's subnet). Read permission.
 * POST <admin>/gige-vision/commissioning/force-ip {mac, interface, address?: 'auto'|ADDR[/PREFIX], gateway?}
 *   — FORCEIP: the camera gets a free address in the interface's subnet (checked by ARP and
 *   discovery first) or the one given, and is checked to answer there. Write permission.
 *
 * The interface is always named, and never loopback: the limited broadcast leaves only through the
 * interface the user chose (the config node's interface), never through every interface of the
 * Node-RED host. Everything that can be refused is refused before anything is sent.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { forceIpOnInterface, listCameraIps } from '../lib/camera/ip-listing';
import { quoteInput } from '../lib/errors';
import { listIPv4Interfaces } from '../lib/gvcp';

const MAC = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;

/**
 * The named interface, or a 400 answer that lists the ones this host has. Not loopback: a camera
 * there (an emulated one) is always reachable, and the limited broadcast stays off it.
 */
function namedInterface(value: unknown, res: Response): string | null {
  const names = [
    ...new Set(
      listIPv4Interfaces()
        .filter((i) => !i.internal)
        .map((i) => i.name),
    ),
  ];
  if (typeof value === 'string' && names.includes(value)) return value;
  const given =
    value === undefined || value === ''
      ? 'no interface given'
      : listIPv4Interfaces().some((i) => i.internal && i.name === value)
        ? `${quoteInput(value)} is the loopback interface, where every camera is reachable`
        : `interface ${quoteInput(value)} has no IPv4 address on this host`;
  res
    .status(400)
    .json({ code: 'BAD_INTERFACE', error: `${given}; name the interface that faces the camera: ${names.join(', ') || 'none'}` });
  return null;
}

function statusFor(err: Error & { code?: string }): number {
  switch (err.code) {
    case 'GVCP_ARGUMENT':
    case 'BAD_ARGUMENTS':
      return 400;
    case 'GVCP_ADDRESS_IN_USE':
      return 409;
    case 'NOT_FOUND':
      return 404;
    default:
      return 500;
  }
}

export function registerCommissioningEndpoint(RED: NodeAPI): void {
  RED.httpAdmin.get('/gige-vision/commissioning/cameras', RED.auth.needsPermission('gige-vision.read'), (req: Request, res: Response) => {
    const iface = namedInterface(req.query.interface, res);
    if (!iface) return;
    const timeoutMs = Math.min(5000, Math.max(100, Number(req.query.timeout) || 1000));
    listCameraIps({ interfaces: [iface], timeoutMs }).then(
      (listing) => {
        res.json({
          ...listing,
          cameras: listing.cameras.map((c) =>
            c.reachable === false
              ? {
                  ...c,
                  fix: {
                    method: 'POST',
                    path: 'gige-vision/commissioning/force-ip',
                    body: { mac: c.macAddress, interface: c.interface, address: 'auto' },
                  },
                }
              : c,
          ),
        });
      },
      (err: Error & { code?: string }) => res.status(statusFor(err)).json({ error: err.message, code: err.code }),
    );
  });

  RED.httpAdmin.post(
    '/gige-vision/commissioning/force-ip',
    RED.auth.needsPermission('gige-vision.write'),
    (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.mac !== 'string' || !MAC.test(body.mac)) {
        res.status(400).json({
          code: 'BAD_MAC',
          error: `mac ${quoteInput(body.mac)} is not a MAC address; give the camera's, e.g. 00:07:48:12:34:56 (the cameras list has it)`,
        });
        return;
      }
      for (const key of ['address', 'gateway'] as const) {
        if (body[key] !== undefined && typeof body[key] !== 'string') {
          res.status(400).json({
            code: 'BAD_ARGUMENTS',
            error: `${key} ${quoteInput(body[key])} must be a string (${key === 'address' ? "'auto' or ADDR/PREFIX" : 'an IPv4 address'})`,
          });
          return;
        }
      }
      const iface = namedInterface(body.interface, res);
      if (!iface) return;
      forceIpOnInterface({
        macAddress: body.mac,
        interface: iface,
        address: body.address as string | undefined,
        gateway: body.gateway as string | undefined,
      }).then(
        (fix) => {
          const { verified, ...rest } = fix;
          RED.log.info(
            `gige-vision: camera ${fix.macAddress} forced to ${fix.address} on ${fix.interface} from the editor${verified ? '' : ' (it does not answer there yet)'}`,
          );
          res.json({
            ...rest,
            verified: verified
              ? {
                  address: verified.ipAddress,
                  serialNumber: verified.serialNumber,
                  model: verified.modelName,
                  reachable: verified.reachable,
                }
              : null,
          });
        },
        (err: Error & { code?: string }) => res.status(statusFor(err)).json({ error: err.message, code: err.code }),
      );
    },
  );
}
