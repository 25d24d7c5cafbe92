/**
 * GVCP constants: ports, command/ack codes, flags, status codes, bootstrap register addresses and
 * capability bits. Shared by the client (`lib/gvcp`) and the emulated device (`lib/emulator`).
 * Values follow `gige-vision-protocol.md` §1–§3, §5 and §7; bit masks are written as hex (the
 * standard numbers bits MSB-first, which is easy to get wrong).
 */

export const GVCP_PORT = 3956;
export const GVCP_HEADER_SIZE = 8;
/** Command packets start with this key byte; acks start with the high byte of a status. */
export const GVCP_KEY = 0x42;
/** A GVCP datagram is at most 576 bytes of IP: 540 bytes of payload after the 8-byte header. */
export const GVCP_MAX_PAYLOAD = 540;
/** READMEM/WRITEMEM bytes per command (540 minus the 4-byte address). */
export const GVCP_MAX_MEMORY_CHUNK = 536;
export const GVCP_MAX_READREG_ADDRESSES = 135;
export const GVCP_MAX_WRITEREG_PAIRS = 67;
export const GVCP_MAX_EVENTDATA_BYTES = 524;
export const GVCP_DISCOVERY_ACK_LENGTH = 0xf8;

export const Command = {
  DISCOVERY: 0x0002,
  FORCEIP: 0x0004,
  PACKETRESEND: 0x0040,
  READREG: 0x0080,
  WRITEREG: 0x0082,
  READMEM: 0x0084,
  WRITEMEM: 0x0086,
  EVENT: 0x00c0,
  EVENTDATA: 0x00c2,
  ACTION: 0x0100,
} as const;

export const Ack = {
  DISCOVERY: 0x0003,
  FORCEIP: 0x0005,
  PACKETRESEND: 0x0041,
  READREG: 0x0081,
  WRITEREG: 0x0083,
  READMEM: 0x0085,
  WRITEMEM: 0x0087,
  PENDING: 0x0089,
  EVENT: 0x00c1,
  EVENTDATA: 0x00c3,
  ACTION: 0x0101,
} as const;

const COMMAND_NAMES: Record<number, string> = {
  [Command.DISCOVERY]: 'DISCOVERY',
  [Command.FORCEIP]: 'FORCEIP',
  [Command.PACKETRESEND]: 'PACKETRESEND',
  [Command.READREG]: 'READREG',
  [Command.WRITEREG]: 'WRITEREG',
  [Command.READMEM]: 'READMEM',
  [Command.WRITEMEM]: 'WRITEMEM',
  [Command.EVENT]: 'EVENT',
  [Command.EVENTDATA]: 'EVENTDATA',
  [Command.ACTION]: 'ACTION',
};

export function commandName(code: number): string {
  if (COMMAND_NAMES[code]) return COMMAND_NAMES[code];
  if (COMMAND_NAMES[code - 1] && (code & 1) === 1) return `${COMMAND_NAMES[code - 1]}_ACK`;
  if (code === Ack.PENDING) return 'PENDING_ACK';
  return `0x${code.toString(16).padStart(4, '0')}`;
}

/** Flag bits of the command header's second byte. */
export const Flag = {
  ACK_REQUIRED: 0x01,
  /** DISCOVERY/FORCEIP: the device may broadcast its ack (reaches a host on a foreign subnet). */
  ALLOW_BROADCAST_ACK: 0x10,
  /** PACKETRESEND/EVENT/EVENTDATA: 64-bit block ids, 32-bit packet ids. */
  EXTENDED_IDS: 0x10,
  /** ACTION: the 64-bit action_time field is present. */
  SCHEDULED_ACTION: 0x80,
} as const;

