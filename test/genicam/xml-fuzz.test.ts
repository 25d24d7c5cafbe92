import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { zipSync, strToU8 } from 'fflate';
import { MemoryPort, NodeMap, decodeXmlFile, fetchDeviceXml, parseXmlUrl } from '../../lib/genicam';
import { MAX_XML_BYTES } from '../../lib/genicam/xml-url';
import { parseXml, XmlSyntaxError } from '../../lib/genicam/xml/parse';
import type { XmlElement } from '../../lib/genicam/xml/element';
import { GigeError, isGigeError } from '../../lib/errors';
import { caught, caughtAsync, fuzzIt } from '../support/fuzz';
import { doc } from './support';
import { TESTCAM_XML, testcamMemory } from './testcam';

/*
 * Property-based fuzzing of the GenICam XML path: the XML reader, NodeMap.fromXml on arbitrary,
 * generated and damaged documents (a loaded map is then read and written feature by feature),
 * ZIP decoding of damaged and forged archives, and URL parsing + retrieval from device memory.
 * Every input gives a node map (or text) or one GigeError, within a generous time bound.
 */

const DMK_XML = fs.readFileSync(path.join(__dirname, '../../lib/emulator/dmk38gx541/model.xml'), 'utf8');
/** Generous: a hostile input must not take seconds; a loaded machine must not fail this. */
const TIME_BOUND_MS = 5000;

function expectGigeError(err: unknown, what: string): asserts err is GigeError {
  assert.ok(isGigeError(err), `${what}: threw ${(err as Error)?.stack ?? String(err)}`);
}

function timed<T>(work: () => T): T {
  const started = Date.now();
  const result = work();
  assert.ok(Date.now() - started < TIME_BOUND_MS, `took ${Date.now() - started} ms`);
  return result;
}

/** fromXml gives a map or one GigeError. */
function load(xml: string, options = {}): NodeMap | undefined {
  let map: NodeMap | undefined;
  const err = caught(() => {
    map = timed(() => NodeMap.fromXml(xml, options));
  });
  if (err !== undefined) expectGigeError(err, 'fromXml');
  return map;
}

const SET_VALUES: Record<string, unknown[]> = {
  Integer: [0, 1, -1, 2 ** 53, '0xFFFFFFFFFFFFFFFF', 1.5, 'x'],
  Float: [0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -1e308],
  Boolean: [true, false, 2],
  Enumeration: ['A', 'B', 'Missing', 3],
  String: ['', 'abc', 'x'.repeat(300)],
  Register: [Buffer.alloc(0), Buffer.alloc(4, 0xff), Buffer.alloc(64)],
};

/** Reads every node, writes a value to each and runs commands: only GigeErrors may come out. */
async function exercise(map: NodeMap, choice: number): Promise<void> {
  const started = Date.now();
  for (const name of map.names().slice(0, 40)) {
    const check = (err: unknown, op: string): void => {
      if (err !== undefined) expectGigeError(err, `${op} ${name}`);
    };
    check(await caughtAsync(() => map.describe(name)), 'describe');
    check(await caughtAsync(() => map.getValue(name)), 'getValue');
    const type = map.typeOf(name);
    if (type === 'Command') {
      check(await caughtAsync(() => map.execute(name, { wait: false })), 'execute');
    } else if (SET_VALUES[type]) {
      const values = SET_VALUES[type];
      check(await caughtAsync(() => map.setValue(name, values[choice % values.length])), 'setValue');
      check(await caughtAsync(() => map.getValue(name)), 'getValue after setValue');
    }
  }
  check(await caughtAsync(() => map.list()), 'list');
  assert.ok(Date.now() - started < TIME_BOUND_MS, `exercising the map took ${Date.now() - started} ms`);

  function check(err: unknown, op: string): void {
    if (err !== undefined) expectGigeError(err, op);
  }
}

// --- generated GenICam documents ----------------------------------------------------------------

