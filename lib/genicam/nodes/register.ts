import { GigeError } from '../../errors';
import { MaybePromise, all, then } from '../maybe-async';
import { Num } from '../formula';
import { hex, parseXmlInteger } from '../numbers';
import { XmlElement, childElement, childElements, childText, invalidXml } from '../xml/element';
import { AccessMode, CachingMode, GenNode, NodeContext, Ref, intersectAccess, requireNumeric } from './node';
import { PortNode } from './port-node';
import { SwissKnifeNode } from './formula-nodes';

interface IndexTerm {
  ref: Ref;
  offset?: bigint;
  offsetRef?: Ref;
}

const MAX_ADDRESS = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Largest register a file may declare. Lengths size host buffers and device reads, so a
 * hostile <Length> or pLength value must not reach Buffer.alloc or a multi-gigabyte read.
 */
export const MAX_REGISTER_LENGTH = 64 * 1024 * 1024;

const ALLOWED_LENGTHS = `allowed 1…${MAX_REGISTER_LENGTH} bytes (64 MiB)`;

function lengthProblem(length: bigint | number): string | undefined {
  if (typeof length === 'number' && !Number.isInteger(length)) return 'is not a whole number';
  if (length < 1 || length > MAX_REGISTER_LENGTH) return 'is out of range';
  return undefined;
}

/**
 * The register element group shared by IntReg, MaskedIntReg, FloatReg, StringReg, Register and
 * StructEntry: an address (the sum of every `Address`, `pAddress`, inline `IntSwissKnife` and
 * `pIndex` term), a length, a port, an access mode (default RO), a caching mode (default
 * WriteThrough) and an optional polling time.
 */
export abstract class RegisterNode extends GenNode {
  private readonly literalAddress: bigint;
  private readonly addressRefs: Ref[];
  private readonly indexTerms: IndexTerm[];
  private readonly lengthLiteral: number | undefined;
  private readonly lengthRef: Ref | undefined;
  readonly accessMode: AccessMode;
  readonly portRef: Ref | undefined;
  readonly caching: CachingMode;
  readonly endiannessDeclared: 'LittleEndian' | 'BigEndian';
  /** Addresses/lengths this node has read or written, so its cache entries can be dropped. */
  private readonly cachedKeys = new Map<string, [number, number]>();

  constructor(element: XmlElement, ctx: NodeContext, name?: string) {
    super(element, ctx, name);
    this.literalAddress = childElements(element, 'Address').reduce((sum, el) => sum + this.integer('Address', el.text), 0n);
    this.addressRefs = childElements(element, 'pAddress').map((el) => this.ref('pAddress', el.text, 'address'));
    childElements(element, 'IntSwissKnife').forEach((knife, i) => {
      const inline = new SwissKnifeNode(
        knife,
        ctx,
        'integer',
        `${this.name}/IntSwissKnife${childElements(element, 'IntSwissKnife').length > 1 ? i + 1 : ''}`,
      );
      ctx.adopt(inline);
      this.addressRefs.push(this.ref('IntSwissKnife', inline.name, 'address'));
    });
    this.indexTerms = childElements(element, 'pIndex').map((el) => {
      const term: IndexTerm = { ref: this.ref('pIndex', el.text, 'address') };
      if (el.attrs.pOffset) term.offsetRef = this.ref('pOffset', el.attrs.pOffset, 'address');
      else if (el.attrs.Offset !== undefined) term.offset = this.integer('pIndex Offset', el.attrs.Offset);
      return term;
    });
    const pLength = childText(element, 'pLength');
    this.lengthRef = pLength ? this.ref('pLength', pLength, 'address') : undefined;
    const length = childText(element, 'Length');
    if (length !== undefined) {
      const literal = this.integer('Length', length);
      const problem = lengthProblem(literal);
      if (problem)
        throw invalidXml(`${this.name}: <Length> ${literal} ${problem}; ${ALLOWED_LENGTHS}`, {
          node: this.name,
          length: literal.toString(),
        });
      this.lengthLiteral = Number(literal);
    }
    if (this.lengthLiteral === undefined && !this.lengthRef)
      throw invalidXml(`${this.name}: a ${this.nodeType} needs <Length> or <pLength>`, { node: this.name });
    if (this.literalAddress === 0n && this.addressRefs.length === 0 && this.indexTerms.length === 0 && !childElement(element, 'Address')) {
      throw invalidXml(`${this.name}: a ${this.nodeType} needs an <Address>, <pAddress>, <IntSwissKnife> or <pIndex>`, { node: this.name });
    }
    const access = childText(element, 'AccessMode');
    this.accessMode = access === 'RW' || access === 'WO' || access === 'RO' ? access : 'RO';
    const port = childText(element, 'pPort');
    this.portRef = port ? this.ref('pPort', port, 'port') : undefined;
    const cachable = childText(element, 'Cachable');
    this.caching = cachable === 'NoCache' || cachable === 'WriteAround' ? cachable : 'WriteThrough';
    this.endiannessDeclared = childText(element, 'Endianess') === 'BigEndian' ? 'BigEndian' : 'LittleEndian';
  }

