import { GigeError, quoteInput } from '../../errors';
import { MaybePromise, then } from '../maybe-async';
import { Num } from '../formula';
import { parseXmlInteger, toPublicInteger } from '../numbers';
import { XmlElement, childText, invalidXml } from '../xml/element';
import { FeatureType, NodeContext, canRead, toInteger } from './node';
import { RegisterNode } from './register';
import { decodeRegister, encodeUnsigned } from './bytes';

function unitAndRepresentation(el: XmlElement): { unit?: string; representation?: string } {
  return { unit: childText(el, 'Unit'), representation: childText(el, 'Representation') };
}

/** IntReg and MaskedIntReg (and StructEntry): an integer in register bits, with Sign, Unit, Representation. */
abstract class IntegerRegisterNode extends RegisterNode {
  readonly signed: boolean;
  readonly unit: string | undefined;
  readonly representation: string | undefined;

  constructor(element: XmlElement, ctx: NodeContext, name?: string) {
    super(element, ctx, name);
    this.signed = childText(element, 'Sign') === 'Signed';
    ({ unit: this.unit, representation: this.representation } = unitAndRepresentation(element));
  }

  get type(): FeatureType {
    return 'Integer';
  }

  override get numeric(): 'integer' {
    return 'integer';
  }

  override increment(): MaybePromise<Num> {
    return 1n;
  }
}

/** Signed or unsigned integer occupying a whole register (1…8 bytes). */
export class IntRegNode extends IntegerRegisterNode {
  private bits(): MaybePromise<number> {
    return then(this.length(), (length) => {
      if (length < 1 || length > 8)
        throw new GigeError('REGISTER_LENGTH', `${this.name}: an integer register must be 1…8 bytes, not ${length}`, {
          feature: this.name,
          length,
        });
      return length * 8;
    });
  }

  override readNumber(): MaybePromise<Num> {
    return then(this.readBytes(), (data) => {
      if (data.length < 1 || data.length > 8)
        throw new GigeError('REGISTER_LENGTH', `${this.name}: an integer register must be 1…8 bytes, not ${data.length}`, {
          feature: this.name,
          length: data.length,
        });
      const raw = decodeRegister(data, this.bigEndianFor(data.length));
      return this.signed ? BigInt.asIntN(data.length * 8, raw) : raw;
    });
  }

  override writeNumber(value: Num): MaybePromise<void> {
    const integer = toInteger(value);
    return then(this.length(), (length) => {
      checkFits(this.name, integer, length * 8, this.signed);
      return this.writeBytes(encodeUnsigned(integer, length, this.bigEndianFor(length)));
    });
  }

  override minimum(): MaybePromise<Num> {
    return then(this.bits(), (bits) => (this.signed ? -(1n << BigInt(bits - 1)) : 0n));
  }

  override maximum(): MaybePromise<Num> {
    return then(this.bits(), (bits) => (this.signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n));
  }
}

function checkFits(name: string, value: bigint, bits: number, signed: boolean): void {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (value < min || value > max) {
    throw new GigeError(
      'OUT_OF_RANGE',
      `${name}: ${value} does not fit in ${bits} ${signed ? 'signed' : 'unsigned'} bits; allowed ${toPublicInteger(min)}…${toPublicInteger(max)}`,
      {
        feature: name,
        value: value.toString(),
        min: min.toString(),
        max: max.toString(),
      },
    );
  }
}

/**
 * A bit field of a register: `<Bit>` or `<LSB>`/`<MSB>`. Bit numbers count from the least
 * significant bit for LittleEndian registers and from the most significant bit of the whole
 * register for BigEndian ones (so `<LSB>31</LSB><MSB>16</MSB>` is mask 0x0000FFFF of a 4-byte
 * big-endian register). Writes are read-modify-write.
 */
export class MaskedIntRegNode extends IntegerRegisterNode {
  private readonly lsbBit: number;
  private readonly msbBit: number;

  constructor(element: XmlElement, ctx: NodeContext, name?: string) {
    super(element, ctx, name);
    const bit = childText(element, 'Bit');
    const lsb = childText(element, 'LSB');
    const msb = childText(element, 'MSB');
    const parseBit = (tag: string, text: string): number => {
      const value = parseXmlInteger(text);
      if (value === undefined || value < 0n || value > 63n)
        throw invalidXml(`${this.name}: <${tag}> "${text}" is not a bit number 0…63`, { node: this.name });
      return Number(value);
    };
    if (bit !== undefined) {
      this.lsbBit = this.msbBit = parseBit('Bit', bit);
    } else if (lsb !== undefined && msb !== undefined) {
      this.lsbBit = parseBit('LSB', lsb);
      this.msbBit = parseBit('MSB', msb);
    } else {
      throw invalidXml(`${this.name}: a ${this.nodeType} needs <Bit> or both <LSB> and <MSB>`, { node: this.name });
    }
  }

  /** Shift and width of the field inside a register of `length` bytes. */
  private field(length: number): { shift: number; width: number } {
    const shiftOf = (bit: number): number => (this.endiannessDeclared === 'BigEndian' ? length * 8 - 1 - bit : bit);
    const a = shiftOf(this.lsbBit);
    const b = shiftOf(this.msbBit);
    const shift = Math.min(a, b);
    const width = Math.abs(a - b) + 1;
    if (shift < 0 || shift + width > length * 8) {
      throw new GigeError('REGISTER_LENGTH', `${this.name}: bits ${this.lsbBit}…${this.msbBit} do not fit in a ${length}-byte register`, {
        feature: this.name,
      });
    }
    return { shift, width };
  }

