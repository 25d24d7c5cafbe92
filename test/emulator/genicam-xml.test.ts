import { strict as assert } from 'node:assert';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import * as fs from 'node:fs';
import { MODEL_XML_FILE, renderGenicamXml } from '../../lib/emulator/dmk38gx541/genicam-xml';
import { features } from '../../lib/emulator/dmk38gx541/features';
import { XmlMemory, XML_FILE_NAME } from '../../lib/emulator/dmk38gx541/xml-file';

type XmlNode = Record<string, unknown>;

function parse(xml: string): XmlNode {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && name !== 'RegisterDescription',
  });
  return parser.parse(xml) as XmlNode;
}

/** Every element with a Name attribute, anywhere under `root`. */
function namedNodes(root: unknown, out: Map<string, { tag: string; node: XmlNode }>, tag = ''): void {
  if (Array.isArray(root)) {
    for (const item of root) namedNodes(item, out, tag);
    return;
  }
  if (!root || typeof root !== 'object') return;
  const node = root as XmlNode;
  // Entry names repeat across enumerations (Off, On); they live in their enumeration's scope.
  if (typeof node['@Name'] === 'string' && tag !== 'EnumEntry') {
    assert.ok(!out.has(node['@Name']), `node name ${node['@Name']} is used twice`);
    out.set(node['@Name'], { tag, node });
  }
  for (const [key, value] of Object.entries(node)) if (!key.startsWith('@') && key !== 'pVariable') namedNodes(value, out, key);
}

function texts(node: XmlNode, key: string): string[] {
  const v = node[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'object' ? String((x as XmlNode)['#text']) : String(x)));
}

