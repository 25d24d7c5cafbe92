/**
 * The library behind the Node-RED nodes, for programs of their own:
 * `require('node-red-contrib-gige-vision')`. It never loads Node-RED.
 *
 *   const { Camera, EmulatedCamera } = require('node-red-contrib-gige-vision');
 *   const emulator = await EmulatedCamera.start({ address: '127.0.0.2' });
 *   const camera = await Camera.open({ address: '127.0.0.2' });
 *   console.log(await camera.get('DeviceModelName'));      // 'DMK 38GX541-a'
 *   const frame = await camera.grab();                      // see Camera for acquisition
 *   await camera.close(); await emulator.stop();
 *
 * Layers, from the top: `Camera` (features by name, acquisition, events, chunk data) and the
 * shared `CameraConnection` pool the nodes use; GVCP (discovery, force IP, action commands, the
 * device and its control channel); GenICam (`NodeMap`, `loadDeviceXml`); the stream (`openStream`,
 * `Frame`, pixel formats, unpacking, backed by the native core); the emulated DMK 38GX541-a.
 * Every error is a `GigeError` with a stable `code`. docs/architecture.md describes each layer.
 */

// ---- Camera ----
export { Camera } from './camera/camera';
export type { CameraOpenOptions, CameraFrame, CameraEvent, FeatureValue } from './camera/camera';
export { CameraConnection } from './camera/connection';
export type { ConnectionOptions, ConnectionState } from './camera/connection';
export { acquireCamera, pooledCameraKeys } from './camera/pool';
export type { PoolOptions, PooledCamera, DeviceLauncher, LaunchedDevice } from './camera/pool';
export { encodeFrame, frameMetadata } from './camera/frame-output';
export type { FrameEncoding, FrameMetadata, EncodeOptions } from './camera/frame-output';

// ---- GVCP: discovery, force IP, action commands, devices ----
export { discover, discoverOnInterfaces, forceIp, sendActionCommand, GvcpDevice, ControlChannel, MessageChannel, GvcpError } from './gvcp';
export type {
  DiscoverOptions,
  DiscoveredDevice,
  InterfaceDiscoverOptions,
  InterfaceDiscoveredDevice,
  ForceIpOptions,
  ActionCommandOptions,
  ActionAnswer,
  ConnectOptions,
  GvcpDeviceInfo,
  GvcpEvent,
  ControlChannelOptions,
  AccessMode,
} from './gvcp';

// ---- GenICam ----
export { NodeMap, MemoryPort, loadDeviceXml } from './genicam';
export type { Port, NodeMapOptions, FeatureDescription, EnumEntryDescription, CategoryTree } from './genicam';

// ---- Stream and frames ----
export {
  openStream,
  Stream,
  PixelFormat,
  pixelFormatName,
  pixelFormatCode,
  bitsPerPixel,
  imageByteLength,
  unpackMono12Packed,
  unpackMono12p,
  unpackToMono16,
} from './stream';
export type { Frame, StreamOptions, StreamStats, ResendOptions, PixelFormatName } from './stream';
export { nativeCoreProblem } from './stream/native';

// ---- The emulated DMK 38GX541-a ----
export { EmulatedCamera, EmulatedCameraLauncher, emulatedCamera, DEFAULT_EMULATOR_ADDRESS } from './emulator';
export type { EmulatedCameraOptions } from './emulator';

// ---- Errors ----
export { GigeError, isGigeError } from './errors';
