/**
 * A blip on the wire, from the device's side: while deaf, the device's control socket drops
 * every datagram unread; while mute, it sends nothing (acks included). Its own timers — heartbeat
 * expiry — keep running. The client talks to the device directly, so the device still sees the
 * client's own IP:port as its controller.
 */
import type dgram from 'node:dgram';
import type { GvcpServer } from '../../../lib/emulator/gvcp-server';

function controlSocket(server: GvcpServer): dgram.Socket {
  const sockets = (server as unknown as { sockets: { control: dgram.Socket | null } }).sockets;
  if (!sockets?.control) throw new Error('blackout: the emulated device has no control socket (was it started?)');
  return sockets.control;
}

/** The device hears nothing until the returned function is called. */
export function deafen(server: GvcpServer): () => void {
  const socket = controlSocket(server);
  const listeners = socket.listeners('message') as Array<(...args: unknown[]) => void>;
  socket.removeAllListeners('message');
  const drop = (): void => undefined;
  socket.on('message', drop);
  return () => {
    socket.removeListener('message', drop);
    for (const listener of listeners) socket.on('message', listener);
  };
}

/** The device's answers are lost until the returned function is called (it still hears and obeys). */
export function mute(server: GvcpServer): () => void {
  const socket = controlSocket(server);
  const send = socket.send.bind(socket);
  socket.send = ((...args: unknown[]) => {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') setImmediate(() => (callback as (err: Error | null, bytes: number) => void)(null, 0));
  }) as typeof socket.send;
  return () => {
    socket.send = send;
  };
}

/** Both: the link is gone both ways. */
export function cutOff(server: GvcpServer): () => void {
  const hear = deafen(server);
  const speak = mute(server);
  return () => {
    hear();
    speak();
  };
}
