/**
 * The bootstrap register file of the emulated device (addresses below 0xA000): identity, network
 * interface 0, URLs, capabilities, heartbeat, timestamp, GVCP/GVSP configuration, and the
 * registers of the privilege, stream channel, message channel and action components, dispatched by
 * address. Privilege checks for ordinary writes are made here (CCP itself is always accepted for
 * the privilege logic to judge).
 */
import {
  Bootstrap,
  BootstrapStringLength,
  DeviceMode,
  GVCP_DISCOVERY_ACK_LENGTH,
  GVSP_CAPABILITY_LEGACY_16BIT_BLOCK_ID,
  GVSP_CAPABILITY_SCSP,
  GVSP_CONFIGURATION_EXTENDED_IDS,
  GvcpCapability,
  GvcpConfiguration,
  GvcpStatus,
  IpConfiguration,
  MESSAGE_CHANNEL_CAPABILITY_MCSP,
  STREAM_CHANNEL_STRIDE,
} from '../../gvcp/protocol';
import { DeviceIdentityInfo, encodeDiscoveryAck, readFixedString, writeFixedString } from '../../gvcp/codec';
import { ipToNumber, macToString, numberToIp } from '../../gvcp/address';
import { DeviceAccessError } from '../device-model';
import type { DeviceIdentity, Ieee1588Clock, XmlLocation } from '../device-model';
import type { Endpoint, Privilege } from './privilege';
import type { StreamChannel } from './stream-channel';
import type { MessageChannel } from './message-channel';
import type { ActionTable } from './actions';
import { DeviceClock, TICK_FREQUENCY_HZ } from './clock';
import { IpSettings, ipConfigurationBits } from './ip-configuration';

export interface NetworkConfig {
  ipAddress: string;
  subnetMask: string;
  gateway: string;
  macAddress: Buffer;
}

export interface BootstrapOptions {
  identity: DeviceIdentity;
  xml: XmlLocation;
  network: NetworkConfig;
  privilege: Privilege;
  stream: StreamChannel;
  message: MessageChannel;
  actions: ActionTable;
  clock: DeviceClock;
  gvcpCapability: number;
  actionQueueSize: number;
  pendingTimeoutMs: number;
  linkSpeedMbps: number;
  extendedIdsSupported: boolean;
  /** GVCP configuration bits this device honours. */
  configurableBits: number;
  /** The model's PTP clock: IEEE1588 capability, the 0x0954 enable bit and 0x096C follow it. */
  ieee1588?: Ieee1588Clock;
  /** IP configuration and user name as loaded (`ip-configuration.ts`); changed in place by host writes. */
  ipSettings: IpSettings;
  /** A host changed `ipSettings`: keep them (state file). */
  onIpSettingsChanged: (settings: IpSettings) => void;
}

type Result = { status: number; value: number };

/** Regions READMEM may cover (reserved words inside read as 0); [start, end). */
const READABLE_REGIONS: ReadonlyArray<[number, number]> = [
  [0x0000, 0x0800],
  [0x0900, 0x0980],
  [0x0a00, 0x0a18],
  [0x0b00, 0x0b24],
  [Bootstrap.SC0, Bootstrap.SC0 + STREAM_CHANNEL_STRIDE],
];

export class BootstrapRegisters {
  gvcpConfiguration = 0;
  gvspConfiguration = 0;
  discoveryAckDelayMs = 0;
  private readonly ip: IpSettings;
  private readonly urls: Buffer;

  constructor(private readonly o: BootstrapOptions) {
    this.ip = o.ipSettings;
    this.urls = Buffer.alloc(2 * BootstrapStringLength.URL);
    writeFixedString(this.urls, 0, BootstrapStringLength.URL, o.xml.firstUrl);
    writeFixedString(this.urls, BootstrapStringLength.URL, BootstrapStringLength.URL, o.xml.secondUrl ?? '');
  }

  get extendedIds(): boolean {
    return (this.gvspConfiguration & GVSP_CONFIGURATION_EXTENDED_IDS) !== 0;
  }

  get userName(): string {
    return this.ip.userDefinedName;
  }

