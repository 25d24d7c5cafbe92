/**
 * Loopback addresses for tests. Each test process gets its own 127.x.y.0/24-ish range derived from
 * its pid, so mocha workers running in parallel never bind the same address:3956.
 * Only 127.0.0.0/8 is ever returned: tests must not send anywhere else.
 */
let counter = 0;

export function uniqueLoopbackAddress(): string {
  const second = 16 + (process.pid % 200);
  counter += 1;
  const third = 1 + (Math.floor(counter / 250) % 250);
  const fourth = 2 + (counter % 250);
  return `127.${second}.${third}.${fourth}`;
}

/** The loopback broadcast address: discovery in tests goes here and nowhere else. */
export const LOOPBACK_BROADCAST = '127.255.255.255';
