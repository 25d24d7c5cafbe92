import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { start, freePort, ROOT, Running } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Editor {
  page: Page;
  /** The demo's emulated camera (its config node is `d3m0camera000001`). */
  cameraAddress: string;
  /** Uncaught script errors of the page so far. */
  scriptErrors: string[];
  close(): Promise<void>;
}

/**
 * `npm start`'s demo (Node-RED on 127.0.0.1 with this package and the demo flow, whose emulated
 * camera runs on its own loopback address — or the given `flows`) in Debian's Chromium, headless,
 * with the palette loaded.
 */
export async function openEditor(flows?: Array<Record<string, unknown>>): Promise<Editor> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (.ci/run does), or set CHROMIUM_PATH`);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-editor-'));
  const cameraAddress = uniqueLoopbackAddress();
  const port = await freePort();
  let demo: Running | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await demo?.stop('SIGTERM').catch(() => undefined);
    fs.rmSync(userDir, { recursive: true, force: true });
  };
  try {
    if (flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
    demo = start(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], {
      PORT: String(port),
      GIGE_DEMO_USERDIR: userDir,
      GIGE_DEMO_CAMERA_ADDRESS: cameraAddress,
    });
    // Generous: the first start builds, and other suites load the machine.
    await demo.waitFor(/Server now running at http:\/\/127\.0\.0\.1:/, 180000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30000 });
    return { page, cameraAddress, scriptErrors, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Puts nodes on the open tab without the mouse (they stay where they are) and opens the first one's dialog. */
export async function addAndEdit(page: Page, nodes: Array<Record<string, unknown>>): Promise<void> {
  await page.evaluate((list) => {
    const red = (window as unknown as { RED: any }).RED;
    const z = red.workspaces.active();
    red.view.importNodes(
      list.map((n: Record<string, unknown>, i: number) => ({ x: 300, y: 420 + 60 * i, wires: [[]], z, ...n })),
      { touchImport: true },
    );
    red.editor.edit(red.nodes.node(list[0].id));
  }, nodes);
}

/**
 * Closes the open dialog — a node's (Done/Cancel) or a config node's (Add, Update/Cancel) — and
 * waits until its tray has left the page: while a closing tray is still there, the next dialog's
 * fields share its element ids, and Node-RED would fill (and save from) the old ones.
 */
export async function closeDialog(page: Page, how: 'ok' | 'cancel', config = false): Promise<void> {
  await page.locator(`#node-${config ? 'config-' : ''}dialog-${how}`).click();
  // A config node's form, or (the last tray closed) a node's form; a node's tray under a config
  // node's is detached while the config node's is open, and comes back when it closes.
  await page.locator(config ? '#node-config-dialog-edit-form' : '#dialog-form').waitFor({ state: 'detached' });
}

/**
 * Opens a node's dialog by double-clicking its body — not the centre of its group, which a grab's
 * preview below the node enlarges.
 */
export async function openNode(page: Page, id: string): Promise<void> {
  await page.locator(`[id="${id}"] .red-ui-flow-node`).first().dblclick();
}
