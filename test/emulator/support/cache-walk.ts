/**
 * The oracle for the emulator's GenICam caching: a client that reads through its cache must see
 * exactly what a client that asks the device sees, after any write. `CacheWalk` writes features
 * through the cached node map (so it has its chance to invalidate) and after every write compares
 * every readable node of that map with a second node map whose cache is emptied first.
 */
import { NodeMap, Port } from '../../../lib/genicam';
import type { GvcpDevice } from '../../../lib/gvcp/device';
import type { PublicInteger } from '../../../lib/genicam/numbers';
import type { Client } from './client';

const VALUE_TYPES = new Set(['Integer', 'Float', 'Enumeration', 'Boolean', 'String', 'Register']);

/** Printable value of a node, or the error code a read got. */
async function readOne(map: NodeMap, name: string): Promise<string> {
  try {
    const value = await map.getValue(name);
    if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
    return typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  } catch (err) {
    return `error ${(err as { code?: string }).code ?? (err as Error).message}`;
  }
}

interface PendingRead {
  address: number;
  length: number;
  resolve: (data: Buffer) => void;
  reject: (err: unknown) => void;
}

/**
 * The oracle's port: it only reads, and sends the reads issued in one turn of the event loop as
 * one concatenated READREG (longer ranges with READMEM). A sweep over every node then costs a few
 * round trips instead of hundreds — and reads the device as one consistent snapshot.
 */
export class BatchReadPort implements Port {
  private queue: PendingRead[] = [];

  constructor(private readonly device: GvcpDevice) {}

  read(address: number, length: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0)
        setImmediate(() => {
          void this.flush();
        });
      this.queue.push({ address, length, resolve, reject });
    });
  }

  write(): Promise<void> {
    return Promise.reject(new Error('the oracle node map never writes'));
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0);
    const words = batch.filter((r) => r.address % 4 === 0 && (r.length === 4 || r.length === 8));
    const addresses = [...new Set(words.flatMap((r) => (r.length === 8 ? [r.address, r.address + 4] : [r.address])))];
    const values = new Map<number, number>();
    try {
      const read = addresses.length ? await this.device.channel.readRegisters(addresses) : [];
      addresses.forEach((a, i) => values.set(a, read[i]));
    } catch {
      // One refused address fails the whole READREG: the requests below then go one by one.
    }
    for (const r of batch) {
      const data = Buffer.alloc(r.length);
      if (words.includes(r) && values.has(r.address) && (r.length === 4 || values.has(r.address + 4))) {
        for (let at = 0; at < r.length; at += 4) data.writeUInt32BE((values.get(r.address + at) as number) >>> 0, at);
        r.resolve(data);
        continue;
      }
      await this.device.port.read(r.address, r.length).then(r.resolve, r.reject);
    }
  }
}

export interface WalkOptions {
  /** Values to try instead of the generic ones (the original value is always restored after). */
  candidates?: Record<string, unknown[]>;
  /** Features the walk must not write, with the reason. */
  exclude?: Record<string, string>;
}

export class CacheWalk {
  readonly problems: string[] = [];
  /** Features written (or commands executed) at least once. */
  readonly walked = new Set<string>();
  /** Features that were not writable when their turn came (locked or read-only), with why. */
  readonly notWritable = new Map<string, string>();
  checks = 0;
  private readonly names: string[];

  constructor(
    private readonly client: Client,
    private readonly fresh: NodeMap,
    private readonly options: WalkOptions = {},
  ) {
    this.names = client.map
      .names()
      .filter((name) => VALUE_TYPES.has(client.map.typeOf(name)))
      .sort();
  }

  /** Compares every readable node: cached map vs. a map that asks the device. */
  async check(after: string): Promise<void> {
    this.checks += 1;
    this.fresh.invalidate();
    const device = await Promise.all(this.names.map((name) => readOne(this.fresh, name)));
    for (const [i, name] of this.names.entries()) {
      const cached = await readOne(this.client.map, name);
      if (cached !== device[i])
        this.problems.push(`after ${after}: ${name} reads ${cached} through the cache but ${device[i]} from the device`);
    }
  }

  /** Every feature of the listing, in order: values written then restored, commands executed. */
  async walkAll(): Promise<void> {
    for (const d of await this.client.map.list()) {
      if (this.options.exclude?.[d.name] !== undefined) continue;
      if (d.type === 'Command') await this.execute(d.name);
      else if (VALUE_TYPES.has(d.type)) await this.walk(d.name);
    }
  }

  async walk(name: string): Promise<void> {
    const map = this.client.map;
    if (!(await map.isWritable(name))) {
      this.notWritable.set(name, (await map.describe(name)).access);
      return;
    }
    const original = await map.getValue(name).catch(() => undefined);
    const values = this.options.candidates?.[name] ?? (await this.genericCandidates(name, original));
    for (const value of [...values, ...(original === undefined ? [] : [original])]) {
      try {
        await map.setValue(name, value);
        this.walked.add(name);
      } catch (err) {
        // A refusal must leave the caches right too: still compared.
        this.notWritable.set(name, (err as Error).message);
      }
      await this.check(`${name} = ${describeValue(value)}`);
    }
  }

  async execute(name: string): Promise<void> {
    if (!(await this.client.map.isWritable(name))) {
      this.notWritable.set(name, 'not executable now');
      return;
    }
    try {
      await this.client.map.execute(name);
      this.walked.add(name);
    } catch (err) {
      this.notWritable.set(name, (err as Error).message);
    }
    await this.check(`${name}()`);
  }

  private async genericCandidates(name: string, current: unknown): Promise<unknown[]> {
    const d = await this.client.map.describe(name);
    // By value whatever the kind: a current 5n is a min of 5 (Integer and Float values are numbers or bigints).
    const currentText = typeof current === 'number' || typeof current === 'bigint' ? String(current) : undefined;
    const differs = (v: PublicInteger | undefined): boolean => v !== undefined && String(v) !== currentText;
    switch (d.type) {
      case 'Boolean':
        return [!current];
      case 'Enumeration':
        return (d.entries ?? []).filter((e) => e.available && e.name !== current).map((e) => e.name);
      case 'Integer': {
        if (d.min !== undefined && d.min === d.max) return []; // one value: nothing to change
        const safe = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
        const out = [d.min, d.max].filter((v) => safe(v) && differs(v));
        if (out.length === 0) out.push(typeof current === 'bigint' ? current + 1n : Number(current ?? 0) + Number(d.inc ?? 1));
        return out;
      }
      case 'Float':
        return [d.min, d.max].filter(differs);
      case 'String':
        return ['cache-walk'];
      case 'Register': {
        const changed = Buffer.from(current as Buffer);
        changed[changed.length - 1] ^= 0x01;
        return [changed];
      }
      default:
        return [];
    }
  }
}

function describeValue(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  return typeof value === 'string' ? value : String(value);
}
