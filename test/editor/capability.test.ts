/**
 * The capability nodes in the editor (Chromium, headless): found by palette search, their dialogs
 * show translated fields (the event list filled from the camera), and the grab preview appears
 * under its node on the canvas. GIGE_UPDATE_SCREENSHOTS=1 writes the README's screenshots into docs/.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { killAll, ROOT } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';
import { openEditor, openNode, closeDialog, Editor } from './support';
const SCREENSHOTS = process.env.GIGE_UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'images') : null;

/** A flow with one of each capability node on an emulated camera, deployed when Node-RED starts. */
function capabilityFlow(address: string): Array<Record<string, unknown>> {
  const at = (x: number, y: number) => ({ z: 'cap0tab000000001', x: x + 100, y });
  return [
    { id: 'cap0tab000000001', type: 'tab', label: 'Capabilities' },
    {
      id: 'cap0camera000001',
      type: 'gige-camera-config',
      name: 'station1',
      source: 'emulated',
      address,
      identify: 'address',
      serial: '',
      interface: '',
      access: 'control',
      packetSize: '',
      bufferCount: '4',
      frameMemory: '',
      frameTimeout: '5000',
      version: 1,
      settings: [
        { name: 'Width', value: '1024' },
        { name: 'Height', value: '768' },
        { name: 'AcquisitionFrameRate', value: '10' },
      ],
    },
    {
      id: 'cap0grab00000001',
      type: 'gige-grab',
      name: '',
      camera: 'cap0camera000001',
      mode: 'continuous',
      autoStart: true,
      encoding: 'raw',
      quality: '85',
      maxWidth: '',
      output: 'frames',
      preview: true,
      ...at(140, 80),
      wires: [['cap0chunks000001']],
    },
    {
      id: 'cap0chunks000001',
      type: 'gige-chunk-reader',
      name: '',
      camera: 'cap0camera000001',
      property: 'payload',
      enable: true,
      ...at(380, 80),
      wires: [[]],
    },
    {
      id: 'cap0trigger00001',
      type: 'gige-software-trigger',
      name: '',
      camera: 'cap0camera000001',
      count: '1',
      interval: '0',
      burst: '',
      switchMode: false,
      ...at(660, 80),
      wires: [[]],
    },
    {
      id: 'cap0strobe000001',
      type: 'gige-strobe',
      name: '',
      camera: 'cap0camera000001',
      enable: 'On',
      polarity: '',
      operation: 'FixedDuration',
      duration: '1500',
      delay: '20',
      output: '',
      ...at(660, 160),
      wires: [[]],
    },
    {
      id: 'cap0ptp000000001',
      type: 'gige-ptp-scheduler',
      name: '',
      camera: 'cap0camera000001',
      ptp: 'on',
      timeMode: 'delay',
      delay: '1000',
      time: '',
      interval: '0',
      commitOnDeploy: false,
      switchMode: true,
      ...at(660, 240),
      wires: [[], []],
    },
    {
      id: 'cap0events000001',
      type: 'gige-event-listener',
      name: '',
      camera: 'cap0camera000001',
      events: 'ExposureEnd',
      ...at(660, 320),
      wires: [[]],
    },
    {
      id: 'cap0feature00001',
      type: 'gige-feature',
      name: '',
      camera: 'cap0camera000001',
      action: 'get',
      feature: 'ExposureTime',
      valueType: 'payload',
      value: '',
      ...at(900, 80),
      wires: [[]],
    },
    {
      id: 'cap0action000001',
      type: 'gige-action',
      name: '',
      address: '127.255.255.255',
      deviceKey: '0x00000001',
      groupKey: '0x00000001',
      groupMask: '0x00000001',
      scheduled: false,
      delayMs: '100',
      timeCamera: '',
      ...at(900, 160),
      wires: [[]],
    },
    // Not wired: they receive nothing, so the record node writes no file.
    {
      id: 'cap0record000001',
      type: 'gige-record',
      name: '',
      mode: 'ring',
      folder: '/tmp/gige-editor-test-frames',
      format: 'tiff',
      sidecar: true,
      preFrames: '10',
      postFrames: '5',
      maxMemory: '64',
      ...at(900, 240),
      wires: [[]],
    },
    {
      id: 'cap0frameset0001',
      type: 'gige-frame-set',
      name: '',
      cameras: 'a, b',
      count: '2',
      cameraProperty: 'topic',
      toleranceUs: '1000',
      timeoutMs: '1000',
      ...at(900, 320),
      wires: [[], []],
    },
    {
      id: 'cap0streamstats1',
      type: 'gige-stream-stats',
      name: '',
      camera: 'cap0camera000001',
      interval: '1',
      lossPercent: '0.5',
      resendPercent: '5',
      jitterMs: '',
      ...at(380, 160),
      wires: [[], []],
    },
  ];
}

