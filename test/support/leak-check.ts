/**
 * Root hook: after the whole run, nothing the tests started may still be running. A socket, server
 * or timer left behind would keep the test process alive (mocha waits for the event loop to drain)
 * — here it becomes a failure that names what is left, instead of a hang.
 */
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FSReqPromise', 'GetAddrInfoReqWrap']);

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(5000);
    // Sockets and servers finish closing on the next turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const left = process.getActiveResourcesInfo().filter((type) => !IGNORED.has(type));
    // Whatever is left must not turn the failure into a hang: once mocha has reported, exit anyway.
    setTimeout(() => process.exit(process.exitCode ?? (left.length > 0 ? 1 : 0)), 3000).unref();
    if (left.length > 0) {
      throw new Error(`the tests left these running: ${left.join(', ')} — a close() is missing somewhere`);
    }
  },
};
