/** Starting and stopping a test device (GvcpServer + TestModel) on a unique loopback address. */
import { GvcpServer, GvcpServerOptions } from '../../../lib/emulator/gvcp-server';
import { uniqueLoopbackAddress } from '../../support/loopback';
import { TestModel, TestModelOptions } from './test-model';

export interface TestDevice {
  server: GvcpServer;
  model: TestModel;
  address: string;
  warnings: Error[];
  stop(): Promise<void>;
}

export async function startTestDevice(
  options: Partial<Omit<GvcpServerOptions, 'model'>> & { modelOptions?: TestModelOptions } = {},
): Promise<TestDevice> {
  const address = options.address ?? uniqueLoopbackAddress();
  const model = new TestModel(options.modelOptions);
  const { modelOptions: _ignored, ...serverOptions } = options;
  const server = await GvcpServer.start({ broadcastAddresses: [], ...serverOptions, address, model });
  const warnings: Error[] = [];
  server.on('warning', (err: Error) => warnings.push(err));
  return {
    server,
    model,
    address,
    warnings,
    async stop() {
      await server.close();
      await model.close();
    },
  };
}
