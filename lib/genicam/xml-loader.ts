import { promises as fs } from 'node:fs';
import { unzipSync } from 'fflate';
import { GigeError, isGigeError } from '../errors';
import { hex } from './numbers';
import { Port } from './port';
import { XmlUrl, parseXmlUrl } from './xml-url';
import { XmlCache, XmlCacheKey, defaultXmlCacheDir } from './xml-cache';

/** Bootstrap registers the loader reads (GigE Vision: URL registers and identity strings). */
export const XML_URL_REGISTERS = { first: 0x0200, second: 0x0400, length: 512 } as const;
const IDENTITY = { vendorName: [0x0048, 32], modelName: [0x0068, 32], deviceVersion: [0x0088, 32] } as const;
const DEFAULT_CHUNK = 512;

export interface XmlLoadOptions {
  /** Directory of the on-disk cache; `false` disables it. Default: `defaultXmlCacheDir()`. */
  cacheDir?: string | false;
  /** READMEM size per request (multiple of 4, ≤ 536; default 512). */
  chunkSize?: number;
  /** Where relative `File:` URLs are resolved (default: the working directory). */
  fileBaseDir?: string;
  /** Device identity for the cache key; read from the bootstrap registers when omitted. */
  identity?: { vendorName: string; modelName: string; deviceVersion: string };
}

export interface DeviceXml {
  xml: string;
  url: string;
  urlRegister: 'first' | 'second';
  source: 'device' | 'cache' | 'file';
  fileName: string;
  schemaVersion?: string;
  /** The cache file used or written, when the cache is on. */
  cachePath?: string;
}

/** Reads the device's GenICam XML text (see `fetchDeviceXml`). */
export async function loadDeviceXml(port: Port, options: XmlLoadOptions = {}): Promise<string> {
  return (await fetchDeviceXml(port, options)).xml;
}

/**
 * Reads the first URL register and retrieves the file it names (device memory, read in
 * READMEM-sized chunks; or a host file), unzipping `.zip` files; falls back to the second URL
 * register when the first is unusable. Device files are cached on disk per device identity and
 * URL (which carries the file name, length and schema version), so a second open does not
 * download again.
 */
export async function fetchDeviceXml(port: Port, options: XmlLoadOptions = {}): Promise<DeviceXml> {
  const failures: string[] = [];
  for (const which of ['first', 'second'] as const) {
    let urlText = '';
    try {
      urlText = await readUrlRegister(port, XML_URL_REGISTERS[which]);
      const url = parseXmlUrl(urlText, options.fileBaseDir);
      return await retrieve(port, url, which, options);
    } catch (err) {
      if (!isGigeError(err)) throw err;
      failures.push(`${which} URL${urlText ? ` "${urlText}"` : ''}: ${err.message}`);
      if (which === 'first') continue;
    }
  }
  throw new GigeError('XML_UNAVAILABLE', `Cannot load the GenICam XML: ${failures.join('; ')}`, { failures });
}

async function readUrlRegister(port: Port, address: number): Promise<string> {
  const data = await port.read(address, XML_URL_REGISTERS.length);
  const end = data.indexOf(0);
  return data.toString('latin1', 0, end === -1 ? data.length : end).trim();
}

