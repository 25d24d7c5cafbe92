/**
 * Where an emulated device may be seen: the host only (loopback, the default), or a network the
 * user names on purpose (`allowNetwork`, `gige emulate --allow-network`).
 *
 * On the host the device binds a 127.x address, listens for DISCOVERY/FORCEIP/ACTION on
 * 127.255.255.255 and on the limited broadcast 255.255.255.255 (which is where Aravis, vendor tools
 * and `gige discover` on the same host send it), and answers only requesters whose source address
 * is loopback. Linux drops a datagram with a 127/8 source that arrives on any other interface
 * (martian source), so a requester with a loopback source is a process on this host: whatever
 * reaches the 255.255.255.255 socket from a real network gets no answer, and every stream or event
 * destination is loopback too. Nothing the device sends can leave the host.
 *
 * Serving a network, it binds the given local address, listens on that subnet's broadcast and on
 * 255.255.255.255, and answers anyone — as the real camera on that link would.
 */
import { isIpv4 } from '../../gvcp/address';
import { NetworkInterfaceInfo, listIPv4Interfaces } from '../../gvcp/interfaces';

export const LOOPBACK_BROADCAST = '127.255.255.255';
export const LIMITED_BROADCAST = '255.255.255.255';

export function isLoopback(ip: string): boolean {
  return isIpv4(ip) && ip.startsWith('127.');
}

export class ServingScope {
  constructor(
    readonly allowNetwork: boolean,
    private readonly interfaces: () => NetworkInterfaceInfo[] = listIPv4Interfaces,
  ) {}

  /** Null when the device may bind `ip`; else why not, and what to do. */
  refusesAddress(ip: string): string | null {
    if (!isIpv4(ip)) return `"${ip}" is not an IPv4 address`;
    if (ip === '127.0.0.0' || ip === LOOPBACK_BROADCAST) return `${ip} is the loopback network's own address, not a host address`;
    if (isLoopback(ip)) return null;
    if (!this.allowNetwork) {
      return (
        `${ip} is not a loopback address: an emulator serves 127.0.0.0/8 so that it never appears on a real network; ` +
        'to serve a network on purpose, allow it (gige emulate --allow-network, or allowNetwork: true)'
      );
    }
    if (ip === '0.0.0.0' || ip === LIMITED_BROADCAST) return `${ip} is not a host address`;
    // Whether the host has it is the kernel's to say, when the address is bound: Node lists only
    // interfaces that are up and running, and a link coming up a moment ago may not be yet.
    return null;
  }

  /** May the stream or message channel send to `ip`? */
  destinationAllowed(ip: string): boolean {
    return this.allowNetwork || isLoopback(ip);
  }

  /** Is a command from `ip` answered at all? */
  requesterAllowed(ip: string): boolean {
    return this.allowNetwork || isLoopback(ip);
  }

  /** Null when the device may listen on broadcast address `b`. */
  refusesBroadcast(b: string): string | null {
    if (b === LOOPBACK_BROADCAST || b === LIMITED_BROADCAST) return null;
    if (this.allowNetwork && isIpv4(b)) return null;
    return `broadcast address ${b} is not allowed for an emulator on the host; use ${LOOPBACK_BROADCAST} or ${LIMITED_BROADCAST}`;
  }

  /** What DISCOVERY reaches by default: loopback and limited broadcast on the host; the limited broadcast on a network (its subnet's too, see the server). */
  defaultBroadcasts(): string[] {
    return this.allowNetwork ? [LIMITED_BROADCAST] : [LOOPBACK_BROADCAST, LIMITED_BROADCAST];
  }

  /** The subnet mask of `ip` as configured on the host (loopback: 255.0.0.0). */
  subnetMaskOf(ip: string): string {
    if (isLoopback(ip)) return '255.0.0.0';
    return this.ownInterface(ip)?.netmask ?? '255.255.255.0';
  }

  /** Null when FORCEIP may move the device from `current` to `next`: a real camera keeps its link, so must the emulator. */
  refusesMove(current: string, next: string): string | null {
    const refused = this.refusesAddress(next);
    if (refused) return refused;
    if (isLoopback(current) !== isLoopback(next)) return `${next} is not on the interface the device is on (${current})`;
    if (isLoopback(next)) return null;
    const from = this.ownInterface(current)?.name;
    const to = this.ownInterface(next)?.name;
    // An address on no listed interface (or one not up yet) is left to the bind to accept or refuse.
    return from === undefined || to === undefined || from === to
      ? null
      : `${next} is on ${to}, not on ${from} where the device is (${current})`;
  }

  private ownInterface(ip: string): NetworkInterfaceInfo | undefined {
    return this.interfaces().find((i) => i.address === ip);
  }
}
