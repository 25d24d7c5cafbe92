/**
 * The README's example screenshots (docs/images/example-<name>.png): each example opened by
 * `npm start -- --example "<name>"` on its own port and user directory, the editor shown in
 * Debian's Chromium (headless), the workspace captured once the flow's nodes are drawn and the
 * emulated camera has had a moment to stream. The dashboard example also gets its dashboard.
 *
 *   node -r tsx/cjs scripts/example-screenshots.ts                 every example
 *   node -r tsx/cjs scripts/example-screenshots.ts "HDR merge"     one
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { start, freePort, killAll, ROOT } from '../test/support/processes';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.join(ROOT, 'docs', 'images');

export function screenshotName(example: string): string {
  return `example-${example
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}.png`;
}

async function shoot(example: string): Promise<void> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-shot-'));
  const port = await freePort();
  const red = start(
    process.execPath,
    [path.join(ROOT, 'scripts', 'start.js'), '--example', example],
    { PORT: String(port), GIGE_DEMO_USERDIR: userDir },
    180000,
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    await red.waitFor(/Server now running at http:\/\/127\.0\.0\.1:/, 90000);
    const page = await browser.newPage({ viewport: { width: 2300, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('#red-ui-workspace-chart .red-ui-flow-node', { timeout: 60000 });
    // The whole flow in view: no sidebar; then let the camera connect and the statuses settle.
    await page.evaluate(() =>
      (window as unknown as { RED: { menu: { setSelected(id: string, on: boolean): void } } }).RED.menu.setSelected(
        'menu-item-sidebar',
        false,
      ),
    );
    await page.waitForTimeout(6000);
    // Cropped to the flow: its nodes' and statuses' extent, with a margin, inside the workspace.
    const clip = await page.evaluate(() => {
      const chart = document.querySelector('#red-ui-workspace-chart') as HTMLElement;
      const area = chart.getBoundingClientRect();
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const el of Array.from(
        document.querySelectorAll('#red-ui-workspace-chart .red-ui-flow-node-group, #red-ui-workspace-chart g.red-ui-flow-node'),
      )) {
        const r = el.getBoundingClientRect();
        if (r.width === 0) continue;
        [x0, y0, x1, y1] = [Math.min(x0, r.left), Math.min(y0, r.top), Math.max(x1, r.right), Math.max(y1, r.bottom)];
      }
      const x = Math.max(area.left, x0 - 20);
      const y = Math.max(area.top, y0 - 20);
      return { x, y, width: Math.min(area.right, x1 + 20) - x, height: Math.min(area.bottom, y1 + 30) - y };
    });
    await page.screenshot({ path: path.join(OUT, screenshotName(example)), clip });
    if (example === 'Live view dashboard') {
      const dashboard = await browser.newPage({ viewport: { width: 1400, height: 760 } });
      await dashboard.goto(`http://127.0.0.1:${port}/dashboard/live`);
      await dashboard.waitForSelector('img.gige-live-image', { timeout: 60000 });
      await dashboard.waitForTimeout(2000);
      await dashboard.screenshot({ path: path.join(OUT, 'example-live-view-dashboard-page.png') });
    }
    console.log(`${example}: ${screenshotName(example)}`);
  } finally {
    await browser.close();
    await red.stop('SIGTERM').catch(() => undefined);
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const only = process.argv.slice(2);
  const examples = only.length
    ? only
    : fs
        .readdirSync(path.join(ROOT, 'examples'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .sort();
  for (const example of examples) await shoot(example);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
