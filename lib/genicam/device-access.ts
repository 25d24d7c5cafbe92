import { GigeError, isGigeError } from '../errors';
import { MaybePromise } from './maybe-async';
import { hex } from './numbers';
import { Port } from './port';

const BUCKET_SIZE = 64; // buckets of this many bytes index the cache for overlap checks on writes

interface CacheEntry {
  address: number;
  length: number;
  data: Buffer;
}

/**
 * The node map's view of one device Port: a cache of register bytes shared by every node that
 * reads the same address and length, de-duplication of identical reads already under way, and
 * alignment (GVCP READMEM/WRITEMEM want 4-byte aligned addresses and lengths, so a 1- or 2-byte
 * register is read as its enclosing word and written read-modify-write).
 *
 * A write drops every cached entry it overlaps, so two nodes over the same register (an IntReg and
 * MaskedIntRegs on its bits) never disagree.
 */
export class DeviceAccess {
  private readonly entries = new Map<number, Map<number, CacheEntry>>();
  private readonly buckets = new Map<number, Set<CacheEntry>>();
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  /** Counts writes, so a read that was under way while something was written is not cached. */
  private writeEpoch = 0;
  /** Counts cached entries dropped or replaced: see `version`. */
  private dropped = 0;
  /** Reads that reached the device (for tests and benchmarks). */
  deviceReads = 0;
  deviceWrites = 0;

  constructor(
    readonly name: string,
    readonly port: Port,
    readonly alignment = 4,
  ) {}

  /**
   * Changes whenever a cached value is dropped or replaced or a read goes to the device; unchanged,
   * every value read from this cache since is still what the cache holds.
   */
  get version(): number {
    return this.dropped + this.deviceReads;
  }

  cached(address: number, length: number): Buffer | undefined {
    return this.entries.get(address)?.get(length)?.data;
  }

  /** Reads `length` bytes; with `useCache`, a cached copy answers without asking the device. */
  read(address: number, length: number, useCache: boolean): MaybePromise<Buffer> {
    if (useCache) {
      const hit = this.entries.get(address)?.get(length);
      if (hit) return hit.data;
    }
    const key = `${address}:${length}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const epoch = this.writeEpoch;
    const promise = this.readDevice(address, length).then(
      (data) => {
        this.inFlight.delete(key);
        if (epoch === this.writeEpoch) this.store(address, length, data);
        return data;
      },
      (err: unknown) => {
        this.inFlight.delete(key);
        throw err;
      },
    );
    this.inFlight.set(key, promise);
    return promise;
  }

  /** Writes, drops overlapping cache entries, and (write-through) keeps the written bytes. */
  async write(address: number, data: Buffer, keepInCache: boolean): Promise<void> {
    this.writeEpoch += 1;
    this.inFlight.clear();
    this.dropOverlapping(address, data.length);
    await this.writeDevice(address, data);
    this.writeEpoch += 1;
    this.dropOverlapping(address, data.length);
    if (keepInCache) this.store(address, data.length, Buffer.from(data));
  }

  drop(address: number, length: number): void {
    const entry = this.entries.get(address)?.get(length);
    if (entry) this.remove(entry);
  }

  clear(): void {
    this.writeEpoch += 1;
    this.dropped += 1;
    this.entries.clear();
    this.buckets.clear();
  }

  private async readDevice(address: number, length: number): Promise<Buffer> {
    const start = this.alignDown(address);
    const end = this.alignUp(address + length);
    this.deviceReads += 1;
    const data = await this.guard('read', start, end - start, () => this.port.read(start, end - start));
    if (data.length < end - start) {
      throw new GigeError('PORT_SHORT_READ', `${this.name}: read of ${end - start} bytes at ${hex(start)} returned ${data.length}`, {
        port: this.name,
        address: start,
        length: end - start,
        received: data.length,
      });
    }
    return start === address && end - start === length ? data : Buffer.from(data.subarray(address - start, address - start + length));
  }

  private async writeDevice(address: number, data: Buffer): Promise<void> {
    const start = this.alignDown(address);
    const end = this.alignUp(address + data.length);
    let payload = data;
    if (start !== address || end !== address + data.length) {
      // Read-modify-write: the bytes around a short register belong to its neighbours.
      this.deviceReads += 1;
      const around = Buffer.from(await this.guard('read', start, end - start, () => this.port.read(start, end - start)));
      data.copy(around, address - start);
      payload = around;
    }
    this.deviceWrites += 1;
    await this.guard('write', start, payload.length, () => this.port.write(start, payload));
  }

  private async guard<T>(what: 'read' | 'write', address: number, length: number, io: () => Promise<T>): Promise<T> {
    try {
      return await io();
    } catch (err) {
      if (isGigeError(err)) throw err;
      throw new GigeError(
        'PORT_ERROR',
        `${this.name}: ${what} of ${length} bytes at ${hex(address)} failed: ${(err as Error)?.message ?? String(err)}`,
        {
          port: this.name,
          address,
          length,
        },
        { cause: err },
      );
    }
  }

  private alignDown(address: number): number {
    return this.alignment > 1 ? address - (address % this.alignment) : address;
  }

  private alignUp(address: number): number {
    if (this.alignment <= 1) return address;
    const rest = address % this.alignment;
    return rest === 0 ? address : address + this.alignment - rest;
  }

  private store(address: number, length: number, data: Buffer): void {
    this.drop(address, length);
    const entry: CacheEntry = { address, length, data };
    let byLength = this.entries.get(address);
    if (!byLength) {
      byLength = new Map();
      this.entries.set(address, byLength);
    }
    byLength.set(length, entry);
    for (
      let bucket = Math.floor(address / BUCKET_SIZE);
      bucket <= Math.floor((address + Math.max(length, 1) - 1) / BUCKET_SIZE);
      bucket += 1
    ) {
      let set = this.buckets.get(bucket);
      if (!set) {
        set = new Set();
        this.buckets.set(bucket, set);
      }
      set.add(entry);
    }
  }

  private remove(entry: CacheEntry): void {
    this.dropped += 1;
    const byLength = this.entries.get(entry.address);
    byLength?.delete(entry.length);
    if (byLength && byLength.size === 0) this.entries.delete(entry.address);
    for (
      let bucket = Math.floor(entry.address / BUCKET_SIZE);
      bucket <= Math.floor((entry.address + Math.max(entry.length, 1) - 1) / BUCKET_SIZE);
      bucket += 1
    ) {
      const set = this.buckets.get(bucket);
      set?.delete(entry);
      if (set && set.size === 0) this.buckets.delete(bucket);
    }
  }

  private dropOverlapping(address: number, length: number): void {
    const end = address + Math.max(length, 1);
    for (let bucket = Math.floor(address / BUCKET_SIZE); bucket <= Math.floor((end - 1) / BUCKET_SIZE); bucket += 1) {
      const set = this.buckets.get(bucket);
      if (!set) continue;
      for (const entry of [...set]) {
        if (entry.address < end && entry.address + Math.max(entry.length, 1) > address) this.remove(entry);
      }
    }
  }
}
