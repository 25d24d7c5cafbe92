import { constants as fsConstants, promises as fs } from 'node:fs';
import { UnzipFileInfo, unzipSync } from 'fflate';
import { GigeError, isGigeError } from '../errors';
import { hex } from './numbers';
import { Port } from './port';
import { MAX_XML_BYTES, XmlUrl, parseXmlUrl } from './xml-url';
import { XmlCache, XmlCacheKey, defaultXmlCacheDir } from './xml-cache';

/** Bootstrap registers the loader reads (GigE Vision: URL registers and identity strings). */
export const XML_URL_REGISTERS = { first: 0x0200, second: 0x0400, length: 512 } as const;
const IDENTITY = { vendorName: [0x0048, 32], modelName: [0x0068, 32], deviceVersion: [0x0088, 32] } as const;
const DEFAULT_CHUNK = 512;
/**
 * Members listed in a ZIP's directory. Real files hold one to three; a forged ZIP64 directory can
 * claim four billion, and the unzipper walks every one.
 */
const MAX_ZIP_ENTRIES = 1000;

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
    throw new GigeError(
      'XML_URL_UNSUPPORTED',
      `${url.url}: downloading the XML over HTTP is not supported; allowed Local: (device memory) and File: URLs`,
      { url: url.raw },
    );
  }
  if (url.kind === 'file') {
    const bytes = await readHostFile(url.path, url.raw);
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

/**
 * The device chooses the path, so it may name /dev/zero (endless), a FIFO (blocks forever) or a
 * huge file: only regular files up to MAX_XML_BYTES are read. O_NONBLOCK keeps the open itself
 * from blocking on a FIFO, and fstat on the opened handle leaves no window for a swap.
 */
async function readHostFile(filePath: string, raw: string): Promise<Buffer> {
  const unavailable = (why: string, extra: Record<string, unknown> = {}): GigeError =>
    new GigeError('XML_UNAVAILABLE', `cannot read ${filePath}: ${why}`, { url: raw, path: filePath, ...extra });
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(filePath, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw unavailable((err as Error).message);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      throw unavailable('it is not a regular file (a device, FIFO, socket or directory); allowed a regular .xml or .zip file');
    if (stat.size > MAX_XML_BYTES)
      throw unavailable(`it is ${stat.size} bytes; allowed at most ${MAX_XML_BYTES} bytes (64 MiB)`, { size: stat.size });
    const bytes = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } catch (err) {
    if (isGigeError(err)) throw err;
    throw unavailable((err as Error).message);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads `length` bytes in chunks; each request's length is a multiple of 4 (the last one rounded up, then cut). */
export async function readMemory(port: Port, address: number, length: number, chunkSize: number): Promise<Buffer> {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_XML_BYTES) {
    throw new GigeError(
      'XML_UNAVAILABLE',
      `reading the XML file: length ${length} is out of range; allowed 0…${MAX_XML_BYTES} bytes (64 MiB)`,
      { address, length },
    );
  }
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
      throw new GigeError(
        isGigeError(err) ? err.code : 'XML_UNAVAILABLE',
        `reading the XML file (${length} bytes at ${hex(address)}) failed at offset ${offset}: ${why}`,
        { address: address + offset, length: request },
        { cause: err },
      );
    }
    if (data.length < want) {
      throw new GigeError(
        'XML_UNAVAILABLE',
        `reading the XML file: ${request} bytes at ${hex(address + offset)} returned only ${data.length}`,
        { address: address + offset },
      );
    }
    data.copy(out, offset, 0, want);
  }
  return out;
}

/** Unzips when it is a ZIP (by name or by its signature), then decodes the text. */
export function decodeXmlFile(bytes: Buffer, fileName: string, zippedByName: boolean): string {
  const looksZipped = bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
  const xmlBytes = zippedByName || looksZipped ? unzipXmlEntry(bytes, fileName) : bytes;
  return decodeText(Buffer.from(xmlBytes.buffer, xmlBytes.byteOffset, xmlBytes.byteLength));
}

/**
 * Inflates only the chosen member, and only when its declared size is within MAX_XML_BYTES: a
 * small zip can declare (or expand to) gigabytes. fflate inflates into a buffer of exactly the
 * declared size, so a stream that lies about its size cannot grow past the cap either.
 */
function unzipXmlEntry(bytes: Buffer, fileName: string): Uint8Array {
  const zipError = (why: string, extra: Record<string, unknown> = {}): GigeError =>
    new GigeError('XML_ZIP_INVALID', `${fileName}: ${why}`, { fileName, ...extra });
  const unzip = (filter: (file: UnzipFileInfo) => boolean): Record<string, Uint8Array> => {
    try {
      return unzipSync(bytes, { filter });
    } catch (err) {
      if (isGigeError(err)) throw err;
      throw zipError(`not a valid ZIP archive (${(err as Error).message})`);
    }
  };
  // First pass lists the central directory without inflating anything.
  const entries: UnzipFileInfo[] = [];
  let listed = 0;
  unzip((file) => {
    if (++listed > MAX_ZIP_ENTRIES)
      throw zipError(`the archive lists more than ${MAX_ZIP_ENTRIES} members; allowed at most ${MAX_ZIP_ENTRIES}`);
    if (!file.name.endsWith('/')) entries.push(file);
    return false;
  });
  const chosen = entries.find((file) => /\.xml$/i.test(file.name)) ?? entries[0];
  if (!chosen) throw zipError('the ZIP archive is empty');
  if (chosen.originalSize > MAX_XML_BYTES) {
    throw zipError(`${chosen.name} expands to ${chosen.originalSize} bytes; allowed at most ${MAX_XML_BYTES} bytes (64 MiB)`, {
      entry: chosen.name,
      originalSize: chosen.originalSize,
    });
  }
  let taken = false;
  const files = unzip((file) => {
    if (taken || file.name !== chosen.name) return false;
    taken = true;
    return true;
  });
  const data = files[chosen.name];
  // Stored members are sliced by their compressed size, which need not match the declared one.
  if (!data || data.length !== chosen.originalSize) {
    throw zipError(
      `${chosen.name} inflated to ${data?.length ?? 0} bytes but declares ${chosen.originalSize}; the archive is damaged or forged`,
      { entry: chosen.name },
    );
  }
  return data;
}

function decodeText(bytes: Buffer): string {
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) text = bytes.toString('utf16le', 2);
  else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    text = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)))
      .swap16()
      .toString('utf16le');
  else if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) text = bytes.toString('utf8', 3);
  else text = bytes.toString('utf8');
  return text.replace(/\0+$/, '');
}
