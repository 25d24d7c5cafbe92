/**
 * The "Frames and events to MQTT" example against a broker the test started (aedes in-process,
 * Mosquitto as a process): what a subscriber on the broker receives, topic by topic.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import mqtt from 'mqtt';
import { helper, placeExample, CORE_NODES, ALL_PACKAGE_NODES, until } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

export async function checkMqttExample(brokerPort: number): Promise<void> {
  const address = uniqueLoopbackAddress();
  const client = mqtt.connect(`mqtt://127.0.0.1:${brokerPort}`, { reconnectPeriod: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const received = new Map<string, Buffer>();
    client.on('message', (topic, payload) => {
      if (!received.has(topic)) received.set(topic, payload);
    });
    await client.subscribeAsync('factory/#');
    await helper.load(
      [...ALL_PACKAGE_NODES, ...CORE_NODES],
      placeExample('Frames and events to MQTT', (n) => {
        if (n.type === 'gige-camera-config') return { ...n, address };
        if (n.type === 'mqtt-broker') return { ...n, broker: '127.0.0.1', port: String(brokerPort) };
        return n;
      }),
    );
    const base = 'factory/station1/camera/EMU00003';
    const topics = [`${base}/event/ExposureEnd`, `${base}/frame`, `${base}/thumbnail`];
    await until(`the broker received ${topics.join(', ')}`, () => topics.every((t) => received.has(t)), 20000);
    assert.deepEqual([...received.keys()].sort(), topics);
    const frame = JSON.parse(received.get(`${base}/frame`)!.toString());
    assert.equal(frame.station, 'station1');
    assert.equal(frame.cameraSerial, 'EMU00003');
    assert.match(frame.timestamp, /^\d+$/, 'the PTP timestamp, exact');
    assert.equal(frame.width, 1024);
    const event = JSON.parse(received.get(`${base}/event/ExposureEnd`)!.toString());
    assert.equal(event.event, 'ExposureEnd');
    assert.equal(typeof event.frameId, 'number');
    assert.equal((await sharp(received.get(`${base}/thumbnail`)!).metadata()).width, 320);
  } finally {
    await helper.unload();
    await client.endAsync();
  }
}
