import { NodeMap, MemoryPort, NodeMapOptions } from '../../lib/genicam';

/** Wraps node elements in a RegisterDescription (schema 1.1 unless told otherwise). */
export function doc(body: string, attrs: { schemaMinor?: number; root?: string } = {}): string {
  const root = attrs.root ?? 'RegisterDescription';
  return `<?xml version="1.0" encoding="utf-8"?>
<${root} ModelName="TestCam" VendorName="TestVendor" StandardNameSpace="GEV"
  SchemaMajorVersion="1" SchemaMinorVersion="${attrs.schemaMinor ?? 1}" SchemaSubMinorVersion="0"
  MajorVersion="1" MinorVersion="2" SubMinorVersion="3" ProductGuid="0" VersionGuid="0"
  xmlns="http://www.genicam.org/GenApi/Version_1_1">
  <Port Name="Device"/>
${body}
</${root}>`;
}

/** A node map over `size` bytes of memory (all zero), with the port returned for inspection. */
export function memoryMap(
  body: string,
  options: { size?: number; schemaMinor?: number; map?: NodeMapOptions; delayMs?: number } = {},
): { map: NodeMap; port: MemoryPort; mem: Buffer } {
  const mem = Buffer.alloc(options.size ?? 0x1000);
  const port = new MemoryPort(mem, { delayMs: options.delayMs, log: true });
  const map = NodeMap.fromXml(doc(body, { schemaMinor: options.schemaMinor }), { device: port, ...options.map });
  return { map, port, mem };
}

/** An IntReg element (big-endian, 4 bytes, RW unless told). */
export function intReg(name: string, address: number, extra = ''): string {
  return `<IntReg Name="${name}"><Address>0x${address.toString(16)}</Address><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort><Endianess>BigEndian</Endianess>${extra}</IntReg>`;
}

export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}

export function thrown(work: () => unknown): Error & { code?: string; details?: Record<string, unknown> } {
  try {
    work();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an exception, but none was thrown');
}
