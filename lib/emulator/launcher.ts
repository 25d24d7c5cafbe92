import { EmulatedCamera, EmulatedCameraOptions } from './emulated-camera';

/**
 * An emulated camera for the connection pool (`acquireCamera({ address, emulated: emulatedCamera() })`,
 * lib/camera/pool.ts): the pool starts it at the pooled address before each connection attempt
 * until one starts, and stops it with the last user. The pool knows only the shape
 * (`DeviceLauncher`), so lib/camera does not depend on the emulator. Two launchers with equal
 * options are the same pool setting (the pool compares options deeply).
 */
export class EmulatedCameraLauncher {
  constructor(readonly options: Omit<EmulatedCameraOptions, 'address'> = {}) {}

  start(address: string): Promise<EmulatedCamera> {
    return EmulatedCamera.start({ ...this.options, address });
  }
}

export function emulatedCamera(options: Omit<EmulatedCameraOptions, 'address'> = {}): EmulatedCameraLauncher {
  return new EmulatedCameraLauncher(options);
}
