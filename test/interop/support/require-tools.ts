/**
 * `npm run test:interop` is CI's suite for root and apt-installed peers (Aravis, tshark, ip netns).
 * Its tests skip themselves where a peer is missing — so that a developer can run one file — but a
 * whole run where everything skipped would prove nothing. Here a missing peer fails the run, naming
 * what to install.
 */
import { spawnSync } from 'node:child_process';

const NEEDED = ['ip', 'arv-fake-gv-camera-0.8', 'arv-tool-0.8', 'arv-camera-test-0.8', 'arv-test-0.8', 'tshark', 'xmllint'];

export const mochaHooks = {
  beforeAll(): void {
    const problems: string[] = [];
    if (process.getuid?.() !== 0) problems.push('not root (network namespaces need it)');
    for (const command of NEEDED) {
      if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) problems.push(`${command} is missing`);
    }
    if (problems.length > 0) {
      throw new Error(
        `the interop suite cannot run: ${problems.join('; ')}. ` +
          'Run it as root after: apt-get install aravis-tools aravis-tools-cli tshark iproute2 libxml2-utils (what .ci/run does)',
      );
    }
  },
};
