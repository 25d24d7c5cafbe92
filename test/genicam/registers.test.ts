import { strict as assert } from 'node:assert';
import { MemoryPort, NodeMap } from '../../lib/genicam';
import { doc, intReg, memoryMap, rejection } from './support';

/** One register node at 0x100 over memory pre-filled with `bytes`; read its value. */
async function readRegister(element: string, bytes: number[], schemaMinor = 1): Promise<unknown> {
  const { map, mem } = memoryMap(element, { schemaMinor });
  Buffer.from(bytes).copy(mem, 0x100);
  return map.getValue('R');
}

const reg = (type: string, inner: string): string =>
  `<${type} Name="R"><Address>0x100</Address>${inner}<AccessMode>RW</AccessMode><pPort>Device</pPort></${type}>`;

describe('genicam register nodes', () => {
  const intCases: [string, string, number[], unknown][] = [
    ['IntReg 1 byte', reg('IntReg', '<Length>1</Length>'), [0xfe], 254],
    ['IntReg 1 byte signed', reg('IntReg', '<Length>1</Length><Sign>Signed</Sign>'), [0xfe], -2],
    ['IntReg 2 bytes, LittleEndian by default', reg('IntReg', '<Length>2</Length>'), [0x34, 0x12], 0x1234],
    ['IntReg 2 bytes BigEndian', reg('IntReg', '<Length>2</Length><Endianess>BigEndian</Endianess>'), [0x12, 0x34], 0x1234],
    [
      'IntReg 4 bytes BigEndian unsigned',
      reg('IntReg', '<Length>4</Length><Endianess>BigEndian</Endianess>'),
      [0xff, 0xff, 0xff, 0xfe],
      0xfffffffe,
    ],
    [
      'IntReg 4 bytes BigEndian signed',
      reg('IntReg', '<Length>4</Length><Sign>Signed</Sign><Endianess>BigEndian</Endianess>'),
      [0xff, 0xff, 0xff, 0xfe],
      -2,
    ],
    ['IntReg 3 bytes LittleEndian', reg('IntReg', '<Length>3</Length>'), [1, 2, 3], 0x030201],
    [
      'IntReg 8 bytes beyond 2^53 → bigint',
      reg('IntReg', '<Length>8</Length><Endianess>BigEndian</Endianess>'),
      [0x00, 0x40, 0, 0, 0, 0, 0, 1],
      0x0040000000000001n,
    ],
    ['IntReg 8 bytes unsigned max', reg('IntReg', '<Length>8</Length>'), [255, 255, 255, 255, 255, 255, 255, 255], 18446744073709551615n],
    ['IntReg 8 bytes signed -1', reg('IntReg', '<Length>8</Length><Sign>Signed</Sign>'), [255, 255, 255, 255, 255, 255, 255, 255], -1],
    ['MaskedIntReg LittleEndian <Bit>0</Bit> is the LSB', reg('MaskedIntReg', '<Length>4</Length><Bit>0</Bit>'), [1, 0, 0, 0], 1],
    [
      'MaskedIntReg BigEndian <Bit>0</Bit> is the MSB',
      reg('MaskedIntReg', '<Length>4</Length><Bit>0</Bit><Endianess>BigEndian</Endianess>'),
      [0x80, 0, 0, 0],
      1,
    ],
    [
      'MaskedIntReg BigEndian <Bit>29</Bit> is mask 0x4',
      reg('MaskedIntReg', '<Length>4</Length><Bit>29</Bit><Endianess>BigEndian</Endianess>'),
      [0, 0, 0, 4],
      1,
    ],
    [
      'MaskedIntReg BigEndian LSB 31 MSB 16 is the low half',
      reg('MaskedIntReg', '<Length>4</Length><LSB>31</LSB><MSB>16</MSB><Endianess>BigEndian</Endianess>'),
      [0xab, 0xcd, 0x05, 0xdc],
      1500,
    ],
    ['MaskedIntReg LittleEndian LSB 4 MSB 7', reg('MaskedIntReg', '<Length>4</Length><LSB>4</LSB><MSB>7</MSB>'), [0xa5, 0, 0, 0], 0xa],
    ['MaskedIntReg signed field', reg('MaskedIntReg', '<Length>2</Length><LSB>0</LSB><MSB>3</MSB><Sign>Signed</Sign>'), [0x0e, 0], -2],
    [
      'MaskedIntReg 8-byte BigEndian bit 0',
      reg('MaskedIntReg', '<Length>8</Length><Bit>0</Bit><Endianess>BigEndian</Endianess>'),
      [0x80, 0, 0, 0, 0, 0, 0, 0],
      1,
    ],
    ['FloatReg 4 bytes LittleEndian', reg('FloatReg', '<Length>4</Length>'), [...new Uint8Array(new Float32Array([2.5]).buffer)], 2.5],
    [
      'FloatReg 8 bytes BigEndian',
      reg('FloatReg', '<Length>8</Length><Endianess>BigEndian</Endianess>'),
      [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18],
      Math.PI,
    ],
    ['StringReg stops at NUL', reg('StringReg', '<Length>8</Length>'), [0x61, 0x62, 0x63, 0, 0x78, 0x78, 0, 0], 'abc'],
    ['StringReg fills the whole register', reg('StringReg', '<Length>4</Length>'), [0x61, 0x62, 0x63, 0x64], 'abcd'],
    ['Register is raw bytes', reg('Register', '<Length>4</Length>'), [1, 2, 3, 4], Buffer.from([1, 2, 3, 4])],
  ];
  for (const [label, element, bytes, expected] of intCases) {
    it(`${label} reads ${typeof expected === 'bigint' ? `${expected}n` : JSON.stringify(expected)}`, async () => {
      assert.deepEqual(await readRegister(element, bytes), expected);
    });
  }

  const legacy: [string, string, number[], unknown, number][] = [
    [
      'schema 1.0: a 4-byte register is big-endian whatever the file says',
      reg('IntReg', '<Length>4</Length>'),
      [0, 0, 0x12, 0x34],
      0x1234,
      0,
    ],
    ['schema 1.0: a 2-byte register keeps its declared order', reg('IntReg', '<Length>2</Length>'), [0x34, 0x12], 0x1234, 0],
    ['schema 1.1: the declared LittleEndian holds', reg('IntReg', '<Length>4</Length>'), [0x34, 0x12, 0, 0], 0x1234, 1],
    [
      'schema 1.0: bit numbers follow the declared order on the big-endian value',
      reg('MaskedIntReg', '<Length>4</Length><Bit>2</Bit>'),
      [0, 0, 0, 4],
      1,
      0,
    ],
  ];
  for (const [label, element, bytes, expected, minor] of legacy) {
    it(`legacy endianness — ${label}`, async () => {
      assert.deepEqual(await readRegister(element, bytes, minor), expected);
    });
  }

  it('legacy endianness can be switched off', async () => {
    const { map, mem } = memoryMap(reg('IntReg', '<Length>4</Length>'), { schemaMinor: 0, map: { legacyEndianness: false } });
    Buffer.from([0x34, 0x12, 0, 0]).copy(mem, 0x100);
    assert.equal(await map.getValue('R'), 0x1234);
  });

  const writes: [string, string, unknown, number[], number[]?][] = [
    ['IntReg 2 bytes BigEndian', reg('IntReg', '<Length>2</Length><Endianess>BigEndian</Endianess>'), 0x1234, [0x12, 0x34]],
    ['IntReg signed -2', reg('IntReg', '<Length>4</Length><Sign>Signed</Sign>'), -2, [0xfe, 0xff, 0xff, 0xff]],
    [
      'IntReg 8 bytes from a bigint',
      reg('IntReg', '<Length>8</Length><Endianess>BigEndian</Endianess>'),
      0x0102030405060708n,
      [1, 2, 3, 4, 5, 6, 7, 8],
    ],
    [
      'MaskedIntReg keeps the other bits',
      reg('MaskedIntReg', '<Length>4</Length><LSB>31</LSB><MSB>16</MSB><Endianess>BigEndian</Endianess>'),
      9000,
      [0xab, 0xcd, 0x23, 0x28],
      [0xab, 0xcd, 0x05, 0xdc],
    ],
    [
      'MaskedIntReg single bit set',
      reg('MaskedIntReg', '<Length>4</Length><Bit>0</Bit><Endianess>BigEndian</Endianess>'),
      1,
      [0x80, 0, 0, 0x01],
      [0, 0, 0, 0x01],
    ],
    ['FloatReg 4 bytes BigEndian', reg('FloatReg', '<Length>4</Length><Endianess>BigEndian</Endianess>'), 1.5, [0x3f, 0xc0, 0, 0]],
    [
      'StringReg pads with NUL',
      reg('StringReg', '<Length>6</Length>'),
      'hi',
      [0x68, 0x69, 0, 0, 0, 0],
      [0x78, 0x78, 0x78, 0x78, 0x78, 0x78],
    ],
    ['Register from a hex string', reg('Register', '<Length>4</Length>'), '0xdeadbeef', [0xde, 0xad, 0xbe, 0xef]],
    ['Register from a Buffer', reg('Register', '<Length>2</Length>'), Buffer.from([9, 8]), [9, 8]],
  ];
  for (const [label, element, value, expected, before] of writes) {
    it(`${label}: writes ${JSON.stringify(expected)}`, async () => {
      const { map, mem } = memoryMap(element);
      if (before) Buffer.from(before).copy(mem, 0x100);
      await map.setValue('R', value as never);
      assert.deepEqual([...mem.subarray(0x100, 0x100 + expected.length)], expected);
    });
  }

  const refusals: [string, string, unknown, RegExp][] = [
    ['an IntReg value that does not fit', reg('IntReg', '<Length>1</Length>'), 256, /^R: 256 is out of range; allowed 0…255$/],
    ['a signed IntReg below its range', reg('IntReg', '<Length>1</Length><Sign>Signed</Sign>'), -129, /allowed -128…127/],
    ['a MaskedIntReg field overflow', reg('MaskedIntReg', '<Length>4</Length><LSB>0</LSB><MSB>3</MSB>'), 16, /allowed 0…15/],
    [
      'a StringReg string that is too long',
      reg('StringReg', '<Length>4</Length>'),
      'hello',
      /^R: "hello" is 5 bytes long; allowed at most 4 bytes$/,
    ],
    [
      'a Register of the wrong length',
      reg('Register', '<Length>4</Length>'),
      Buffer.from([1]),
      /^R: got 1 bytes; allowed exactly 4 bytes$/,
    ],
    [
      'a Register from text that is not hex',
      reg('Register', '<Length>4</Length>'),
      'xyz',
      /is not bytes; allowed a Buffer or a hex string/,
    ],
  ];
  for (const [label, element, value, message] of refusals) {
    it(`refuses ${label}`, async () => {
      const { map } = memoryMap(element);
      const err = await rejection(map.setValue('R', value as never));
      assert.match(err.message, message);
    });
  }

  it('writes a 1-byte register read-modify-write on its aligned word', async () => {
    const { map, mem, port } = memoryMap(
      '<IntReg Name="R"><Address>0x101</Address><Length>1</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></IntReg>',
    );
    Buffer.from([0xaa, 0x00, 0xcc, 0xdd]).copy(mem, 0x100);
    await map.setValue('R', 0xbb);
    assert.deepEqual([...mem.subarray(0x100, 0x104)], [0xaa, 0xbb, 0xcc, 0xdd]);
    assert.ok(port.log.every((entry) => entry.address % 4 === 0 && entry.length % 4 === 0));
  });

  it('sums every address term: Address, pAddress, inline IntSwissKnife, pIndex with Offset, pOffset or Length', async () => {
    const { map, mem } = memoryMap(`
      <Integer Name="Base"><Value>0x100</Value></Integer>
      <Integer Name="Sel"><Value>2</Value></Integer>
      <Integer Name="Step"><Value>0x20</Value></Integer>
      <IntReg Name="A"><Address>0x10</Address><Address>0x4</Address><pAddress>Base</pAddress><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></IntReg>
      <IntReg Name="B"><IntSwissKnife><pVariable Name="S">Sel</pVariable><Formula>0x200 + S * 0x40</Formula></IntSwissKnife><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></IntReg>
      <IntReg Name="C"><Address>0x300</Address><pIndex Offset="0x10">Sel</pIndex><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></IntReg>
      <IntReg Name="D"><Address>0x300</Address><pIndex pOffset="Step">Sel</pIndex><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></IntReg>
      <IntReg Name="E"><Address>0x300</Address><pIndex>Sel</pIndex><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></IntReg>
    `);
    mem.writeUInt32LE(1, 0x114);
    mem.writeUInt32LE(2, 0x280);
    mem.writeUInt32LE(3, 0x320);
    mem.writeUInt32LE(4, 0x340);
    mem.writeUInt32LE(5, 0x308);
    assert.deepEqual(
      [await map.getValue('A'), await map.getValue('B'), await map.getValue('C'), await map.getValue('D'), await map.getValue('E')],
      [1, 2, 3, 4, 5],
    );
  });

  it('takes the length from pLength', async () => {
    const { map, mem } = memoryMap(`
      <Integer Name="Len"><Value>3</Value></Integer>
      <StringReg Name="S"><Address>0x100</Address><pLength>Len</pLength><AccessMode>RO</AccessMode><pPort>Device</pPort></StringReg>`);
    mem.write('abcdef', 0x100);
    assert.equal(await map.getValue('S'), 'abc');
    assert.equal((await map.describe('S')).length, 3);
  });

  // pLength comes from the device at run time, so it is checked where it is used.
  const badLengths: [string, RegExp][] = [
    ['0', /^S: the length 0 from Len \(pLength\) is out of range; allowed 1…67108864 bytes \(64 MiB\)$/],
    ['-1', /the length -1 from Len \(pLength\) is out of range/],
    ['0x4000001', /the length 67108865 from Len \(pLength\) is out of range/],
    ['0xFFFFFFFFFF', /the length 1099511627775 from Len \(pLength\) is out of range/],
  ];
  for (const [length, message] of badLengths) {
    it(`refuses a pLength of ${length} with REGISTER_LENGTH, before any device read`, async () => {
      const { map, port } = memoryMap(`
        <Integer Name="Len"><Value>${length}</Value></Integer>
        <Register Name="S"><Address>0x100</Address><pLength>Len</pLength><AccessMode>RO</AccessMode><pPort>Device</pPort></Register>`);
      const err = await rejection(map.getValue('S'));
      assert.equal(err.code, 'REGISTER_LENGTH', err.message);
      assert.match(err.message, message);
      assert.equal(port.log.length, 0);
    });
  }

  it('defaults AccessMode to RO and honours WO', async () => {
    const { map } = memoryMap(`
      <IntReg Name="Plain"><Address>0x100</Address><Length>4</Length><pPort>Device</pPort></IntReg>
      <IntReg Name="WriteOnly"><Address>0x104</Address><Length>4</Length><AccessMode>WO</AccessMode><pPort>Device</pPort></IntReg>`);
    assert.equal(await map.access('Plain'), 'RO');
    assert.equal((await rejection(map.setValue('Plain', 1))).message, 'Plain: is read-only');
    assert.equal(await map.access('WriteOnly'), 'WO');
    assert.equal((await rejection(map.getValue('WriteOnly'))).message, 'WriteOnly: is write-only');
    await map.setValue('WriteOnly', 7);
  });

  it('StructReg entries share the register and may override its elements', async () => {
    const { map, mem } = memoryMap(`
      <StructReg Comment="Packed">
        <Address>0x100</Address><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort><Endianess>BigEndian</Endianess>
        <StructEntry Name="High"><LSB>15</LSB><MSB>0</MSB></StructEntry>
        <StructEntry Name="Low"><LSB>31</LSB><MSB>16</MSB><Sign>Signed</Sign></StructEntry>
        <StructEntry Name="Flag"><Bit>31</Bit><AccessMode>RO</AccessMode></StructEntry>
      </StructReg>`);
    mem.writeUInt32BE(0x1234ffff, 0x100);
    assert.equal(await map.getValue('High'), 0x1234);
    assert.equal(await map.getValue('Low'), -1);
    assert.equal(await map.getValue('Flag'), 1);
    assert.equal((await map.describe('Low')).nodeType, 'StructEntry');
    await map.setValue('High', 0xabcd);
    assert.equal(mem.readUInt32BE(0x100), 0xabcdffff);
    assert.equal(await map.getValue('Low'), -1, 'a write to one entry drops the cached register for the others');
    assert.equal(await map.access('Flag'), 'RO');
  });

  it('reads through ports with SwapEndianess', async () => {
    const { map, mem } = memoryMap(`
      <Port Name="Swapped"><SwapEndianess>Yes</SwapEndianess></Port>
      <IntReg Name="R"><Address>0x100</Address><Length>4</Length><AccessMode>RO</AccessMode><pPort>Swapped</pPort><Endianess>BigEndian</Endianess></IntReg>`);
    mem.writeUInt32BE(0x11223344, 0x100);
    assert.equal(await map.getValue('R'), 0x44332211);
  });

  it('routes named ports to their own Port objects', async () => {
    const main = Buffer.alloc(0x200);
    const other = Buffer.alloc(0x200);
    main.writeUInt32LE(1, 0x100);
    other.writeUInt32LE(2, 0x100);
    const map = NodeMap.fromXml(
      doc(
        `<Port Name="Aux"/>${intReg('M', 0x100).replace('BigEndian', 'LittleEndian')}${intReg('X', 0x100).replace('Device', 'Aux').replace('BigEndian', 'LittleEndian')}`,
      ),
      {
        device: new MemoryPort(main),
        ports: { Aux: new MemoryPort(other) },
      },
    );
    assert.deepEqual([await map.getValue('M'), await map.getValue('X')], [1, 2]);
  });
});
