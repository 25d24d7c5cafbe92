/**
 * The Node-RED runtime as a user runs it, embedded in a bench process: `node-red` from this
 * checkout's node_modules, this package found in the user directory's node_modules (a link to the
 * checkout, as `npm start` does: the built dist/ nodes), a flow file written for the bench, no
 * editor or HTTP nodes. `hooks` reach function nodes as `global.get('bench')` (functionGlobalContext),
 * so the bench sees what the flow sees without a debug node's cost.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { SCRATCH_DIR_VARIABLE } from '../owned-children';

const ROOT = path.join(__dirname, '..', '..');

export type FlowNodeDef = { id: string; type: string } & Record<string, unknown>;

interface RedRuntime {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): { receive(msg: Record<string, unknown>): void } | null };
}

export interface NodeRedHost {
  red: RedRuntime;
  userDir: string;
  stop(): Promise<void>;
}

/** Nodes on one tab with positions (a node without x, y is taken for a config node); config nodes stay global. */
export function onTab(nodes: FlowNodeDef[]): FlowNodeDef[] {
  return [
    { id: 'bench-tab', type: 'tab', label: 'bench' },
    ...nodes.map((n, i) => (n.type === 'gige-camera-config' ? n : { z: 'bench-tab', x: 120, y: 40 * (i + 1), ...n })),
  ];
}

/**
 * Node-RED also loads node modules it finds beside itself — here this checkout's devDependencies
 * (node-red-contrib-opcua, -modbus, the dashboard), which no user of this package has only because
 * of it, and which triple the heap every full collection has to mark. They are left out.
 */
function devDependencyNodeModules(): string[] {
  const own = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
  const found: string[] = [];
  const modules = path.join(ROOT, 'node_modules');
  for (const entry of fs.readdirSync(modules)) {
    const names = entry.startsWith('@') ? fs.readdirSync(path.join(modules, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of names) {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')) as { 'node-red'?: { nodes?: unknown } };
        if (name !== own && pkg['node-red']?.nodes) found.push(name.split('/').pop()!);
      } catch {
        // not a package
      }
    }
  }
  return found;
}

export async function startNodeRed(flow: FlowNodeDef[], hooks: Record<string, unknown>): Promise<NodeRedHost> {
  const dist = path.join(ROOT, 'dist', 'nodes', 'gige-grab.js');
  if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: build first (node scripts/build.js)`);
  // In the bench's scratch directory when it started this process: gone with the bench, however this process ends.
  const userDir = fs.mkdtempSync(path.join(process.env[SCRATCH_DIR_VARIABLE] ?? os.tmpdir(), 'gige-bench-red-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', 'node-red-contrib-gige-vision'), 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'gige-bench', version: '0.0.0', private: true }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const red = require(require.resolve('node-red', { paths: [ROOT] })) as RedRuntime;
  red.init({
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false },
    logging: { console: { level: 'error', metrics: false, audit: false } },
    functionGlobalContext: hooks,
    nodesExcludes: devDependencyNodeModules(),
  });
  await red.start();
  // start() resolves before the flows run: wait until every node of the flow exists.
  const ids = flow.filter((n) => n.type !== 'tab').map((n) => n.id);
  const deadline = Date.now() + 20000;
  while (ids.some((id) => !red.nodes.getNode(id))) {
    if (Date.now() > deadline) {
      await red.stop().catch(() => undefined);
      throw new Error(
        `Node-RED did not start nodes ${ids.filter((id) => !red.nodes.getNode(id)).join(', ')} within 20 s (see its log above)`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    red,
    userDir,
    async stop() {
      await red.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}