export const GvcpStatus = {
  SUCCESS: 0x0000,
  PACKET_RESEND: 0x0100,
  NOT_IMPLEMENTED: 0x8001,
  INVALID_PARAMETER: 0x8002,
  INVALID_ADDRESS: 0x8003,
  WRITE_PROTECT: 0x8004,
  BAD_ALIGNMENT: 0x8005,
  ACCESS_DENIED: 0x8006,
  BUSY: 0x8007,
  LOCAL_PROBLEM: 0x8008,
  MSG_MISMATCH: 0x8009,
  INVALID_PROTOCOL: 0x800a,
  NO_MSG: 0x800b,
  PACKET_UNAVAILABLE: 0x800c,
  DATA_OVERRUN: 0x800d,
  INVALID_HEADER: 0x800e,
  WRONG_CONFIG: 0x800f,
  PACKET_NOT_YET_AVAILABLE: 0x8010,
  PACKET_AND_PREV_REMOVED_FROM_MEMORY: 0x8011,
  PACKET_REMOVED_FROM_MEMORY: 0x8012,
  NO_REF_TIME: 0x8013,
  PACKET_TEMPORARILY_UNAVAILABLE: 0x8014,
  OVERFLOW: 0x8015,
  ACTION_LATE: 0x8016,
  LEADER_TRAILER_OVERFLOW: 0x8017,
  ERROR: 0x8fff,
} as const;

const STATUS_TEXT: Record<number, [string, string]> = {
  0x0000: ['SUCCESS', 'the command succeeded'],
  0x0100: ['PACKET_RESEND', 'this stream packet is a retransmission'],
  0x8001: ['NOT_IMPLEMENTED', 'the device does not implement this command'],
  0x8002: ['INVALID_PARAMETER', 'a parameter of the command is out of range or malformed'],
  0x8003: ['INVALID_ADDRESS', 'the address does not exist on the device'],
  0x8004: ['WRITE_PROTECT', 'the register is read-only'],
  0x8005: ['BAD_ALIGNMENT', 'the address or length is not a multiple of 4'],
  0x8006: ['ACCESS_DENIED', 'another application controls this camera (or this access needs control)'],
  0x8007: ['BUSY', 'the device is busy; retry later'],
  0x8008: ['LOCAL_PROBLEM', 'the device reported an internal problem'],
  0x8009: ['MSG_MISMATCH', 'the device reported a message mismatch'],
  0x800a: ['INVALID_PROTOCOL', 'the device rejected the protocol'],
  0x800b: ['NO_MSG', 'the device expected a message that did not arrive'],
  0x800c: ['PACKET_UNAVAILABLE', 'the requested stream packet cannot be resent'],
  0x800d: ['DATA_OVERRUN', 'the device overran an internal buffer'],
  0x800e: ['INVALID_HEADER', 'the device rejected a malformed header'],
  0x800f: ['WRONG_CONFIG', 'the device configuration is wrong for this command'],
  0x8010: ['PACKET_NOT_YET_AVAILABLE', 'the requested stream packet has not been produced yet'],
  0x8011: ['PACKET_AND_PREV_REMOVED_FROM_MEMORY', 'the requested packet and older ones are gone'],
  0x8012: ['PACKET_REMOVED_FROM_MEMORY', 'the requested packet is gone'],
  0x8013: ['NO_REF_TIME', 'the device has no synchronized time reference for a scheduled action'],
  0x8014: ['PACKET_TEMPORARILY_UNAVAILABLE', 'the packet is temporarily unavailable (bandwidth); retry later'],
  0x8015: ['OVERFLOW', 'the device queue is full (e.g. scheduled actions)'],
  0x8016: ['ACTION_LATE', 'the scheduled action time has already passed'],
  0x8017: ['LEADER_TRAILER_OVERFLOW', 'the stream leader/trailer does not fit the packet size'],
  0x8fff: ['ERROR', 'the device reported a generic error'],
};

export function statusName(code: number): string {
  return STATUS_TEXT[code]?.[0] ?? `STATUS_0x${code.toString(16).padStart(4, '0')}`;
}

/** Human words for a GVCP status code, e.g. ACCESS_DENIED → "another application controls this camera". */
export function describeStatus(code: number): string {
  const known = STATUS_TEXT[code];
  if (known) return `${known[0]} (0x${code.toString(16).padStart(4, '0')}): ${known[1]}`;
  return `unknown status 0x${code.toString(16).padStart(4, '0')}`;
}

