/**
 * The emulated device's GigE Vision core: a GVCP server on `<address>:3956` plus listeners on
 * broadcast addresses for DISCOVERY, FORCEIP and ACTION_CMD. Which addresses it may use and whom it
 * answers is `device/serving-scope.ts`: the host only (127.x; 127.255.255.255 and 255.255.255.255
 * for discovery; loopback requesters only) unless `allowNetwork` serves a network on purpose. The
 * address it powers up with, and the IP settings a host writes, follow `device/ip-configuration.ts`.
 *
 * It owns the bootstrap registers (`device/bootstrap-registers.ts`), privilege and heartbeat
 * (`device/privilege.ts`), stream channel 0 with the native GVSP sender (`device/stream-channel.ts`),
 * the message channel (`device/message-channel.ts`) and action matching (`device/actions.ts`);
 * manufacturer registers (≥ 0xA000) and the XML memory are the model's (`device-model.ts`).
 *
 * Commands are executed one at a time in arrival order. A retransmitted command (same source and
 * request id as the last one from that source) gets the previous ack again without being executed
 * twice. When a model operation takes longer than the pending timeout (0x0958) and the host enabled
 * PENDING_ACK, the server tells the host how long to wait. Nothing throws out of a socket callback:
 * failures become error acks or `'warning'` events.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { Ack, Command, Flag, GVCP_PORT, GvcpCapability, GvcpConfiguration, GvcpStatus } from '../gvcp/protocol';
import { GvcpCommand, decodeCommand, encodeAck, encodePendingAck, isCommandPacket } from '../gvcp/codec';
import { sameSubnet } from '../gvcp/address';
import { directedBroadcast } from '../gvcp/interfaces';
import { GigeError } from '../errors';
import type { DeviceModel, DeviceServices } from './device-model';
import { Endpoint, Privilege, ReleaseReason } from './device/privilege';
import { DEFAULT_PACKET_SIZE, StreamChannel, nativeSenderFactory } from './device/stream-channel';
import { MessageChannel } from './device/message-channel';
import { ActionTable } from './device/actions';
import { DeviceClock } from './device/clock';
import { BootstrapRegisters, NetworkConfig } from './device/bootstrap-registers';
import { CommandDevice, CommandHandlers, ackCodeFor } from './device/command-handlers';
import type { GvcpServerOptions, GvcpServerStats } from './device/server-options';
import { LIMITED_BROADCAST, LOOPBACK_BROADCAST, ServingScope } from './device/serving-scope';
import { GvcpSockets } from './device/gvcp-sockets';
import { IpSettings, IpSettingsFile, StartupAddress, defaultIpSettings, startupAddress } from './device/ip-configuration';
import { OwnedInterface } from './device/owned-interface';

export type { GvcpServerOptions, GvcpServerStats } from './device/server-options';

interface CachedAck {
  requestId: number;
  command: number;
  packet: Buffer;
}

const MAX_CACHED_ACKS = 64;
const MAX_PENDING_ACKS_PER_COMMAND = 60;

export class GvcpServer extends EventEmitter implements CommandDevice {
  readonly port: number;
  readonly model: DeviceModel;
  readonly network: NetworkConfig;
  readonly privilege: Privilege;
  readonly stream: StreamChannel;
  readonly message: MessageChannel;
  readonly actions: ActionTable;
  readonly clock = new DeviceClock();
  readonly registers: BootstrapRegisters;
  private readonly handlers: CommandHandlers;
  private readonly sockets: GvcpSockets;
  private readonly ackCache = new Map<string, CachedAck>();
  private queue: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly counters = {
    commands: 0,
    duplicates: 0,
    malformed: 0,
    accessDenied: 0,
    pendingAcks: 0,
    discoveries: 0,
    actionsMatched: 0,
    /** Datagrams from a non-loopback source while serving the host only: never answered. */
    foreignRequests: 0,
  };

  private constructor(
    private readonly options: GvcpServerOptions,
    readonly scope: ServingScope,
    readonly startup: StartupAddress,
    readonly ipSettings: IpSettings,
    private readonly ipFile: IpSettingsFile,
    private readonly owned: OwnedInterface | null,
  ) {
    super();
    const { model } = options;
    const address = startup.address;
    this.model = model;
    this.port = options.port ?? GVCP_PORT;
    this.sockets = new GvcpSockets(
      this.port,
      (msg, rinfo, viaBroadcast) => this.onPacket(msg, rinfo, viaBroadcast),
      (err) => this.emit('warning', err),
    );
    this.network = {
      ipAddress: address,
      subnetMask: startup.subnetMask,
      gateway: startup.gateway,
      macAddress: Buffer.from(model.identity.macAddress),
    };
    const ptp = model.ieee1588;
    if (ptp?.errorAt) this.clock.setServo((time) => ptp.errorAt?.(time) ?? 0n);
    const warn = (err: Error): void => {
      this.emit('warning', err);
    };
    this.privilege = new Privilege({
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      openAccessWrites: options.openAccessWrites,
      onRelease: (reason) => this.onRelease(reason),
    });
    this.actions = new ActionTable(Math.max(0, model.actionSignals | 0));
    this.stream = new StreamChannel({
      bindAddress: address,
      bandwidthBytesPerSecond: options.paceToLinkSpeed === false ? 0 : (options.linkSpeedMbps ?? 1000) * 125_000,
      segmentationOffload: options.segmentationOffload,
      senderFactory: options.senderFactory ?? nativeSenderFactory,
      packetSize: options.packetSize ?? DEFAULT_PACKET_SIZE,
      destinationAllowed: (ip) => this.addressAllowed(ip),
      extendedIds: () => this.registers.extendedIds,
      onChange: (config) => this.callModel(() => model.onStreamChannel(config)),
      onWarning: warn,
    });
    this.message = new MessageChannel({
      bindAddress: address,
      destinationAllowed: (ip) => this.addressAllowed(ip),
      extendedIds: () => this.registers.extendedIds,
      onWarning: warn,
    });
    this.registers = new BootstrapRegisters({
      identity: model.identity,
      xml: model.xml,
      network: this.network,
      privilege: this.privilege,
      stream: this.stream,
      message: this.message,
      actions: this.actions,
      clock: this.clock,
      gvcpCapability: this.capabilities(),
      actionQueueSize: model.actionQueueSize,
      ieee1588: model.ieee1588,
      pendingTimeoutMs: options.pendingTimeoutMs ?? 100,
      linkSpeedMbps: options.linkSpeedMbps ?? 1000,
      extendedIdsSupported: options.extendedIdsSupported ?? true,
      configurableBits:
        GvcpConfiguration.HEARTBEAT_DISABLE |
        GvcpConfiguration.PENDING_ACK_ENABLE |
        GvcpConfiguration.EXTENDED_STATUS_CODES_2_0 |
        (this.actions.signals > 0 ? GvcpConfiguration.UNCONDITIONAL_ACTION : 0),
      ipSettings,
      onIpSettingsChanged: (settings) => this.ipFile.save(settings),
    });
    this.handlers = new CommandHandlers(this);
  }

  /**
   * Bind the sockets, attach the model, and start answering. The device comes up at its persistent
   * IP when that is enabled (state file), else at `options.address`.
   */
  static async start(options: GvcpServerOptions): Promise<GvcpServer> {
    const scope = new ServingScope(options.allowNetwork === true);
    const refused = scope.refusesAddress(options.address);
    if (refused) throw new GigeError('EMULATOR_ADDRESS', `emulator address: ${refused}`, { address: options.address });
    const given = {
      address: options.address,
      subnetMask: options.subnetMask ?? scope.subnetMaskOf(options.address),
      gateway: options.gateway ?? '0.0.0.0',
    };
    const owned = options.ownInterface === undefined ? null : OwnedInterface.open(options.ownInterface, scope.allowNetwork);
    const ipFile = new IpSettingsFile(options.stateFile);
    const ipSettings = ipFile.load(
      defaultIpSettings(given.address, given.subnetMask, given.gateway, options.model.identity.userDefinedName),
    );
    let startup = startupAddress(
      ipSettings,
      given,
      (ip) => scope.refusesAddress(ip) ?? (owned ? OwnedInterface.refusesAddress(ip, ipSettings.persistentSubnetMask) : null),
    );
    if (owned) {
      // The camera's NIC: it powers up with exactly the address chosen, whatever the host had there.
      owned.assign(startup.address, startup.subnetMask);
    } else {
      const missing = startup.source === 'persistent' ? await notHostAddress(startup.address) : null;
      if (missing) {
        // A persistent address this host does not have: start where DHCP/LLA would (the given one).
        startup = {
          ...given,
          source: 'given',
          fallback: `persistent IP ${startup.address} is not used: ${missing}; starting at ${given.address}`,
        };
      }
    }
    const server = new GvcpServer(options, scope, startup, ipSettings, ipFile, owned);
    if (startup.fallback) setImmediate(() => server.emit('warning', new GigeError('EMULATOR_ADDRESS', startup.fallback as string, {})));
    try {
      await server.sockets.bindControl(startup.address);
      for (const b of options.broadcastAddresses ?? scope.defaultBroadcasts()) {
        const notAllowed = scope.refusesBroadcast(b);
        if (notAllowed) throw new GigeError('EMULATOR_ADDRESS', notAllowed, { broadcast: b });
        try {
          await server.sockets.listen(b);
        } catch (err) {
          // On the host, 255.255.255.255 is a convenience for tools that discover by limited
          // broadcast; another program holding it alone (Aravis' fake camera does) must not stop us.
          if (b !== LIMITED_BROADCAST || scope.allowNetwork || options.broadcastAddresses) throw err;
          setImmediate(() =>
            server.emit(
              'warning',
              new GigeError(
                'EMULATOR_BIND',
                `${(err as Error).message}; tools that discover by ` +
                  `limited broadcast will not find this emulator (${LOOPBACK_BROADCAST} and unicast still work)`,
                {},
                { cause: err },
              ),
            ),
          );
        }
      }
      await server.bindSubnetBroadcast();
      await server.message.start();
      server.model.attach(server.services());
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  get address(): string {
    return this.network.ipAddress;
  }

  /** Broadcast addresses this device listens on for DISCOVERY, FORCEIP and ACTION_CMD. */
  get broadcastAddresses(): string[] {
    return this.sockets.listening();
  }

  /** May the stream and message channels send to `ip`? */
  addressAllowed(ip: string): boolean {
    return this.scope.destinationAllowed(ip);
  }

  /** GVCP capability register (0x0934): exactly what this server implements. */
  private capabilities(): number {
    const m = this.options.model;
    let caps =
      GvcpCapability.USER_DEFINED_NAME |
      GvcpCapability.SERIAL_NUMBER |
      GvcpCapability.HEARTBEAT_DISABLE |
      GvcpCapability.LINK_SPEED |
      GvcpCapability.CCP_APPLICATION_PORT_IP |
      GvcpCapability.DISCOVERY_ACK_DELAY |
      GvcpCapability.DISCOVERY_ACK_DELAY_WRITABLE |
      GvcpCapability.PRIMARY_APPLICATION_SWITCHOVER |
      GvcpCapability.EXTENDED_STATUS_CODES_2_0 |
      GvcpCapability.PENDING_ACK |
      GvcpCapability.EVENTDATA |
      GvcpCapability.EVENT |
      GvcpCapability.PACKETRESEND |
      GvcpCapability.WRITEMEM |
      GvcpCapability.CONCATENATION;
    if (m.actionSignals > 0) caps |= GvcpCapability.ACTION | GvcpCapability.UNCONDITIONAL_ACTION;
    if (m.actionSignals > 0 && m.actionQueueSize > 0) caps |= GvcpCapability.SCHEDULED_ACTION;
    return caps >>> 0;
  }

  services(): DeviceServices {
    return {
      now: () => this.clock.now(),
      timeBase: this.clock,
      streamChannel: () => this.stream.config(),
      sendBlock: (block) => this.stream.sendBlock(block),
      reserveBlockId: () => this.stream.reserveBlockId(),
      sendEvent: (event) => this.message.send(event),
      controlled: () => this.privilege.controlled(),
    };
  }

  stats(): GvcpServerStats {
    return {
      ...this.counters,
      heartbeatExpiries: this.privilege.expiries,
      blocksSent: this.stream.blocksSent,
      resendRequests: this.stream.resendRequests,
      resendRequestsRefused: this.stream.resendRequestsRefused,
      sender: this.stream.senderStats(),
      events: this.message.stats(),
      timestampResets: this.clock.resets,
      timestampResetsIgnored: this.clock.ignoredResets,
    };
  }

  private onPacket(msg: Buffer, rinfo: dgram.RemoteInfo, viaBroadcast: boolean): void {
    if (this.closed) return;
    if (!this.scope.requesterAllowed(rinfo.address)) {
      this.counters.foreignRequests += 1;
      return;
    }
    try {
      if (!isCommandPacket(msg)) {
        this.counters.malformed += 1;
        return;
      }
      let cmd: GvcpCommand;
      try {
        cmd = decodeCommand(msg);
      } catch (err) {
        this.counters.malformed += 1;
        this.emit('warning', err);
        if (msg.length >= 8 && msg[1] & Flag.ACK_REQUIRED) {
          this.sendTo(
            encodeAck({ status: GvcpStatus.INVALID_HEADER, answer: ackCodeFor(msg.readUInt16BE(2)), ackId: msg.readUInt16BE(6) }),
            rinfo.address,
            rinfo.port,
          );
        }
        return;
      }
      const from: Endpoint = { address: rinfo.address, port: rinfo.port };
      if (viaBroadcast && cmd.command !== Command.DISCOVERY && cmd.command !== Command.FORCEIP && cmd.command !== Command.ACTION) return;
      if (cmd.command === Command.DISCOVERY) {
        this.handlers.discovery(cmd, from);
        return;
      }
      if (cmd.command === Command.PACKETRESEND) {
        this.handlers.packetResend(cmd, from);
        return;
      }
      const key = `${from.address}:${from.port}`;
      const cached = this.ackCache.get(key);
      if (cached && cached.requestId === cmd.requestId && cached.command === cmd.command) {
        this.counters.duplicates += 1;
        this.sendTo(cached.packet, from.address, from.port);
        return;
      }
      this.queue = this.queue
        .then(() => this.execute(cmd, from))
        .catch((err) => {
          this.emit('warning', err);
        });
    } catch (err) {
      this.emit('warning', err);
    }
  }

  private async execute(cmd: GvcpCommand, from: Endpoint): Promise<void> {
    if (this.closed) return;
    this.counters.commands += 1;
    this.privilege.touch(from);
    const wantsAck = (cmd.flags & Flag.ACK_REQUIRED) !== 0;
    let pendingTimer: NodeJS.Timeout | null = null;
    let pendingCount = 0;
    const pendingEnabled = (this.registers.gvcpConfiguration & GvcpConfiguration.PENDING_ACK_ENABLE) !== 0;
    const pendingMs = this.options.pendingTimeoutMs ?? 100;
    if (wantsAck && pendingEnabled) {
      const sendPending = (): void => {
        if (this.closed || pendingCount >= MAX_PENDING_ACKS_PER_COMMAND) return;
        pendingCount += 1;
        this.counters.pendingAcks += 1;
        this.sendTo(
          encodeAck({ answer: Ack.PENDING, ackId: cmd.requestId, payload: encodePendingAck(2 * pendingMs) }),
          from.address,
          from.port,
        );
        pendingTimer = setTimeout(sendPending, pendingMs);
      };
      pendingTimer = setTimeout(sendPending, pendingMs);
    }
    let reply: { status: number; answer: number; payload?: Buffer } | null;
    try {
      reply = await this.handlers.dispatch(cmd, from);
    } finally {
      if (pendingTimer) clearTimeout(pendingTimer);
    }
    if (!reply || !wantsAck || this.closed) return;
    if (reply.status === GvcpStatus.ACCESS_DENIED) this.counters.accessDenied += 1;
    let packet: Buffer;
    try {
      packet = encodeAck({ status: reply.status, answer: reply.answer, ackId: cmd.requestId, payload: reply.payload });
    } catch (err) {
      // A reply the codec refuses is our bug, but the host still waits for an answer: give it ERROR.
      this.emit('warning', err);
      packet = encodeAck({ status: GvcpStatus.ERROR, answer: ackCodeFor(cmd.command), ackId: cmd.requestId });
    }
    this.remember(from, cmd, packet);
    this.sendTo(packet, from.address, from.port);
  }

  private remember(from: Endpoint, cmd: GvcpCommand, packet: Buffer): void {
    const key = `${from.address}:${from.port}`;
    this.ackCache.delete(key);
    this.ackCache.set(key, { requestId: cmd.requestId, command: cmd.command, packet });
    if (this.ackCache.size > MAX_CACHED_ACKS) this.ackCache.delete(this.ackCache.keys().next().value as string);
  }

  /** Send from the device's GVCP socket (source = device IP:3956). */
  sendTo(packet: Buffer, address: string, port: number): void {
    if (this.closed) return;
    this.sockets.send(packet, address, port);
  }

  /** Reply to a host; broadcast instead when it asked for that and sits on a foreign subnet. */
  replyMaybeBroadcast(packet: Buffer, to: Endpoint, allowBroadcast: boolean): void {
    let target = to.address;
    if (allowBroadcast && !sameSubnet(to.address, this.network.ipAddress, this.network.subnetMask)) {
      target = this.options.broadcastAckAddress ?? (this.scope.allowNetwork ? LIMITED_BROADCAST : LOOPBACK_BROADCAST);
    }
    this.sendTo(packet, target, to.port);
  }

  /** Run a model callback; a throwing model must not take the server down. */
  callModel(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.emit('warning', err);
    }
  }

  /** A timer the server cancels on close. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private onRelease(reason: ReleaseReason): void {
    // As a real camera does: control gone → acquisition stops, channels close (unless unconditional streaming).
    this.callModel(() => this.model.onControlLost());
    if (!this.stream.unconditional) this.stream.close();
    this.message.close();
    this.emit('control-released', reason);
  }

  /** A real camera hears every broadcast on its link: its subnet's too (when serving a network). */
  private async bindSubnetBroadcast(): Promise<void> {
    const broadcast = directedBroadcast(this.network.ipAddress, this.network.subnetMask);
    const wanted =
      (this.options.listenSubnetBroadcast ?? this.scope.allowNetwork) &&
      !(this.options.broadcastAddresses ?? this.scope.defaultBroadcasts()).includes(broadcast) &&
      broadcast !== this.network.ipAddress;
    await this.sockets.listenSubnet(wanted ? broadcast : null);
  }

  /** Null when FORCEIP may move the device to `ipAddress`, else why not. */
  refusesMove(ipAddress: string, subnetMask = this.network.subnetMask): string | null {
    if (this.owned) return this.scope.refusesAddress(ipAddress) ?? OwnedInterface.refusesAddress(ipAddress, subnetMask);
    return ipAddress === this.network.ipAddress ? null : this.scope.refusesMove(this.network.ipAddress, ipAddress);
  }

  /** The interface the device owns (`ownInterface`), or null. */
  get ownedInterface(): string | null {
    return this.owned?.name ?? null;
  }

  /** FORCEIP: move the device to a new address (on its interface; see `refusesMove`). Not persistent. */
  async changeAddress(ipAddress: string, subnetMask: string, gateway: string): Promise<void> {
    // An owned interface gets the new address first (so sockets can bind it), loses the old one last.
    this.owned?.add(ipAddress, subnetMask);
    if (ipAddress === this.network.ipAddress) {
      this.network.subnetMask = subnetMask;
      this.network.gateway = gateway;
      await this.bindSubnetBroadcast();
      return;
    }
    await this.sockets.bindControl(ipAddress);
    this.network.ipAddress = ipAddress;
    this.network.subnetMask = subnetMask;
    this.network.gateway = gateway;
    await this.bindSubnetBroadcast();
    await this.stream.rebind(ipAddress);
    await this.message.rebind(ipAddress);
    this.owned?.releasePrevious();
    this.emit('address-changed', { address: ipAddress, subnetMask, gateway });
  }

  /** Stop answering, close every socket and the sender. Does not close the model (its owner does). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.privilege.close();
    await this.sockets.close();
    await this.queue.catch(() => undefined);
    await this.message.dispose();
    await this.stream.dispose();
  }
}

/** Null when this host has `address` (a socket can bind it), else the reason. */
function notHostAddress(address: string): Promise<string | null> {
  return new Promise((resolve) => {
    const probe = dgram.createSocket('udp4');
    probe.once('error', (err) => {
      probe.close();
      resolve(`${address} is not an address of this host (${err.message})`);
    });
    probe.bind({ address, port: 0 }, () => {
      probe.close();
      resolve(null);
    });
  });
}
