import type { NodeAPI, Node, NodeDef, NodeStatus } from 'node-red';
import { acquireCamera, PooledCamera } from '../lib/camera/pool';
import type { ConnectionState } from '../lib/camera/connection';
import type { CameraConfigNode } from './types';
import { parseSettings } from '../lib/camera/settings';
import { registerDiscoveryEndpoint } from './discovery-endpoint';

interface CameraConfigDef extends NodeDef {
  source: 'emulated' | 'network';
  address: string;
  serial: string;
  access: 'control' | 'exclusive';
  packetSize: string;
  bufferCount: string;
  frameTimeout: string;
  settings: string;
}

const CLOSE_TIMEOUT_MS = 10000;

export = function register(RED: NodeAPI): void {
  function GigeCameraConfigNode(this: CameraConfigNode, def: CameraConfigDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Map<string, Node>();
    let pooled: PooledCamera | null = null;
    let closing = false;
    const frameTimeoutMs = positiveInt(def.frameTimeout) ?? 5000;
    let settingsError: Error | null = null;
    let settings: ReturnType<typeof parseSettings> = [];
    try {
      settings = parseSettings(def.settings);
    } catch (err) {
      settingsError = err as Error;
      node.error(settingsError.message);
    }

    const statusOf = (state: ConnectionState, detail: string): NodeStatus => {
      switch (state) {
        case 'connected': return { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected' };
        case 'connecting': return { fill: 'yellow', shape: 'ring', text: 'node-red:common.status.connecting' };
        case 'disconnected': return { fill: 'red', shape: 'ring', text: detail ? `disconnected: ${short(detail)}` : 'node-red:common.status.disconnected' };
        default: return {};
      }
    };
    const onState = (state: ConnectionState, detail: string) => {
      const status = statusOf(state, detail);
      for (const user of users.values()) user.status(status);
      if (state === 'disconnected' && detail) node.log(`camera ${def.address}: ${detail}`);
    };

    Object.defineProperty(node, 'connection', { get: () => (pooled ? pooled.connection : null) });
    Object.defineProperty(node, 'frameTimeoutMs', { value: frameTimeoutMs });

    // The camera opens with its first user, not when the config node is created: config nodes
    // exist even when nothing uses them.
    node.register = (user: Node) => {
      users.set(user.id, user);
      if (settingsError) {
        user.status({ fill: 'red', shape: 'ring', text: 'bad camera settings' });
        return;
      }
      if (!pooled && !closing) {
        pooled = acquireCamera({
          address: def.address || '127.0.0.2',
          access: def.access === 'exclusive' ? 'exclusive' : 'control',
          packetSize: positiveInt(def.packetSize),
          bufferCount: positiveInt(def.bufferCount),
          frameTimeoutMs,
          settings,
          emulated: def.source === 'network' ? false : { serial: def.serial || undefined },
        });
        pooled.connection.on('state', onState);
      }
      if (pooled) user.status(statusOf(pooled.connection.state, pooled.connection.stateDetail));
    };

    // Like the MQTT broker node: a user that is only restarting (modified-nodes deploy) keeps the
    // connection open for its successor; only a removed last user closes it.
    node.deregister = async (user: Node, removed: boolean) => {
      users.delete(user.id);
      if (users.size === 0 && removed) await closeConnection();
    };

    async function closeConnection(): Promise<void> {
      const current = pooled;
      pooled = null;
      if (!current) return;
      current.connection.removeListener('state', onState);
      await current.release();
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      const timer = setTimeout(() => {
        node.warn(`closing camera ${def.address} took longer than ${CLOSE_TIMEOUT_MS} ms; continuing`);
        done();
      }, CLOSE_TIMEOUT_MS);
      closeConnection()
        .catch((err: Error) => node.error(`closing camera ${def.address}: ${err.message}`))
        .finally(() => {
          clearTimeout(timer);
          done();
        });
    });
  }

  RED.nodes.registerType('gige-camera-config', GigeCameraConfigNode as never);
  registerDiscoveryEndpoint(RED);
};

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || String(text).trim() === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
