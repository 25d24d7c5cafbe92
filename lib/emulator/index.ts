/** The emulated GigE Vision camera (DMK 38GX541-a): see docs/emulator.md. */
export { EmulatedCamera, DEFAULT_EMULATOR_ADDRESS } from './emulated-camera';
export { EmulatedCameraLauncher, emulatedCamera } from './launcher';
export type { EmulatedCameraOptions, EmulatedCameraIo, EmulatedDeviceOptions } from './emulated-camera';
export type { PulseOptions } from './dmk38gx541/trigger-input';
export type { StrobeEdge } from './dmk38gx541/strobe-output';
export { Dmk38gx541 } from './dmk38gx541/camera-model';
export type { Dmk38gx541Options } from './dmk38gx541/camera-model';
export { IoControlServer, IoControlClient, DEFAULT_IO_CONTROL_PORT } from './dmk38gx541/io-control-server';
export { INSPECTION_SCENE, inspectionDefect, partBrightArea } from './dmk38gx541/scene';
export type { SceneOptions, InspectionSceneOptions } from './dmk38gx541/scene';
export type { InspectionDefect } from './native';