  /** The identity block (bootstrap 0x0000…0x00F7), also the DISCOVERY_ACK payload. */
  identityInfo(): DeviceIdentityInfo {
    const n = this.o.network;
    return {
      specVersionMajor: 2,
      specVersionMinor: 0,
      deviceMode: (DeviceMode.BIG_ENDIAN | DeviceMode.CLASS_TRANSMITTER | DeviceMode.CHARACTER_SET_UTF8) >>> 0,
      macAddress: macToString(n.macAddress),
      supportedIpConfiguration: IpConfiguration.PERSISTENT | IpConfiguration.DHCP | IpConfiguration.LLA,
      currentIpConfiguration: this.ip.configuration,
      ipAddress: n.ipAddress,
      subnetMask: n.subnetMask,
      gateway: n.gateway,
      manufacturerName: this.o.identity.vendorName,
      modelName: this.o.identity.modelName,
      deviceVersion: this.o.identity.deviceVersion,
      manufacturerInfo: this.o.identity.manufacturerInfo,
      serialNumber: this.o.identity.serialNumber,
      userDefinedName: this.ip.userDefinedName,
    };
  }

  read(address: number): Result {
    if (address < GVCP_DISCOVERY_ACK_LENGTH) return ok(encodeDiscoveryAck(this.identityInfo()).readUInt32BE(address));
    if (address >= Bootstrap.FIRST_URL && address < Bootstrap.FIRST_URL + this.urls.length) {
      return ok(this.urls.readUInt32BE(address - Bootstrap.FIRST_URL));
    }
    if (address >= Bootstrap.SC0 && address < Bootstrap.SC0 + STREAM_CHANNEL_STRIDE) return this.o.stream.read(address - Bootstrap.SC0);
    if (address >= Bootstrap.MCP && address <= Bootstrap.MCSP) return this.o.message.read(address);
    if (this.o.actions.owns(address)) return this.o.actions.read(address);
    const o = this.o;
    switch (address) {
      case Bootstrap.NUMBER_OF_INTERFACES:
        return ok(1);
      case Bootstrap.PERSISTENT_IP:
        return ok(ipToNumber(this.ip.persistentAddress));
      case Bootstrap.PERSISTENT_SUBNET_MASK:
        return ok(ipToNumber(this.ip.persistentSubnetMask));
      case Bootstrap.PERSISTENT_GATEWAY:
        return ok(ipToNumber(this.ip.persistentGateway));
      case Bootstrap.LINK_SPEED:
        return ok(o.linkSpeedMbps);
      case Bootstrap.NUMBER_OF_MESSAGE_CHANNELS:
        return ok(1);
      case Bootstrap.NUMBER_OF_STREAM_CHANNELS:
        return ok(1);
      case Bootstrap.NUMBER_OF_ACTION_SIGNALS:
        return o.actions.signals > 0 ? ok(o.actions.signals) : fail(GvcpStatus.INVALID_ADDRESS);
      case Bootstrap.NUMBER_OF_ACTIVE_LINKS:
        return ok(1);
      case Bootstrap.GVSP_CAPABILITY:
        return ok(GVSP_CAPABILITY_SCSP | GVSP_CAPABILITY_LEGACY_16BIT_BLOCK_ID);
      case Bootstrap.MESSAGE_CHANNEL_CAPABILITY:
        return ok(MESSAGE_CHANNEL_CAPABILITY_MCSP);
      case Bootstrap.GVCP_CAPABILITY:
        return ok(o.gvcpCapability | (o.ieee1588 ? GvcpCapability.IEEE1588 : 0));
      case Bootstrap.HEARTBEAT_TIMEOUT:
        return ok(o.privilege.heartbeatTimeoutMs);
      case Bootstrap.TIMESTAMP_TICK_FREQUENCY_HIGH:
        return ok(Number(TICK_FREQUENCY_HZ >> 32n));
      case Bootstrap.TIMESTAMP_TICK_FREQUENCY_LOW:
        return ok(Number(TICK_FREQUENCY_HZ & 0xffffffffn));
      case Bootstrap.TIMESTAMP_VALUE_HIGH:
        return ok(Number((o.clock.latched >> 32n) & 0xffffffffn));
      case Bootstrap.TIMESTAMP_VALUE_LOW:
        return ok(Number(o.clock.latched & 0xffffffffn));
      case Bootstrap.DISCOVERY_ACK_DELAY:
        return ok(this.discoveryAckDelayMs);
      case Bootstrap.GVCP_CONFIGURATION:
        return ok(this.gvcpConfiguration | (o.ieee1588?.enabled() ? GvcpConfiguration.IEEE1588_ENABLE : 0));
      case Bootstrap.IEEE1588_STATUS:
        return o.ieee1588 ? ok(o.ieee1588.portState() & 0xf) : fail(GvcpStatus.INVALID_ADDRESS);
      case Bootstrap.PENDING_TIMEOUT:
        return ok(o.pendingTimeoutMs);
      case Bootstrap.GVSP_CONFIGURATION:
        return ok(this.gvspConfiguration);
      case Bootstrap.PHYSICAL_LINK_CAPABILITY:
        return ok(0x1);
      case Bootstrap.PHYSICAL_LINK_CONFIGURATION:
        return ok(0);
      case Bootstrap.CCP:
        return ok(o.privilege.read());
      case Bootstrap.PRIMARY_APPLICATION_PORT:
        return ok(o.privilege.primary?.port ?? 0);
      case Bootstrap.PRIMARY_APPLICATION_IP:
        return ok(o.privilege.primary ? ipToNumber(o.privilege.primary.address) : 0);
      case Bootstrap.SCHEDULED_ACTION_QUEUE_SIZE:
        return o.actionQueueSize > 0 ? ok(o.actionQueueSize) : fail(GvcpStatus.INVALID_ADDRESS);
      case Bootstrap.TIMESTAMP_CONTROL:
      case Bootstrap.CONTROL_SWITCHOVER_KEY:
        return fail(GvcpStatus.ACCESS_DENIED); // write-only
      default:
        return fail(GvcpStatus.INVALID_ADDRESS);
    }
  }

