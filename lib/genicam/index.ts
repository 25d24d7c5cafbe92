/**
 * GenICam GenApi for GigE Vision devices: the XML loader, the node map and its feature API.
 *
 *   const xml = await loadDeviceXml(device.port, { cacheDir });   // URL register → XML text
 *   const map = NodeMap.fromXml(xml, { device: device.port });
 *   await map.setValue('Width', 1024);                              // range-checked
 *   await map.getValue('PayloadSize');                              // re-read after Width changed
 *   await map.execute('AcquisitionStart');                          // waits for completion
 *   await map.list();                                               // every feature, described
 *
 * Value types at the API:
 * - Integer features (Integer, IntReg, MaskedIntReg, IntSwissKnife, IntConverter, StructEntry)
 *   read as a `number` when exact (|v| ≤ 2^53 − 1) and as a `bigint` otherwise; writes accept a
 *   number, a bigint, or a decimal / `0x` hex string. Inside, every integer is a bigint, so 64-bit
 *   registers are exact.
 * - Float features read and write `number`; Enumerations read and write entry names (an entry's
 *   integer value is also accepted on write); Booleans read `boolean` and accept true/false,
 *   1/0, "true"/"false"; Strings are `string`; Registers are `Buffer` (hex strings accepted).
 *
 * Errors are `GigeError`s that name the feature, the value and what is allowed, e.g.
 * `Width: 20 is out of range; allowed 608…4504 in steps of 8`,
 * `Width: locked by WidthLocked (TLParamsLocked = 1); allowed again when WidthLocked is 0`,
 * `TriggerSoftware: not available while TriggerSoftwareAvailable (MODE = 1 && SRC = 0) is 0`.
 * Codes: FEATURE_NOT_FOUND, OUT_OF_RANGE, INVALID_VALUE, WRONG_TYPE, FEATURE_NOT_AVAILABLE /
 * _IMPLEMENTED / _WRITABLE / _READABLE, FEATURE_LOCKED, COMMAND_TIMEOUT, INDEX_NOT_FOUND,
 * CHUNK_NOT_ATTACHED, CHUNK_NOT_FOUND, EVENT_NOT_DELIVERED, PORT_MISSING, PORT_OUT_OF_RANGE,
 * PORT_ERROR, PORT_SHORT_READ, REGISTER_LENGTH, REGISTER_ADDRESS, FORMULA_SYNTAX /
 * _UNKNOWN_VARIABLE / _EVALUATION / _TOO_COMPLEX, XML_INVALID (malformed file: the node and the problem),
 * XML_URL_INVALID, XML_URL_UNSUPPORTED, XML_ZIP_INVALID, XML_UNAVAILABLE; device I/O errors keep
 * the code of the port that raised them (e.g. GVCP_TIMEOUT).
 *
 * Caching: register bytes are cached per device port (Cachable WriteThrough/WriteAround/NoCache);
 * a write drops what it overlaps and what lists it through pInvalidator or pSelected, and
 * `onChange(listener)` says which features may have changed. `poll(elapsedMs)` honours
 * PollingTime; `invalidate()` forgets everything (e.g. after a reconnect).
 *
 * Chunk data: `attachChunkData(payload)` binds Ports with a ChunkID to the chunks of a received
 * buffer (tags parsed backwards). Events: `deliverEvent(eventId, data, {timestamp, blockId,
 * streamChannel})` feeds Ports with that EventID; byte 0 of an event port is byte 0 of the
 * standard 16-byte event item header, event data starts at 16 (layout in `event-data.ts`).
 */
export { NodeMap } from './node-map';
export type { NodeMapOptions, DescriptionInfo, ListOptions, ExecuteOptions } from './node-map';
export type { Port } from './port';
export { MemoryPort } from './memory-port';
export type { FeatureValue } from './feature-access';
export type { FeatureDescription, EnumEntryDescription, CategoryTree, DescribeOptions } from './features';
export type { AccessMode, Visibility, FeatureType, CachingMode } from './nodes/node';
export type { ChangeListener } from './map-core';
export { loadDeviceXml, fetchDeviceXml, readMemory, decodeXmlFile, XML_URL_REGISTERS } from './xml-loader';
export type { XmlLoadOptions, DeviceXml } from './xml-loader';
export { parseXmlUrl } from './xml-url';
export type { XmlUrl } from './xml-url';
export { XmlCache, defaultXmlCacheDir } from './xml-cache';
export { parseChunkData } from './chunk-data';
export type { ChunkParseOptions, ChunkParseResult } from './chunk-data';
export { eventPortImage, EVENT_HEADER_LENGTH } from './event-data';
export type { EventInfo } from './event-data';
export { compileFormula, Formula } from './formula';
export { toJsonSafe, formatValue, formatRange, formatFeatureTable, parseAssignment } from './format';
export { toPublicInteger } from './numbers';
export type { PublicInteger } from './numbers';
