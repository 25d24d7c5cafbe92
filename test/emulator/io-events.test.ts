/**
 * Manual 5.6–5.7 and 5.14 observed from outside: TRIGGER_IN status, the recorded STROBE_OUT
 * waveform, and events on the message channel read through the XML's event features.
 */
import { strict as assert } from 'node:assert';
import { Client, EventHandle, IDENTITY_RESPONSE, StreamHandle, configure, openClient } from './support/client';
import { EventId } from '../../lib/emulator/dmk38gx541/features-sync';
import type { GvcpEvent } from '../../lib/gvcp/message-channel';

const US = 1000n;

describe('emulator: 5.6–5.7 digital I/O and strobe, 5.14 events', function () {
  this.timeout(20000);
  let client: Client;
  let stream: StreamHandle;
  let events: EventHandle;

  before(async () => {
    client = await openClient();
    await configure(client, {
      ...IDENTITY_RESPONSE,
      Width: 640,
      Height: 480,
      AcquisitionFrameRate: 50,
      TriggerMode: 'On',
      TriggerSource: 'Software',
      IMXLowLatencyTriggerMode: true,
    });
    stream = await client.openStream();
    events = await client.openEvents();
    await client.execute('AcquisitionStart');
  });
  after(async () => {
    await client?.execute('AcquisitionStop').catch(() => undefined);
    await client?.close();
  });

  async function notify(event: string, on = true): Promise<void> {
    await configure(client, { EventSelector: event, EventNotification: on ? 'On' : 'Off' });
  }

  /** Reads an event's features the way a host does: deliver it to the node map, read the features. */
  async function eventValues(e: GvcpEvent): Promise<Record<string, unknown>> {
    client.map.deliverEvent(e.eventId, e.data, { timestamp: e.timestamp, blockId: e.blockId, streamChannel: e.streamChannel });
    return client.map.readEventValues(e.eventId) as Promise<Record<string, unknown>>;
  }

  it('5.6.1 GPIIn reads TRIGGER_IN inverted (True when the line is low)', async () => {
    client.camera.io.setTriggerInput(true);
    assert.equal(await client.get('GPIIn'), false);
    client.camera.io.setTriggerInput(false);
    assert.equal(await client.get('GPIIn'), true);
  });

  it('5.14.5/5.14.6 Line1RisingEdge and Line1FallingEdge events carry the edge times', async () => {
    await notify('Line1RisingEdge');
    await notify('Line1FallingEdge');
    const pulse = client.camera.io.pulseTriggerInput({ widthUs: 300, delayUs: 500 });
    const rising = await events.waitFor((e) => e.eventId === EventId.Line1RisingEdge && e.timestamp >= pulse.start);
    const falling = await events.waitFor((e) => e.eventId === EventId.Line1FallingEdge && e.timestamp >= pulse.start);
    assert.equal(rising.timestamp, pulse.start);
    assert.equal(falling.timestamp, pulse.end);
    assert.equal(BigInt((await eventValues(rising)).EventLine1RisingEdgeTimestamp as number | bigint), pulse.start);
    assert.equal(BigInt((await eventValues(falling)).EventLine1FallingEdgeTimestamp as number | bigint), pulse.end);
  });

  it('5.14.3 ExposureEnd carries FrameID = the block id and the end of exposure', async () => {
    await notify('ExposureEnd');
    const since = await client.deviceTime();
    await client.execute('TriggerSoftware');
    const [frame] = await stream.next(1, 2000, since);
    const e = await events.waitFor((x) => x.eventId === EventId.ExposureEnd && x.timestamp >= since);
    const values = await eventValues(e);
    assert.equal(BigInt(values.EventExposureEndFrameID as number), frame.blockId);
    assert.equal(BigInt(values.EventExposureEndTimestamp as number | bigint), frame.timestamp + 10_000n * US);
    await notify('ExposureEnd', false);
  });

  it('5.14.7 TestEventGenerate sends a Test event; EventNotification Off silences it', async () => {
    await notify('Test');
    const since = await client.deviceTime();
    await client.execute('TestEventGenerate');
    const e = await events.waitFor((x) => x.eventId === EventId.Test && x.timestamp >= since);
    const values = await eventValues(e);
    assert.ok(BigInt(values.EventTestTimestamp as number | bigint) >= since);
    await notify('Test', false);
    const count = events.events.filter((x) => x.eventId === EventId.Test).length;
    await client.execute('TestEventGenerate');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(events.events.filter((x) => x.eventId === EventId.Test).length, count);
  });

  it('5.6.2 GPOut drives STROBE_OUT while the strobe is off', async () => {
    client.camera.io.clearStrobeRecord();
    await client.set('GPOut', true);
    assert.equal(client.camera.io.strobeOutput(), true);
    await client.set('GPOut', false);
    const levels = client.camera.io.strobeRecord().map((e) => e.level);
    assert.deepEqual(levels, [false, true, false]);
  });

  it('5.7 strobe pulses follow the exposure: StrobeDelay, StrobeOperation, StrobeDuration, StrobePolarity', async () => {
    const cases = [
      {
        settings: { StrobeOperation: 'Exposure', StrobeDelay: 100, StrobePolarity: 'ActiveHigh' },
        delay: 100n,
        width: 10_000n,
        active: true,
      },
      { settings: { StrobeOperation: 'FixedDuration', StrobeDuration: 500, StrobeDelay: 0 }, delay: 0n, width: 500n, active: true },
      { settings: { StrobePolarity: 'ActiveLow' }, delay: 0n, width: 500n, active: false },
    ];
    await client.set('StrobeEnable', 'On');
    for (const c of cases) {
      await configure(client, c.settings);
      client.camera.io.clearStrobeRecord();
      const since = await client.deviceTime();
      await client.execute('TriggerSoftware');
      const [frame] = await stream.next(1, 2000, since);
      const edges = client.camera.io.strobeRecord(frame.timestamp);
      assert.deepEqual(
        edges.slice(0, 2),
        [
          { time: frame.timestamp + c.delay * US, level: c.active },
          { time: frame.timestamp + (c.delay + c.width) * US, level: !c.active },
        ],
        JSON.stringify(c.settings),
      );
    }
    await configure(client, { StrobeEnable: 'Off', StrobePolarity: 'ActiveHigh' });
  });
});
