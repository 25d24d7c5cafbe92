/** GVCP client library: protocol constants, codecs, control channel, device, discovery. */
export * from './protocol';
export * from './errors';
export * from './address';
export * from './codec';
export { ControlChannel } from './control-channel';
export type { ControlChannelOptions, ControlChannelStats, TransactOptions } from './control-channel';
export { GvcpDevice } from './device';
export type { AccessMode, ConnectOptions, ControlHolder, GvcpDeviceInfo } from './device';
export { discover } from './discovery';
export type { DiscoverOptions, DiscoveredDevice } from './discovery';
