import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { zipSync, strToU8 } from 'fflate';
import { MemoryPort, decodeXmlFile, fetchDeviceXml, loadDeviceXml, parseXmlUrl, readMemory, NodeMap } from '../../lib/genicam';
import { TESTCAM_XML } from './testcam';
import { rejection, thrown } from './support';

const XML_ADDRESS = 0x10000;

/** A device whose memory holds identity strings, URL registers and a file at 0x10000. */
function device(file: Buffer, firstUrl: string, secondUrl = '', deviceVersion = '1.0'): MemoryPort {
  const mem = Buffer.alloc(XML_ADDRESS + file.length + 64);
  mem.write('Example', 0x48);
  mem.write('TestCam', 0x68);
  mem.write(deviceVersion, 0x88);
  mem.write(firstUrl, 0x200, 'latin1');
  mem.write(secondUrl, 0x400, 'latin1');
  file.copy(mem, XML_ADDRESS);
  return new MemoryPort(mem, { log: true });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'genicam-test-'));
}

describe('genicam XML URL parsing', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['Local:TestCam.xml;10000;5f3a', { kind: 'local', fileName: 'TestCam.xml', address: 0x10000, length: 0x5f3a, zipped: false }],
    [
      'local:C4_GigE_1.0.0.zip;0x8C400904;0x4D30',
      { kind: 'local', fileName: 'C4_GigE_1.0.0.zip', address: 0x8c400904, length: 0x4d30, zipped: true },
    ],
    ['Local: guide_test.zip; 00010000; 06c5', { kind: 'local', fileName: 'guide_test.zip', address: 0x10000, length: 0x6c5, zipped: true }],
    ['Local:///arv-fake-camera.xml;10000;3e67', { kind: 'local', fileName: 'arv-fake-camera.xml', address: 0x10000, length: 0x3e67 }],
    [
      'Local:Cam_v3_3.zip;c0000000;10cca?SchemaVersion=1.1.0',
      { kind: 'local', address: 0xc0000000, length: 0x10cca, schemaVersion: '1.1.0' },
    ],
    ['File:///opt/cam/Cam.xml', { kind: 'file', path: '/opt/cam/Cam.xml', fileName: 'Cam.xml', zipped: false }],
    ['file:///opt/cam/Cam%20X.zip?SchemaVersion=1.0.0', { kind: 'file', path: '/opt/cam/Cam X.zip', zipped: true, schemaVersion: '1.0.0' }],
    ['http://www.example.com/Cam.xml', { kind: 'web', url: 'http://www.example.com/Cam.xml' }],
  ];
  for (const [text, expected] of cases) {
    it(`parses ${text}`, () => {
      const url = parseXmlUrl(text) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(url[key], value, key);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['Local:cam.xml;10000', /expected Local:<name>;<hex address>;<hex length>/],
    ['Local:cam.xml;zz;10', /address "zz" is not hexadecimal/],
    ['Local:cam.xml;10000;0', /length is 0/],
    ['Gopher:cam.xml', /unknown scheme "gopher:"/],
    ['cam.xml', /no scheme/],
    ['Local:x.xml;0;FFFFFFFF', /length 4294967295 bytes is too large; allowed at most 67108864 bytes/],
    ['Local:x.xml;0;4000001', /length 67108865 bytes is too large/],
    ['Local:x.xml;0;1FFFFFFFF', /too large/],
    ['Local:x.xml;FFFFFF00;200', /runs past the end of the 32-bit address space; allowed address \+ length ≤ 0x100000000/],
    ['Local:x.xml;100000000;10', /runs past the end of the 32-bit address space/],
    ['File:///tmp/%E0%A4%A.xml', /malformed %-escape/],
  ];
  for (const [text, message] of bad) {
    it(`rejects "${text}" clearly`, () => {
      const err = thrown(() => parseXmlUrl(text));
      assert.equal(err.code, 'XML_URL_INVALID');
      assert.match(err.message, message);
    });
  }
});

const MiB = 1024 * 1024;