  override readNumber(): MaybePromise<Num> {
    return then(this.readBytes(), (data) => {
      const { shift, width } = this.field(data.length);
      const raw = (decodeRegister(data, this.bigEndianFor(data.length)) >> BigInt(shift)) & ((1n << BigInt(width)) - 1n);
      return this.signed ? BigInt.asIntN(width, raw) : raw;
    });
  }

  override writeNumber(value: Num): MaybePromise<void> {
    const integer = toInteger(value);
    return then(this.length(), (length) => {
      const { shift, width } = this.field(length);
      checkFits(this.name, integer, width, this.signed);
      const bigEndian = this.bigEndianFor(length);
      const current: MaybePromise<bigint> = canRead(this.accessMode)
        ? then(this.readBytes(), (data) => decodeRegister(data, bigEndian))
        : 0n;
      return then(current, (whole) => {
        const mask = ((1n << BigInt(width)) - 1n) << BigInt(shift);
        const next = (whole & ~mask) | ((BigInt.asUintN(width, integer) << BigInt(shift)) & mask);
        return this.writeBytes(encodeUnsigned(next, length, bigEndian));
      });
    });
  }

  override minimum(): MaybePromise<Num> {
    return then(this.length(), (length) => {
      const { width } = this.field(length);
      return this.signed ? -(1n << BigInt(width - 1)) : 0n;
    });
  }

  override maximum(): MaybePromise<Num> {
    return then(this.length(), (length) => {
      const { width } = this.field(length);
      return this.signed ? (1n << BigInt(width - 1)) - 1n : (1n << BigInt(width)) - 1n;
    });
  }
}

/** IEEE-754 single (4 bytes) or double (8 bytes). */
export class FloatRegNode extends RegisterNode {
  get type(): FeatureType {
    return 'Float';
  }
  override get numeric(): 'float' {
    return 'float';
  }
  readonly unit: string | undefined;
  readonly representation: string | undefined;

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx);
    ({ unit: this.unit, representation: this.representation } = unitAndRepresentation(element));
  }

  override readNumber(): MaybePromise<Num> {
    return then(this.readBytes(), (data) => {
      const bigEndian = this.bigEndianFor(data.length);
      if (data.length === 4) return bigEndian ? data.readFloatBE(0) : data.readFloatLE(0);
      if (data.length === 8) return bigEndian ? data.readDoubleBE(0) : data.readDoubleLE(0);
      throw new GigeError('REGISTER_LENGTH', `${this.name}: a FloatReg must be 4 or 8 bytes, not ${data.length}`, { feature: this.name });
    });
  }

  override writeNumber(value: Num): MaybePromise<void> {
    return then(this.length(), (length) => {
      const data = Buffer.alloc(length);
      const bigEndian = this.bigEndianFor(length);
      const number = Number(value);
      if (length === 4) {
        if (bigEndian) data.writeFloatBE(number);
        else data.writeFloatLE(number);
      } else if (length === 8) {
        if (bigEndian) data.writeDoubleBE(number);
        else data.writeDoubleLE(number);
      } else {
        throw new GigeError('REGISTER_LENGTH', `${this.name}: a FloatReg must be 4 or 8 bytes, not ${length}`, { feature: this.name });
      }
      return this.writeBytes(data);
    });
  }

  override minimum(): MaybePromise<Num> {
    return then(this.length(), (length) => (length === 4 ? -3.4028234663852886e38 : -Number.MAX_VALUE));
  }

  override maximum(): MaybePromise<Num> {
    return then(this.length(), (length) => (length === 4 ? 3.4028234663852886e38 : Number.MAX_VALUE));
  }
}

/** A NUL-terminated (or NUL-padded) UTF-8 string in a register of fixed length. */
export class StringRegNode extends RegisterNode {
  get type(): FeatureType {
    return 'String';
  }

  readString(): MaybePromise<string> {
    return then(this.readBytes(), (data) => {
      const end = data.indexOf(0);
      return data.toString('utf8', 0, end === -1 ? data.length : end);
    });
  }

  writeString(value: string): MaybePromise<void> {
    return then(this.length(), (length) => {
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length > length) {
        throw new GigeError(
          'OUT_OF_RANGE',
          `${this.name}: ${quoteInput(value)} is ${bytes.length} bytes long; allowed at most ${length} bytes`,
          { feature: this.name, value: quoteInput(value), maxLength: length },
        );
      }
      const data = Buffer.alloc(length);
      bytes.copy(data);
      return this.writeBytes(data);
    });
  }
}

/** Raw bytes (GenApi's IRegister). */
export class RawRegisterNode extends RegisterNode {
  get type(): FeatureType {
    return 'Register';
  }

  readRaw(): MaybePromise<Buffer> {
    return then(this.readBytes(), (data) => Buffer.from(data));
  }

  writeRaw(value: Buffer): MaybePromise<void> {
    return then(this.length(), (length) => {
      if (value.length !== length) {
        throw new GigeError('INVALID_VALUE', `${this.name}: got ${value.length} bytes; allowed exactly ${length} bytes`, {
          feature: this.name,
          length: value.length,
          expected: length,
        });
      }
      return this.writeBytes(Buffer.from(value));
    });
  }
}