  private integer(tag: string, text: string): bigint {
    const value = parseXmlInteger(text);
    if (value === undefined) throw invalidXml(`${this.name}: <${tag}> "${text}" is not an integer`, { node: this.name });
    return value;
  }

  override validateLinks(): void {
    super.validateLinks();
    for (const ref of this.addressRefs) requireNumeric(ref, 'an integer node');
    for (const term of this.indexTerms) {
      requireNumeric(term.ref, 'an integer node');
      if (term.offsetRef) requireNumeric(term.offsetRef, 'an integer node');
    }
    if (this.lengthRef) requireNumeric(this.lengthRef, 'an integer node');
    if (this.portRef && !(this.portRef.node instanceof PortNode)) {
      throw invalidXml(`${this.name}: pPort refers to ${this.portRef.name}, a ${this.portRef.node.nodeType}; expected a Port`, {
        node: this.name,
      });
    }
  }

  get port(): PortNode | undefined {
    return this.portRef?.node as PortNode | undefined;
  }

  override cachingMode(): CachingMode {
    return this.caching;
  }

  length(): MaybePromise<number> {
    const lengthRef = this.lengthRef;
    if (!lengthRef) return this.lengthLiteral as number;
    return then(lengthRef.node.readNumber(), (length) => {
      const problem = lengthProblem(length);
      if (problem) {
        throw new GigeError(
          'REGISTER_LENGTH',
          `${this.name}: the length ${length} from ${lengthRef.name} (pLength) ${problem}; ${ALLOWED_LENGTHS}`,
          { feature: this.name, length: String(length) },
        );
      }
      return Number(length);
    });
  }

  address(): MaybePromise<number> {
    const terms: MaybePromise<Num>[] = this.addressRefs.map((ref) => ref.node.readNumber());
    for (const term of this.indexTerms) {
      const offset: MaybePromise<Num> = term.offsetRef ? term.offsetRef.node.readNumber() : (term.offset ?? this.length());
      terms.push(then(all([term.ref.node.readNumber(), offset]), ([index, step]) => BigInt(index) * BigInt(step)));
    }
    if (terms.length === 0) return this.checkedAddress(this.literalAddress);
    return then(all(terms), (values) =>
      this.checkedAddress(values.reduce<bigint>((sum, value) => sum + BigInt(value), this.literalAddress)),
    );
  }

  private checkedAddress(address: bigint): number {
    if (address < 0n || address > MAX_ADDRESS) {
      throw new GigeError('REGISTER_ADDRESS', `${this.name}: computed address ${address} is outside 0…${MAX_ADDRESS}`, {
        feature: this.name,
        address: address.toString(),
      });
    }
    return Number(address);
  }

  /** Legacy GenICam 1.0 files: 4-byte device registers are big-endian whatever the file says. */
  protected bigEndianFor(length: number): boolean {
    if (this.ctx.legacyEndianness && length === 4 && this.port?.binding !== 'chunk' && this.port?.binding !== 'event') return true;
    return this.endiannessDeclared === 'BigEndian';
  }

  override baseAccess(): MaybePromise<AccessMode> {
    if (!this.port) return 'NA';
    return then(this.port.baseAccess(), (portAccess) => intersectAccess(this.accessMode, portAccess));
  }

  readBytes(): MaybePromise<Buffer> {
    const port = this.requirePort();
    return then(all<number>([this.address(), this.length()]), ([address, length]) => {
      if (port.binding === 'device') this.cachedKeys.set(`${address}:${length}`, [address, length]);
      return port.read(address, length, this.caching !== 'NoCache', this.name);
    });
  }

  writeBytes(data: Buffer): MaybePromise<void> {
    const port = this.requirePort();
    return then(this.address(), (address) => {
      this.cachedKeys.set(`${address}:${data.length}`, [address, data.length]);
      return then(port.write(address, data, this.caching === 'WriteThrough', this.name), () => this.ctx.changed(this));
    });
  }

  dropCache(): void {
    const port = this.port;
    if (!port) return;
    for (const [address, length] of this.cachedKeys.values()) port.dropCached(address, length);
    this.cachedKeys.clear();
  }

  private requirePort(): PortNode {
    const port = this.port;
    if (!port) throw new GigeError('PORT_MISSING', `${this.name}: the register has no <pPort>`, { feature: this.name });
    return port;
  }

  describeLocation(): MaybePromise<string> {
    return then(
      all<number>([this.address(), this.length()]),
      ([address, length]) => `${length} bytes at ${hex(address)} on ${this.port?.name ?? '?'}`,
    );
  }
}
