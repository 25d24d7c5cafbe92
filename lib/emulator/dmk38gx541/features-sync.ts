/**
 * Features of manual sections 5.12–5.15 (PTP, action scheduler, events, chunk data) and the
 * standard GigE Vision transport-layer features a client expects (mapped onto the bootstrap
 * registers that the GVCP server owns).
 */
import { CategoryDef, FeatureDef } from './feature-types';
import { OFF, ON } from './features-image';
import { MAX_EVENT_RETRIES } from '../device/message-channel';

export const ACTION_QUEUE_SIZE = 8;

/** Device-specific event ids (message channel) and the EventSelector entry values. */
export const EventId = { ExposureEnd: 0x9001, FrameTriggerMissed: 0x9002, Line1FallingEdge: 0x9003, Line1RisingEdge: 0x9004, Test: 0x9005 } as const;
export type EventName = keyof typeof EventId;
export const EventSelectorValue: Record<EventName, number> = { ExposureEnd: 0, FrameTriggerMissed: 1, Line1FallingEdge: 2, Line1RisingEdge: 3, Test: 4 };
/**
 * Event ports follow docs/architecture.md (lib/genicam/event-data.ts): byte 0 is the start of the
 * 16-byte event item header — event id at 2, timestamp at 8 — and EVENTDATA's data starts at 16.
 * ExposureEnd carries the 64-bit FrameID (block id) as its data; the other events have none.
 */
export const EVENT_PORT_DATA_OFFSET = 16;

/** Chunk ids of the 0x4001 payload (the image is tagged too, so a backward parse ends cleanly). */
export const ChunkId = { Image: 0x00000001, ExposureTime: 0x00000a01, Gain: 0x00000a02 } as const;
export const ChunkSelectorValue = { ExposureTime: 0, Gain: 1 } as const;

/** PtpStatus values are the IEEE 1588 port states (as in bootstrap register 0x096C). */
export const PtpState = { Disabled: 3, Master: 6, Uncalibrated: 8, Slave: 9 } as const;

export const syncCategories: CategoryDef[] = [
  { name: 'PtpControl', displayName: 'Precision Time Protocol', description: 'Manual 5.12.', registerBase: 0xac00 },
  { name: 'ActionControl', displayName: 'Action Scheduler', description: 'Manual 5.13, plus the GigE Vision action command keys.', registerBase: 0xad00 },
  { name: 'EventControl', displayName: 'Events', description: 'Manual 5.14: notifications on the message channel.', registerBase: 0xae00 },
  { name: 'ChunkDataControl', displayName: 'Chunk Data', description: 'Manual 5.15: data appended to each frame.', registerBase: 0xaf00 },
  { name: 'TransportLayerControl', displayName: 'Transport Layer', description: 'GigE Vision transport: stream and message channels, timestamps, privilege.', registerBase: 0xb000 },
];

const onOff = [{ name: 'Off', value: OFF }, { name: 'On', value: ON }];

function eventFeatures(event: EventName): FeatureDef[] {
  const port = `Event${event}Port`;
  const common = { kind: 'integer' as const, category: 'EventControl', access: 'RO' as const, eventId: EventId[event], wide: true };
  const features: FeatureDef[] = [
    { ...common, wide: false, name: `Event${event}`, description: `Notified when a ${event} event arrives; its value (the event id) has no meaning.`, storage: { kind: 'port', port, address: 2, length: 2 } },
    { ...common, name: `Event${event}Timestamp`, description: `Device time (ns) of the ${event} event.`, unit: 'ns', storage: { kind: 'port', port, address: 8, length: 8 } },
  ];
  if (event === 'ExposureEnd') {
    features.push({ ...common, name: 'EventExposureEndFrameID', description: 'Block id of the frame whose exposure ended.', storage: { kind: 'port', port, address: EVENT_PORT_DATA_OFFSET, length: 8 } });
  }
  return features;
}

