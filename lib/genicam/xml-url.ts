import * as path from 'node:path';
import { GigeError } from '../errors';

/**
 * A GenICam XML location as a device publishes it in its URL registers (0x0200, 0x0400):
 *   Local:name.xml;ADDR;LEN   Local:name.zip;ADDR;LEN   (hex, `0x` and spaces tolerated,
 *                                                         `Local:///name` too)
 *   File:///path/name.xml     File:name.xml              (host file; zip or xml)
 *   http://host/name.xml                                 (recognised, not supported)
 * any of them optionally followed by `?SchemaVersion=x.y.z`.
 */
export type XmlUrl =
  | { kind: 'local'; raw: string; fileName: string; address: number; length: number; zipped: boolean; schemaVersion?: string }
  | { kind: 'file'; raw: string; path: string; fileName: string; zipped: boolean; schemaVersion?: string }
  | { kind: 'web'; raw: string; url: string; schemaVersion?: string };

/**
 * Largest XML (or zip) file accepted from a device or a host file. Real files are well under
 * 10 MiB; the bound keeps a hostile length from allocating gigabytes or issuing millions of reads.
 */
export const MAX_XML_BYTES = 64 * 1024 * 1024;

/** Local: URLs address the device's 32-bit register space. */
const ADDRESS_SPACE = 2 ** 32;

function invalid(raw: string, why: string): GigeError {
  return new GigeError('XML_URL_INVALID', `GenICam XML URL "${raw}": ${why}`, { url: raw });
}

function splitQuery(text: string): { body: string; schemaVersion?: string } {
  const mark = text.indexOf('?');
  if (mark === -1) return { body: text };
  const query = text.slice(mark + 1);
  const match = /(?:^|&)\s*SchemaVersion\s*=\s*([0-9]+(?:\.[0-9]+){0,2})/i.exec(query);
  return { body: text.slice(0, mark), schemaVersion: match?.[1] };
}

function parseHex(raw: string, what: string, text: string): number {
  const digits = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(digits)) throw invalid(raw, `the ${what} "${text.trim()}" is not hexadecimal`);
  const value = parseInt(digits, 16);
  if (!Number.isSafeInteger(value)) throw invalid(raw, `the ${what} ${text.trim()} is too large`);
  return value;
}

export function parseXmlUrl(text: string, fileBaseDir = process.cwd()): XmlUrl {
  const raw = text.replace(/\0.*$/s, '').trim();
  if (raw === '') throw invalid(raw, 'the URL register is empty');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  const { body, schemaVersion } = splitQuery(raw);
  const rest = body.slice((scheme?.length ?? 0) + 1);
  const withVersion = <T extends object>(value: T): T => (schemaVersion ? { ...value, schemaVersion } : value);
  switch (scheme) {
    case 'local': {
      const parts = rest.replace(/^\/*/, '').split(';');
      if (parts.length !== 3) throw invalid(raw, 'expected Local:<name>;<hex address>;<hex length>');
      const fileName = parts[0].trim();
      if (fileName === '') throw invalid(raw, 'the file name is empty');
      const address = parseHex(raw, 'address', parts[1]);
      const length = parseHex(raw, 'length', parts[2]);
      if (length === 0) throw invalid(raw, 'the length is 0');
      if (length > MAX_XML_BYTES)
        throw invalid(raw, `the length ${length} bytes is too large; allowed at most ${MAX_XML_BYTES} bytes (64 MiB)`);
      if (address + length > ADDRESS_SPACE) {
        throw invalid(
          raw,
          `the file (${length} bytes at 0x${address.toString(16)}) runs past the end of the 32-bit address space; allowed address + length ≤ 0x100000000`,
        );
      }
      return withVersion({ kind: 'local' as const, raw, fileName, address, length, zipped: /\.zip$/i.test(fileName) });
    }
    case 'file': {
      let filePath: string;
      try {
        filePath = decodeURIComponent(rest);
      } catch {
        // A URIError would escape the loader's GigeError handling and skip the second URL.
        throw invalid(raw, 'the path has a malformed %-escape; allowed %XX with two hex digits');
      }
      if (filePath.startsWith('///')) filePath = filePath.slice(2);
      else if (filePath.startsWith('//')) throw invalid(raw, 'File URLs with a host are not supported; use File:///path');
      if (/^\/[A-Za-z]:[\\/]/.test(filePath)) filePath = filePath.slice(1); // File:///C:/...
      if (filePath === '') throw invalid(raw, 'the path is empty');
      const resolved = path.isAbsolute(filePath) || /^[A-Za-z]:[\\/]/.test(filePath) ? filePath : path.resolve(fileBaseDir, filePath);
      return withVersion({
        kind: 'file' as const,
        raw,
        path: resolved,
        fileName: path.basename(resolved),
        zipped: /\.zip$/i.test(resolved),
      });
    }
    case 'http':
    case 'https':
    case 'ftp':
      return withVersion({ kind: 'web' as const, raw, url: body });
    default:
      throw invalid(
        raw,
        scheme
          ? `unknown scheme "${scheme}:"; allowed Local:, File: (and http:, not supported)`
          : 'no scheme; allowed Local:, File: (and http:, not supported)',
      );
  }
}
