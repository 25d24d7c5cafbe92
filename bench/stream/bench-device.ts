/**
 * The benchmark's camera: a minimal GigE Vision device model (GenICam XML below) served by the
 * project's GvcpServer and streaming through the native GvspSender — the emulator's transmit path —
 * but, unlike the DMK 38GX541-a model (which is faithful to the real camera's ~7.8 fps readout
 * limit at 4504²), with no frame-rate ceiling, so it can offer a receiver more than it can take.
 * Both receivers of the benchmark (ours and Aravis) drive it over GVCP through this XML.
 */
import { GvspSender, renderRamp } from '../../lib/stream/native';
import { GvcpServer } from '../../lib/emulator/gvcp-server';
import { DeviceAccessError, type DeviceModel, type DeviceServices, type StreamChannelConfig } from '../../lib/emulator/device-model';
import type { BlockSender } from '../../lib/emulator/device/stream-channel';

export const Reg = {
  Width: 0xa000,
  Height: 0xa004,
  PixelFormat: 0xa008,
  PayloadSize: 0xa00c,
  AcquisitionMode: 0xa010,
  AcquisitionStart: 0xa014,
  AcquisitionStop: 0xa018,
  WidthMax: 0xa020,
  HeightMax: 0xa024,
  OffsetX: 0xa028,
  OffsetY: 0xa02c,
  BinningHorizontal: 0xa030,
  BinningVertical: 0xa034,
  ExposureTime: 0xa040, // 8-byte double
  Gain: 0xa048, // 8-byte double
  AcquisitionFrameRate: 0xa050, // 8-byte double
  TriggerSelector: 0xa058,
  TriggerMode: 0xa05c,
  TriggerSource: 0xa060,
  TriggerSoftware: 0xa064,
  TLParamsLocked: 0xa06c,
} as const;

const REGISTER_BASE = 0xa000;
const REGISTER_SIZE = 0x100;
const XML_ADDRESS = 0x10000000;
const SENSOR = 4504;
const MONO8 = 0x01080001;
const BENCH_PHASES = 8;

/** The scene phase of block `blockId` from the bench device (blocks cycle through 8 phases). */
export function benchPhase(blockId: number): number {
  return ((blockId - 1) % BENCH_PHASES) + 1;
}

function intReg(name: string, address: number, access: 'RO' | 'RW' | 'WO' = 'RW'): string {
  return `<IntReg Name="${name}Reg"><Address>0x${address.toString(16)}</Address><Length>4</Length><AccessMode>${access}</AccessMode><pPort>Device</pPort><Cachable>NoCache</Cachable><Sign>Unsigned</Sign><Endianess>BigEndian</Endianess></IntReg>`;
}
function integer(name: string, min: number, max: number, access = 'RW', address = 0): string {
  return (
    `<Integer Name="${name}" NameSpace="Standard"><pValue>${name}Reg</pValue><Min>${min}</Min><Max>${max}</Max><Inc>1</Inc></Integer>` +
    intReg(name, address || (Reg as Record<string, number>)[name], access as 'RO')
  );
}
function float(name: string, min: number, max: number, unit: string): string {
  const address = (Reg as Record<string, number>)[name];
  return (
    `<Float Name="${name}" NameSpace="Standard"><pValue>${name}Reg</pValue><Min>${min}</Min><Max>${max}</Max><Unit>${unit}</Unit></Float>` +
    `<FloatReg Name="${name}Reg"><Address>0x${address.toString(16)}</Address><Length>8</Length><AccessMode>RW</AccessMode><pPort>Device</pPort><Cachable>NoCache</Cachable><Endianess>BigEndian</Endianess></FloatReg>`
  );
}
function enumeration(name: string, entries: [string, number][]): string {
  const body = entries.map(([n, v]) => `<EnumEntry Name="${n}" NameSpace="Standard"><Value>${v}</Value></EnumEntry>`).join('');
  return (
    `<Enumeration Name="${name}" NameSpace="Standard">${body}<pValue>${name}Reg</pValue></Enumeration>` +
    intReg(name, (Reg as Record<string, number>)[name])
  );
}
function command(name: string): string {
  return (
    `<Command Name="${name}" NameSpace="Standard"><pValue>${name}Reg</pValue><CommandValue>1</CommandValue></Command>` +
    intReg(name, (Reg as Record<string, number>)[name], 'WO')
  );
}
function masked(name: string, address: number, lsb: number, msb: number, access: 'RO' | 'RW', min: number, max: number, inc = 1): string {
  return (
    `<Integer Name="${name}" NameSpace="Standard"><pValue>${name}Reg</pValue><Min>${min}</Min><Max>${max}</Max><Inc>${inc}</Inc></Integer>` +
    `<MaskedIntReg Name="${name}Reg"><Address>0x${address.toString(16)}</Address><Length>4</Length><AccessMode>${access}</AccessMode><pPort>Device</pPort><Cachable>NoCache</Cachable><LSB>${lsb}</LSB><MSB>${msb}</MSB><Sign>Unsigned</Sign><Endianess>BigEndian</Endianess></MaskedIntReg>`
  );
}
function stringReg(name: string, address: number, length: number): string {
  return `<StringReg Name="${name}" NameSpace="Standard"><Address>0x${address.toString(16)}</Address><Length>${length}</Length><AccessMode>RO</AccessMode><pPort>Device</pPort></StringReg>`;
}
function category(name: string, features: string[]): string {
  return `<Category Name="${name}" NameSpace="Standard">${features.map((f) => `<pFeature>${f}</pFeature>`).join('')}</Category>`;
}

