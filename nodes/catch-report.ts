import { randomBytes } from 'node:crypto';
import type { Node, NodeMessage } from 'node-red';
import { GigeError } from '../lib/errors';

/** The same error code from the same node reaches Catch at most once per this long. */
const SAME_CODE_INTERVAL_MS = 60000;

/** What a Catch node receives for an error no message caused (Node-RED adds `msg.error`). */
export interface CameraProblemMessage extends NodeMessage {
  topic: string;
  payload: { camera: string; code: string; message: string };
  camera: { address: string };
}

/**
 * Errors no message caused — the camera lost, a connection attempt refused, acquisition that did
 * not restart — reach Catch nodes, not only the log and Status nodes: `node.error(err, msg)` with
 * a message made for the purpose (`msg.camera.address`, `msg.payload.code`; Node-RED adds
 * `msg.error` with the message, the code and the reporting node). Rate-limited per node: a new
 * code at once, the same code again after a minute, so a flapping camera cannot flood a flow.
 */
export class CatchReporter {
  private readonly lastByCode = new Map<string, number>();

  constructor(
    private readonly node: Node,
    private readonly intervalMs = SAME_CODE_INTERVAL_MS,
  ) {}

  /** Reports `err` (unless the same code was reported recently); returns whether it did. */
  report(err: Error, address: string): boolean {
    const code = (err as GigeError).code ?? 'ERROR';
    const now = Date.now();
    const last = this.lastByCode.get(code);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastByCode.set(code, now);
    this.node.error(err, problemMessage(err, address));
    return true;
  }
}

export function problemMessage(err: Error, address: string): CameraProblemMessage {
  const code = (err as GigeError).code ?? 'ERROR';
  return {
    _msgid: randomBytes(8).toString('hex'),
    topic: `gige/${address}/error`,
    payload: { camera: address, code, message: err.message },
    camera: { address },
  };
}

const reporters = new WeakMap<Node, CatchReporter>();

/** The one reporter of `node`: what the config node and the node itself report shares its rate limit. */
export function catchReporter(node: Node): CatchReporter {
  let reporter = reporters.get(node);
  if (!reporter) {
    reporter = new CatchReporter(node);
    reporters.set(node, reporter);
  }
  return reporter;
}
