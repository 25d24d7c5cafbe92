import { GigeError } from '../errors';
import { Port } from './port';

/**
 * A Port over a plain Buffer: for tests, benchmarks and tools that hold a register image in
 * memory. Out-of-range accesses are rejected (as a device would); `delayMs` makes every access
 * asynchronous by that much, to behave like a remote device.
 */
export class MemoryPort implements Port {
  reads = 0;
  writes = 0;
  readonly log: { op: 'read' | 'write'; address: number; length: number }[] = [];

  constructor(
    readonly memory: Buffer,
    private readonly options: { delayMs?: number; log?: boolean; base?: number } = {},
  ) {}

  async read(address: number, length: number): Promise<Buffer> {
    await this.delay();
    const offset = this.check(address, length, 'read');
    this.reads += 1;
    if (this.options.log) this.log.push({ op: 'read', address, length });
    return Buffer.from(this.memory.subarray(offset, offset + length));
  }

  async write(address: number, data: Buffer): Promise<void> {
    await this.delay();
    const offset = this.check(address, data.length, 'write');
    this.writes += 1;
    if (this.options.log) this.log.push({ op: 'write', address, length: data.length });
    data.copy(this.memory, offset);
  }

  private check(address: number, length: number, op: string): number {
    const offset = address - (this.options.base ?? 0);
    if (offset < 0 || length < 0 || offset + length > this.memory.length) {
      throw new GigeError(
        'PORT_OUT_OF_RANGE',
        `MemoryPort: ${op} of ${length} bytes at 0x${address.toString(16)} is outside 0x${(this.options.base ?? 0).toString(16)}…0x${((this.options.base ?? 0) + this.memory.length).toString(16)}`,
        { address, length },
      );
    }
    return offset;
  }

  private delay(): Promise<void> {
    const ms = this.options.delayMs ?? 0;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}
