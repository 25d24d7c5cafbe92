/**
 * The GenICam XML as device memory: a ZIP archive (first URL) and the plain file (second URL), read
 * with READMEM like a real camera's flash. The URL form is `Local:<name>;<hex address>;<hex length>`.
 */
import { zipSync, strToU8 } from 'fflate';
import { DeviceAccessError } from '../device-model';
import { renderGenicamXml } from './genicam-xml';
import { GvcpStatus } from '../../gvcp/protocol';

export const XML_FILE_NAME = 'DMK38GX541a.xml';
export const ZIP_FILE_NAME = 'DMK38GX541a.zip';
export const XML_ZIP_ADDRESS = 0x10000000;
export const XML_PLAIN_ADDRESS = 0x10100000;

interface Region {
  address: number;
  bytes: Buffer;
}

export class XmlMemory {
  readonly text: string;
  readonly firstUrl: string;
  readonly secondUrl: string;
  private readonly regions: Region[];

  constructor() {
    this.text = renderGenicamXml();
    const plain = Buffer.from(this.text, 'utf8');
    // A fixed modification time keeps the archive's bytes the same from run to run.
    const zip = Buffer.from(zipSync({ [XML_FILE_NAME]: [strToU8(this.text), { level: 9, mtime: new Date('2024-01-01T00:00:00Z') }] }));
    this.regions = [
      { address: XML_ZIP_ADDRESS, bytes: zip },
      { address: XML_PLAIN_ADDRESS, bytes: plain },
    ];
    this.firstUrl = `Local:${ZIP_FILE_NAME};${XML_ZIP_ADDRESS.toString(16)};${zip.length.toString(16)}`;
    this.secondUrl = `Local:${XML_FILE_NAME};${XML_PLAIN_ADDRESS.toString(16)};${plain.length.toString(16)}`;
  }

  /** True when `address` lies in one of the files (or the padding up to the next 4-byte boundary). */
  covers(address: number): boolean {
    return this.regions.some((r) => address >= r.address && address < r.address + padded(r.bytes.length));
  }

  read(address: number, length: number): Buffer {
    const region = this.regions.find((r) => address >= r.address && address + length <= r.address + padded(r.bytes.length));
    if (!region) {
      throw new DeviceAccessError(
        GvcpStatus.INVALID_ADDRESS,
        `READMEM 0x${address.toString(16)}+${length} is outside the XML files (${this.firstUrl}, ${this.secondUrl})`,
      );
    }
    const out = Buffer.alloc(length);
    region.bytes.copy(out, 0, address - region.address, Math.min(region.bytes.length, address - region.address + length));
    return out;
  }
}

function padded(length: number): number {
  return Math.ceil(length / 4) * 4;
}
