/**
 * Root hook: after the whole run, nothing the tests started may still be running. A socket, server
 * or timer left behind would keep the test process alive (mocha waits for the event loop to drain)
 * — here it becomes a failure that names what is left, instead of a hang. What was running before
 * the first test (mocha's own hook timer among it) is the baseline.
 */
import { pendingTimers, pendingTimerOrigins } from './timer-origins';

const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FSReqPromise', 'GetAddrInfoReqWrap']);

function countByType(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (!IGNORED.has(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

let baseline = new Map<string, number>();
let baselineTimers = new Set<ReturnType<typeof setTimeout>>();

export const mochaHooks = {
  // Counted a turn after the hook started, like the final count, so that mocha's own timer for a
  // running hook is in both.
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(5000);
    await new Promise((resolve) => setImmediate(resolve));
    baseline = countByType();
    baselineTimers = pendingTimers();
  },

  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(5000);
    // Sockets and servers finish closing on the next turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const left: string[] = [];
    for (const [type, count] of countByType()) {
      const extra = count - (baseline.get(type) ?? 0);
      if (extra > 0) left.push(`${extra} × ${type}`);
    }
    // Whatever is left must not turn the failure into a hang: once mocha has reported, exit anyway.
    setTimeout(() => process.exit(process.exitCode ?? (left.length > 0 ? 1 : 0)), 3000).unref();
    if (left.length > 0) {
      const origins = pendingTimerOrigins(baselineTimers);
      const where = origins.length > 0 ? `\n${origins.join('\n')}` : '';
      throw new Error(`the tests left these running: ${left.join(', ')} — a close() is missing somewhere${where}`);
    }
  },
};
