/**
 * DISCOVERY_ACK and FORCEIP_CMD payloads. The discovery ack is byte-for-byte the bootstrap
 * registers 0x0000…0x00F7, so the same decoder reads a device's identity over READMEM.
 */
import { BootstrapStringLength, GVCP_DISCOVERY_ACK_LENGTH } from './protocol';
import { ipToNumber, macFromString, macToString, numberToIp } from './address';
import { malformed } from './errors';

/** Identity and network configuration of a device (discovery ack / bootstrap 0x0000…0x00F7). */
export interface DeviceIdentityInfo {
  specVersionMajor: number;
  specVersionMinor: number;
  deviceMode: number;
  macAddress: string;
  supportedIpConfiguration: number;
  currentIpConfiguration: number;
  ipAddress: string;
  subnetMask: string;
  gateway: string;
  manufacturerName: string;
  modelName: string;
  deviceVersion: string;
  manufacturerInfo: string;
  serialNumber: string;
  userDefinedName: string;
}

/** A fixed-size, NUL-padded string field (UTF-8; fills the field without NUL when it is exactly full). */
export function readFixedString(buf: Buffer, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

export function writeFixedString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.fill(0, offset, offset + length);
  // Buffer.write never writes a partial UTF-8 character, so a too-long string is cut cleanly.
  buf.write(value, offset, length, 'utf8');
}

export function encodeDiscoveryAck(info: DeviceIdentityInfo): Buffer {
  const p = Buffer.alloc(GVCP_DISCOVERY_ACK_LENGTH);
  p.writeUInt16BE(info.specVersionMajor, 0x00);
  p.writeUInt16BE(info.specVersionMinor, 0x02);
  p.writeUInt32BE(info.deviceMode >>> 0, 0x04);
  macFromString(info.macAddress).copy(p, 0x0a);
  p.writeUInt32BE(info.supportedIpConfiguration >>> 0, 0x10);
  p.writeUInt32BE(info.currentIpConfiguration >>> 0, 0x14);
  p.writeUInt32BE(ipToNumber(info.ipAddress), 0x24);
  p.writeUInt32BE(ipToNumber(info.subnetMask), 0x34);
  p.writeUInt32BE(ipToNumber(info.gateway), 0x44);
  writeFixedString(p, 0x48, BootstrapStringLength.MANUFACTURER_NAME, info.manufacturerName);
  writeFixedString(p, 0x68, BootstrapStringLength.MODEL_NAME, info.modelName);
  writeFixedString(p, 0x88, BootstrapStringLength.DEVICE_VERSION, info.deviceVersion);
  writeFixedString(p, 0xa8, BootstrapStringLength.MANUFACTURER_INFO, info.manufacturerInfo);
  writeFixedString(p, 0xd8, BootstrapStringLength.SERIAL_NUMBER, info.serialNumber);
  writeFixedString(p, 0xe8, BootstrapStringLength.USER_DEFINED_NAME, info.userDefinedName);
  return p;
}

export function decodeDiscoveryAck(payload: Buffer): DeviceIdentityInfo {
  if (payload.length < GVCP_DISCOVERY_ACK_LENGTH) {
    throw malformed(
      `DISCOVERY_ACK payload of ${payload.length} bytes is shorter than the ${GVCP_DISCOVERY_ACK_LENGTH} bytes of bootstrap 0x0000…0x00F7`,
      {
        length: payload.length,
      },
    );
  }
  return {
    specVersionMajor: payload.readUInt16BE(0x00),
    specVersionMinor: payload.readUInt16BE(0x02),
    deviceMode: payload.readUInt32BE(0x04),
    macAddress: macToString(payload.subarray(0x0a, 0x10)),
    supportedIpConfiguration: payload.readUInt32BE(0x10),
    currentIpConfiguration: payload.readUInt32BE(0x14),
    ipAddress: numberToIp(payload.readUInt32BE(0x24)),
    subnetMask: numberToIp(payload.readUInt32BE(0x34)),
    gateway: numberToIp(payload.readUInt32BE(0x44)),
    manufacturerName: readFixedString(payload, 0x48, BootstrapStringLength.MANUFACTURER_NAME),
    modelName: readFixedString(payload, 0x68, BootstrapStringLength.MODEL_NAME),
    deviceVersion: readFixedString(payload, 0x88, BootstrapStringLength.DEVICE_VERSION),
    manufacturerInfo: readFixedString(payload, 0xa8, BootstrapStringLength.MANUFACTURER_INFO),
    serialNumber: readFixedString(payload, 0xd8, BootstrapStringLength.SERIAL_NUMBER),
    userDefinedName: readFixedString(payload, 0xe8, BootstrapStringLength.USER_DEFINED_NAME),
  };
}

/** FORCEIP_CMD: give the device with this MAC a temporary address (0.0.0.0 → restart its IP cycle). */
export interface ForceIpRequest {
  macAddress: string;
  ipAddress: string;
  subnetMask: string;
  gateway: string;
}

export const FORCEIP_PAYLOAD_LENGTH = 56;

export function encodeForceIpCommand(req: ForceIpRequest): Buffer {
  const p = Buffer.alloc(FORCEIP_PAYLOAD_LENGTH);
  macFromString(req.macAddress).copy(p, 2);
  p.writeUInt32BE(ipToNumber(req.ipAddress), 20);
  p.writeUInt32BE(ipToNumber(req.subnetMask), 36);
  p.writeUInt32BE(ipToNumber(req.gateway), 52);
  return p;
}

export function decodeForceIpCommand(payload: Buffer): ForceIpRequest {
  if (payload.length < FORCEIP_PAYLOAD_LENGTH) {
    throw malformed(`FORCEIP payload of ${payload.length} bytes is shorter than ${FORCEIP_PAYLOAD_LENGTH}`, {
      length: payload.length,
    });
  }
  return {
    macAddress: macToString(payload.subarray(2, 8)),
    ipAddress: numberToIp(payload.readUInt32BE(20)),
    subnetMask: numberToIp(payload.readUInt32BE(36)),
    gateway: numberToIp(payload.readUInt32BE(52)),
  };
}
