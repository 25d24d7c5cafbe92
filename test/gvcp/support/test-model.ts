/**
 * A small DeviceModel for the GVCP tests (not the DMK 38GX541-a): a few manufacturer registers,
 * an XML file in memory, a scratch memory area, a slow register (for PENDING_ACK), and recorders
 * for what the server tells the model.
 */
import {
  ActionRequest,
  DeviceAccessError,
  DeviceIdentity,
  DeviceModel,
  DeviceServices,
  StreamChannelConfig,
  XmlLocation,
} from '../../../lib/emulator/device-model';
import { GvcpStatus } from '../../../lib/gvcp/protocol';

export const REG_RW = 0xa000;
export const REG_RO = 0xa004;
export const REG_SLOW = 0xa008;
export const REG_COUNTER = 0xa00c;
export const XML_ADDRESS = 0x10000000;
export const SCRATCH_ADDRESS = 0x20000000;
export const SCRATCH_SIZE = 4096;

export interface TestModelOptions {
  serial?: string;
  mac?: string;
  xml?: string;
  slowWriteMs?: number;
  actionSignals?: number;
  actionQueueSize?: number;
  actionStatus?: number;
}

export class TestModel implements DeviceModel {
  readonly identity: DeviceIdentity;
  readonly xml: XmlLocation;
  readonly actionSignals: number;
  readonly actionQueueSize: number;
  readonly xmlBytes: Buffer;
  services: DeviceServices | null = null;
  readonly registers = new Map<number, number>([
    [REG_RW, 0x12345678],
    [REG_RO, 0xcafef00d],
    [REG_SLOW, 0],
    [REG_COUNTER, 0],
  ]);
  readonly scratch = Buffer.alloc(SCRATCH_SIZE);
  readonly streamConfigs: Array<StreamChannelConfig | null> = [];
  readonly actions: Array<ActionRequest & { at: bigint }> = [];
  controlLost = 0;
  closed = false;
  actionStatus: number;
  slowWriteMs: number;

  constructor(options: TestModelOptions = {}) {
    const mac = (options.mac ?? '02:00:00:00:00:01').split(':').map((h) => parseInt(h, 16));
    this.identity = {
      vendorName: 'GVCP Test Vendor',
      modelName: 'GVCP-Test-Device',
      deviceVersion: '1.0.0',
      manufacturerInfo: 'test model of test/gvcp',
      serialNumber: options.serial ?? 'TEST0001',
      userDefinedName: 'bench',
      macAddress: Buffer.from(mac),
    };
    const xml =
      options.xml ??
      `<?xml version="1.0"?>\n<RegisterDescription ModelName="GVCPTest" VendorName="Test">${'<!-- padding -->'.repeat(100)}</RegisterDescription>\n`;
    this.xmlBytes = Buffer.from(xml, 'utf8');
    this.xml = { firstUrl: `Local:test.xml;${XML_ADDRESS.toString(16)};${this.xmlBytes.length.toString(16)}` };
    this.actionSignals = options.actionSignals ?? 2;
    this.actionQueueSize = options.actionQueueSize ?? 4;
    this.actionStatus = options.actionStatus ?? 0;
    this.slowWriteMs = options.slowWriteMs ?? 0;
  }

  attach(services: DeviceServices): void {
    this.services = services;
  }

  readRegister(address: number): number {
    if (address === REG_COUNTER) {
      const v = (this.registers.get(REG_COUNTER) ?? 0) + 1;
      this.registers.set(REG_COUNTER, v);
      return v;
    }
    const v = this.registers.get(address);
    if (v === undefined) throw new DeviceAccessError(GvcpStatus.INVALID_ADDRESS, `no register at 0x${address.toString(16)}`);
    return v;
  }

  writeRegister(address: number, value: number): void | Promise<void> {
    if (address === REG_RO) throw new DeviceAccessError(GvcpStatus.WRITE_PROTECT, 'read-only');
    if (!this.registers.has(address)) throw new DeviceAccessError(GvcpStatus.INVALID_ADDRESS, `no register at 0x${address.toString(16)}`);
    if (address === REG_SLOW && this.slowWriteMs > 0) {
      return new Promise((resolve) =>
        setTimeout(() => {
          this.registers.set(address, value);
          resolve();
        }, this.slowWriteMs),
      );
    }
    this.registers.set(address, value);
  }

  readMemory(address: number, length: number): Buffer {
    if (address >= XML_ADDRESS && address + length <= XML_ADDRESS + Math.ceil(this.xmlBytes.length / 4) * 4) {
      const out = Buffer.alloc(length);
      this.xmlBytes.copy(out, 0, address - XML_ADDRESS, Math.min(this.xmlBytes.length, address - XML_ADDRESS + length));
      return out;
    }
    if (address >= SCRATCH_ADDRESS && address + length <= SCRATCH_ADDRESS + SCRATCH_SIZE) {
      return Buffer.from(this.scratch.subarray(address - SCRATCH_ADDRESS, address - SCRATCH_ADDRESS + length));
    }
    throw new DeviceAccessError(GvcpStatus.INVALID_ADDRESS, `no memory at 0x${address.toString(16)}`);
  }

  writeMemory(address: number, data: Buffer): void {
    if (address >= SCRATCH_ADDRESS && address + data.length <= SCRATCH_ADDRESS + SCRATCH_SIZE) {
      data.copy(this.scratch, address - SCRATCH_ADDRESS);
      return;
    }
    if (address >= XML_ADDRESS && address < XML_ADDRESS + this.xmlBytes.length) {
      throw new DeviceAccessError(GvcpStatus.WRITE_PROTECT, 'the XML file is read-only');
    }
    throw new DeviceAccessError(GvcpStatus.INVALID_ADDRESS, `no memory at 0x${address.toString(16)}`);
  }

  onStreamChannel(config: StreamChannelConfig | null): void {
    this.streamConfigs.push(config);
  }

  onControlLost(): void {
    this.controlLost += 1;
  }

  onAction(request: ActionRequest): number {
    this.actions.push({ ...request, at: this.services?.now() ?? 0n });
    return this.actionStatus;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