const NAMES = ['A', 'B', 'C', 'D', 'E', 'F'];
const reference = fc.constantFrom(...NAMES, 'Device', 'Missing', '');
const literal = fc.constantFrom(
  '0',
  '1',
  '4',
  '8',
  '-1',
  '0x10',
  '0xFFFFFFFF',
  '0x7FFFFFFFFFFFFFFF',
  '0xFFFFFFFFFFFFFFFF',
  '18446744073709551616',
  '1e308',
  '-1e308',
  'NaN',
  'inf',
  '3.5',
  'abc',
  '',
  '65536',
  '0x4000000',
  '2147483648',
  ' 12 ',
);
const formula = fc
  .array(
    fc.constantFrom(
      'A',
      'B',
      'X',
      'A.Max',
      '1',
      '0',
      '2.5',
      '0xFF',
      '+',
      '-',
      '*',
      '/',
      '%',
      '**',
      '<<',
      '>>',
      '&',
      '|',
      '=',
      '<>',
      '?',
      ':',
      '(',
      ')',
      'SQRT(',
      'ROUND(',
      'E',
      'PI',
      ',',
    ),
    { minLength: 1, maxLength: 9 },
  )
  .map((tokens) => tokens.join(' '));
const element = (tags: string[], values: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom(...tags), values).map(([tag, value]) => `<${tag}>${value}</${tag}>`);
const child = fc.oneof(
  element(
    [
      'Value',
      'Min',
      'Max',
      'Inc',
      'Address',
      'Length',
      'Bit',
      'LSB',
      'MSB',
      'OnValue',
      'OffValue',
      'CommandValue',
      'PollingTime',
      'ChunkID',
      'DisplayPrecision',
    ],
    literal,
  ),
  element(
    [
      'pValue',
      'pMin',
      'pMax',
      'pInc',
      'pAddress',
      'pLength',
      'pPort',
      'pFeature',
      'pInvalidator',
      'pSelected',
      'pIsAvailable',
      'pIsImplemented',
      'pIsLocked',
      'pCommandValue',
      'pIndex',
      'pValueCopy',
    ],
    reference,
  ),
  element(['AccessMode', 'ImposedAccessMode'], fc.constantFrom('RO', 'RW', 'WO', 'NA', 'XX')),
  element(['Endianess'], fc.constantFrom('LittleEndian', 'BigEndian', 'Middle')),
  element(['Sign'], fc.constantFrom('Signed', 'Unsigned', '?')),
  element(['Representation'], fc.constantFrom('Linear', 'HexNumber', 'Boolean', 'IPV4Address', 'Other')),
  element(['Cachable'], fc.constantFrom('NoCache', 'WriteThrough', 'WriteAround', 'x')),
  element(['Visibility'], fc.constantFrom('Beginner', 'Expert', 'Guru', 'Invisible', 'x')),
  element(['Formula', 'FormulaTo', 'FormulaFrom'], formula),
  fc.tuple(fc.constantFrom('A', 'B', 'X', ''), reference).map(([name, ref]) => `<pVariable Name="${name}">${ref}</pVariable>`),
  fc.tuple(fc.constantFrom('K', 'A'), literal).map(([name, value]) => `<Constant Name="${name}">${value}</Constant>`),
  fc.tuple(fc.constantFrom('X', 'A'), formula).map(([name, f]) => `<Expression Name="${name}">${f}</Expression>`),
  fc.tuple(fc.constantFrom('A', 'B', ''), literal).map(([name, value]) => `<EnumEntry Name="${name}"><Value>${value}</Value></EnumEntry>`),
  fc.tuple(fc.constantFrom('S1', 'S2'), literal).map(([name, bit]) => `<StructEntry Name="${name}"><Bit>${bit}</Bit></StructEntry>`),
  fc.tuple(reference, literal).map(([ref, offset]) => `<pIndex Offset="${offset}">${ref}</pIndex>`),
  fc.constant('<pPort>Device</pPort>'),
);
const NODE_TYPES = [
  'Integer',
  'IntReg',
  'MaskedIntReg',
  'Float',
  'FloatReg',
  'Enumeration',
  'Boolean',
  'Command',
  'String',
  'StringReg',
  'Register',
  'SwissKnife',
  'IntSwissKnife',
  'Converter',
  'IntConverter',
  'Category',
  'StructReg',
  'Port',
  'Group',
  'Node',
];
const genicamNode = fc.record(
  {
    type: fc.constantFrom(...NODE_TYPES),
    name: fc.constantFrom(...NAMES),
    children: fc.array(child, { maxLength: 10 }),
  },
  { noNullPrototype: true },
);
const genicamDocument = fc
  .uniqueArray(genicamNode, { selector: (node) => node.name, maxLength: NAMES.length })
  .map((nodes) => doc(nodes.map(({ type, name, children }) => `<${type} Name="${name}">${children.join('')}</${type}>`).join('\n')));