  write(address: number, value: number, from: Endpoint): number {
    const o = this.o;
    if (address === Bootstrap.CCP) return o.privilege.write(from, value);
    const denied = o.privilege.writeStatus(from);
    if (denied !== GvcpStatus.SUCCESS) return denied;
    if (address >= Bootstrap.USER_DEFINED_NAME && address < Bootstrap.USER_DEFINED_NAME + BootstrapStringLength.USER_DEFINED_NAME) {
      const field = Buffer.alloc(BootstrapStringLength.USER_DEFINED_NAME);
      writeFixedString(field, 0, field.length, this.ip.userDefinedName);
      field.writeUInt32BE(value >>> 0, address - Bootstrap.USER_DEFINED_NAME);
      return this.changeIp(() => {
        this.ip.userDefinedName = readFixedString(field, 0, field.length);
      });
    }
    if (address >= Bootstrap.SC0 && address < Bootstrap.SC0 + STREAM_CHANNEL_STRIDE)
      return o.stream.write(address - Bootstrap.SC0, value, from);
    if (address >= Bootstrap.MCP && address <= Bootstrap.MCSP) return o.message.write(address, value, from);
    if (o.actions.owns(address)) return o.actions.write(address, value);
    switch (address) {
      case Bootstrap.CURRENT_IP_CONFIGURATION:
        // LLA is always on; persistent and DHCP take effect at the next start (ip-configuration.ts).
        return this.changeIp(() => {
          this.ip.configuration = ipConfigurationBits(value);
        });
      case Bootstrap.PERSISTENT_IP:
        return this.changeIp(() => {
          this.ip.persistentAddress = numberToIp(value >>> 0);
        });
      case Bootstrap.PERSISTENT_SUBNET_MASK:
        return this.changeIp(() => {
          this.ip.persistentSubnetMask = numberToIp(value >>> 0);
        });
      case Bootstrap.PERSISTENT_GATEWAY:
        return this.changeIp(() => {
          this.ip.persistentGateway = numberToIp(value >>> 0);
        });
      case Bootstrap.HEARTBEAT_TIMEOUT:
        o.privilege.setHeartbeatTimeout(value);
        return GvcpStatus.SUCCESS;
      case Bootstrap.TIMESTAMP_CONTROL:
        if (value & 0x1) this.resetTimestamp();
        if (value & 0x2) o.clock.latch();
        return GvcpStatus.SUCCESS;
      case Bootstrap.DISCOVERY_ACK_DELAY:
        this.discoveryAckDelayMs = value & 0xffff;
        return GvcpStatus.SUCCESS;
      case Bootstrap.GVCP_CONFIGURATION: {
        const refused = this.writeIeee1588Enable((value & GvcpConfiguration.IEEE1588_ENABLE) !== 0);
        if (refused !== GvcpStatus.SUCCESS) return refused;
        this.gvcpConfiguration = (value & o.configurableBits & ~GvcpConfiguration.IEEE1588_ENABLE) >>> 0;
        o.privilege.setHeartbeatDisabled((this.gvcpConfiguration & GvcpConfiguration.HEARTBEAT_DISABLE) !== 0);
        return GvcpStatus.SUCCESS;
      }
      case Bootstrap.CONTROL_SWITCHOVER_KEY:
        return o.privilege.writeSwitchoverKey(from, value);
      case Bootstrap.GVSP_CONFIGURATION:
        if (value & GVSP_CONFIGURATION_EXTENDED_IDS && !o.extendedIdsSupported) return GvcpStatus.INVALID_PARAMETER;
        this.gvspConfiguration = (value & GVSP_CONFIGURATION_EXTENDED_IDS) >>> 0;
        o.stream.refresh();
        return GvcpStatus.SUCCESS;
      default:
        return this.read(address).status === GvcpStatus.INVALID_ADDRESS ? GvcpStatus.INVALID_ADDRESS : GvcpStatus.WRITE_PROTECT;
    }
  }

