/**
 * The real Node-RED (this checkout's devDependency) run on a user directory where the package was
 * installed from its tarball: what it registered (admin API) and what the editor is shown (node
 * status over the editor's comms websocket).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { start, ROOT, type Running } from '../support/processes';

export interface NodeRedRun {
  output(): string;
  /** The node types the module registered without error. */
  registeredTypes(module: string): Promise<string[]>;
  /** The first status of `nodeId` the editor is sent whose text matches. */
  statusOf(nodeId: string, text: RegExp, timeoutMs?: number): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startNodeRed(userDir: string, binDir: string, port: number, cameraAddress: string): Promise<NodeRedRun> {
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', credentialSecret: false,
  diagnostics: { enabled: false }, telemetry: { enabled: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  gigeVisionDiscoveryBroadcast: '127.255.255.255',
};
`,
  );
  fs.writeFileSync(
    path.join(userDir, 'flows.json'),
    JSON.stringify([
      { id: 'tab', type: 'tab', label: 'package test' },
      {
        id: 'cam',
        type: 'gige-camera-config',
        source: 'emulated',
        address: cameraAddress,
        serial: 'PKGRED01',
        frameTimeout: '3000',
        settings: '',
      },
      { id: 'grab', type: 'gige-grab', z: 'tab', camera: 'cam', mode: 'trigger', encoding: 'raw', x: 100, y: 40, wires: [[]] },
      { id: 'feature', type: 'gige-feature', z: 'tab', camera: 'cam', x: 100, y: 80, wires: [[]] },
    ]),
  );
  const red = path.join(path.dirname(require.resolve('node-red/package.json', { paths: [ROOT] })), 'red.js');
  const child: Running = start(
    'node',
    [red, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')],
    { PATH: binDir },
    180000,
  );
  await child.waitFor(/Started flows/, 60000);
  const base = `http://127.0.0.1:${port}`;
  return {
    output: () => child.output(),
    async registeredTypes(module) {
      const response = await fetch(`${base}/nodes`, { headers: { Accept: 'application/json' } });
      const sets = (await response.json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: unknown }>;
      return sets.filter((s) => s.module === module && s.enabled && !s.err).flatMap((s) => s.types);
    },
    statusOf(nodeId, text, timeoutMs = 20000) {
      // ws is Node-RED's own websocket library (Node 20 has no stable WebSocket client).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const WebSocket = require(require.resolve('ws', { paths: [path.dirname(red)] }));
      const socket = new WebSocket(`ws://127.0.0.1:${port}/comms`);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no status of ${nodeId} matching ${text} within ${timeoutMs} ms`)), timeoutMs);
        const finish = (err: Error | null, status?: Record<string, string>) => {
          clearTimeout(timer);
          socket.terminate();
          if (err) reject(err);
          else resolve(status as Record<string, string>);
        };
        socket.on('open', () => socket.send(JSON.stringify({ subscribe: 'status/#' })));
        socket.on('error', (err: Error) => finish(err));
        socket.on('message', (data: Buffer) => {
          const parsed = JSON.parse(data.toString());
          for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
            if (message.topic === `status/${nodeId}` && text.test(String(message.data?.text ?? ''))) finish(null, message.data);
          }
        });
      });
    },
    async stop() {
      await child.stop('SIGINT', 20000).catch(() => child.stop('SIGKILL'));
    },
  };
}
