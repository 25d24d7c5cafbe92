/** Manual 5.10 observed through the client: save, load, the read-only Default set, and power-up from a file. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, configure, openClient } from './support/client';
import { EmulatedCamera } from '../../lib/emulator';
import { uniqueLoopbackAddress } from '../support/loopback';

describe('emulator: 5.10 user sets', function () {
  this.timeout(20000);
  let dir: string;
  let file: string;
  let client: Client | null = null;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-usersets-'));
    file = path.join(dir, 'sets.json');
  });
  afterEach(async () => {
    await client?.close();
    client = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('saves the configuration into UserSet1 and loads it back; Default restores the factory values', async () => {
    client = await openClient({ userSetFile: file });
    await configure(client, {
      Width: 800,
      ExposureAuto: 'Off',
      ExposureTime: 12345,
      EventSelector: 'Test',
      EventNotification: 'On',
      LUTIndex: 5,
      LUTValue: 777,
    });
    await configure(client, { UserSetSelector: 'UserSet1' });
    await client.execute('UserSetSave');
    await configure(client, { Width: 1024, ExposureTime: 500, EventNotification: 'Off', LUTValue: 1 });
    await client.execute('UserSetLoad');
    assert.equal(await client.get('Width'), 800);
    assert.equal(await client.get('ExposureTime'), 12345);
    assert.equal(await client.get('EventNotification'), 'On');
    assert.equal(await client.get('LUTValue'), 777);
    await configure(client, { UserSetSelector: 'Default' });
    await client.execute('UserSetLoad');
    assert.equal(await client.get('Width'), 4504);
    assert.equal(await client.get('ExposureAuto'), 'Continuous');
    assert.equal(await client.get('BlackLevel'), 240);
    assert.equal(await client.get('LUTValue'), 5 * 256);
  });

  it('the Default set cannot be overwritten', async () => {
    client = await openClient({ userSetFile: file });
    await configure(client, { UserSetSelector: 'Default' });
    assert.equal(await client.map.isWritable('UserSetSave'), false);
    await assert.rejects(client.execute('UserSetSave'), /UserSetSave/);
  });

  it('an empty slot and loading while acquiring are refused', async () => {
    client = await openClient({ userSetFile: file });
    await configure(client, { UserSetSelector: 'UserSet2' });
    await assert.rejects(client.execute('UserSetLoad'));
    await client.execute('UserSetSave');
    await client.execute('AcquisitionStart');
    await assert.rejects(client.execute('UserSetLoad'), /UserSetLoad/);
    await client.execute('AcquisitionStop');
    await client.execute('UserSetLoad');
  });

  it('UserSetDefault is applied at power-up, from the file, by a restarted emulator', async () => {
    client = await openClient({ userSetFile: file, serial: 'PERSIST1' });
    await configure(client, { Width: 1200, Height: 1000, PixelFormat: 'Mono16', UserSetSelector: 'UserSet2' });
    await client.execute('UserSetSave');
    await client.set('UserSetDefault', 'UserSet2');
    await client.close();
    client = null;
    assert.ok(fs.existsSync(file));
    client = await openClient({ userSetFile: file, serial: 'PERSIST1' });
    assert.equal(await client.get('UserSetDefault'), 'UserSet2');
    assert.equal(await client.get('Width'), 1200);
    assert.equal(await client.get('Height'), 1000);
    assert.equal(await client.get('PixelFormat'), 'Mono16');
  });

  it('refuses to start on a corrupt user set file, saying what to do', async () => {
    fs.writeFileSync(file, '{ not json');
    await assert.rejects(
      EmulatedCamera.start({ address: uniqueLoopbackAddress(), broadcastAddresses: [], userSetFile: file }),
      /not readable JSON.*delete it/,
    );
  });
});