// --- damaged files ------------------------------------------------------------------------------

const INSERTS = [
  '<',
  '>',
  '/>',
  '</Integer>',
  '<Integer Name="Z">',
  '<pValue>Width</pValue>',
  '&',
  '&amp;',
  '&#x110000;',
  '&#0;',
  '"',
  "'",
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?',
  '?>',
  '<!DOCTYPE x [',
  '99999999999999999999999',
  '-',
  'xmlns:a="b"',
  '\u0000',
  '\ufeff',
  '\ud800',
];
/** A list of edits applied in order: delete a range, duplicate a range, insert a token, or cut the end. */
const edits = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: 3 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 0, max: 64 }),
    fc.constantFrom(...INSERTS),
  ),
  { minLength: 1, maxLength: 6 },
);
function damage(text: string, changes: [number, number, number, string][]): string {
  let out = text;
  for (const [kind, where, size, token] of changes) {
    const at = Math.floor(where * out.length);
    if (kind === 0) out = out.slice(0, at) + out.slice(at + size);
    else if (kind === 1) out = out.slice(0, at) + out.slice(at, at + size) + out.slice(at);
    else if (kind === 2) out = out.slice(0, at) + token + out.slice(at);
    else out = out.slice(0, at);
  }
  return out;
}

// --- the XML reader alone -----------------------------------------------------------------------

const xmlName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/).filter((n) => !n.startsWith('xmlns'));
const xmlText = fc.string({ unit: 'binary', maxLength: 40 });
type Tree = { tag: string; attrs: Record<string, string>; text: string; children: Tree[] };
const treeOfDepth = (depth: number): fc.Arbitrary<Tree> =>
  fc.record(
    {
      tag: xmlName,
      attrs: fc.dictionary(xmlName, xmlText, { maxKeys: 3, noNullPrototype: true }),
      text: xmlText,
      children: depth === 0 ? fc.constant([]) : fc.array(treeOfDepth(depth - 1), { maxLength: 3 }),
    },
    { noNullPrototype: true },
  );