  /** Apply a change to the kept settings and store them; a store that fails is the device's error. */
  private changeIp(change: () => void): number {
    const before = { ...this.ip };
    change();
    try {
      this.o.onIpSettingsChanged(this.ip);
    } catch (err) {
      Object.assign(this.ip, before);
      throw err;
    }
    return GvcpStatus.SUCCESS;
  }

  /**
   * While PTP is enabled it owns the clock (every camera of the domain must read the same time), so
   * the reset is ignored — not refused: a latch in the same write still happens. Cameras that
   * document it disable the reset while PTP synchronises (docs/emulator.md, "Timestamp reset").
   */
  private resetTimestamp(): void {
    if (this.o.ieee1588?.enabled()) this.o.clock.ignoredResets += 1;
    else this.o.clock.reset();
  }

  /** The IEEE1588_ENABLE bit goes to the model's PTP clock (ignored without one, as a reserved bit). */
  private writeIeee1588Enable(enable: boolean): number {
    const clock = this.o.ieee1588;
    if (!clock || clock.enabled() === enable) return GvcpStatus.SUCCESS;
    try {
      clock.setEnabled(enable);
      return GvcpStatus.SUCCESS;
    } catch (err) {
      if (err instanceof DeviceAccessError) return err.status;
      throw err;
    }
  }

  /** READMEM inside the bootstrap area: reserved words read 0; outside the readable regions → INVALID_ADDRESS. */
  readMemory(address: number, length: number): { status: number; data: Buffer } {
    const data = Buffer.alloc(length);
    for (let a = address; a < address + length; a += 4) {
      if (!this.readable(a)) return { status: GvcpStatus.INVALID_ADDRESS, data: Buffer.alloc(0) };
      const r = this.read(a);
      data.writeUInt32BE(r.status === GvcpStatus.SUCCESS ? r.value >>> 0 : 0, a - address);
    }
    return { status: GvcpStatus.SUCCESS, data };
  }

  /** WRITEMEM inside the bootstrap area, word by word; stops at the first refused word. */
  writeMemory(address: number, data: Buffer, from: Endpoint): { status: number; written: number } {
    for (let o = 0; o < data.length; o += 4) {
      const status = this.write(address + o, data.readUInt32BE(o), from);
      if (status !== GvcpStatus.SUCCESS) return { status, written: o };
    }
    return { status: GvcpStatus.SUCCESS, written: data.length };
  }

  private readable(address: number): boolean {
    if (this.o.actions.owns(address)) return true;
    return READABLE_REGIONS.some(([s, e]) => address >= s && address < e);
  }

  networkSummary(): string {
    const n = this.o.network;
    return `${n.ipAddress}/${n.subnetMask} gw ${n.gateway} mac ${macToString(n.macAddress)} persistent ${this.ip.persistentAddress}`;
  }
}

function ok(value: number): Result {
  return { status: GvcpStatus.SUCCESS, value: value >>> 0 };
}

function fail(status: number): Result {
  return { status, value: 0 };
}
