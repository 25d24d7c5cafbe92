import dgram from 'node:dgram';
import { GvcpError } from './errors';

/**
 * The local IPv4 address the kernel would use to reach `address` (a connected UDP socket sends
 * nothing; connecting only selects the route and source address).
 */
export async function localAddressTowards(address: string, port: number): Promise<string> {
  const probe = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(port, address, () => {
        probe.off('error', reject);
        resolve();
      });
    });
    return probe.address().address;
  } catch (err) {
    throw new GvcpError(
      'GVCP_UNREACHABLE',
      `no route from this host to ${address}: ${(err as Error).message}`,
      { address },
      { cause: err },
    );
  } finally {
    probe.close();
  }
}
