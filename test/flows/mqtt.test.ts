import * as net from 'node:net';
import { Aedes } from 'aedes';
import { helper } from './support';
import { checkMqttExample } from './mqtt-example';

describe('flows: "Frames and events to MQTT" with aedes (in-process broker)', function () {
  this.timeout(60000);
  beforeEach(() => helper.startServer());
  afterEach(() => helper.stopServer());

  it('metadata, thumbnails and events reach the broker on their station topics', async () => {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle as (socket: net.Socket) => void);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await checkMqttExample((server.address() as net.AddressInfo).port);
    } finally {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
