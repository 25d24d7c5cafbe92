/**
 * Our GVCP client against an implementation nobody here wrote: Aravis' fake GigE Vision camera,
 * run inside a namespace that has only `lo` (it binds 255.255.255.255:3956). We read its identity,
 * XML and registers and compare them with what `arv-tool-0.8` reads from the same camera; we keep
 * control past its 3 s heartbeat timeout; and we drive its stream and check the pixels against its
 * documented pattern.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Namespace, NamespaceProcess, deleteAllNamespaces, skipWithout } from './support/netns';

const CLIENT = 'test/interop/support/run-client.ts';

function parse(out: { code: number | null; stdout: string; stderr: string }): any {
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`client printed no JSON (exit ${out.code}): ${out.stdout} ${out.stderr}`);
  }
}

describe('interop: our GVCP client ↔ arv-fake-gv-camera-0.8', function () {
  this.timeout(60000);
  let ns: Namespace;
  let camera: NamespaceProcess;

  async function arvTool(...args: string[]): Promise<string> {
    const r = await ns.run('arv-tool-0.8', ['-a', '127.0.0.1', ...args]);
    // arv-tool exits 0 even when the device is not found: the output is what counts.
    if (/No device found|not found/i.test(r.stdout + r.stderr)) throw new Error(`arv-tool: ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  before(async function () {
    skipWithout(this, { namespaces: true, commands: ['arv-fake-gv-camera-0.8', 'arv-tool-0.8'] });
    ns = Namespace.create('arv');
    camera = ns.spawn('arv-fake-gv-camera-0.8', ['-i', '127.0.0.1', '-s', 'GV01']);
    // Ready when it answers.
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

  it('reads identity, the XML file and registers exactly as arv-tool does', async () => {
    const probe = parse(await ns.runNode(CLIENT, ['probe', '--address', '127.0.0.1', '--xml', '--registers', '100,104,118,11c,128,938']));
    assert.equal(probe.error, undefined, probe.error);
    const tool = await arvTool(
      'control',
      'DeviceVendorName',
      'DeviceModelName',
      'DeviceID',
      'DeviceVersion',
      'R[0x100]',
      'R[0x104]',
      'R[0x118]',
      'R[0x11c]',
      'R[0x128]',
      'R[0x938]',
    );
    const value = (name: string): string => {
      const m = new RegExp(`^${name.replace(/[[\]]/g, '\\$&')} = (.*?)(?: min:.*)?$`, 'm').exec(tool);
      assert.ok(m, `arv-tool printed no ${name}: ${tool}`);
      return m[1].trim();
    };
    assert.equal(probe.info.manufacturerName, value('DeviceVendorName'));
    assert.equal(probe.info.modelName, value('DeviceModelName'));
    assert.equal(probe.info.serialNumber, value('DeviceID'));
    assert.equal(probe.info.deviceVersion, value('DeviceVersion'));
    for (const r of ['100', '104', '118', '11c', '128', '938']) {
      const reg = value(`R[0x${r.padStart(8, '0')}]`);
      assert.equal(probe.registers[r], parseInt(reg, 16), `register 0x${r}`);
    }
    const xml = Buffer.from(await arvTool('genicam'), 'utf8');
    // arv-tool prints the file followed by a newline.
    const file = xml.subarray(0, probe.xmlLength);
    assert.equal(probe.xmlLength, parseInt(/;([0-9a-f]+)$/i.exec(probe.info.firstUrl)![1], 16));
    assert.equal(createHash('sha256').update(file).digest('hex'), probe.xmlSha256, 'XML bytes identical');
  });

  it("keeps control past the camera's 3 s heartbeat timeout (our heartbeat is one it honours)", async () => {
    const probe = parse(await ns.runNode(CLIENT, ['probe', '--address', '127.0.0.1', '--hold-ms', '4000'], 30000));
    assert.equal(probe.error, undefined, probe.error);
    assert.equal(probe.info.heartbeatTimeoutMs, 3000);
    assert.equal(probe.lost, null);
    assert.equal(probe.holder.access, 'control');
  });

  it("drives the camera's stream; frames match its documented Mono8 pattern", async () => {
    const r = parse(await ns.runNode(CLIENT, ['grab-fake', '--address', '127.0.0.1', '--frames', '3'], 30000));
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.frames.length, 3, JSON.stringify(r));
    for (const f of r.frames) {
      assert.equal(f.width, 64);
      assert.equal(f.height, 48);
      assert.equal(f.pixelFormat, 0x01080001);
      assert.equal(f.bytes, 64 * 48);
      assert.equal(f.mismatches, 0, `block ${f.blockId}`);
    }
  });
});
