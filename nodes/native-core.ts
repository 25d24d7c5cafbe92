import type { NodeAPI, Node, NodeMessageInFlow } from 'node-red';
import { nativeCoreProblem } from '../lib/stream';

/** What a node that needs frames shows while the native core is missing (the log has the fix). */
export const NATIVE_MISSING_STATUS = { fill: 'red', shape: 'ring', text: 'native core missing: see log' } as const;

let logged = false;

/**
 * Once per runtime, when a node type that needs frames registers: the whole story in the log
 * (what is missing, why, and the commands that fix it), so a user who has not deployed such a
 * node yet learns it at start-up too.
 */
export function logMissingNativeCore(RED: NodeAPI): void {
  const problem = nativeCoreProblem();
  if (!problem || logged) return;
  logged = true;
  RED.log.warn(problem.message);
}

/**
 * For a node that cannot work without the native core (it receives frames): when the core is
 * missing, the node shows so in red, reports the fix in the debug sidebar, answers every message
 * with the NATIVE_NOT_FOUND error (Catch nodes see it) and takes no part in the camera — it holds
 * no connection. Returns false then, and the node's constructor stops there.
 */
export function nativeCoreAvailable(node: Node): boolean {
  const problem = nativeCoreProblem();
  if (!problem) return true;
  node.status(NATIVE_MISSING_STATUS);
  node.error(problem.message);
  node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => done(problem));
  return false;
}