export function benchXml(): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<RegisterDescription ModelName="GVSP-Bench" VendorName="node-red-contrib-gige-vision" ToolTip="Benchmark device" StandardNameSpace="GEV"
 SchemaMajorVersion="1" SchemaMinorVersion="1" SchemaSubMinorVersion="0" MajorVersion="1" MinorVersion="0" SubMinorVersion="0"
 ProductGuid="5d1f2a30-8c3e-4b0a-9a55-2f6e1c0b7a11" VersionGuid="9b7c4e21-0d2a-4f6b-8e13-4a9d2c6f5e02"
 xmlns="http://www.genicam.org/GenApi/Version_1_1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="http://www.genicam.org/GenApi/Version_1_1 http://www.genicam.org/GenApi/GenApiSchema_Version_1_1.xsd">
${category('Root', ['DeviceControl', 'ImageFormatControl', 'AcquisitionControl', 'TransportLayerControl'])}
${category('DeviceControl', ['DeviceVendorName', 'DeviceModelName', 'DeviceVersion', 'DeviceID'])}
${stringReg('DeviceVendorName', 0x48, 32)}${stringReg('DeviceModelName', 0x68, 32)}${stringReg('DeviceVersion', 0x88, 32)}${stringReg('DeviceID', 0xd8, 16)}
${category('ImageFormatControl', ['Width', 'Height', 'WidthMax', 'HeightMax', 'SensorWidth', 'SensorHeight', 'OffsetX', 'OffsetY', 'BinningHorizontal', 'BinningVertical', 'PixelFormat'])}
${integer('Width', 16, SENSOR)}${integer('Height', 1, SENSOR)}${integer('WidthMax', SENSOR, SENSOR, 'RO')}${integer('HeightMax', SENSOR, SENSOR, 'RO')}
<Integer Name="SensorWidth" NameSpace="Standard"><Value>${SENSOR}</Value></Integer><Integer Name="SensorHeight" NameSpace="Standard"><Value>${SENSOR}</Value></Integer>
${integer('OffsetX', 0, SENSOR)}${integer('OffsetY', 0, SENSOR)}${integer('BinningHorizontal', 1, 1)}${integer('BinningVertical', 1, 1)}
${enumeration('PixelFormat', [['Mono8', MONO8]])}
${category('AcquisitionControl', ['AcquisitionMode', 'AcquisitionStart', 'AcquisitionStop', 'AcquisitionFrameRate', 'ExposureTime', 'Gain', 'TriggerSelector', 'TriggerMode', 'TriggerSource', 'TriggerSoftware'])}
${enumeration('AcquisitionMode', [
  ['Continuous', 0],
  ['SingleFrame', 1],
  ['MultiFrame', 2],
])}
${command('AcquisitionStart')}${command('AcquisitionStop')}${command('TriggerSoftware')}
${float('AcquisitionFrameRate', 0.1, 10000, 'Hz')}${float('ExposureTime', 10, 1000000, 'us')}${float('Gain', 0, 48, 'dB')}
${enumeration('TriggerSelector', [['FrameStart', 0]])}${enumeration('TriggerMode', [
    ['Off', 0],
    ['On', 1],
  ])}${enumeration('TriggerSource', [['Software', 0]])}