/** Rewrites a member's central-directory entry (what the unzipper trusts) to forge a zip. */
function forgeCentralEntry(zip: Uint8Array, name: string, fields: { compression?: number; originalSize?: number }): Buffer {
  const out = Buffer.from(zip);
  for (
    let at = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    at !== -1;
    at = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)
  ) {
    const nameLength = out.readUInt16LE(at + 28);
    if (out.toString('latin1', at + 46, at + 46 + nameLength) !== name) continue;
    if (fields.compression !== undefined) out.writeUInt16LE(fields.compression, at + 10);
    if (fields.originalSize !== undefined) out.writeUInt32LE(fields.originalSize, at + 24);
    return out;
  }
  throw new Error(`no central directory entry for ${name}`);
}

/** Adds a ZIP64 end record whose directory claims `count` members (only the real ones exist). */
function forgeZip64Count(zip: Uint8Array, count: number): Buffer {
  const base = Buffer.from(zip);
  const end = base.length - 22;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeUInt32LE(count, 32);
  record.writeUInt32LE(base.readUInt32LE(end + 16), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeUInt32LE(end, 8);
  return Buffer.concat([base.subarray(0, end), record, locator, base.subarray(end)]);
}

describe('genicam XML loading from a device', () => {
  const xmlBytes = Buffer.from(TESTCAM_XML, 'utf8');
  const lengthHex = xmlBytes.length.toString(16);

  it('reads Local: .xml in chunks of at most 512 bytes, each a multiple of 4', async () => {
    const port = device(xmlBytes, `Local:TestCam.xml;${XML_ADDRESS.toString(16)};${lengthHex}`);
    const loaded = await fetchDeviceXml(port, { cacheDir: false });
    assert.equal(loaded.xml, TESTCAM_XML);
    assert.equal(loaded.source, 'device');
    assert.equal(loaded.urlRegister, 'first');
    const fileReads = port.log.filter((entry) => entry.address >= XML_ADDRESS);
    assert.equal(fileReads.length, Math.ceil(xmlBytes.length / 512));
    for (const entry of fileReads) {
      assert.ok(entry.length <= 512 && entry.length % 4 === 0, `read of ${entry.length}`);
    }
    NodeMap.fromXml(loaded.xml, { device: port });
  });

  it('unzips Local: .zip files', async () => {
    const zipped = Buffer.from(zipSync({ 'TestCam.xml': strToU8(TESTCAM_XML) }));
    const port = device(zipped, `Local:TestCam.zip;${XML_ADDRESS.toString(16)};${zipped.length.toString(16)}?SchemaVersion=1.1.0`);
    const loaded = await fetchDeviceXml(port, { cacheDir: false });
    assert.equal(loaded.xml, TESTCAM_XML);
    assert.equal(loaded.schemaVersion, '1.1.0');
    assert.ok(zipped.length < xmlBytes.length / 3);
  });

  it('picks the .xml member of a zip that holds other files too', async () => {
    const zipped = Buffer.from(zipSync({ 'readme.txt': strToU8('hello'), 'cam/TestCam.xml': strToU8(TESTCAM_XML) }));
    const port = device(zipped, `Local:TestCam.zip;${XML_ADDRESS.toString(16)};${zipped.length.toString(16)}`);
    assert.equal(await loadDeviceXml(port, { cacheDir: false }), TESTCAM_XML);
  });

  it('reports a corrupt zip clearly', async () => {
    const port = device(
      Buffer.from('PK\u0003\u0004 this is not a zip at all, just text'),
      `Local:Broken.zip;${XML_ADDRESS.toString(16)};30`,
    );
    const err = await rejection(loadDeviceXml(port, { cacheDir: false }));
    assert.equal(err.code, 'XML_UNAVAILABLE');
    assert.match(err.message, /Broken\.zip: not a valid ZIP archive/);
  });

  it('falls back to the second URL when the first is unusable', async () => {
    const port = device(xmlBytes, 'http://example.com/TestCam.xml', `Local:TestCam.xml;${XML_ADDRESS.toString(16)};${lengthHex}`);
    const loaded = await fetchDeviceXml(port, { cacheDir: false });
    assert.equal(loaded.urlRegister, 'second');
    assert.equal(loaded.xml, TESTCAM_XML);
  });

  it('says HTTP is not supported when no URL can be used', async () => {
    const port = device(xmlBytes, 'http://example.com/TestCam.xml');
    const err = await rejection(loadDeviceXml(port, { cacheDir: false }));
    assert.equal(err.code, 'XML_UNAVAILABLE');
    assert.match(
      err.message,
      /first URL "http:\/\/example\.com\/TestCam\.xml": http:\/\/example\.com\/TestCam\.xml: downloading the XML over HTTP is not supported/,
    );
    assert.match(err.message, /second URL: .*empty/);
  });

  it('reads File: URLs from the host (plain and zipped)', async () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'TestCam.xml'), TESTCAM_XML);
      fs.writeFileSync(path.join(dir, 'TestCam.zip'), zipSync({ 'TestCam.xml': strToU8(TESTCAM_XML) }));
      let loaded = await fetchDeviceXml(device(Buffer.alloc(0), `File:///${dir.replace(/^\//, '')}/TestCam.xml`), { cacheDir: false });
      assert.equal(loaded.source, 'file');
      assert.equal(loaded.xml, TESTCAM_XML);
      loaded = await fetchDeviceXml(device(Buffer.alloc(0), 'File:TestCam.zip'), { cacheDir: false, fileBaseDir: dir });
      assert.equal(loaded.xml, TESTCAM_XML);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caches the file per device identity: a second open does not download it', async () => {
    const dir = tempDir();
    try {
      const url = `Local:TestCam.xml;${XML_ADDRESS.toString(16)};${lengthHex}`;
      const first = device(xmlBytes, url);
      const loaded = await fetchDeviceXml(first, { cacheDir: dir });
      assert.equal(loaded.source, 'device');
      assert.ok(loaded.cachePath && fs.existsSync(loaded.cachePath));

      const second = device(xmlBytes, url);
      const again = await fetchDeviceXml(second, { cacheDir: dir });
      assert.equal(again.source, 'cache');
      assert.equal(again.xml, TESTCAM_XML);
      assert.equal(second.log.filter((entry) => entry.address >= XML_ADDRESS).length, 0);

      // A different firmware version is a different file.
      const updated = device(xmlBytes, url, '', '2.0');
      assert.equal((await fetchDeviceXml(updated, { cacheDir: dir })).source, 'device');

      // A damaged cache file is ignored, not trusted.
      fs.writeFileSync(again.cachePath as string, TESTCAM_XML.slice(0, 100));
      const third = device(xmlBytes, url);
      assert.equal((await fetchDeviceXml(third, { cacheDir: dir })).source, 'device');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // A hostile device picks the File: path; the host must neither hang nor read without bound.
  // Linux only, like the native core: /dev/zero and mkfifo are always there, so nothing is skipped.
  const hostFiles: [string, (dir: string) => string, RegExp][] = [
    ['/dev/zero (endless character device)', () => '/dev/zero', /is not a regular file/],
    [
      'a FIFO (open would block forever)',
      (dir) => {
        const fifo = path.join(dir, 'cam.xml');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      /is not a regular file/,
    ],
    ['a directory', (dir) => dir, /is not a regular file/],
    [
      'a 65 MiB file',
      (dir) => {
        const big = path.join(dir, 'big.xml');
        fs.writeFileSync(big, '');
        fs.truncateSync(big, 65 * MiB); // sparse: no real disk use
        return big;
      },
      /is 68157440 bytes; allowed at most 67108864 bytes/,
    ],
  ];
  for (const [label, make, message] of hostFiles) {
    it(`refuses a File: URL naming ${label} and falls back to the second URL`, async () => {
      const dir = tempDir();
      try {
        const target = make(dir);
        const fileUrl = `File://${target.startsWith('/') ? '' : '/'}${target}`;
        const err = await rejection(loadDeviceXml(device(xmlBytes, fileUrl), { cacheDir: false }));
        assert.equal(err.code, 'XML_UNAVAILABLE');
        assert.match(err.message, message);
        const loaded = await fetchDeviceXml(device(xmlBytes, fileUrl, `Local:TestCam.xml;${XML_ADDRESS.toString(16)};${lengthHex}`), {
          cacheDir: false,
        });
        assert.equal(loaded.urlRegister, 'second');
        assert.equal(loaded.xml, TESTCAM_XML);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  const hostileUrls: [string, RegExp][] = [
    ['Local:TestCam.xml;10000;1FFFFFFFF', /too large; allowed at most 67108864 bytes/],
    ['Local:TestCam.xml;FFFFFFF0;100', /32-bit address space/],
    ['File:///tmp/%zz.xml', /malformed %-escape/],
  ];
  for (const [url, message] of hostileUrls) {
    it(`falls back to the second URL when the first is "${url}"`, async () => {
      const err = await rejection(loadDeviceXml(device(xmlBytes, url), { cacheDir: false }));
      assert.equal(err.code, 'XML_UNAVAILABLE');
      assert.match(err.message, message);
      const loaded = await fetchDeviceXml(device(xmlBytes, url, `Local:TestCam.xml;${XML_ADDRESS.toString(16)};${lengthHex}`), {
        cacheDir: false,
      });
      assert.equal(loaded.urlRegister, 'second');
    });
  }

  it('refuses to read more than 64 MiB through readMemory', async () => {
    const port = new MemoryPort(Buffer.alloc(16), { log: true });
    const err = await rejection(readMemory(port, 0, 64 * MiB + 1, 512));
    assert.equal(err.code, 'XML_UNAVAILABLE');
    assert.match(err.message, /length 67108865 is out of range; allowed 0…67108864 bytes/);
    assert.equal(port.log.length, 0);
  });

  const zipped = zipSync({ 'notes.bin': strToU8('not the xml'), 'TestCam.xml': strToU8(TESTCAM_XML) });
  const zipCases: [string, Buffer, RegExp | undefined][] = [
    [
      'a member declaring 2 GiB (zip bomb)',
      forgeCentralEntry(zipped, 'TestCam.xml', { originalSize: 0x7fffffff }),
      /TestCam\.xml expands to 2147483647 bytes; allowed at most 67108864 bytes \(64 MiB\)/,
    ],
    [
      'a member declaring more than its stream holds',
      forgeCentralEntry(zipped, 'TestCam.xml', { originalSize: xmlBytes.length + 100 }),
      new RegExp(`TestCam\\.xml inflated to ${xmlBytes.length} bytes but declares ${xmlBytes.length + 100}`),
    ],
    // Only the chosen member is inflated: another one may be anything, even unreadable.
    ['another member with an unknown compression method', forgeCentralEntry(zipped, 'notes.bin', { compression: 99 }), undefined],
    ['another member declaring 4 GiB', forgeCentralEntry(zipped, 'notes.bin', { originalSize: 0xffffffff }), undefined],
    [
      'a ZIP64 directory claiming 4 billion members',
      forgeZip64Count(zipped, 0xffffffff),
      /lists more than 1000 members; allowed at most 1000/,
    ],
  ];
  for (const [label, zip, message] of zipCases) {
    it(`zip with ${label}: ${message ? 'refused' : 'loads the .xml member'}`, async () => {
      const port = device(zip, `Local:TestCam.zip;${XML_ADDRESS.toString(16)};${zip.length.toString(16)}`);
      if (!message) {
        assert.equal(await loadDeviceXml(port, { cacheDir: false }), TESTCAM_XML);
        return;
      }
      const err = await rejection(loadDeviceXml(port, { cacheDir: false }));
      assert.equal(err.code, 'XML_UNAVAILABLE');
      assert.match(err.message, message);
      assert.equal(thrown(() => decodeXmlFile(zip, 'TestCam.zip', true)).code, 'XML_ZIP_INVALID');
    });
  }

  it('reports a failed device read with the address and offset', async () => {
    const port = device(xmlBytes, `Local:TestCam.xml;${(XML_ADDRESS + 0x100000).toString(16)};${lengthHex}`);
    const err = await rejection(loadDeviceXml(port, { cacheDir: false }));
    assert.equal(err.code, 'XML_UNAVAILABLE');
    assert.match(err.message, /reading the XML file \(\d+ bytes at 0x00110000\) failed at offset 0/);
  });
});
