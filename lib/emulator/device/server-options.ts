/** Options and statistics of the emulated device's GVCP server (`../gvcp-server.ts`). */
import type { DeviceModel } from '../device-model';
import type { BlockSenderFactory, BlockSenderStats, PacketSizeLimits } from './stream-channel';
import type { MessageChannelStats } from './message-channel';

export interface GvcpServerOptions {
  /**
   * The address the device is given (127.x, or with `allowNetwork` an address of this host). It
   * powers up at its persistent IP instead when that is enabled in `stateFile`.
   */
  address: string;
  model: DeviceModel;
  port?: number;
  /**
   * Broadcast addresses to listen on for DISCOVERY/FORCEIP/ACTION; [] for none. Default on the
   * host: 127.255.255.255 and 255.255.255.255 (the latter best effort); serving a network:
   * 255.255.255.255 and the subnet's broadcast.
   */
  broadcastAddresses?: string[];
  subnetMask?: string;
  gateway?: string;
  heartbeatTimeoutMs?: number;
  /** Accept writes from anyone while nobody holds control (default false: ACCESS_DENIED). */
  openAccessWrites?: boolean;
  /**
   * Serve a network on purpose: bind a non-loopback address of this host, answer anyone, stream and
   * send events beyond 127/8 (`device/serving-scope.ts`). Off: the device is seen only on this host.
   */
  allowNetwork?: boolean;
  /**
   * Own this network interface as the camera owns its NIC (needs `allowNetwork` and CAP_NET_ADMIN):
   * the power-up address and every FORCEIP become its one IPv4 address (`device/owned-interface.ts`).
   */
  ownInterface?: string;
  /** JSON file keeping the IP configuration and user name across restarts (none: they last as long as the device). */
  stateFile?: string;
  /**
   * Also listen on the directed broadcast of the device's own subnet, following FORCEIP moves, as a
   * real camera receives every broadcast on its link (default: true with `allowNetwork`).
   */
  listenSubnetBroadcast?: boolean;
  /** Where to broadcast an ack for a host on a foreign subnet (flag 0x10). */
  broadcastAckAddress?: string;
  packetSize?: PacketSizeLimits;
  senderFactory?: BlockSenderFactory;
  /** Register 0x0958: after this long a slow command gets a PENDING_ACK (default 100 ms). */
  pendingTimeoutMs?: number;
  linkSpeedMbps?: number;
  /**
   * Pace the stream to the link speed, as a real GigE camera's wire does (default true). A burst at
   * loopback speed overflows ordinary receive buffers; benchmarks that want raw speed turn it off.
   */
  paceToLinkSpeed?: boolean;
  /**
   * UDP segmentation offload in the GVSP sender, for benchmarks that measure receivers (default
   * off). With it, a capture or packet socket on the sending host sees each offloaded run of
   * packets as one datagram larger than GevSCPSPacketSize, which no real camera sends.
   */
  segmentationOffload?: boolean;
  /** Whether the GVSP sender supports 64-bit block ids (0x0960 bit 0x40000000); the native one does (default true). */
  extendedIdsSupported?: boolean;
}

export interface GvcpServerStats {
  commands: number;
  duplicates: number;
  malformed: number;
  accessDenied: number;
  pendingAcks: number;
  heartbeatExpiries: number;
  discoveries: number;
  actionsMatched: number;
  foreignRequests: number;
  blocksSent: number;
  resendRequests: number;
  /** PACKETRESEND from an address other than the stream's destination: not answered. */
  resendRequestsRefused: number;
  /** The GVSP sender's counters (queue depth, refused resend requests…), null until it exists. */
  sender: BlockSenderStats | null;
  events: MessageChannelStats;
  /** Timestamp resets (0x0944 bit 0x1) applied, and ignored because PTP owned the clock. */
  timestampResets: number;
  timestampResetsIgnored: number;
}
