/** Unsigned integer of any length up to 8 bytes, in either byte order. */
export function decodeUnsigned(data: Buffer, bigEndian: boolean): bigint {
  let value = 0n;
  if (bigEndian) {
    for (let i = 0; i < data.length; i += 1) value = (value << 8n) | BigInt(data[i]);
  } else {
    for (let i = data.length - 1; i >= 0; i -= 1) value = (value << 8n) | BigInt(data[i]);
  }
  return value;
}

export function encodeUnsigned(value: bigint, length: number, bigEndian: boolean): Buffer {
  const data = Buffer.alloc(length);
  let rest = BigInt.asUintN(length * 8, value);
  for (let i = 0; i < length; i += 1) {
    data[bigEndian ? length - 1 - i : i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return data;
}

/** Fast path for the common 4-byte register (avoids BigInt byte loops). */
export function decodeRegister(data: Buffer, bigEndian: boolean): bigint {
  if (data.length === 4) return BigInt(bigEndian ? data.readUInt32BE(0) : data.readUInt32LE(0));
  if (data.length === 8) return bigEndian ? data.readBigUInt64BE(0) : data.readBigUInt64LE(0);
  return decodeUnsigned(data, bigEndian);
}