${category('TransportLayerControl', ['PayloadSize', 'GevSCPSPacketSize', 'GevSCPD', 'GevSCDA', 'GevSCPHostPort', 'GevSCSP', 'GevTimestampTickFrequency', 'TLParamsLocked'])}
${integer('PayloadSize', 0, 0x7fffffff, 'RO')}${integer('TLParamsLocked', 0, 1)}
${masked('GevSCPSPacketSize', 0x0d04, 31, 16, 'RW', 576, 9000, 4)}${masked('GevSCPHostPort', 0x0d00, 31, 16, 'RW', 0, 65535)}${masked('GevSCSP', 0x0d1c, 31, 16, 'RO', 0, 65535)}
<Integer Name="GevSCPD" NameSpace="Standard"><pValue>GevSCPDReg</pValue><Min>0</Min><Max>1000000</Max><Inc>1</Inc></Integer>${intReg('GevSCPD', 0x0d08)}
<Integer Name="GevSCDA" NameSpace="Standard"><pValue>GevSCDAReg</pValue><Representation>IPV4Address</Representation></Integer>${intReg('GevSCDA', 0x0d18)}
<Integer Name="GevTimestampTickFrequency" NameSpace="Standard"><pValue>GevTimestampTickFrequencyReg</pValue></Integer><IntReg Name="GevTimestampTickFrequencyReg"><Address>0x93c</Address><Length>8</Length><AccessMode>RO</AccessMode><pPort>Device</pPort><Sign>Unsigned</Sign><Endianess>BigEndian</Endianess></IntReg>
<Port Name="Device" NameSpace="Standard"/>
</RegisterDescription>
`;
}

export interface BenchDeviceStats {
  blocksSent: number;
  /** Frame times at which the previous frame was still being transmitted (the link fell behind). */
  overruns: number;
  acquiring: boolean;
  frameRate: number;
  linkBytesPerSecond: number;
}

export interface BenchDeviceOptions {
  /** Link rate as a multiple of the offered load (frames are spread over 1/linkFactor of their period). */
  linkFactor: number;
  /** UDP segmentation offload in the sender. */
  segmentationOffload: boolean;
}

export class BenchDeviceModel implements DeviceModel {
  readonly identity = {
    vendorName: 'node-red-contrib-gige-vision',
    modelName: 'GVSP-Bench',
    deviceVersion: '1.0',
    manufacturerInfo: 'benchmark device: native GVSP sender, no frame-rate ceiling',
    serialNumber: 'BENCH0001',
    userDefinedName: '',
    macAddress: Buffer.from([0x02, 0x42, 0x45, 0x4e, 0x43, 0x48]),
  };
  readonly xmlText = Buffer.from(benchXml());
  readonly xml = { firstUrl: `Local:gvsp-bench.xml;${XML_ADDRESS.toString(16)};${this.xmlText.length.toString(16)}` };
  readonly actionSignals = 0;
  readonly actionQueueSize = 0;

  private readonly memory = Buffer.alloc(REGISTER_SIZE);
  private services: DeviceServices | null = null;
  private stream: StreamChannelConfig | null = null;
  private timer: NodeJS.Timeout | null = null;
  private acquiring = false;
  private inFlight = 0;
  private sequence = 0;
  private nextDue = 0;
  private readonly buffers: Buffer[] = [];
  private senders = new Set<{ reapply(): void }>();
  blocksSent = 0;
  overruns = 0;

  constructor(private readonly options: BenchDeviceOptions) {
    this.memory.writeUInt32BE(SENSOR, Reg.Width - REGISTER_BASE);
    this.memory.writeUInt32BE(SENSOR, Reg.Height - REGISTER_BASE);
    this.memory.writeUInt32BE(SENSOR, Reg.WidthMax - REGISTER_BASE);
    this.memory.writeUInt32BE(SENSOR, Reg.HeightMax - REGISTER_BASE);
    this.memory.writeUInt32BE(MONO8, Reg.PixelFormat - REGISTER_BASE);
    this.memory.writeUInt32BE(1, Reg.BinningHorizontal - REGISTER_BASE);
    this.memory.writeUInt32BE(1, Reg.BinningVertical - REGISTER_BASE);
    this.memory.writeDoubleBE(10, Reg.AcquisitionFrameRate - REGISTER_BASE);
    this.memory.writeDoubleBE(10000, Reg.ExposureTime - REGISTER_BASE);
  }

  /** The GvcpServer's sender factory: the native sender, paced to this model's link rate. */
  senderFactory = (options: { bindAddress: string }): BlockSender => {
    const sender = new GvspSender(options);
    let last: Parameters<BlockSender['configure']>[0] | null = null;
    const apply = (): void => {
      if (last)
        sender.configure({
          ...last,
          bandwidthBytesPerSecond: this.linkRate(),
          segmentationOffload: this.options.segmentationOffload,
          historyBlocks: 4,
        });
    };
    const handle = { reapply: apply };
    this.senders.add(handle);
    return {
      get port() {
        return sender.port;
      },
      configure: (config) => {
        last = config;
        apply();
      },
      sendBlock: (block) => sender.sendBlock(block),
      resend: (blockId, first, last2) => sender.resend(blockId, first, last2),
      sendTestPacket: (size) => sender.sendTestPacket(size),
      close: async () => {
        this.senders.delete(handle);
        await sender.close();
      },
    };
  };

  private get width(): number {
    return this.memory.readUInt32BE(Reg.Width - REGISTER_BASE);
  }
  private get height(): number {
    return this.memory.readUInt32BE(Reg.Height - REGISTER_BASE);
  }
  get frameRate(): number {
    return this.memory.readDoubleBE(Reg.AcquisitionFrameRate - REGISTER_BASE);
  }
  get payloadSize(): number {
    return this.width * this.height;
  }
  linkRate(): number {
    return Math.max(1_000_000, Math.round(this.frameRate * this.payloadSize * this.options.linkFactor * 1.02));
  }

  stats(): BenchDeviceStats {
    return {
      blocksSent: this.blocksSent,
      overruns: this.overruns,
      acquiring: this.acquiring,
      frameRate: this.frameRate,
      linkBytesPerSecond: this.linkRate(),
    };
  }

  attach(services: DeviceServices): void {
    this.services = services;
  }

  private check(address: number, length: number): number {
    const offset = address - REGISTER_BASE;
    if (offset < 0 || offset + length > REGISTER_SIZE) throw new DeviceAccessError(0x8003, `no register at 0x${address.toString(16)}`);
    return offset;
  }

  readRegister(address: number): number {
    if (address === Reg.PayloadSize) return this.payloadSize;
    return this.memory.readUInt32BE(this.check(address, 4));
  }

  writeRegister(address: number, value: number): void {
    const word = Buffer.alloc(4);
    word.writeUInt32BE(value >>> 0);
    this.writeMemory(address, word);
  }

  readMemory(address: number, length: number): Buffer {
    if (address >= XML_ADDRESS && address + length <= XML_ADDRESS + this.xmlText.length + 4) {
      const out = Buffer.alloc(length);
      this.xmlText.copy(out, 0, address - XML_ADDRESS);
      return out;
    }
    const offset = this.check(address, length);
    const out = Buffer.from(this.memory.subarray(offset, offset + length));
    const payload = Reg.PayloadSize - address;
    if (payload >= 0 && payload + 4 <= length) out.writeUInt32BE(this.payloadSize, payload);
    return out;
  }

  writeMemory(address: number, data: Buffer): void {
    const offset = this.check(address, data.length);
    for (let o = 0; o < data.length; o += 4) {
      const reg = address + o;
      const value = data.readUInt32BE(o);
      if (reg === Reg.AcquisitionStart && value) this.start();
      else if (reg === Reg.AcquisitionStop && value) this.stop();
      else if (reg === Reg.PayloadSize || reg === Reg.WidthMax || reg === Reg.HeightMax) throw new DeviceAccessError(0x8004, 'read-only');
    }
    data.copy(this.memory, offset);
    for (const s of this.senders) s.reapply();
  }

  onStreamChannel(config: StreamChannelConfig | null): void {
    if (config && !this.stream) this.sequence = 0; // the stream channel numbers blocks from 1 when it opens
    this.stream = config;
    if (!config) this.stop();
  }

  onControlLost(): void {
    this.stop();
  }

  onAction(): number {
    return 0x8001;
  }

  private start(): void {
    if (this.acquiring || !this.stream) return;
    this.acquiring = true;
    for (const s of this.senders) s.reapply();
    this.nextDue = performance.now();
    this.tick();
  }

  private stop(): void {
    this.acquiring = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (!this.acquiring || !this.services) return;
    const period = 1000 / this.frameRate;
    if (this.inFlight >= 3) {
      this.overruns += 1; // the link is still busy with earlier frames: this frame is not taken
    } else {
      this.sendFrame();
    }
    this.nextDue += period;
    const now = performance.now();
    if (this.nextDue < now - 4 * period) this.nextDue = now; // never try to catch up a backlog
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.nextDue - now));
  }

  private sendFrame(): void {
    const size = this.payloadSize;
    // The scene cycles through 8 pre-rendered phases: a camera spends no host CPU drawing frames,
    // so neither may the bench device (it would only dilute both receivers' CPU figures). The
    // buffers never change once drawn, so blocks in the sender's resend history stay valid.
    this.sequence = this.sequence >= 0xffff ? 1 : this.sequence + 1;
    const slot = (this.sequence - 1) % BENCH_PHASES;
    if (!this.buffers[slot] || this.buffers[slot].length !== size) {
      this.buffers[slot] = Buffer.alloc(size);
      renderRamp(this.buffers[slot], { width: this.width, height: this.height, pixelFormat: MONO8, phase: benchPhase(this.sequence) });
    }
    const data = this.buffers[slot];
    this.inFlight += 1;
    this.services!.sendBlock({
      timestamp: this.services!.now(),
      pixelFormat: MONO8,
      width: this.width,
      height: this.height,
      offsetX: 0,
      offsetY: 0,
      paddingX: 0,
      paddingY: 0,
      data,
    })
      .then(
        () => {
          this.blocksSent += 1;
        },
        () => undefined,
      )
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  async close(): Promise<void> {
    this.stop();
  }
}

export async function startBenchDevice(
  address: string,
  options: BenchDeviceOptions,
): Promise<{ server: GvcpServer; model: BenchDeviceModel }> {
  const model = new BenchDeviceModel(options);
  // Off loopback the device only ever runs inside the bench's own camera namespace (veth topology).
  const allowNetwork = !address.startsWith('127.');
  const server = await GvcpServer.start({
    address,
    model,
    broadcastAddresses: [],
    senderFactory: model.senderFactory,
    heartbeatTimeoutMs: 3000,
    allowNetwork,
  });
  return { server, model };
}
