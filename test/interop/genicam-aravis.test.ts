/**
 * Our GenICam stack against a GenICam file and device nobody here wrote: Aravis' fake GigE Vision
 * camera, inside a namespace that has only `lo`. Every feature `arv-tool-0.8 values` lists must
 * appear in our list() with the same node type, access and value; Width/Height/PixelFormat/
 * PayloadSize must agree with `arv-tool-0.8 control` both ways (we write, Aravis reads; Aravis
 * writes, we read).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Namespace, NamespaceProcess, deleteAllNamespaces, skipWithout } from './support/netns';

const CLIENT = 'test/genicam/interop/features-client.ts';

interface Listed {
  name: string;
  nodeType: string;
  access: string;
  value?: unknown;
  error?: string;
}

function json(out: { code: number | null; stdout: string; stderr: string }): any {
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`client printed no JSON (exit ${out.code}): ${out.stdout} ${out.stderr}`);
  }
}

/** `arv-tool values` lines: `        Integer      : [RW] 'Width' = 512` (strings quoted). */
function parseArvValues(text: string): Map<string, { type: string; access: string; value?: string }> {
  const found = new Map<string, { type: string; access: string; value?: string }>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\w+)\s*:\s*\[(\w+)\]\s*'([^']+)'(?:\s*=\s*(.*))?$/.exec(line);
    if (m) found.set(m[3], { type: m[1], access: m[2], value: m[4]?.trim() });
  }
  return found;
}

describe('interop: our GenICam stack ↔ arv-fake-gv-camera-0.8', function () {
  this.timeout(60000);
  let ns: Namespace;
  let camera: NamespaceProcess;

  async function arvTool(...args: string[]): Promise<string> {
    const r = await ns.run('arv-tool-0.8', ['-a', '127.0.0.1', ...args]);
    if (/No device found|not found/i.test(r.stdout + r.stderr)) throw new Error(`arv-tool: ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  async function ours(...args: string[]): Promise<any> {
    const result = json(await ns.runNode(CLIENT, [args[0], '--address', '127.0.0.1', ...args.slice(1)], 30000));
    assert.equal(result.error, undefined, `our client failed: ${result.error}`);
    return result;
  }

  async function arvControl(...names: string[]): Promise<Record<string, string>> {
    const out = await arvTool('control', ...names);
    const values: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const m = /^(\w+) = (.*?)(?:\s+min:.*)?$/.exec(line.trim());
      if (m) values[m[1]] = m[2];
    }
    return values;
  }

  before(async function () {
    skipWithout(this, { namespaces: true, commands: ['arv-fake-gv-camera-0.8', 'arv-tool-0.8'] });
    ns = Namespace.create('gcam');
    camera = ns.spawn('arv-fake-gv-camera-0.8', ['-i', '127.0.0.1', '-s', 'GC01']);
    const end = Date.now() + 10000;
    for (;;) {
      const r = await ns.run('arv-tool-0.8', ['-a', '127.0.0.1', 'control', 'DeviceVendorName'], 5000);
      if (/DeviceVendorName = Aravis/.test(r.stdout)) break;
      if (Date.now() > end) throw new Error(`fake camera did not come up: ${camera.stderr}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  });
  after(async () => {
    await deleteAllNamespaces();
  });

  it('lists every feature Aravis lists, with the same type, access and value', async () => {
    const listed = await ours('list');
    assert.match(listed.url, /^Local:/i);
    assert.equal(listed.info.modelName, 'Fake');
    assert.equal(listed.info.schemaVersion, '1.0.1', 'a GenICam 1.0 file: the legacy endianness rule applies');
    const byName = new Map<string, Listed>(listed.features.map((f: Listed) => [f.name, f]));
    const aravis = parseArvValues(await arvTool('values'));
    const features = [...aravis.entries()].filter(([, f]) => f.type !== 'Category' && f.type !== 'EnumEntry');
    assert.ok(features.length >= 25, `arv-tool listed only ${features.length} features`);
    const mismatches: string[] = [];
    for (const [name, theirs] of features) {
      const mine = byName.get(name);
      if (!mine) {
        mismatches.push(`${name}: missing from our list`);
        continue;
      }
      if (mine.nodeType !== theirs.type) mismatches.push(`${name}: type ${mine.nodeType} vs ${theirs.type}`);
      if (mine.access !== theirs.access) mismatches.push(`${name}: access ${mine.access} vs ${theirs.access}`);
      if (mine.error) mismatches.push(`${name}: our read failed: ${mine.error}`);
      if (theirs.value !== undefined) {
        const ourValue = typeof mine.value === 'string' && theirs.value.startsWith("'") ? `'${mine.value}'` : String(mine.value);
        if (ourValue !== theirs.value) mismatches.push(`${name}: value ${ourValue} vs ${theirs.value}`);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.equal(byName.size, features.length, 'and nothing Aravis does not list');
  });

  it('agrees on Width, Height, PixelFormat and PayloadSize with arv-tool control', async () => {
    const theirs = await arvControl('Width', 'Height', 'PixelFormat', 'PayloadSize');
    const mine = await ours('get', 'Width', 'Height', 'PixelFormat', 'PayloadSize');
    assert.deepEqual(
      { Width: String(mine.Width), Height: String(mine.Height), PixelFormat: mine.PixelFormat, PayloadSize: String(mine.PayloadSize) },
      theirs,
    );
  });

  it("the gige CLI lists the fake camera's features (--json) with the values arv-tool reports", async () => {
    const cli = path.resolve('dist/bin/gige.js');
    assert.ok(fs.existsSync(cli), `${cli} is missing: build first (npm run build)`);
    const run = await ns.run(process.execPath, [cli, 'features', '-a', '127.0.0.1', '--json'], 30000);
    assert.equal(run.code, 0, run.stderr);
    const listed = new Map((JSON.parse(run.stdout) as Array<{ name: string; value?: unknown }>).map((f) => [f.name, f.value]));
    const theirs = await arvControl('Width', 'Height', 'PixelFormat', 'PayloadSize');
    assert.deepEqual(
      {
        Width: String(listed.get('Width')),
        Height: String(listed.get('Height')),
        PixelFormat: listed.get('PixelFormat'),
        PayloadSize: String(listed.get('PayloadSize')),
      },
      theirs,
    );
  });

  it('Aravis reads what we write, and we read what Aravis writes (PayloadSize follows)', async () => {
    await ours('set', 'Width=1024', 'Height=256', 'PixelFormat=Mono16');
    assert.deepEqual(await arvControl('Width', 'Height', 'PixelFormat', 'PayloadSize'), {
      Width: '1024',
      Height: '256',
      PixelFormat: 'Mono16',
      PayloadSize: String(1024 * 256 * 2),
    });
    await arvTool('control', 'Width=640', 'PixelFormat=Mono8');
    assert.deepEqual(await ours('get', 'Width', 'PixelFormat', 'PayloadSize'), {
      Width: 640,
      PixelFormat: 'Mono8',
      PayloadSize: 640 * 256,
    });
  });

  it("refuses out-of-range values with the range the fake camera's XML gives", async () => {
    const result = json(await ns.runNode(CLIENT, ['set', '--address', '127.0.0.1', 'Width=5000'], 30000));
    assert.equal(result.code, 'OUT_OF_RANGE');
    assert.equal(result.error, 'Width: 5000 is out of range; allowed 1…2048');
    assert.equal((await arvControl('Width')).Width, '640');
  });
});
