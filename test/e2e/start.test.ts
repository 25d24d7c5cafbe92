import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { start, freePort, killAll, ROOT } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';
import { EmulatedCamera } from '../../lib/emulator';

/** Polls a URL until it answers 200 (the demo needs a moment to open its camera). */
async function fetchWhenReady(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return response;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last})`);
}

/** Processes whose environment holds this exact entry (children inherit it). */
function processesWithEnvironment(entry: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) found.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

describe('e2e: npm start serves the live emulated camera', function () {
  this.timeout(90000);
  let userDir: string;

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-demo-'));
  });

  afterEach(() => {
    killAll();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('answers on 127.0.0.1 with the editor and /camera/latest.jpg, and stops cleanly', async () => {
    const port = await freePort();
    const cameraAddress = uniqueLoopbackAddress();
    const demo = start(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], {
      PORT: String(port),
      GIGE_DEMO_USERDIR: userDir,
      GIGE_DEMO_CAMERA_ADDRESS: cameraAddress,
    });
    await demo.waitFor(/Server now running at http:\/\/127\.0\.0\.1:/, 60000);

    const editor = await fetchWhenReady(`http://127.0.0.1:${port}/`, 10000);
    assert.match(await editor.text(), /Node-RED/);

    const jpegResponse = await fetchWhenReady(`http://127.0.0.1:${port}/camera/latest.jpg`, 30000);
    assert.equal(jpegResponse.headers.get('content-type'), 'image/jpeg');
    const firstId = Number(jpegResponse.headers.get('x-frame-id'));
    const jpeg = Buffer.from(await jpegResponse.arrayBuffer());
    const meta = await sharp(jpeg).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.width, 1024, 'the demo downscales the 4504-pixel frame to 1024');
    assert.equal(meta.height, 1024);
    const stats = await sharp(jpeg).stats();
    assert.ok(stats.channels[0].stdev > 20, `a ramp, not a blank frame (stdev ${stats.channels[0].stdev})`);

    // The camera is live: a later request serves a newer frame.
    await new Promise((r) => setTimeout(r, 1500));
    const later = await fetchWhenReady(`http://127.0.0.1:${port}/camera/latest.jpg`, 5000);
    assert.ok(Number(later.headers.get('x-frame-id')) > firstId, 'frame ids advance');

    const page = await fetchWhenReady(`http://127.0.0.1:${port}/camera`, 5000);
    assert.match(await page.text(), /<img id="frame" src="camera\/latest\.jpg"/);

    assert.equal(await demo.stop('SIGTERM'), 0, demo.output());
    // Node-RED closed the flow: the emulated camera's address is free again.
    const reuse = await EmulatedCamera.start({ address: cameraAddress });
    await reuse.stop();
  });

  it('takes Node-RED down with it when a test kills it: nothing keeps streaming afterwards', async () => {
    const demo = start(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], {
      PORT: String(await freePort()),
      GIGE_DEMO_USERDIR: userDir,
      GIGE_DEMO_CAMERA_ADDRESS: uniqueLoopbackAddress(),
    });
    await demo.waitFor(/Server now running at http:\/\/127\.0\.0\.1:/, 60000);
    const marker = `GIGE_DEMO_USERDIR=${userDir}`;
    assert.ok(processesWithEnvironment(marker).length >= 2, 'start.js and the Node-RED it runs');
    killAll();
    const deadline = Date.now() + 5000;
    while (processesWithEnvironment(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesWithEnvironment(marker), [], 'no process of the demo is left');
  });
});