describe('e2e: the capability nodes in the Node-RED editor, in Chromium', function () {
  this.timeout(120000);
  let editor: Editor;
  let page: Page;

  before(async function () {
    this.timeout(300000);
    editor = await openEditor(capabilityFlow(uniqueLoopbackAddress()));
    page = editor.page;
    await page.waitForSelector('#cap0grab00000001', { timeout: 30000 });
    if (SCREENSHOTS) fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await editor?.close();
    killAll();
  });

  async function paletteFilter(term: string): Promise<string[]> {
    await page.locator('#red-ui-palette-search input').fill(term);
    await page.waitForTimeout(300);
    return page
      .locator('#red-ui-palette-container .red-ui-palette-node:visible')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-palette-type') ?? '').filter((type) => type.startsWith('gige-')));
  }

  it('palette search finds the nodes by what they are for: camera, trigger, exposure, strobe, PTP', async () => {
    const expected: Record<string, string[]> = {
      camera: ['gige-grab', 'gige-software-trigger', 'gige-event-listener', 'gige-feature'],
      trigger: ['gige-software-trigger', 'gige-action'],
      exposure: ['gige-strobe', 'gige-chunk-reader'],
      strobe: ['gige-strobe'],
      PTP: ['gige-ptp-scheduler'],
    };
    for (const [term, types] of Object.entries(expected)) {
      const found = await paletteFilter(term);
      for (const type of types) assert.ok(found.includes(type), `"${term}" finds ${type} (found: ${found.join(', ')})`);
    }
    await paletteFilter('');
    const category = page.locator('.red-ui-palette-category', { has: page.locator('.red-ui-palette-node[data-palette-type="gige-grab"]') });
    const icons = await category
      .locator('.red-ui-palette-node .red-ui-palette-icon')
      .evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundImage));
    assert.equal(new Set(icons).size, icons.length, `a distinct icon per node: ${icons.join(' | ')}`);
    if (SCREENSHOTS) await category.screenshot({ path: path.join(SCREENSHOTS, 'palette.png') });
    assert.deepEqual(editor.scriptErrors, []);
  });

  const dialogs: Array<[string, string, string]> = [
    ['cap0grab00000001', '#node-input-preview', 'gige-grab'],
    ['cap0trigger00001', '#node-input-switchMode', 'gige-software-trigger'],
    ['cap0strobe000001', '#node-input-duration', 'gige-strobe'],
    ['cap0ptp000000001', '#node-input-interval', 'gige-ptp-scheduler'],
    ['cap0chunks000001', '#node-input-enable', 'gige-chunk-reader'],
    ['cap0events000001', '#node-input-events', 'gige-event-listener'],
    ['cap0feature00001', '#node-input-feature', 'gige-feature'],
    ['cap0action000001', '#node-input-groupKey', 'gige-action'],
    ['cap0record000001', '#node-input-folder', 'gige-record'],
    ['cap0frameset0001', '#node-input-cameras', 'gige-frame-set'],
    ['cap0streamstats1', '#node-input-lossPercent', 'gige-stream-stats'],
    ['cap0camera000001', '#node-config-input-source', 'gige-camera-config'],
  ];
  for (const [id, field, type] of dialogs) {
    it(`opens the ${type} dialog: its fields, labels from the catalog (no raw keys), help in the sidebar`, async () => {
      if (type === 'gige-camera-config') {
        // A config node's dialog opens from a user's pencil.
        await openNode(page, 'cap0grab00000001');
        await page.locator('#node-input-btn-camera-edit').click();
      } else {
        await openNode(page, id);
      }
      await page.waitForSelector(field, { state: 'visible' });
      const text = await page.locator('.red-ui-editor').innerText();
      assert.doesNotMatch(text, new RegExp(`${type}\\.[a-zA-Z]+\\.`), 'no untranslated keys');
      const help = await page.evaluate((t) => (window as unknown as { RED: any }).RED.nodes.getNodeHelp(t) as string, type);
      assert.ok((help.match(/<h3>/g) ?? []).length >= 2, `${type}: help with sections`);
      if (type === 'gige-event-listener') {
        // The list is the camera's EventSelector, from the feature-tree endpoint.
        const entries = page.locator('#gige-event-listener-entries input[type=checkbox]');
        await entries.first().waitFor({ timeout: 20000 });
        assert.deepEqual(await entries.evaluateAll((els) => els.map((el) => (el as HTMLInputElement).value)), [
          'ExposureEnd',
          'FrameTriggerMissed',
          'Line1FallingEdge',
          'Line1RisingEdge',
          'Test',
        ]);
        assert.equal(await page.locator('#gige-event-listener-entry-ExposureEnd').isChecked(), true);
        await page.locator('#gige-event-listener-entry-Test').check();
        assert.equal(await page.locator('#node-input-events').inputValue(), 'ExposureEnd, Test');
      }
      if (type === 'gige-strobe') {
        assert.equal(await page.locator('#node-input-duration').getAttribute('max'), '32767');
        if (SCREENSHOTS)
          await page
            .locator('.red-ui-tray')
            .first()
            .screenshot({ path: path.join(SCREENSHOTS, 'strobe-dialog.png') });
      }
      if (type === 'gige-camera-config') await closeDialog(page, 'cancel', true);
      await closeDialog(page, 'cancel');
      assert.deepEqual(editor.scriptErrors, []);
    });
  }

  it('shows the latest frame under the grab node on the canvas (preview)', async () => {
    const image = page.locator('#cap0grab00000001 .gige-grab-preview image');
    await image.waitFor({ state: 'attached', timeout: 30000 });
    const href = await image.getAttribute('href');
    assert.match(String(href), /^data:image\/jpeg;base64,\/9j\//, 'a JPEG');
    const first = await image.getAttribute('data-frame-id');
    await page.waitForFunction(
      (before) => document.querySelector('#cap0grab00000001 .gige-grab-preview image')?.getAttribute('data-frame-id') !== before,
      first,
      { timeout: 10000 },
    );
    const box = await page.locator('#cap0grab00000001 .gige-grab-preview').boundingBox();
    assert.ok(box && box.width >= 200 && box.height >= 150, `drawn under the node: ${JSON.stringify(box)}`);
    if (SCREENSHOTS) {
      const node = await page.locator('#cap0grab00000001').boundingBox();
      assert.ok(node);
      await page.screenshot({
        path: path.join(SCREENSHOTS, 'preview.png'),
        clip: { x: node.x - 20, y: node.y - 20, width: 560, height: box.height + 90 },
      });
    }
  });
});
