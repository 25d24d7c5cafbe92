/**
 * "Live view dashboard" as `npm start -- --example` runs it, in Chromium (Debian's, headless):
 * Dashboard 2.0 shows a changing live image with the camera's status, moving the exposure slider
 * changes the exposure the camera reports in the next frames' chunk data, the trigger button
 * switches to software trigger and brings exactly the triggered frame; and the MJPEG endpoint
 * serves multipart/x-mixed-replace JPEG parts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { chromium, Browser, Page } from 'playwright-core';
import { start, freePort, killAll, ROOT, Running } from '../../support/processes';
import { uniqueLoopbackAddress } from '../../support/loopback';
import { debianBinary, requireBinary } from './debian';

const CHROMIUM = process.env.CHROMIUM_PATH ?? debianBinary('chromium', ['/usr/bin']);

/** The caption under the live image: the shown frame's id and the exposure/gain the camera used. */
async function shownFrame(page: Page): Promise<{ frame: number; exposure: number; src: string } | null> {
  return page.evaluate(() => {
    const img = document.querySelector('img.gige-live-image') as HTMLImageElement | null;
    const caption = document.querySelector('.gige-live-caption') as HTMLElement | null;
    if (!img || !caption || !img.complete || img.naturalWidth === 0) return null;
    return { frame: Number(img.dataset.frame), exposure: Number(caption.dataset.exposure), src: img.src.slice(-200) };
  });
}

async function waitForFrame(
  page: Page,
  what: string,
  accept: (f: { frame: number; exposure: number; src: string }) => boolean,
  timeoutMs = 30000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: Awaited<ReturnType<typeof shownFrame>> = null;
  for (;;) {
    last = await shownFrame(page);
    if (last && accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; shown: ${JSON.stringify(last)}`);
    await page.waitForTimeout(100);
  }
}

/** The first `parts` parts of an MJPEG stream, then the connection is closed. */
function mjpegParts(url: string, parts: number, timeoutMs = 30000): Promise<{ contentType: string; images: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
      if (res.statusCode !== 200 || !boundary) {
        req.destroy();
        reject(new Error(`status ${res.statusCode}, content-type ${contentType}`));
        return;
      }
      let data = Buffer.alloc(0);
      const images: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        for (;;) {
          const head = data.indexOf(`--${boundary}\r\n`);
          const headEnd = data.indexOf('\r\n\r\n', head);
          if (head < 0 || headEnd < 0) return;
          const length = Number(/Content-Length: (\d+)/i.exec(data.subarray(head, headEnd).toString('latin1'))?.[1]);
          if (data.length < headEnd + 4 + length) return;
          images.push(data.subarray(headEnd + 4, headEnd + 4 + length));
          data = data.subarray(headEnd + 4 + length);
          if (images.length >= parts) {
            clearTimeout(timer);
            req.destroy();
            resolve({ contentType, images });
            return;
          }
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`fewer than ${parts} MJPEG parts within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('flows: "Live view dashboard" (Dashboard 2.0 in Chromium, MJPEG)', function () {
  this.timeout(120000);
  let userDir = '';
  let red: Running | null = null;
  let browser: Browser | null = null;
  let page: Page;
  let port = 0;
  const scriptErrors: string[] = [];

  before(async function () {
    requireBinary(this, CHROMIUM, 'chromium', 'chromium');
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-dashboard-'));
    port = await freePort();
    red = start(process.execPath, [path.join(ROOT, 'scripts', 'start.js'), '--example', 'Live view dashboard'], {
      PORT: String(port),
      GIGE_DEMO_USERDIR: userDir,
      GIGE_DEMO_CAMERA_ADDRESS: uniqueLoopbackAddress(),
    });
    await red.waitFor(/Server now running at http:\/\/127\.0\.0\.1:/, 60000);
    browser = await chromium.launch({
      executablePath: CHROMIUM as string,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await page.goto(`http://127.0.0.1:${port}/dashboard/live`);
  });

  after(async () => {
    await browser?.close();
    await red?.stop('SIGTERM').catch(() => undefined);
    killAll();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it("shows a changing live image and the camera's status", async () => {
    const first = await waitForFrame(page, 'a first frame', () => true, 60000);
    const later = await waitForFrame(page, 'a later frame', (f) => f.frame > first.frame && f.src !== first.src);
    assert.ok(later.frame > first.frame);
    const status = await page.locator('.gige-camera-status').innerText();
    assert.match(status, /Camera\s*\S+/, `status shown: ${status}`);
    assert.deepEqual(scriptErrors, []);
  });

  it("moving the exposure slider changes the exposure in the next frames' chunk data", async () => {
    // The slider starts at the camera's value (read on start: 10000 µs).
    const exposureField = page.locator('.gige-exposure input[type="number"]');
    await page.waitForFunction(
      () => Number((document.querySelector('.gige-exposure input[type="number"]') as HTMLInputElement | null)?.value) === 10000,
      null,
      { timeout: 30000 },
    );
    const before = await waitForFrame(page, 'a frame at 10000 µs', (f) => f.exposure === 10000);
    // Drag the thumb most of the way right, as an operator would.
    const track = page.locator('.gige-exposure .v-slider-track');
    const box = await track.boundingBox();
    assert.ok(box, 'the exposure slider is shown');
    const thumb = await page.locator('.gige-exposure .v-slider-thumb').boundingBox();
    await page.mouse.move(thumb!.x + thumb!.width / 2, thumb!.y + thumb!.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    const chosen = Number(await exposureField.inputValue());
    assert.ok(chosen > 50000 && chosen < 100000, `slider value ${chosen}`);
    const after = await waitForFrame(page, `a frame exposed ${chosen} µs`, (f) => f.exposure === chosen && f.frame > before.frame);
    assert.ok(after.frame > before.frame);
  });

  it('Trigger switches to software trigger: one new frame per press; Free run streams again', async () => {
    await page.locator('.gige-trigger').click();
    // Frames still in flight when the mode switched may arrive; then the stream stands still.
    await page.waitForTimeout(2500);
    const standing = await waitForFrame(page, 'a frame', () => true);
    await page.waitForTimeout(2000);
    assert.equal((await shownFrame(page))?.frame, standing.frame, 'no frames without a trigger');
    await page.locator('.gige-trigger').click();
    const triggered = await waitForFrame(page, 'the triggered frame', (f) => f.frame > standing.frame);
    await page.waitForTimeout(1500);
    assert.equal((await shownFrame(page))?.frame, triggered.frame, 'one frame per press');
    await page.locator('.gige-freerun').click();
    await waitForFrame(page, 'free run again', (f) => f.frame >= triggered.frame + 3);
  });

  it('serves MJPEG (multipart/x-mixed-replace) of the live JPEGs', async () => {
    const { contentType, images } = await mjpegParts(`http://127.0.0.1:${port}/camera/stream.mjpg`, 3);
    assert.match(contentType, /^multipart\/x-mixed-replace; boundary=/);
    const metas = await Promise.all(images.map((jpeg) => sharp(jpeg).metadata()));
    for (const meta of metas) assert.deepEqual([meta.format, meta.width], ['jpeg', 960]);
    assert.notDeepEqual(images[1], images[2], 'consecutive parts are different frames');
  });
});