const tree = treeOfDepth(3);
const escape = (s: string, quote = false): string => {
  const text = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quote ? text.replace(/"/g, '&quot;') : text;
};
/** Text before the children, with a random mix of entity, character-reference and CDATA encodings. */
function serialize(t: Tree, style: number): string {
  const attrs = Object.entries(t.attrs)
    .map(([k, v]) => ` ${k}="${escape(v, true)}"`)
    .join('');
  const text =
    style % 3 === 0
      ? escape(t.text)
      : style % 3 === 1
        ? [...t.text].map((c) => (c === '&' || c === '<' || c === '>' ? `&#${c.codePointAt(0)};` : c)).join('')
        : t.text.includes(']]>')
          ? escape(t.text)
          : `<![CDATA[${t.text}]]>`;
  if (!t.text && t.children.length === 0) return `<${t.tag}${attrs}/>`;
  return `<${t.tag}${attrs}>${text}${t.children.map((c) => serialize(c, style + 1)).join('')}</${t.tag}>`;
}
function shape(t: Tree): unknown {
  return { tag: t.tag, attrs: t.attrs, text: t.text.trim(), children: t.children.map(shape) };
}
function parsedShape(e: XmlElement): unknown {
  return { tag: e.tag, attrs: { ...e.attrs }, text: e.text, children: e.children.map(parsedShape) };
}

// --- ZIP and URL inputs -------------------------------------------------------------------------

const ZIPS = [
  Buffer.from(zipSync({ 'TestCam.xml': strToU8(TESTCAM_XML) }, { level: 0 })),
  Buffer.from(zipSync({ 'TestCam.xml': strToU8(TESTCAM_XML) }, { level: 6 })),
  Buffer.from(zipSync({ 'readme.txt': strToU8('x'), 'dir/': new Uint8Array(0), 'TestCam.xml': strToU8(TESTCAM_XML) }, { level: 9 })),
];
/** Offsets of the fields a forger would change: local and central headers, end of central directory. */
function zipFields(zip: Buffer): { at: number; size: 2 | 4 }[] {
  const fields: { at: number; size: 2 | 4 }[] = [];
  const signatures: [number, [number, 2 | 4][]][] = [
    [
      0x04034b50,
      [
        [6, 2],
        [8, 2],
        [14, 4],
        [18, 4],
        [22, 4],
        [26, 2],
        [28, 2],
      ],
    ],
    [
      0x02014b50,
      [
        [8, 2],
        [10, 2],
        [16, 4],
        [20, 4],
        [24, 4],
        [28, 2],
        [30, 2],
        [32, 2],
        [42, 4],
      ],
    ],
    [
      0x06054b50,
      [
        [8, 2],
        [10, 2],
        [12, 4],
        [16, 4],
        [20, 2],
      ],
    ],
  ];
  for (let at = 0; at + 4 <= zip.length; at += 1) {
    const match = signatures.find(([signature]) => zip.readUInt32LE(at) === signature);
    if (match) for (const [offset, size] of match[1]) if (at + offset + size <= zip.length) fields.push({ at: at + offset, size });
  }
  return fields;
}
const FIELDS = ZIPS.map(zipFields);
const fieldValue = fc.oneof(
  fc.constantFrom(0, 1, 8, 0xffff, 0xffffffff, 0x7fffffff, 0x80000000, MAX_XML_BYTES, MAX_XML_BYTES + 1),
  fc.integer({ min: 0, max: 0xffffffff }),
);

function expectTextOrError(work: () => string): void {
  let text: string | undefined;
  const err = caught(() => {
    text = timed(work);
  });
  if (err !== undefined) {
    expectGigeError(err, 'decodeXmlFile');
    assert.match(err.code, /^XML_(ZIP_INVALID|UNAVAILABLE)$/);
  } else {
    assert.ok(text!.length <= MAX_XML_BYTES);
  }
}

const XML_ADDRESS = 0x10000;
const URLS = [
  `Local:TestCam.xml;${XML_ADDRESS.toString(16)};${Buffer.byteLength(TESTCAM_XML).toString(16)}`,
  `Local:TestCam.zip;${XML_ADDRESS.toString(16)};${ZIPS[1].length.toString(16)}`,
  'Local:///x.xml;0x10000;0x100?SchemaVersion=1.1.0',
  'http://x/y.xml',
];
const urlText = fc
  .tuple(fc.constantFrom(...URLS), edits)
  .map(([url, changes]) => damage(url, changes))
  .filter((url) => !/file:/i.test(url)); // host files stay out of a hermetic test

describe('genicam XML fuzzing (fast-check)', () => {
  fuzzIt('the XML reader reads back what was written (entities, character references, CDATA)', 400, () =>
    fc.property(tree, fc.nat(2), (t, style) => {
      assert.deepEqual(parsedShape(parseXml(serialize(t, style))), shape(t));
    }),
  );

  fuzzIt('the XML reader on arbitrary text: elements or an XmlSyntaxError', 1500, () =>
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.array(fc.constantFrom(...INSERTS, 'a', ' ', '='), { maxLength: 40 }).map((a) => a.join('')),
      ),
      (text) => {
        const err = caught(() => timed(() => parseXml(text)));
        assert.ok(err === undefined || err instanceof XmlSyntaxError, `threw ${(err as Error)?.stack}`);
      },
    ),
  );

  fuzzIt('fromXml on arbitrary text: one GigeError (or, rarely, a map)', 1000, () =>
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constant(''),
        xmlText.map((t) => doc(t)),
      ),
      (text) => {
        load(text);
      },
    ),
  );

  let loaded = 0;
  fuzzIt('generated GenICam documents: a map whose every feature reads, writes and executes, or one GigeError', 300, () =>
    fc.asyncProperty(genicamDocument, fc.nat(), async (xml, choice) => {
      const mem = Buffer.alloc(0x10000);
      for (let i = 0; i < mem.length; i += 1) mem[i] = (i * 131 + choice) & 0xff;
      const map = load(xml, { device: new MemoryPort(mem), commandTimeoutMs: 5 });
      if (!map) return;
      loaded += 1;
      await exercise(map, choice);
    }),
  );
  it('…and enough of the generated documents loaded to reach past the XML checks', () => {
    assert.ok(loaded >= 10, `only ${loaded} generated documents loaded`);
  });

  fuzzIt('TestCam damaged by random edits: a map that reads and writes, or one GigeError', 200, () =>
    fc.asyncProperty(edits, fc.nat(), async (changes, choice) => {
      const map = load(damage(TESTCAM_XML, changes), { device: new MemoryPort(testcamMemory()), commandTimeoutMs: 5 });
      if (map) await exercise(map, choice);
    }),
  );

  fuzzIt('the DMK 38GX541-a file damaged by random edits: a map or one GigeError', 25, () =>
    fc.property(edits, (changes) => {
      load(damage(DMK_XML, changes));
    }),
  );

  fuzzIt('decodeXmlFile on arbitrary bytes, zipped by name or not', 300, () =>
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, zipped) => {
      const withSignature = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(bytes)]);
      expectTextOrError(() => decodeXmlFile(Buffer.from(bytes), zipped ? 'cam.zip' : 'cam.xml', zipped));
      expectTextOrError(() => decodeXmlFile(withSignature, 'cam.xml', false));
    }),
  );

  fuzzIt('ZIP archives with forged header fields, flipped bytes or cut short: the XML or XML_ZIP_INVALID', 400, () =>
    fc.property(
      fc.nat(ZIPS.length - 1),
      fc.array(fc.tuple(fc.nat(), fieldValue), { maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
      fc.option(fc.nat()),
      (which, forged, flips, cut) => {
        const zip = Buffer.from(ZIPS[which]);
        for (const [index, value] of forged) {
          const field = FIELDS[which][index % FIELDS[which].length];
          if (field.size === 2) zip.writeUInt16LE(value & 0xffff, field.at);
          else zip.writeUInt32LE(value >>> 0, field.at);
        }
        for (const [at, value] of flips) zip[at % zip.length] = value;
        const bytes = cut === null ? zip : zip.subarray(0, cut % (zip.length + 1));
        expectTextOrError(() => decodeXmlFile(bytes, 'TestCam.zip', true));
      },
    ),
  );

  fuzzIt('URL registers with damaged or arbitrary text: the XML from device memory, or one GigeError', 300, () =>
    fc.asyncProperty(
      fc.oneof(
        urlText,
        fc.string({ unit: 'binary', maxLength: 80 }).filter((url) => !/file:/i.test(url)),
      ),
      fc.boolean(),
      async (url, zipped) => {
        const parsed = caught(() => parseXmlUrl(url));
        if (parsed !== undefined) expectGigeError(parsed, 'parseXmlUrl');
        const file = zipped ? ZIPS[1] : Buffer.from(TESTCAM_XML);
        const mem = Buffer.alloc(XML_ADDRESS + file.length + 64);
        mem.write(url.slice(0, 500), 0x200, 'latin1');
        file.copy(mem, XML_ADDRESS);
        const port = new MemoryPort(mem);
        const started = Date.now();
        const err = await caughtAsync(async () => {
          const result = await fetchDeviceXml(port, { cacheDir: false, identity: { vendorName: 'V', modelName: 'M', deviceVersion: '1' } });
          assert.ok(result.xml.length <= MAX_XML_BYTES);
        });
        if (err !== undefined) expectGigeError(err, `fetchDeviceXml ${JSON.stringify(url)}`);
        assert.ok(Date.now() - started < TIME_BOUND_MS);
        assert.ok(port.reads < 2 + MAX_XML_BYTES / 512, `${port.reads} reads`);
      },
    ),
  );
});