describe('emulator: GenICam XML of the DMK 38GX541-a', () => {
  const xml = renderGenicamXml();
  const doc = parse(xml);
  const root = doc.RegisterDescription as XmlNode;
  const nodes = new Map<string, { tag: string; node: XmlNode }>();
  namedNodes(root, nodes);

  it('is a GenApi 1.1 description in the GEV namespace', () => {
    assert.equal(root['@xmlns'], 'http://www.genicam.org/GenApi/Version_1_1');
    assert.equal(root['@SchemaMajorVersion'], '1');
    assert.equal(root['@SchemaMinorVersion'], '1');
    assert.equal(root['@StandardNameSpace'], 'GEV');
    assert.match(String(root['@ModelName']), /^[A-Za-z][0-9A-Za-z_]*$/);
    assert.match(String(root['@VendorName']), /^[A-Za-z][0-9A-Za-z_]*$/);
  });

  it('has a node for every feature of the table, reachable from Root', () => {
    const reachable = new Set<string>();
    const walk = (name: string): void => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const entry = nodes.get(name);
      if (entry?.tag === 'Category') for (const child of texts(entry.node, 'pFeature')) walk(child);
    };
    walk('Root');
    for (const f of features) {
      assert.ok(nodes.has(f.name), `no node for ${f.name}`);
      assert.ok(reachable.has(f.name), `${f.name} is not in a category under Root`);
    }
  });

  it('refers only to nodes that exist', () => {
    const pointers = [
      'pValue',
      'pMin',
      'pMax',
      'pInc',
      'pIsLocked',
      'pIsAvailable',
      'pFeature',
      'pSelected',
      'pPort',
      'pVariable',
      'pInvalidator',
    ];
    let checked = 0;
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (!value || typeof value !== 'object') return;
      for (const [key, child] of Object.entries(value as XmlNode)) {
        if (pointers.includes(key)) {
          for (const target of texts(value as XmlNode, key)) {
            assert.ok(nodes.has(target), `${key} → ${target} does not exist`);
            checked += 1;
          }
        } else if (!key.startsWith('@')) visit(child);
      }
    };
    visit(root);
    assert.ok(checked > 300, `only ${checked} references checked`);
  });

  it('puts every model register at 0xA000 or above, 4-byte aligned, without overlaps', () => {
    const spans: Array<[number, number, string]> = [];
    for (const f of features) {
      if (f.storage.kind !== 'model') continue;
      const reg = nodes.get(`${f.name}Reg`);
      assert.ok(reg, `no register node for ${f.name}`);
      const address = Number(texts(reg.node, 'Address')[0]);
      const length = Number(texts(reg.node, 'Length')[0]);
      assert.equal(address, f.address);
      assert.ok(address >= 0xa000 && address % 4 === 0, `${f.name} at 0x${address.toString(16)}`);
      assert.equal(texts(reg.node, 'Endianess')[0], 'BigEndian');
      spans.push([address, address + length, f.name]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i += 1) assert.ok(spans[i][0] >= spans[i - 1][1], `${spans[i - 1][2]} overlaps ${spans[i][2]}`);
  });

  it('maps GevSCPSPacketSize onto the low 16 bits of bootstrap 0x0D04', () => {
    const reg = nodes.get('GevSCPSPacketSizeReg');
    assert.ok(reg);
    assert.equal(reg.tag, 'MaskedIntReg');
    assert.equal(Number(texts(reg.node, 'Address')[0]), 0x0d04);
    assert.equal(texts(reg.node, 'LSB')[0], '31');
    assert.equal(texts(reg.node, 'MSB')[0], '16');
  });

  it('binds event data to ports by EventID and chunk data by ChunkID', () => {
    assert.equal(texts(nodes.get('EventExposureEndPort')!.node, 'EventID')[0], '9001');
    assert.equal(texts(nodes.get('ChunkExposureTimePort')!.node, 'ChunkID')[0], '00000A01');
    assert.equal(texts(nodes.get('EventExposureEndFrameIDReg')!.node, 'pPort')[0], 'EventExposureEndPort');
  });

  it('caches what only the host changes: NoCache exactly where the camera changes values itself', () => {
    const byMode = new Map<string, string[]>();
    for (const f of features) {
      if (f.kind === 'command' || f.access === 'WO' || f.storage.kind === 'port' || f.storage.kind === 'constant') continue;
      const reg = f.kind === 'string' || f.kind === 'register' ? nodes.get(f.name) : nodes.get(`${f.name}Reg`);
      assert.ok(reg, `no register for ${f.name}`);
      const mode = texts(reg.node, 'Cachable')[0];
      byMode.set(mode, [...(byMode.get(mode) ?? []), f.name]);
    }
    assert.deepEqual(byMode.get('NoCache')?.sort(), [
      'AcquisitionStatus',
      'ExposureTime',
      'GPIIn',
      'Gain',
      'GevCCP',
      'GevCurrentDefaultGateway',
      'GevCurrentIPAddress',
      'GevCurrentSubnetMask',
      'GevIEEE1588Status',
      'GevMCSP',
      'GevSCSP',
      'GevTimestampValue',
      'PtpStatus',
      'TimestampLatchValue',
    ]);
    assert.deepEqual(byMode.get('WriteAround')?.sort(), [
      'GevSCPSDoNotFragment',
      'GevSCPSFireTestPacket',
      'GevSCPSPacketSize',
      'OffsetX',
      'OffsetY',
    ]);
    assert.ok((byMode.get('WriteThrough') ?? []).length > 100);
  });

  it('names only writable features as invalidators, and links registers that share an address', () => {
    const writable = new Set(features.filter((f) => f.access !== 'RO').map((f) => f.name));
    for (const [name, { node }] of nodes) {
      for (const target of texts(node, 'pInvalidator')) assert.ok(writable.has(target), `${name}: pInvalidator ${target} is not writable`);
    }
    const invalidators = (name: string): string[] => texts(nodes.get(`${name}Reg`)!.node, 'pInvalidator');
    // The bits of the GVCP configuration register, PtpEnable (the same bit) and a user set load.
    assert.deepEqual(invalidators('GevGVCPPendingAck'), [
      'ActionUnconditionalMode',
      'GevGVCPHeartbeatDisable',
      'GevIEEE1588',
      'PtpEnable',
      'UserSetLoad',
    ]);
    assert.ok(invalidators('PayloadSize').includes('BinningHorizontal'), 'a cause of a cause (Binning → Width → PayloadSize)');
    assert.ok(invalidators('EventNotification').includes('EventSelector'), 'the selector of a multiplexed register');
  });

  it('matches the committed model.xml (regenerate: npx tsx lib/emulator/dmk38gx541/genicam-xml.ts --write)', () => {
    assert.equal(fs.readFileSync(MODEL_XML_FILE, 'utf8'), xml, 'lib/emulator/dmk38gx541/model.xml is stale');
  });

  it('is served zipped through the first URL and plain through the second', () => {
    const memory = new XmlMemory();
    const parts = memory.firstUrl.split(';');
    assert.match(parts[0], /^Local:[A-Za-z0-9_]+\.zip$/);
    const zipBytes = memory.read(parseInt(parts[1], 16), Math.ceil(parseInt(parts[2], 16) / 4) * 4).subarray(0, parseInt(parts[2], 16));
    const files = unzipSync(new Uint8Array(zipBytes));
    assert.equal(Buffer.from(files[XML_FILE_NAME]).toString('utf8'), xml);
    const [, addr, len] = memory.secondUrl.split(';');
    assert.equal(
      memory
        .read(parseInt(addr, 16), Math.ceil(parseInt(len, 16) / 4) * 4)
        .subarray(0, parseInt(len, 16))
        .toString('utf8'),
      xml,
    );
  });
});
