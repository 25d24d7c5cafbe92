import { CameraConnection, ConnectionState } from '../../../lib/camera/connection';

/** Resolves with the time the connection reaches `state` (at once if it is there); rejects, saying where it is, after `timeoutMs`. */
export function until(connection: CameraConnection, state: ConnectionState, timeoutMs: number): Promise<number> {
  if (connection.state === state) return Promise.resolve(Date.now());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.removeListener('state', onState);
      reject(new Error(`not ${state} within ${timeoutMs} ms (${connection.state}: ${connection.stateDetail})`));
    }, timeoutMs);
    function onState(s: ConnectionState): void {
      if (s !== state) return;
      clearTimeout(timer);
      connection.removeListener('state', onState);
      resolve(Date.now());
    }
    connection.on('state', onState);
  });
}
