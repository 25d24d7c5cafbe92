/**
 * The camera as the capability nodes (trigger, strobe, PTP, events, chunks, grab) use it: the
 * config node's camera object (nodes/config-camera.ts), never null and outliving the connections
 * under it. Nodes subscribe at construction whatever the camera's state, and hear 'state' on
 * every change.
 */
import type { CameraConfigNode } from './types';
import type { ConfigCamera, CameraState } from './config-camera';

export type { CameraState };
export type NodeCamera = ConfigCamera;

/** The camera of `config`, the same object for every user node of that config node. */
export function cameraOf(config: CameraConfigNode): NodeCamera {
  return config.camera;
}

/**
 * Calls `listener` each time the camera becomes connected (at once when it is): the place to
 * (re)apply what a node configures on the camera. Returns the unsubscribe function.
 */
export function onEveryConnect(camera: NodeCamera, listener: () => void): () => void {
  const onState = (state: CameraState) => {
    if (state === 'connected') listener();
  };
  camera.on('state', onState);
  if (camera.isConnected)
    setImmediate(() => {
      if (camera.isConnected && camera.listeners('state').includes(onState)) listener();
    });
  return () => camera.removeListener('state', onState);
}