/** Bootstrap register addresses (§2). */
export const Bootstrap = {
  VERSION: 0x0000,
  DEVICE_MODE: 0x0004,
  MAC_HIGH: 0x0008,
  MAC_LOW: 0x000c,
  SUPPORTED_IP_CONFIGURATION: 0x0010,
  CURRENT_IP_CONFIGURATION: 0x0014,
  CURRENT_IP: 0x0024,
  CURRENT_SUBNET_MASK: 0x0034,
  CURRENT_GATEWAY: 0x0044,
  MANUFACTURER_NAME: 0x0048,
  MODEL_NAME: 0x0068,
  DEVICE_VERSION: 0x0088,
  MANUFACTURER_INFO: 0x00a8,
  SERIAL_NUMBER: 0x00d8,
  USER_DEFINED_NAME: 0x00e8,
  FIRST_URL: 0x0200,
  SECOND_URL: 0x0400,
  NUMBER_OF_INTERFACES: 0x0600,
  PERSISTENT_IP: 0x064c,
  PERSISTENT_SUBNET_MASK: 0x065c,
  PERSISTENT_GATEWAY: 0x066c,
  LINK_SPEED: 0x0670,
  NUMBER_OF_MESSAGE_CHANNELS: 0x0900,
  NUMBER_OF_STREAM_CHANNELS: 0x0904,
  NUMBER_OF_ACTION_SIGNALS: 0x0908,
  ACTION_DEVICE_KEY: 0x090c,
  NUMBER_OF_ACTIVE_LINKS: 0x0910,
  GVSP_CAPABILITY: 0x092c,
  MESSAGE_CHANNEL_CAPABILITY: 0x0930,
  GVCP_CAPABILITY: 0x0934,
  HEARTBEAT_TIMEOUT: 0x0938,
  TIMESTAMP_TICK_FREQUENCY_HIGH: 0x093c,
  TIMESTAMP_TICK_FREQUENCY_LOW: 0x0940,
  TIMESTAMP_CONTROL: 0x0944,
  TIMESTAMP_VALUE_HIGH: 0x0948,
  TIMESTAMP_VALUE_LOW: 0x094c,
  DISCOVERY_ACK_DELAY: 0x0950,
  GVCP_CONFIGURATION: 0x0954,
  PENDING_TIMEOUT: 0x0958,
  CONTROL_SWITCHOVER_KEY: 0x095c,
  GVSP_CONFIGURATION: 0x0960,
  PHYSICAL_LINK_CAPABILITY: 0x0964,
  PHYSICAL_LINK_CONFIGURATION: 0x0968,
  IEEE1588_STATUS: 0x096c,
  SCHEDULED_ACTION_QUEUE_SIZE: 0x0970,
  CCP: 0x0a00,
  PRIMARY_APPLICATION_PORT: 0x0a04,
  PRIMARY_APPLICATION_IP: 0x0a14,
  MCP: 0x0b00,
  MCDA: 0x0b10,
  MCTT: 0x0b14,
  MCRC: 0x0b18,
  MCSP: 0x0b1c,
  MCCFG: 0x0b20,
  /** Stream channel 0; channel i is at SC0 + 0x40·i. */
  SC0: 0x0d00,
  ACTION_GROUP_KEY0: 0x9800,
  ACTION_GROUP_MASK0: 0x9804,
  /** First manufacturer-specific register (the camera model's, described by its XML). */
  MANUFACTURER_SPECIFIC: 0xa000,
} as const;

/** Offsets inside a stream channel block (`Bootstrap.SC0 + 0x40·i`). */
export const StreamChannelRegister = {
  SCP: 0x00,
  SCPS: 0x04,
  SCPD: 0x08,
  SCDA: 0x18,
  SCSP: 0x1c,
  SCC: 0x20,
  SCCFG: 0x24,
} as const;
export const STREAM_CHANNEL_STRIDE = 0x40;
/** Action group i: key at ACTION_GROUP_KEY0 + stride·i, mask at +4. */
export const ACTION_GROUP_STRIDE = 0x10;