function bootstrap(def: Omit<FeatureDef, 'category' | 'storage' | 'standard'> & { address: number; length?: number; mask?: number; value?: number }): FeatureDef {
  const { address, length, mask, value, ...rest } = def;
  return { ...rest, category: 'TransportLayerControl', standard: true, storage: { kind: 'bootstrap', address, length: length ?? 4, mask, value } };
}

export const syncFeatures: FeatureDef[] = [
  // 5.12 PTP
  {
    name: 'PtpEnable', kind: 'boolean', category: 'PtpControl', standard: true, access: 'RW', streamable: true,
    description: 'Use the Precision Time Protocol (manual 5.12.1; on by default).', storage: { kind: 'model', length: 4 }, default: true,
    invalidatedBy: ['GevIEEE1588'],
  },
  {
    name: 'PtpStatus', kind: 'enumeration', category: 'PtpControl', standard: true, access: 'RO',
    description: 'State of the PTP algorithm (manual 5.12.2). Uncalibrated for a settling time after enabling or after the domain changes.',
    storage: { kind: 'model', length: 4 }, cachable: 'NoCache', // settles by itself
    entries: [
      { name: 'Master', value: PtpState.Master, description: 'The camera acts as PTP master clock.' },
      { name: 'Slave', value: PtpState.Slave, description: 'The camera synchronizes its time stamp to a PTP master clock.' },
      { name: 'Uncalibrated', value: PtpState.Uncalibrated, description: 'PTP was recently enabled, or a recent change in the network configuration initiated a resynchronization.' },
      { name: 'Disabled', value: PtpState.Disabled, description: 'PTP is disabled.' },
    ],
  },
  // 5.13 Action scheduler
  {
    name: 'ActionSelector', kind: 'integer', category: 'ActionControl', standard: true, access: 'RW',
    description: 'Action the scheduler features act on; Action0 triggers images (manual 5.13.1).', storage: { kind: 'model', length: 4 },
    min: 0, max: 0, inc: 1, default: 0,
    selects: ['ActionSchedulerTime', 'ActionSchedulerInterval', 'ActionSchedulerCommit', 'ActionSchedulerCancel', 'ActionGroupKey', 'ActionGroupMask'],
  },
  {
    name: 'ActionSchedulerTime', kind: 'integer', category: 'ActionControl', access: 'RW', wide: true,
    description: 'PTP time (ns) of the scheduled action; a time in the past fires at once (manual 5.13.2).',
    storage: { kind: 'model', length: 8 }, min: 0, unit: 'ns', default: 0n,
  },
  {
    name: 'ActionSchedulerInterval', kind: 'integer', category: 'ActionControl', access: 'RW',
    description: 'Repeat interval (µs); 0 = once (manual 5.13.3). Missed repetitions are skipped.',
    storage: { kind: 'model', length: 4 }, min: 0, max: 4294967295, inc: 1, unit: 'us', default: 0,
  },
  {
    name: 'ActionSchedulerCommit', kind: 'command', category: 'ActionControl', access: 'WO',
    description: 'Queue the action at ActionSchedulerTime (manual 5.13.4). Fails with OVERFLOW when ActionQueueSize actions are queued, NO_REF_TIME without PTP.',
    storage: { kind: 'model', length: 4 },
  },
  {
    name: 'ActionSchedulerCancel', kind: 'command', category: 'ActionControl', access: 'WO',
    description: 'Cancel every scheduled action of the selected type (manual 5.13.5).', storage: { kind: 'model', length: 4 },
  },
  { ...bootstrap({ name: 'ActionQueueSize', kind: 'integer', access: 'RO', address: 0x0970, description: 'Scheduled actions the queue holds (manual 5.13.4).' }), category: 'ActionControl' },
  { ...bootstrap({ name: 'ActionDeviceKey', kind: 'integer', access: 'WO', address: 0x090c, description: 'Device key an ACTION_CMD must carry.', representation: 'HexNumber' }), category: 'ActionControl' },
  { ...bootstrap({ name: 'ActionGroupKey', kind: 'integer', access: 'RW', address: 0x9800, description: 'Group key of action signal 0.', representation: 'HexNumber' }), category: 'ActionControl' },
  { ...bootstrap({ name: 'ActionGroupMask', kind: 'integer', access: 'RW', address: 0x9804, description: 'Group mask of action signal 0.', representation: 'HexNumber' }), category: 'ActionControl' },
  {
    ...bootstrap({ name: 'ActionUnconditionalMode', kind: 'enumeration', access: 'RW', address: 0x0954, mask: 0x8, entries: onOff, description: 'On: act on ACTION_CMD even when no application holds control.', visibility: 'Expert' }),
    category: 'ActionControl',
  },

  // 5.14 Events
  {
    name: 'EventSelector', kind: 'enumeration', category: 'EventControl', standard: true, access: 'RW',
    description: 'Event that EventNotification configures (manual 5.14.1).', storage: { kind: 'model', length: 4 }, default: 'ExposureEnd',
    selects: ['EventNotification'],
    entries: (Object.keys(EventSelectorValue) as EventName[]).map((name) => ({ name, value: EventSelectorValue[name], description: `Selects the ${name} event` })),
  },
  {
    name: 'EventNotification', kind: 'enumeration', category: 'EventControl', standard: true, access: 'RW', streamable: true,
    description: 'Send the selected event on the message channel (manual 5.14.2).', storage: { kind: 'model', length: 4 },
    entries: onOff, default: 'Off', selectedBy: 'EventSelector',
  },
  {
    name: 'TestEventGenerate', kind: 'command', category: 'EventControl', access: 'WO',
    description: 'Generate one Test event (manual 5.14.7).', storage: { kind: 'model', length: 4 },
  },
  ...eventFeatures('ExposureEnd'),
  ...eventFeatures('FrameTriggerMissed'),
  ...eventFeatures('Line1FallingEdge'),
  ...eventFeatures('Line1RisingEdge'),
  ...eventFeatures('Test'),

  // 5.15 Chunk data
  {
    name: 'ChunkModeActive', kind: 'boolean', category: 'ChunkDataControl', standard: true, access: 'RW', streamable: true,
    description: 'Append chunk data to each frame (payload type 0x4001; manual 5.15.1).', storage: { kind: 'model', length: 4 },
    default: false, locked: [{ tlParams: true }],
  },
  {
    name: 'ChunkSelector', kind: 'enumeration', category: 'ChunkDataControl', standard: true, access: 'RW',
    description: 'Chunk that ChunkEnable configures (manual 5.15.2).', storage: { kind: 'model', length: 4 }, default: 'ExposureTime',
    selects: ['ChunkEnable'],
    entries: [
      { name: 'ExposureTime', value: ChunkSelectorValue.ExposureTime, description: 'Selects ExposureTime chunk' },
      { name: 'Gain', value: ChunkSelectorValue.Gain, description: 'Selects Gain chunk' },
    ],
  },
  {
    name: 'ChunkEnable', kind: 'boolean', category: 'ChunkDataControl', standard: true, access: 'RW', streamable: true,
    description: 'Include the selected chunk (manual 5.15.3).', storage: { kind: 'model', length: 4 }, default: true,
    selectedBy: 'ChunkSelector', locked: [{ tlParams: true }],
  },
  {
    name: 'ChunkExposureTime', kind: 'float', category: 'ChunkDataControl', standard: true, access: 'RO',
    description: 'Exposure time of the frame (manual 5.15.4).', storage: { kind: 'port', port: 'ChunkExposureTimePort', address: 0, length: 8 },
    min: 2, max: 30000000, unit: 'us',
  },
  {
    name: 'ChunkGain', kind: 'float', category: 'ChunkDataControl', standard: true, access: 'RO',
    description: 'Gain of the frame (manual 5.15.5).', storage: { kind: 'port', port: 'ChunkGainPort', address: 0, length: 8 },
    min: 0, max: 48, unit: 'dB',
  },

  // Transport layer
  {
    name: 'TLParamsLocked', kind: 'integer', category: 'TransportLayerControl', standard: true, access: 'RW', visibility: 'Invisible',
    description: 'Set to 1 by the host while streaming: freezes the settings that change the payload.', storage: { kind: 'model', length: 4 },
    min: 0, max: 1, inc: 1, default: 0,
  },
  bootstrap({ name: 'GevVersionMajor', kind: 'integer', access: 'RO', address: 0x0000, mask: 0xffff0000, description: 'GigE Vision version (major).', visibility: 'Expert' }),
  bootstrap({ name: 'GevVersionMinor', kind: 'integer', access: 'RO', address: 0x0000, mask: 0x0000ffff, description: 'GigE Vision version (minor).', visibility: 'Expert' }),
  bootstrap({ name: 'GevMACAddress', kind: 'integer', access: 'RO', address: 0x0008, length: 8, mask: 0xffffffffffff, representation: 'MACAddress', description: 'MAC address of the network interface.' }),
  // FORCEIP moves the device: not cached.
  bootstrap({ name: 'GevCurrentIPAddress', kind: 'integer', access: 'RO', address: 0x0024, representation: 'IPV4Address', description: 'Current IP address.', cachable: 'NoCache' }),
  bootstrap({ name: 'GevCurrentSubnetMask', kind: 'integer', access: 'RO', address: 0x0034, representation: 'IPV4Address', description: 'Current subnet mask.', cachable: 'NoCache' }),
  bootstrap({ name: 'GevCurrentDefaultGateway', kind: 'integer', access: 'RO', address: 0x0044, representation: 'IPV4Address', description: 'Current default gateway.', cachable: 'NoCache' }),
  // IP configuration (bootstrap 0x0014, 0x064C…). Takes effect at the next start; kept across
  // restarts with a state file (docs/emulator.md, "IP configuration"). FORCEIP changes only the current address.
  bootstrap({ name: 'GevCurrentIPConfigurationLLA', kind: 'boolean', access: 'RO', address: 0x0014, mask: 0x4, description: 'Link-local addressing: always enabled, as GigE Vision requires.', visibility: 'Expert' }),
  bootstrap({ name: 'GevCurrentIPConfigurationDHCP', kind: 'boolean', access: 'RW', address: 0x0014, mask: 0x2, description: 'Ask DHCP for an address at start-up (when no persistent IP is used).', visibility: 'Expert' }),
  bootstrap({ name: 'GevCurrentIPConfigurationPersistentIP', kind: 'boolean', access: 'RW', address: 0x0014, mask: 0x1, description: 'Start up at GevPersistentIPAddress.', visibility: 'Expert' }),
  bootstrap({ name: 'GevPersistentIPAddress', kind: 'integer', access: 'RW', address: 0x064c, representation: 'IPV4Address', min: 0, max: 0xffffffff, inc: 1, description: 'Address used at start-up when GevCurrentIPConfigurationPersistentIP is set.', visibility: 'Expert' }),
  bootstrap({ name: 'GevPersistentSubnetMask', kind: 'integer', access: 'RW', address: 0x065c, representation: 'IPV4Address', min: 0, max: 0xffffffff, inc: 1, description: 'Subnet mask used with the persistent IP address.', visibility: 'Expert' }),
  bootstrap({ name: 'GevPersistentDefaultGateway', kind: 'integer', access: 'RW', address: 0x066c, representation: 'IPV4Address', min: 0, max: 0xffffffff, inc: 1, description: 'Default gateway used with the persistent IP address.', visibility: 'Expert' }),
  bootstrap({ name: 'GevFirstURL', kind: 'string', access: 'RO', address: 0x0200, length: 512, description: 'Location of the GenICam XML.', visibility: 'Guru' }),
  bootstrap({ name: 'GevSecondURL', kind: 'string', access: 'RO', address: 0x0400, length: 512, description: 'Second location of the GenICam XML.', visibility: 'Guru' }),
  bootstrap({ name: 'GevLinkSpeed', kind: 'integer', access: 'RO', address: 0x0670, unit: 'Mbps', description: 'Link speed in Mbit/s.', visibility: 'Expert' }),
  bootstrap({ name: 'GevMessageChannelCount', kind: 'integer', access: 'RO', address: 0x0900, description: 'Number of message channels.', visibility: 'Expert' }),
  bootstrap({ name: 'GevStreamChannelCount', kind: 'integer', access: 'RO', address: 0x0904, description: 'Number of stream channels.', visibility: 'Expert' }),
  bootstrap({ name: 'GevHeartbeatTimeout', kind: 'integer', access: 'RW', address: 0x0938, min: 500, max: 60000, inc: 1, unit: 'ms', description: 'Heartbeat timeout: control is released when the primary application is silent this long.' }),
  bootstrap({ name: 'GevGVCPHeartbeatDisable', kind: 'boolean', access: 'RW', address: 0x0954, mask: 0x1, description: 'Disable the heartbeat (debugging).', visibility: 'Guru' }),
  bootstrap({ name: 'GevGVCPPendingAck', kind: 'boolean', access: 'RW', address: 0x0954, mask: 0x2, description: 'Allow PENDING_ACK for long commands.', visibility: 'Guru' }),
  bootstrap({
    name: 'GevIEEE1588', kind: 'boolean', access: 'RW', address: 0x0954, mask: 0x80000, visibility: 'Expert',
    description: 'IEEE 1588 (PTP) enable bit of the GVCP configuration register; the same setting as PtpEnable.', invalidatedBy: ['PtpEnable'],
  }),
  bootstrap({
    name: 'GevIEEE1588Status', kind: 'enumeration', access: 'RO', address: 0x096c, mask: 0xf, visibility: 'Expert',
    description: 'IEEE 1588 port state from the bootstrap status register; the same state as PtpStatus.', cachable: 'NoCache',
    entries: [
      { name: 'Initializing', value: 1 }, { name: 'Faulty', value: 2 }, { name: 'Disabled', value: PtpState.Disabled }, { name: 'Listening', value: 4 },
      { name: 'PreMaster', value: 5 }, { name: 'Master', value: PtpState.Master }, { name: 'Passive', value: 7 },
      { name: 'Uncalibrated', value: PtpState.Uncalibrated }, { name: 'Slave', value: PtpState.Slave },
    ],
  }),
  bootstrap({ name: 'GevTimestampTickFrequency', kind: 'integer', access: 'RO', address: 0x093c, length: 8, unit: 'Hz', description: 'Timestamp ticks per second (1 GHz: timestamps are in ns).' }),
  bootstrap({ name: 'GevTimestampControlLatch', kind: 'command', access: 'WO', address: 0x0944, commandValue: 2, description: 'Latch the current timestamp into GevTimestampValue.' }),
  // PTP owns the clock while enabled: the device ignores the reset bit then (docs/emulator.md).
  bootstrap({
    name: 'GevTimestampControlReset', kind: 'command', access: 'WO', address: 0x0944, commandValue: 1, visibility: 'Expert',
    description: 'Restart the timestamp counter at 0. Locked while PtpEnable is on: PTP owns the clock, and the camera ignores the reset.',
    locked: [{ feature: 'PtpEnable', equals: ON }],
  }),
  bootstrap({ name: 'GevTimestampValue', kind: 'integer', access: 'RO', address: 0x0948, length: 8, unit: 'ns', description: 'Latched timestamp.', cachable: 'NoCache' }),
  bootstrap({ name: 'TimestampLatch', kind: 'command', access: 'WO', address: 0x0944, commandValue: 2, description: 'Latch the current timestamp into TimestampLatchValue (SFNC 2 name).' }),
  bootstrap({ name: 'TimestampLatchValue', kind: 'integer', access: 'RO', address: 0x0948, length: 8, unit: 'ns', description: 'Latched timestamp (SFNC 2 name).', cachable: 'NoCache' }),
  bootstrap({
    name: 'GevCCP', kind: 'enumeration', access: 'RW', address: 0x0a00, description: 'Control channel privilege.', visibility: 'Guru',
    cachable: 'NoCache', // changes when the heartbeat expires or another application takes over
    entries: [{ name: 'OpenAccess', value: 0 }, { name: 'ExclusiveAccess', value: 1 }, { name: 'ControlAccess', value: 2 }],
  }),
  bootstrap({ name: 'GevMCPHostPort', kind: 'integer', access: 'RW', address: 0x0b00, mask: 0xffff, min: 0, max: 65535, inc: 1, description: 'Host port of the message channel (0 = closed).', visibility: 'Expert' }),
  bootstrap({
    name: 'GevMCDA', kind: 'integer', access: 'RW', address: 0x0b10, representation: 'IPV4Address', description: 'Destination address of the message channel.', visibility: 'Expert',
    invalidatedBy: ['GevMCPHostPort'], // opening the channel sets it to the host when unset
  }),
  bootstrap({ name: 'GevMCTT', kind: 'integer', access: 'RW', address: 0x0b14, unit: 'ms', min: 0, max: 10000, inc: 1, description: 'Event acknowledge timeout.', visibility: 'Expert' }),
  bootstrap({ name: 'GevMCRC', kind: 'integer', access: 'RW', address: 0x0b18, min: 0, max: MAX_EVENT_RETRIES, inc: 1, description: 'Event retransmissions.', visibility: 'Expert' }),
  bootstrap({ name: 'GevMCSP', kind: 'integer', access: 'RO', address: 0x0b1c, mask: 0xffff, description: 'Source port of the message channel.', visibility: 'Expert', cachable: 'NoCache' }),
  {
    name: 'GevStreamChannelSelector', kind: 'integer', category: 'TransportLayerControl', standard: true, access: 'RW', visibility: 'Expert',
    description: 'Stream channel the GevSC* features act on (one channel).', storage: { kind: 'model', length: 4 }, min: 0, max: 0, inc: 1, default: 0,
  },
  bootstrap({ name: 'GevSCPHostPort', kind: 'integer', access: 'RW', address: 0x0d00, mask: 0xffff, min: 0, max: 65535, inc: 1, description: 'Host port of stream channel 0 (0 = closed).', visibility: 'Expert' }),
  // SCPS: the device rounds the packet size to its increment and clears the test-packet bit.
  bootstrap({ name: 'GevSCPSFireTestPacket', kind: 'boolean', access: 'RW', address: 0x0d04, mask: 0x80000000, description: 'Send one test packet of GevSCPSPacketSize bytes.', visibility: 'Guru', cachable: 'WriteAround' }),
  bootstrap({ name: 'GevSCPSDoNotFragment', kind: 'boolean', access: 'RW', address: 0x0d04, mask: 0x40000000, description: 'Set the IP do-not-fragment bit on stream packets.', visibility: 'Expert', cachable: 'WriteAround' }),
  bootstrap({
    name: 'GevSCPSPacketSize', kind: 'integer', access: 'RW', address: 0x0d04, mask: 0xffff, min: 576, max: 9000, inc: 4, unit: 'B',
    description: 'Stream packet size (IP datagram bytes). Larger packets raise the link throughput and so the maximum frame rate.',
    cachable: 'WriteAround',
  }),
  bootstrap({ name: 'GevSCPD', kind: 'integer', access: 'RW', address: 0x0d08, min: 0, max: 1000000, inc: 1, unit: 'ns', description: 'Delay between stream packets (ticks = ns); lowers the link throughput.' }),
  bootstrap({
    name: 'GevSCDA', kind: 'integer', access: 'RW', address: 0x0d18, representation: 'IPV4Address', description: 'Destination address of stream channel 0.', visibility: 'Expert',
    invalidatedBy: ['GevSCPHostPort'], // opening the channel sets it to the host when unset
  }),
  bootstrap({ name: 'GevSCSP', kind: 'integer', access: 'RO', address: 0x0d1c, mask: 0xffff, description: 'Source port of stream channel 0.', visibility: 'Expert', cachable: 'NoCache' }),
  bootstrap({ name: 'GevGVSPExtendedIDMode', kind: 'enumeration', access: 'RW', address: 0x0960, mask: 0x40000000, entries: onOff, description: '64-bit block ids and 32-bit packet ids on the stream channel.', visibility: 'Expert' }),
];
