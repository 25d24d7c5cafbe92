import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { openEditor, closeDialog, openNode, Editor } from './support';
import { killAll } from '../support/processes';
import { Namespace, deleteAllNamespaces } from '../interop/support/netns';
import { skipWithoutNetworks, emulate, lines, plug, switchNamespace, sysctl } from '../network/support/topology';

/** The Node-RED host of test/network/commissioning-editor.test.ts: prints the real listing it gets (CAMERAS). */
const LISTING_HOST = path.resolve('test/network/support/editor-host.ts');

interface Listing {
  cameras: Array<{ macAddress: string; reachable?: boolean; problem?: string; interface?: string; current: { address: string } }>;
}

/**
 * The config dialog's camera search with a camera on a foreign subnet (issue 12). Such a camera
 * cannot exist in the root namespace (the emulator serves loopback only there, where every camera
 * is reachable), so the listing is made for real first: Node-RED in a namespace behind a switch,
 * the emulated camera at its factory address 10.99.0.2/24 on another subnet, and the answer of
 * that Node-RED's GET gige-vision/commissioning/cameras. The editor in Chromium (the demo, root
 * namespace) is given that answer for its listing request; everything else goes to its own server:
 * the dialog shows the camera as unreachable with the reason and a "Fix IP" button, whose click
 * POSTs {mac, interface, address: 'auto'} to gige-vision/commissioning/force-ip — which the demo's
 * server, not having that interface, refuses; the refusal shows in the row.
 */
describe('e2e: the config dialog offers "Fix IP" for a camera on a foreign subnet, in Chromium', function () {
  this.timeout(240000);
  let editor: Editor | undefined;
  let page: Page;
  let listing: Listing;
  let hostIf: string;

  before(async function () {
    this.timeout(300000);
    skipWithoutNetworks(this);
    const subnet = `192.168.${(process.pid % 100) + 101}`;
    const sw = switchNamespace();
    const host = Namespace.create('fxh');
    const cam = Namespace.create('fxc');
    hostIf = plug(sw, host, `${subnet}.1/24`);
    const camIf = plug(sw, cam, null);
    sysctl(host, 'net.ipv4.conf.all.rp_filter=0');
    sysctl(host, `net.ipv4.conf.${hostIf}.rp_filter=0`);
    const camera = emulate(cam, [
      '--address',
      '10.99.0.2',
      '--subnet-mask',
      '255.255.255.0',
      '--allow-network',
      '--own-interface',
      camIf,
      '--serial',
      'FIXIP001',
    ]);
    await camera.waitFor('Ctrl-C to stop', 20000);
    // Only its first line (the listing) is used; it goes on to fix and stream, which is its own test's business.
    const r = await host.runNode(LISTING_HOST, ['--interface', hostIf, '--taken', `${subnet}.130`, '--max-seconds', '60'], 90000);
    listing = lines<Listing>(r.stdout, 'CAMERAS')[0];
    assert.ok(listing, r.stdout + r.stderr);
    await deleteAllNamespaces();
    editor = await openEditor();
    page = editor.page;
  });

  after(async () => {
    await editor?.close();
    await deleteAllNamespaces();
    killAll();
  });

  it("shows the reason and a Fix IP button; the button POSTs the fix for that camera and shows the server's answer", async () => {
    assert.equal(listing.cameras.length, 1, JSON.stringify(listing));
    const listed = listing.cameras[0];
    assert.equal(listed.reachable, false, "the namespace's Node-RED found the camera unreachable");
    await page.route('**/gige-vision/commissioning/cameras?*', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(listing) }),
    );
    const posted: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/gige-vision/commissioning/force-ip')) posted.push(request);
    });

    await openNode(page, 'd3m0grab00000001');
    await page.locator('#node-input-btn-camera-edit').click();
    await page.waitForSelector('#node-config-input-source', { state: 'visible' });
    await page.locator('#node-config-input-source').selectOption('network');
    // The namespace's interface, as the dialog would list it on that host.
    await page.evaluate((name) => {
      const select = document.getElementById('node-config-input-interface') as HTMLSelectElement;
      select.add(new Option(name, name));
      select.value = name;
    }, hostIf);
    await page.locator('#gige-search').click();

    const row = page.locator('.gige-found-camera.gige-unreachable', { hasText: '10.99.0.2' });
    await row.waitFor({ timeout: 15000 });
    const cells = await row.locator('td').allInnerTexts();
    assert.match(cells[0], /DMK 38GX541-a$/);
    assert.deepEqual(cells.slice(1, 4), ['FIXIP001', '10.99.0.2', hostIf]);
    const why = page.locator('.gige-found-why');
    assert.match(await why.innerText(), /^Why: .*not in the subnet of/);
    const button = row.locator('.gige-fix-ip');
    assert.equal(await button.innerText(), 'Fix IP');

    await button.click();
    await why.filter({ hasText: /not fixed:/ }).waitFor({ timeout: 15000 });
    assert.equal(posted.length, 1);
    assert.deepEqual(posted[0].postDataJSON(), { mac: listed.macAddress, interface: hostIf, address: 'auto' });
    // The demo's server has no such interface: its real refusal, and the address field untouched.
    assert.match(await why.innerText(), new RegExp(`not fixed: interface "${hostIf}" has no IPv4 address on this host`));
    assert.notEqual(await page.locator('#node-config-input-address').inputValue(), '10.99.0.2');
    assert.doesNotMatch(await page.locator('.red-ui-tray').last().innerText(), /gige-camera-config\.[a-z]+\./);
    await closeDialog(page, 'cancel', true);
    await closeDialog(page, 'cancel');
    assert.deepEqual(editor?.scriptErrors, []);
  });
});
