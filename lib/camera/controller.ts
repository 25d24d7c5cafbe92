/**
 * This host's identity as a camera's controller, kept across reconnects: one control channel (one
 * UDP socket, so one IP:port). A GigE Vision camera knows its controller by IP + port; a new
 * socket after a loss the camera did not see (a blip, a link down on our side) would be "another
 * application" until the camera's heartbeat timeout ends. From the same socket, the camera
 * recognises us, and a reconnect can release the stale control at once and start clean.
 *
 * The socket is replaced only when its local address is gone from the host (interface removed or
 * readdressed): a route that merely points elsewhere for a while (the camera's link is down, a
 * default route takes over) comes back to it.
 */
import { ControlChannel, Bootstrap, GvcpError, GVCP_PORT, Ccp, listIPv4Interfaces, localAddressTowards } from '../gvcp';

export class Controller {
  private channel: ControlChannel | null = null;
  private closed = false;

  constructor(readonly address: string) {}

  /**
   * The channel for the next connection attempt, and whether it was used before (then the camera
   * may still count it as its controller). Rejects (GVCP_UNREACHABLE) when no route leads to the
   * camera and no channel exists yet.
   */
  async acquire(): Promise<{ channel: ControlChannel; reused: boolean }> {
    if (this.closed) throw new GvcpError('GVCP_CLOSED', `the controller of ${this.address} is closed`, {});
    const current = this.channel;
    if (current && !current.isClosed && hostHasAddress(current.localEndpoint().address)) return { channel: current, reused: true };
    this.channel = null;
    if (current) await retire(current);
    const channel = await ControlChannel.open({ address: this.address, localAddress: await localAddressTowards(this.address, GVCP_PORT) });
    if (this.closed) {
      await channel.close();
      throw new GvcpError('GVCP_CLOSED', `the controller of ${this.address} is closed`, {});
    }
    this.channel = channel;
    return { channel, reused: false };
  }

  /**
   * Whether the camera answers at all — any ack, a refusal too — within `timeoutMs`: one READREG
   * of CCP, so probing a vanished camera costs one small datagram per call.
   */
  async answers(timeoutMs: number): Promise<boolean> {
    let channel: ControlChannel;
    try {
      ({ channel } = await this.acquire());
    } catch {
      return false;
    }
    try {
      await channel.readRegister(Bootstrap.CCP, { timeoutMs, retries: 0, urgent: true, what: '0x0a00 (CCP: is the camera back?)' });
      return true;
    } catch (err) {
      // An error status is an answer: the camera is there (and will say why in the attempt).
      return err instanceof GvcpError && err.status !== undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const channel = this.channel;
    this.channel = null;
    if (channel) await channel.close();
  }
}

/** A channel whose address left the host: release what it may hold (best effort), then close it. */
async function retire(channel: ControlChannel): Promise<void> {
  await channel.writeRegister(Bootstrap.CCP, Ccp.OPEN, { timeoutMs: 200, retries: 1, urgent: true }).catch(() => undefined);
  await channel.close();
}

function hostHasAddress(address: string): boolean {
  return listIPv4Interfaces().some((i) => i.address === address);
}
