import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { start, freePort, killAll, ROOT, Running } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The editor in a real browser (Debian's Chromium, headless): our nodes load into the palette
 * without script errors, their edit dialogs show our fields, and the camera search of the config
 * node finds the demo's emulated camera (the demo's settings restrict DISCOVERY to loopback).
 */
describe('e2e: the Node-RED editor with this package, in Chromium', function () {
  this.timeout(120000);
  let userDir: string;
  let demo: Running;
  let browser: Browser;
  let page: Page;
  const scriptErrors: string[] = [];
  let cameraAddress: string;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (.ci/run does), or set CHROMIUM_PATH`);
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-editor-'));
    cameraAddress = uniqueLoopbackAddress();
    const port = await freePort();
    demo = start(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], {
      PORT: String(port), GIGE_DEMO_USERDIR: userDir, GIGE_DEMO_CAMERA_ADDRESS: cameraAddress,
    });
    await demo.waitFor(/Server now running at http:\/\/127\.0\.0\.1:/, 60000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30000 });
  });

  after(async () => {
    await browser?.close();
    await demo?.stop('SIGTERM').catch(() => undefined);
    killAll();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('shows every node of the package in the palette, without script errors', async () => {
    for (const type of ['gige-grab', 'gige-event-listener', 'gige-feature', 'gige-action']) {
      assert.equal(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(), 1, `${type} in the palette`);
    }
    assert.deepEqual(scriptErrors, []);
  });

  it('opens the grab node\'s dialog with its fields and help', async () => {
    await page.locator('#d3m0grab00000001').dblclick();
    await page.waitForSelector('#node-input-mode', { state: 'visible' });
    assert.equal(await page.locator('#node-input-mode').inputValue(), 'continuous');
    assert.equal(await page.locator('#node-input-encoding').inputValue(), 'jpeg');
    assert.deepEqual(
      await page.locator('#node-input-mode option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)),
      ['trigger', 'next', 'continuous'],
    );
    assert.match(await page.locator('.red-ui-editor').innerText(), /Software trigger per message/, 'labels come from the message catalog');
  });

  it('finds the emulated camera with the config node\'s search', async () => {
    await page.locator('#node-input-btn-camera-edit').click();
    await page.waitForSelector('#node-config-input-source', { state: 'visible' });
    await page.locator('#node-config-input-source').selectOption('network');
    await page.locator('#gige-search').click();
    const found = page.locator('#gige-found div', { hasText: cameraAddress });
    await found.waitFor({ timeout: 10000 });
    assert.match(await found.innerText(), /DMK 38GX541-a/);
    await found.click();
    assert.equal(await page.locator('#node-config-input-address').inputValue(), cameraAddress);
    assert.deepEqual(scriptErrors, []);
  });
});
