/**
 * Node-RED test harness: the real runtime through node-red-node-test-helper, the package's nodes
 * loaded from source, and an emulated camera per test on its own loopback address.
 */
import * as fs from 'node:fs';
import helper from 'node-red-node-test-helper';
import cameraConfigNode from '../../nodes/gige-camera-config';
import grabNode from '../../nodes/gige-grab';
import eventNode from '../../nodes/gige-event-listener';
import featureNode from '../../nodes/gige-feature';
import actionNode from '../../nodes/gige-action';
import strobeNode from '../../nodes/gige-strobe';
import softwareTriggerNode from '../../nodes/gige-software-trigger';
import ptpSchedulerNode from '../../nodes/gige-ptp-scheduler';
import chunkReaderNode from '../../nodes/gige-chunk-reader';
import type { CameraConfigNode } from '../../nodes/types';
import type { ConfigCamera } from '../../nodes/config-camera';

helper.init(require.resolve('node-red'));

export { helper };
export const packageNodes = [
  cameraConfigNode,
  grabNode,
  eventNode,
  featureNode,
  actionNode,
  strobeNode,
  softwareTriggerNode,
  ptpSchedulerNode,
  chunkReaderNode,
];

export type FlowNode = { id: string; type: string } & Record<string, unknown>;

/**
 * Puts nodes on one tab with positions: the runtime takes a node without a position (x, y) for a
 * config node. Camera config nodes stay global, as the editor makes them.
 */
export function onTab(nodes: FlowNode[]): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    ...nodes.map((n, i) => (n.type === 'gige-camera-config' ? n : { z: 'tab', x: 100, y: 40 * (i + 1), ...n })),
  ];
}

/** Waits for `count` messages on a helper node; rejects with what arrived when time runs out. */
export function collect(nodeId: string, count: number, timeoutMs = 10000): Promise<Array<Record<string, any>>> {
  const node = helper.getNode(nodeId);
  const messages: Array<Record<string, any>> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeListener('input', onInput);
      reject(new Error(`${nodeId}: ${messages.length} of ${count} messages within ${timeoutMs} ms`));
    }, timeoutMs);
    function onInput(msg: Record<string, any>) {
      messages.push(msg);
      if (messages.length === count) {
        clearTimeout(timer);
        node.removeListener('input', onInput);
        resolve(messages);
      }
    }
    node.on('input', onInput);
  });
}

/** The test helper re-emits every node.status/error/send call as `call:<method>` with the spy call. */
export function onCall(node: object, method: 'status' | 'error' | 'warn' | 'send', listener: (args: unknown[]) => void): void {
  (node as { on(event: string, l: (call: { args: unknown[] }) => void): void }).on(`call:${method}`, (call) => listener(call.args));
}

/** Resolves when a node's status text matches. */
export function statusMatching(nodeId: string, pattern: RegExp, timeoutMs = 10000): Promise<Record<string, any>> {
  const node = helper.getNode(nodeId);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nodeId}: no status matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    onCall(node, 'status', (args) => {
      const status = args[0] as Record<string, any> | undefined;
      if (status && pattern.test(String(status.text ?? ''))) {
        clearTimeout(timer);
        resolve(status);
      }
    });
  });
}

/**
 * UDP and TCP sockets this process has open, counted from /proc so that native sockets (the stream
 * receiver's, the emulator's sender) count as well as Node's own. Unix sockets are left out: tools
 * (tsx, child processes) open and close those on their own schedule.
 */
export function openNetworkSockets(): number {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/udp', '/proc/net/tcp']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) inodes.add(inode);
    }
  }
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      return match !== null && inodes.has(match[1]);
    } catch {
      return false; // closed between readdir and readlink
    }
  }).length;
}

/** Threads of this process (native receive and send threads among them). */
export function threadCount(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]);
}

/** A camera config node's camera (never null; see nodes/config-camera.ts). */
export function configCamera(configId: string): ConfigCamera {
  return (helper.getNode(configId) as unknown as CameraConfigNode).camera;
}

/** Resolves once a camera config node's camera is open (no race with status events). */
export async function cameraConnected(configId: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const camera = configCamera(configId);
    if (camera.isConnected) return;
    if (Date.now() > deadline)
      throw new Error(`${configId}: not connected within ${timeoutMs} ms (${camera.state}: ${camera.stateDetail})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with the first status of `nodeId` whose text matches (statuses from now on). */
export function nextStatus(nodeId: string, pattern: RegExp, timeoutMs = 10000): Promise<Record<string, any>> {
  return statusMatching(nodeId, pattern, timeoutMs);
}

/** Resolves with the first error `nodeId` reports from now on (node.error's first argument, as a string, and its code). */
export function nextError(nodeId: string, timeoutMs = 10000): Promise<{ message: string; code?: string; msg?: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nodeId}: no error within ${timeoutMs} ms`)), timeoutMs);
    onCall(helper.getNode(nodeId), 'error', (args) => {
      clearTimeout(timer);
      resolve({ message: String(args[0]), code: (args[0] as { code?: string })?.code, msg: args[1] as Record<string, any> | undefined });
    });
  });
}
