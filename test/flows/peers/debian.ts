/**
 * Peers that come from Debian packages (Mosquitto, Chromium): found on the PATH or where Debian
 * installs them; a test without its peer skips, printing why (.ci/run installs them).
 */
import * as fs from 'node:fs';

export function debianBinary(name: string, places: string[]): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(places)) {
    const file = `${dir}/${name}`;
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Skips the suite with a printed reason when `binary` is missing. */
export function requireBinary(context: Mocha.Context, binary: string | null, name: string, apt: string): void {
  if (binary) return;
  console.log(`      (skipped: ${name} is not installed — apt-get install ${apt}; .ci/run installs it)`);
  context.skip();
}