async function retrieve(port: Port, url: XmlUrl, which: 'first' | 'second', options: XmlLoadOptions): Promise<DeviceXml> {
  const base = { url: url.raw, urlRegister: which, schemaVersion: url.schemaVersion };
  if (url.kind === 'web') {
    throw new GigeError('XML_URL_UNSUPPORTED', `${url.url}: downloading the XML over HTTP is not supported; allowed Local: (device memory) and File: URLs`, { url: url.raw });
  }
  if (url.kind === 'file') {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(url.path);
    } catch (err) {
      throw new GigeError('XML_UNAVAILABLE', `cannot read ${url.path}: ${(err as Error).message}`, { url: url.raw, path: url.path });
    }
    return { ...base, xml: decodeXmlFile(bytes, url.fileName, url.zipped), source: 'file', fileName: url.fileName };
  }
  const cache = options.cacheDir === false ? undefined : new XmlCache(options.cacheDir ?? defaultXmlCacheDir());
  const key = cache ? await cacheKey(port, url, options) : undefined;
  if (cache && key) {
    const hit = await cache.get(key);
    if (hit) return { ...base, xml: hit.xml, source: 'cache', fileName: url.fileName, cachePath: hit.path };
  }
  const bytes = await readMemory(port, url.address, url.length, options.chunkSize ?? DEFAULT_CHUNK);
  const xml = decodeXmlFile(bytes, url.fileName, url.zipped);
  const cachePath = cache && key ? await cache.put(key, xml) : undefined;
  return { ...base, xml, source: 'device', fileName: url.fileName, ...(cachePath ? { cachePath } : {}) };
}

async function cacheKey(port: Port, url: XmlUrl, options: XmlLoadOptions): Promise<XmlCacheKey | undefined> {
  if (options.identity) return { ...options.identity, url: url.raw };
  try {
    const read = async ([address, length]: readonly [number, number]): Promise<string> => {
      const data = await port.read(address, length);
      const end = data.indexOf(0);
      return data.toString('latin1', 0, end === -1 ? data.length : end).trim();
    };
    return {
      vendorName: await read(IDENTITY.vendorName),
      modelName: await read(IDENTITY.modelName),
      deviceVersion: await read(IDENTITY.deviceVersion),
      url: url.raw,
    };
  } catch {
    return undefined; // no identity, no cache: the XML is still downloaded
  }
}

/** Reads `length` bytes in chunks; each request's length is a multiple of 4 (the last one rounded up, then cut). */
export async function readMemory(port: Port, address: number, length: number, chunkSize: number): Promise<Buffer> {
  const chunk = Math.max(4, Math.floor(chunkSize / 4) * 4);
  const out = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += chunk) {
    const want = Math.min(chunk, length - offset);
    const request = Math.ceil(want / 4) * 4;
    let data: Buffer;
    try {
      data = await port.read(address + offset, request);
    } catch (err) {
      const why = (err as Error)?.message ?? String(err);
      throw new GigeError(isGigeError(err) ? err.code : 'XML_UNAVAILABLE', `reading the XML file (${length} bytes at ${hex(address)}) failed at offset ${offset}: ${why}`, { address: address + offset, length: request }, { cause: err });
    }
    if (data.length < want) {
      throw new GigeError('XML_UNAVAILABLE', `reading the XML file: ${request} bytes at ${hex(address + offset)} returned only ${data.length}`, { address: address + offset });
    }
    data.copy(out, offset, 0, want);
  }
  return out;
}

/** Unzips when it is a ZIP (by name or by its signature), then decodes the text. */
export function decodeXmlFile(bytes: Buffer, fileName: string, zippedByName: boolean): string {
  const looksZipped = bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
  let xmlBytes: Uint8Array = bytes;
  if (zippedByName || looksZipped) {
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(bytes);
    } catch (err) {
      throw new GigeError('XML_ZIP_INVALID', `${fileName}: not a valid ZIP archive (${(err as Error).message})`, { fileName });
    }
    const names = Object.keys(files).filter((name) => !name.endsWith('/'));
    const chosen = names.find((name) => /\.xml$/i.test(name)) ?? names[0];
    if (!chosen) throw new GigeError('XML_ZIP_INVALID', `${fileName}: the ZIP archive is empty`, { fileName });
    xmlBytes = files[chosen];
  }
  return decodeText(Buffer.from(xmlBytes.buffer, xmlBytes.byteOffset, xmlBytes.byteLength));
}

function decodeText(bytes: Buffer): string {
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) text = bytes.toString('utf16le', 2);
  else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) text = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1))).swap16().toString('utf16le');
  else if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) text = bytes.toString('utf8', 3);
  else text = bytes.toString('utf8');
  return text.replace(/\0+$/, '');
}
