/**
 * An address space that GenApi register nodes read and write: the device (over GVCP), a chunk of
 * a received buffer, or an event's data. Addresses and lengths are in bytes.
 */
export interface Port {
  read(address: number, length: number): Promise<Buffer>;
  write(address: number, data: Buffer): Promise<void>;
}
