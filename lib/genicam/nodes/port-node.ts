import { GigeError } from '../../errors';
import { MaybePromise, then } from '../maybe-async';
import { hex, parseHexId } from '../numbers';
import { XmlElement, childText, invalidXml } from '../xml/element';
import { AccessMode, FeatureType, GenNode, NodeContext, Ref, requireNumeric } from './node';

export type PortBinding = 'device' | 'chunk' | 'event';

/**
 * A Port node: the device (through a `Port` given to the node map), the data of one chunk
 * (`ChunkID`/`pChunkID`) of the attached buffer, or the data of the latest event with its
 * `EventID`. Chunk and event ports are read-only and not available (NA) until their data arrives,
 * so the features behind them show as NA rather than failing.
 */
export class PortNode extends GenNode {
  get type(): FeatureType {
    return 'Port';
  }
  readonly chunkId: number | undefined;
  readonly chunkIdRef: Ref | undefined;
  readonly eventId: number | undefined;
  /** `SwapEndianess=Yes`: the bytes of each access are reversed (a 4-byte register reads byte-swapped). */
  readonly swapEndianness: boolean;

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx);
    const chunkText = childText(element, 'ChunkID');
    this.chunkId = chunkText === undefined ? undefined : this.parseId('ChunkID', chunkText);
    this.chunkIdRef = this.optionalRef('pChunkID', 'value');
    this.eventId = this.eventIdText === undefined ? undefined : this.parseId('EventID', this.eventIdText);
    this.swapEndianness = childText(element, 'SwapEndianess') === 'Yes';
  }

  private parseId(tag: string, text: string): number {
    const id = parseHexId(text);
    if (id === undefined) throw invalidXml(`${this.name}: <${tag}> "${text}" is not hex digits`, { node: this.name });
    return id;
  }

  override validateLinks(): void {
    super.validateLinks();
    if (this.chunkIdRef) requireNumeric(this.chunkIdRef, 'an integer node');
  }

  get binding(): PortBinding {
    if (this.chunkId !== undefined || this.chunkIdRef) return 'chunk';
    if (this.eventId !== undefined) return 'event';
    return 'device';
  }

  private resolveChunkId(): MaybePromise<number> {
    if (this.chunkId !== undefined) return this.chunkId;
    return then((this.chunkIdRef as Ref).node.readNumber(), (id) => Number(id));
  }

  override baseAccess(): MaybePromise<AccessMode> {
    switch (this.binding) {
      case 'device':
        return this.ctx.deviceAccess(this.name) ? 'RW' : 'NA';
      case 'event':
        return this.ctx.eventData(this.eventId as number) ? 'RO' : 'NA';
      default:
        return then(this.resolveChunkId(), (id) => (this.ctx.chunkData(id) ? 'RO' : 'NA'));
    }
  }

  /** Why the port cannot be read right now, or undefined when it can. */
  unavailableReason(): MaybePromise<string | undefined> {
    switch (this.binding) {
      case 'device':
        return this.ctx.deviceAccess(this.name) ? undefined : `no device port was given for ${this.name}`;
      case 'event':
        return this.ctx.eventData(this.eventId as number) ? undefined : `no event ${hex(this.eventId as number, 4)} has been delivered yet`;
      default:
        return then(this.resolveChunkId(), (id) => {
          if (this.ctx.chunkData(id)) return undefined;
          return this.ctx.chunkAttached ? `the attached chunk data holds no chunk ${hex(id)}` : 'no chunk data is attached';
        });
    }
  }

  read(address: number, length: number, useCache: boolean, reader: string): MaybePromise<Buffer> {
    switch (this.binding) {
      case 'device': {
        const device = this.ctx.deviceAccess(this.name);
        if (!device) throw this.noDevice(reader);
        return then(device.read(address, length, useCache), (data) => this.swap(data));
      }
      case 'event': {
        const data = this.ctx.eventData(this.eventId as number);
        if (!data)
          throw new GigeError(
            'EVENT_NOT_DELIVERED',
            `${reader}: no event ${hex(this.eventId as number, 4)} has been delivered yet (port ${this.name})`,
            { feature: reader, eventId: this.eventId },
          );
        return this.swap(this.slice(data, address, length, reader, `event ${hex(this.eventId as number, 4)}`));
      }
      default:
        return then(this.resolveChunkId(), (id) => {
          const data = this.ctx.chunkData(id);
          if (!data) {
            const why = this.ctx.chunkAttached ? `the attached chunk data holds no chunk ${hex(id)}` : 'no chunk data is attached';
            throw new GigeError(
              this.ctx.chunkAttached ? 'CHUNK_NOT_FOUND' : 'CHUNK_NOT_ATTACHED',
              `${reader}: ${why} (port ${this.name})`,
              { feature: reader, chunkId: id },
            );
          }
          return this.swap(this.slice(data, address, length, reader, `chunk ${hex(id)}`));
        });
    }
  }

  write(address: number, data: Buffer, keepInCache: boolean, writer: string): MaybePromise<void> {
    if (this.binding !== 'device') {
      throw new GigeError('FEATURE_NOT_WRITABLE', `${writer}: ${this.binding} data is read-only (port ${this.name})`, { feature: writer });
    }
    const device = this.ctx.deviceAccess(this.name);
    if (!device) throw this.noDevice(writer);
    return device.write(address, this.swap(data), keepInCache);
  }

  dropCached(address: number, length: number): void {
    if (this.binding === 'device') this.ctx.deviceAccess(this.name)?.drop(address, length);
  }

  private slice(data: Buffer, address: number, length: number, reader: string, what: string): Buffer {
    if (address < 0 || address + length > data.length) {
      throw new GigeError(
        'PORT_OUT_OF_RANGE',
        `${reader}: ${what} holds ${data.length} bytes; cannot read ${length} bytes at offset ${address}`,
        {
          feature: reader,
          address,
          length,
          available: data.length,
        },
      );
    }
    return data.subarray(address, address + length);
  }

  private swap(data: Buffer): Buffer {
    return this.swapEndianness ? Buffer.from(data).reverse() : data;
  }

  private noDevice(feature: string): GigeError {
    return new GigeError(
      'PORT_MISSING',
      `${feature}: no device port was given for ${this.name}; pass { device } (or { ports: { ${this.name}: … } }) to NodeMap.fromXml`,
      { feature, port: this.name },
    );
  }
}
