/**
 * Example flows in the real Node-RED runtime (node-red-node-test-helper): an example as shipped,
 * moved onto the test's own loopback addresses, ports and folders, with this package's nodes,
 * Node-RED's core nodes and the third-party nodes the example names (test-time devDependencies).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { helper, packageNodes, onCall } from '../nodes/support';
import recordNode from '../../nodes/gige-record';
import frameSetNode from '../../nodes/gige-frame-set';
import hdrMergeNode from '../../nodes/gige-hdr-merge';
import { ROOT } from '../support/processes';
import { coreNode } from '../support/node-red-nodes';

export { helper, onCall };

export type FlowNode = { id: string; type: string } & Record<string, any>;

/** Node-RED's core nodes the examples use. */
export const CORE_NODES = [
  'common/20-inject.js',
  'common/21-debug.js',
  'common/24-complete.js',
  'common/25-catch.js',
  'common/25-status.js',
  'common/90-comment.js',
  'common/60-link.js',
  'function/10-function.js',
  'function/10-switch.js',
  'function/15-change.js',
  'function/16-range.js',
  'function/rbe.js',
  'function/80-template.js',
  'function/89-delay.js',
  'function/89-trigger.js',
  'network/21-httpin.js',
  'storage/10-file.js',
  'network/10-mqtt.js',
  'sequence/17-split.js',
].map(coreNode);

export const ALL_PACKAGE_NODES = [...packageNodes, recordNode, frameSetNode, hdrMergeNode];

/** The example's flow JSON as shipped. */
export function readExample(name: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${name}.json`), 'utf8')) as FlowNode[];
}

/**
 * An example placed for a test: `edit` rewrites nodes (addresses, ports, folders). Every example
 * has a tab of its own (a flows file does not start nodes without one).
 */
export function placeExample(name: string, edit: (node: FlowNode) => FlowNode = (n) => n): FlowNode[] {
  const nodes = readExample(name).map((n) => edit({ ...n }));
  if (!nodes.some((n) => n.type === 'tab')) throw new Error(`${name}: no tab`);
  return nodes;
}

/** Resolves with the first message a node sends that `accept`s, or rejects after `timeoutMs`. */
export function nextSend(
  nodeId: string,
  accept: (msg: Record<string, any>, output: number) => boolean = () => true,
  timeoutMs = 15000,
): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`${nodeId} sent no matching message within ${timeoutMs} ms`));
    }, timeoutMs);
    onCall(helper.getNode(nodeId), 'send', (args) => {
      if (settled) return;
      const sent = args[0];
      const outputs = Array.isArray(sent) ? sent : [sent];
      outputs.forEach((msg, output) => {
        if (settled || !msg || typeof msg !== 'object') return;
        if (accept(msg as Record<string, any>, output)) {
          settled = true;
          clearTimeout(timer);
          resolve(msg as Record<string, any>);
        }
      });
    });
  });
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false (bounded). */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Redeploys (full): every node stops and starts again, config nodes and emulated cameras included. */
export async function redeploy(flow: FlowNode[]): Promise<void> {
  // The helper's own setFlows gives the start 300 ms, which a loaded machine does not keep.
  await (helper as unknown as { _redNodes: { setFlows(f: unknown, c: unknown, t: string): Promise<unknown> } })._redNodes.setFlows(
    flow,
    {},
    'full',
  );
}

/** Percentile (0…100) of a list of numbers, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
