/** The I/O control interface (what `gige emulate` exposes): TRIGGER_IN and STROBE_OUT from another process. */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Client, IDENTITY_RESPONSE, configure, openClient } from './support/client';
import { IoControlClient } from '../../lib/emulator';

describe('emulator: I/O control interface', function () {
  this.timeout(20000);
  let client: Client;
  let io: IoControlClient;

  before(async () => {
    client = await openClient({ ioControlPort: 0 });
    const port = client.camera.ioControlPort;
    assert.ok(port);
    io = await IoControlClient.connect(client.address, port);
  });
  after(async () => {
    io?.close();
    await client?.close();
  });

  it('drives TRIGGER_IN: level, GPIIn and a triggered frame', async () => {
    await io.request('setTriggerInput', { high: true });
    assert.equal(await io.request('triggerInput'), true);
    assert.equal(await client.get('GPIIn'), false);
    await io.request('setTriggerInput', { high: false });
    await configure(client, {
      ...IDENTITY_RESPONSE,
      Width: 640,
      Height: 480,
      TriggerMode: 'On',
      TriggerSource: 'Line1',
      IMXLowLatencyTriggerMode: true,
    });
    const stream = await client.openStream();
    await client.execute('AcquisitionStart');
    const pulse = (await io.request('pulse', { widthUs: 50, delayUs: 1000 })) as { start: string; end: string };
    const [frame] = await stream.next(1, 2000);
    await client.execute('AcquisitionStop');
    assert.equal(frame.timestamp, BigInt(pulse.start));
  });

  it('reads back the STROBE_OUT record', async () => {
    await io.request('clearStrobeRecord');
    await client.set('GPOut', true);
    const record = (await io.request('strobeRecord')) as Array<{ time: string; level: boolean }>;
    assert.deepEqual(
      record.map((e) => e.level),
      [false, true],
    );
    assert.equal(await io.request('strobeOutput'), true);
    await client.set('GPOut', false);
  });

  it('answers bad requests with a clear error and keeps serving', async () => {
    await assert.rejects(io.request('pulse', { widthUs: 0 }), /width 0 µs is not allowed/);
    await assert.rejects(io.request('explode'), /unknown operation "explode"; allowed now, triggerInput/);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: client.address, port: client.camera.ioControlPort as number }, () => socket.write('not json\n'));
      socket.setEncoding('utf8');
      socket.once('data', (d: string) => {
        resolve(d);
        socket.destroy();
      });
      socket.once('error', reject);
    });
    assert.match(raw, /"ok":false.*not a JSON request/);
    // A start time that is no device time is named as such (it used to surface as BigInt's
    // SyntaxError: "Cannot convert [object Object] to a BigInt").
    await assert.rejects(io.request('strobeRecord', { since: {} }), /since must be a device time/);
    await assert.rejects(io.request('strobeRecord', { since: '12abc' }), /since must be a device time/);
    assert.ok(BigInt((await io.request('now')) as string) > 0n);
  });
});
