import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openEditor, addAndEdit, closeDialog, openNode, Editor } from './support';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { killAll, ROOT } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';

const CAMERA = 'd3m0camera000001';
/** GIGE_UPDATE_SCREENSHOTS=1 writes the README's screenshots into docs/images. */
const SCREENSHOTS = process.env.GIGE_UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'images') : null;

/** Picks `name` from the feature picker on `input` (typing part of it first, as a user would). */
async function pick(page: Page, input: string, name: string): Promise<void> {
  const field = page.locator(input);
  await field.click();
  await field.fill('');
  await field.type(name.slice(0, 6));
  await page.locator(`.gige-picker-menu:visible li[data-feature="${name}"]`).click();
}

/**
 * The editor in a real browser (Debian's Chromium, headless) against `npm start`'s demo: our nodes
 * load into the palette without script errors; their dialogs show our fields in the message
 * catalog's words; the feature picker lists the emulated camera's features and shows ExposureTime's
 * range; the camera search finds the demo's emulated camera on loopback and fills the form.
 */
describe('e2e: the Node-RED editor with this package, in Chromium', function () {
  this.timeout(120000);
  let editor: Editor;
  let page: Page;

  before(async function () {
    this.timeout(300000);
    editor = await openEditor();
    page = editor.page;
    if (SCREENSHOTS) fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await editor?.close();
    killAll();
  });

  it('shows every node of the package in the palette, without script errors, found by what it is for', async () => {
    for (const type of ['gige-grab', 'gige-event-listener', 'gige-feature', 'gige-action']) {
      assert.equal(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(), 1, `${type} in the palette`);
    }
    assert.equal(
      await page.locator('.red-ui-palette-node[data-palette-type="gige-feature"]').getAttribute('data-palette-label'),
      'camera feature',
    );
    assert.equal(
      await page.locator('.red-ui-palette-node[data-palette-type="gige-action"]').getAttribute('data-palette-label'),
      'action trigger',
    );
    assert.deepEqual(editor.scriptErrors, []);
  });

  it("opens the grab node's dialog with its fields and help", async () => {
    await openNode(page, 'd3m0grab00000001');
    await page.waitForSelector('#node-input-mode', { state: 'visible' });
    assert.equal(await page.locator('#node-input-mode').inputValue(), 'continuous');
    assert.equal(await page.locator('#node-input-encoding').inputValue(), 'jpeg');
    assert.deepEqual(
      await page.locator('#node-input-mode option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)),
      ['trigger', 'next', 'continuous'],
    );
    assert.match(await page.locator('.red-ui-editor').innerText(), /Software trigger per message/, 'labels come from the message catalog');
  });

  it('config node: "On connect" rows pick ExposureTime from the camera\'s features and show its range', async () => {
    await page.locator('#node-input-btn-camera-edit').click();
    await page.waitForSelector('#node-config-input-source', { state: 'visible' });
    await page.locator('#gige-settings-note', { hasText: /\d+ features of DMK 38GX541-a/ }).waitFor({ timeout: 20000 });
    await page.locator('#node-config-dialog-edit-form .red-ui-editableList-addButton').click();
    await pick(page, '.gige-setting-name >> nth=-1', 'ExposureAuto');
    // An enumeration: a select of the entries available now, starting from the camera's value.
    const entries = await page.locator('.gige-setting-value >> nth=-1').locator('select option').allInnerTexts();
    assert.deepEqual(entries, ['Off', 'Continuous']);
    assert.equal(await page.locator('.gige-setting-value >> nth=-1').locator('select').inputValue(), 'Continuous');
    await page.locator('.gige-setting-value >> nth=-1').locator('select').selectOption('Off');
    await page.locator('#node-config-dialog-edit-form .red-ui-editableList-addButton').click();
    await pick(page, '.gige-setting-name >> nth=-1', 'ExposureTime');
    const value = page.locator('.gige-setting-value >> nth=-1');
    assert.equal(await value.locator('.gige-range').innerText(), '2 … 30000000 us');
    await value.locator('input').fill('40000000');
    await value.locator('input').press('Tab');
    assert.match(await value.locator('.gige-range').innerText(), /out of range \(2 … 30000000 us\)/);
    await value.locator('input').fill('20000');
    await value.locator('input').press('Tab');
    // A boolean: a checkbox.
    await page.locator('#node-config-dialog-edit-form .red-ui-editableList-addButton').click();
    await pick(page, '.gige-setting-name >> nth=-1', 'ReverseX');
    assert.equal(await page.locator('.gige-setting-value >> nth=-1').locator('input[type=checkbox]').count(), 1);
    await closeDialog(page, 'ok', true);
    const saved = await page.evaluate((id) => (window as unknown as { RED: any }).RED.nodes.node(id).settings, CAMERA);
    assert.deepEqual(saved, [
      { name: 'ExposureAuto', value: 'Off' },
      { name: 'ExposureTime', value: '20000' },
      { name: 'ReverseX', value: 'false' },
    ]);
    await closeDialog(page, 'cancel');
    assert.deepEqual(editor.scriptErrors, []);
  });

  it("config node: the search finds the emulated camera on loopback, in the catalog's words, and fills the form", async () => {
    await openNode(page, 'd3m0grab00000001');
    await page.locator('#node-input-btn-camera-edit').click();
    await page.waitForSelector('#node-config-input-source', { state: 'visible' });
    await page.locator('#node-config-input-source').selectOption('network');
    await page.locator('#node-config-input-identify').selectOption('serial');
    await page.locator('#node-config-input-interface option[value="lo"]').waitFor({ state: 'attached' });
    await page.locator('#node-config-input-interface').selectOption('lo');
    await page.locator('#node-config-input-serial').fill('');
    await page.locator('#node-config-input-address').fill('');
    await page.locator('#node-config-input-address').dispatchEvent('change');
    // Found by serial: the address may stay empty (where the camera was last seen).
    assert.equal(await page.locator('#node-config-input-address.input-error').count(), 0, 'an empty address is fine when found by serial');
    await page.locator('#gige-search').click();
    const found = page.locator('.gige-found-camera', { hasText: editor.cameraAddress });
    await found.waitFor({ timeout: 10000 });
    const cells = await found.locator('td').allInnerTexts();
    assert.deepEqual(cells, ['DMK 38GX541-a', 'EMU00001', editor.cameraAddress, 'lo', 'yes']);
    assert.deepEqual(await page.locator('.gige-found-table th').allInnerTexts(), ['Model', 'Serial', 'Address', 'Interface', 'Reachable']);
    if (SCREENSHOTS)
      await page
        .locator('.red-ui-tray')
        .last()
        .screenshot({ path: path.join(SCREENSHOTS, 'camera-search.png') });
    await found.click();
    assert.equal(await page.locator('#node-config-input-serial').inputValue(), 'EMU00001');
    assert.equal(await page.locator('#node-config-input-address').inputValue(), editor.cameraAddress);
    // No raw message keys anywhere in the dialog.
    assert.doesNotMatch(await page.locator('.red-ui-tray').last().innerText(), /gige-camera-config\.[a-z]+\./);
    await closeDialog(page, 'cancel', true);
    await closeDialog(page, 'cancel');
    assert.deepEqual(editor.scriptErrors, []);
  });

  it('feature node: picks ExposureTime, sees its range, and sets a fixed value in a field that fits', async () => {
    await addAndEdit(page, [
      { id: 'edfeature000001', type: 'gige-feature', camera: CAMERA, action: 'set', feature: '', valueType: 'payload', value: '' },
    ]);
    await page.waitForSelector('#node-input-feature', { state: 'visible' });
    await page.locator('#gige-feature-note', { hasText: /\d+ features of DMK 38GX541-a/ }).waitFor({ timeout: 20000 });
    await pick(page, '#node-input-feature', 'ExposureTime');
    await page.locator('#node-input-valueType').selectOption('fixed');
    assert.equal(await page.locator('#gige-feature-value .gige-range').innerText(), '2 … 30000000 us');
    assert.match(await page.locator('#gige-feature-info').innerText(), /Exposure Time/);
    await page.locator('#gige-feature-value input').fill('15000');
    await page.locator('#gige-feature-value input').press('Tab');
    if (SCREENSHOTS)
      await page
        .locator('.red-ui-tray')
        .first()
        .screenshot({ path: path.join(SCREENSHOTS, 'feature-dialog.png') });
    // Execute offers commands only.
    await page.locator('#node-input-action').selectOption('execute');
    await page.locator('#node-input-feature').fill('');
    await page.locator('#node-input-feature').type('Trigger');
    await page.locator('.gige-picker-menu:visible li').first().waitFor();
    const offered = await page
      .locator('.gige-picker-menu:visible li[data-feature]')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-feature')));
    assert.ok(offered.includes('TriggerSoftware') && !offered.includes('TriggerMode'), offered.join(', '));
    await page.keyboard.press('Escape');
    await page.locator('#node-input-action').selectOption('set');
    await pick(page, '#node-input-feature', 'ExposureTime');
    await closeDialog(page, 'ok');
    const saved = await page.evaluate(() => {
      const n = (window as unknown as { RED: any }).RED.nodes.node('edfeature000001');
      return { feature: n.feature, valueType: n.valueType, value: n.value, camera: n.camera, valid: n.valid };
    });
    assert.deepEqual(saved, { feature: 'ExposureTime', valueType: 'fixed', value: '15000', camera: CAMERA, valid: true });
    assert.deepEqual(editor.scriptErrors, []);
  });

  it('action node: reads the group key and mask from the camera and lists the rows the cameras need', async () => {
    await addAndEdit(page, [
      {
        id: 'edaction000001',
        type: 'gige-action',
        address: '127.255.255.255',
        deviceKey: '0x00000007',
        groupKey: '0x00000009',
        groupMask: '0x00000009',
        scheduled: false,
        delayMs: '100',
        timeCamera: CAMERA,
      },
    ]);
    await page.waitForSelector('#node-input-groupKey', { state: 'visible' });
    assert.match(
      await page.locator('#gige-action-needs').innerText(),
      /ActionDeviceKey=0x00000007\nActionSelector=0\nActionGroupKey=0x00000009/,
    );
    await page.locator('#gige-action-read').click();
    await page.locator('#gige-action-note', { hasText: /group key and mask of DMK 38GX541-a/ }).waitFor({ timeout: 20000 });
    // The emulated camera's factory keys.
    assert.equal(await page.locator('#node-input-groupKey').inputValue(), '0x00000000');
    assert.match(await page.locator('#gige-action-needs').innerText(), /ActionGroupKey=0x00000000/);
    await closeDialog(page, 'cancel');
    assert.deepEqual(editor.scriptErrors, []);
  });

  it('feature node: a camera the editor cannot reach leaves name and value editable as text, saying why', async () => {
    // A network camera on a loopback address nobody answers on.
    const away = uniqueLoopbackAddress();
    await addAndEdit(page, [
      {
        id: 'edfeature000002',
        type: 'gige-feature',
        camera: 'edcamera00000002',
        action: 'set',
        feature: '',
        valueType: 'fixed',
        value: '',
      },
      {
        id: 'edcamera00000002',
        type: 'gige-camera-config',
        name: 'away',
        source: 'network',
        identify: 'address',
        address: away,
        serial: '',
        interface: '',
        version: 1,
        settings: [],
      },
    ]);
    await page.waitForSelector('#node-input-feature', { state: 'visible' });
    await page.locator('#gige-feature-note', { hasText: /camera not reachable \(.+\)/ }).waitFor({ timeout: 30000 });
    await page.locator('#node-input-feature').fill('ExposureTime');
    assert.equal(await page.locator('.gige-picker-menu:visible li[data-feature]').count(), 0, 'nothing to pick from');
    await page.locator('#gige-feature-value input[type=text]').fill('12345');
    await page.locator('#gige-feature-value input[type=text]').press('Tab');
    await closeDialog(page, 'ok');
    const saved = await page.evaluate(() => {
      const n = (window as unknown as { RED: any }).RED.nodes.node('edfeature000002');
      return { feature: n.feature, value: n.value };
    });
    assert.deepEqual(saved, { feature: 'ExposureTime', value: '12345' });
    assert.deepEqual(editor.scriptErrors, []);
  });
});
