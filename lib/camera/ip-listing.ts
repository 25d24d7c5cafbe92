/**
 * The camera list of IP configuration tools (`gige ip`, the editor's commissioning endpoint):
 * every camera that answers — on a foreign subnet too — with its current configuration, its
 * persistent one (read over control, so only from a camera reachable from here), and why a camera
 * cannot be controlled from the interface it answered on. Also the host interfaces whose strict
 * reverse-path filter keeps a camera on a foreign subnet from being seen at all.
 */
import {
  ControlChannel,
  DiscoveredDevice,
  ForceIpFix,
  InterfaceDiscoveredDevice,
  IpConfigurationReport,
  chooseInterface,
  discover,
  findCameras,
  forceIpIntoSubnet,
  macFromString,
  macToString,
  methodsFromBits,
  parseAddressWithMask,
  parseGateway,
  readIpConfiguration,
} from '../gvcp';
import { strictReversePathInterfaces } from './host-checks';

export interface ListedCamera {
  interface?: string;
  reachable?: boolean;
  problem?: string;
  advice?: string;
  macAddress: string;
  model: string;
  serial: string;
  userName: string;
  current: { address: string; subnetMask: string; gateway: string; methods: ReturnType<typeof methodsFromBits> };
  persistent?: IpConfigurationReport['persistent'];
  persistentError?: string;
}

export interface CameraIpListing {
  cameras: ListedCamera[];
  strictReversePathFilter: Array<{ interface: string; fix: string }>;
}

export interface CameraIpListingOptions {
  /** Interfaces to search (limited and directed broadcast out of each); default every one that is up. */
  interfaces?: string[];
  /** Instead: DISCOVERY to this broadcast address, or to one camera. */
  broadcast?: string;
  address?: string;
  timeoutMs?: number;
}

export async function listCameraIps(options: CameraIpListingOptions): Promise<CameraIpListing> {
  const timeoutMs = options.timeoutMs ?? 1000;
  let found: Array<DiscoveredDevice & Partial<InterfaceDiscoveredDevice>>;
  if (options.broadcast || options.address)
    found = await discover({ broadcast: options.broadcast, address: options.address, timeoutMs, allowBroadcastAck: true });
  else found = await findCameras({ interfaces: options.interfaces, timeoutMs });
  const cameras: ListedCamera[] = [];
  for (const d of found) {
    const row: ListedCamera = {
      interface: d.interface?.name,
      reachable: d.reachable,
      problem: d.problem,
      advice: d.advice,
      macAddress: d.macAddress,
      model: `${d.manufacturerName} ${d.modelName}`.trim(),
      serial: d.serialNumber,
      userName: d.userDefinedName,
      current: { address: d.ipAddress, subnetMask: d.subnetMask, gateway: d.gateway, methods: methodsFromBits(d.currentIpConfiguration) },
    };
    if (d.reachable === false) row.persistentError = 'not readable until the camera is reachable (FORCEIP first)';
    else {
      const ch = await ControlChannel.open({ address: d.ipAddress, timeoutMs: 500, retries: 1 }).catch((err: Error) => err);
      if (ch instanceof Error) row.persistentError = ch.message;
      else {
        try {
          row.persistent = (await readIpConfiguration(ch)).persistent;
        } catch (err) {
          row.persistentError = (err as Error).message;
        } finally {
          await ch.close();
        }
      }
    }
    cameras.push(row);
  }
  const strict =
    options.broadcast || options.address
      ? []
      : strictReversePathInterfaces().filter((s) => !options.interfaces || options.interfaces.includes(s.interface));
  return { cameras, strictReversePathFilter: strict };
}

export interface ForceIpRequest {
  macAddress: string;
  /** The interface facing the camera: the address comes from its subnet, FORCEIP goes out of it. */
  interface: string;
  /** 'auto' (default: a free address, checked by ARP and discovery) or ADDR[/PREFIX|/MASK]. */
  address?: string;
  gateway?: string;
  timeoutMs?: number;
  /** How the address was given, for messages (e.g. '--force'). */
  what?: string;
}

/**
 * FORCEIP the camera with this MAC into `interface`'s subnet, keeping clear of the addresses the
 * other cameras answering there hold; the fix reports whether it answers at its new address.
 */
export async function forceIpOnInterface(request: ForceIpRequest): Promise<ForceIpFix> {
  const macAddress = macToString(macFromString(request.macAddress));
  const iface = chooseInterface(request.interface);
  // Everything that can be refused is refused before anything is sent.
  const text = (request.address ?? 'auto').trim();
  const address = text === 'auto' ? undefined : parseAddressWithMask(text, request.what ?? 'address', iface.netmask);
  if (address && request.gateway !== undefined) parseGateway(request.gateway, address);
  const exclude = (await findCameras({ interfaces: [iface.name], timeoutMs: request.timeoutMs ?? 1000 }))
    .filter((d) => d.macAddress !== macAddress)
    .map((d) => d.ipAddress);
  return forceIpIntoSubnet({ macAddress, iface, address, gateway: request.gateway, exclude });
}