/** Bootstrap string field sizes. */
export const BootstrapStringLength = {
  MANUFACTURER_NAME: 32,
  MODEL_NAME: 32,
  DEVICE_VERSION: 32,
  MANUFACTURER_INFO: 48,
  SERIAL_NUMBER: 16,
  USER_DEFINED_NAME: 16,
  URL: 512,
} as const;

/** CCP (0x0A00) bits; the high 16 bits carry a switchover key written by a requester. */
export const Ccp = {
  OPEN: 0x0,
  EXCLUSIVE: 0x1,
  CONTROL: 0x2,
  SWITCHOVER_ENABLE: 0x4,
} as const;

/** GVCP capability register (0x0934) bits. */
export const GvcpCapability = {
  USER_DEFINED_NAME: 0x80000000,
  SERIAL_NUMBER: 0x40000000,
  HEARTBEAT_DISABLE: 0x20000000,
  LINK_SPEED: 0x10000000,
  CCP_APPLICATION_PORT_IP: 0x08000000,
  MANIFEST_TABLE: 0x04000000,
  TEST_DATA: 0x02000000,
  DISCOVERY_ACK_DELAY: 0x01000000,
  DISCOVERY_ACK_DELAY_WRITABLE: 0x00800000,
  EXTENDED_STATUS_CODES_1_1: 0x00400000,
  PRIMARY_APPLICATION_SWITCHOVER: 0x00200000,
  UNCONDITIONAL_ACTION: 0x00100000,
  IEEE1588: 0x00080000,
  EXTENDED_STATUS_CODES_2_0: 0x00040000,
  SCHEDULED_ACTION: 0x00020000,
  IEEE1588_EXTENDED: 0x00010000,
  ACTION: 0x00000040,
  PENDING_ACK: 0x00000020,
  EVENTDATA: 0x00000010,
  EVENT: 0x00000008,
  PACKETRESEND: 0x00000004,
  WRITEMEM: 0x00000002,
  CONCATENATION: 0x00000001,
} as const;

/** GVCP configuration register (0x0954) bits. */
export const GvcpConfiguration = {
  HEARTBEAT_DISABLE: 0x1,
  PENDING_ACK_ENABLE: 0x2,
  EXTENDED_STATUS_CODES_1_1: 0x4,
  UNCONDITIONAL_ACTION: 0x8,
  EXTENDED_STATUS_CODES_2_0: 0x40000,
  IEEE1588_ENABLE: 0x80000,
} as const;

/** SCPS (stream channel packet size) bits besides the 16-bit size. */
export const Scps = {
  FIRE_TEST_PACKET: 0x80000000,
  DO_NOT_FRAGMENT: 0x40000000,
  BIG_ENDIAN: 0x20000000,
  SIZE_MASK: 0x0000ffff,
} as const;

export const GVSP_CONFIGURATION_EXTENDED_IDS = 0x40000000;
export const GVSP_CAPABILITY_SCSP = 0x80000000;
export const GVSP_CAPABILITY_LEGACY_16BIT_BLOCK_ID = 0x40000000;
export const MESSAGE_CHANNEL_CAPABILITY_MCSP = 0x80000000;

/** Device mode register bits (0x0004). */
export const DeviceMode = {
  BIG_ENDIAN: 0x80000000,
  CLASS_TRANSMITTER: 0x00000000,
  CHARACTER_SET_UTF8: 0x1,
  CHARACTER_SET_ASCII: 0x2,
} as const;

/** IP configuration bits (supported 0x0010 / current 0x0014). */
export const IpConfiguration = {
  PERSISTENT: 0x1,
  DHCP: 0x2,
  LLA: 0x4,
} as const;

export const HEARTBEAT_TIMEOUT_DEFAULT_MS = 3000;
export const HEARTBEAT_TIMEOUT_MIN_MS = 500;

/** Standard event ids (§5.5). */
export const StandardEvent = {
  PRIMARY_APPLICATION_SWITCHOVER: 0x0007,
  LINK_SPEED_CHANGE: 0x0008,
  ACTION_LATE: 0x0009,
} as const;
