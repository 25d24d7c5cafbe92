import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper } from '../support';
import { checkMqttExample } from '../mqtt-example';
import { start, Running, freePort } from '../../support/processes';
import { debianBinary, requireBinary } from './debian';

const MOSQUITTO = debianBinary('mosquitto', ['/usr/sbin']);

describe('flows: "Frames and events to MQTT" with Mosquitto (a production broker, started on 127.0.0.1)', function () {
  this.timeout(60000);
  let broker: Running | null = null;
  let dir = '';
  let port = 0;

  before(function () {
    requireBinary(this, MOSQUITTO, 'mosquitto', 'mosquitto');
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-mosquitto-'));
    port = await freePort();
    // Only loopback, no persistence, anonymous clients; log to stderr (stdout is block-buffered into a pipe).
    fs.writeFileSync(
      path.join(dir, 'mosquitto.conf'),
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type all\n`,
    );
    broker = start(MOSQUITTO as string, ['-c', path.join(dir, 'mosquitto.conf')], {}, 120000);
    await broker.waitFor(new RegExp(`Opening ipv4 listen socket on port ${port}`), 15000);
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.stopServer();
    await broker?.stop('SIGTERM', 10000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('metadata, thumbnails and events reach Mosquitto on their station topics', async () => {
    await checkMqttExample(port);
  });
});
