/**
 * A blip on the wire, from the device's side: while deaf, the device's control socket drops
 * every datagram unread (its own timers — heartbeat expiry — keep running). The client talks to
 * the device directly, so the device still sees the client's own IP:port as its controller.
 */
import type dgram from 'node:dgram';
import type { GvcpServer } from '../../../lib/emulator/gvcp-server';

export function deafen(server: GvcpServer): () => void {
  const socket = (server as unknown as { control: dgram.Socket }).control;
  const listeners = socket.listeners('message') as Array<(...args: unknown[]) => void>;
  socket.removeAllListeners('message');
  const drop = (): void => undefined;
  socket.on('message', drop);
  return () => {
    socket.removeListener('message', drop);
    for (const listener of listeners) socket.on('message', listener);
  };
}
