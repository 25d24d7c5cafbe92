/**
 * The frame-rate model: a frame can start no faster than the sensor reads it out, and no faster than
 * the link carries it. The manual's tables (5.1.4) are the integer part of this model's maximum at
 * the standard 1500-byte packet size — they are not looked up anywhere.
 *
 *   readout(ns) = 2 560 000 + 28 000 × rows      rows = Height × BinningVertical (skipping reads Height rows)
 *   link(ns)    = wireBytes / 125 000 000 s + packets × GevSCPD
 *   wireBytes   = payload + dataPackets × (36 + 38) + leader/trailer       (standard ids)
 *   max fps     = 1e9 / max(readout, link)
 */
import { PixelFormatCode } from './features-image';
import {
  ETHERNET_WIRE_OVERHEAD,
  FRAME_OVERHEAD_NS,
  GVSP_DATAGRAM_OVERHEAD,
  GVSP_DATAGRAM_OVERHEAD_EXTENDED,
  LEADER_DATAGRAM_BYTES,
  LINE_PERIOD_NS,
  LINK_BYTES_PER_SECOND,
  MIN_WIRE_FRAME,
  TRAILER_DATAGRAM_BYTES,
} from './sensor';

function wireFrameBytes(datagramBytes: number): number {
  return Math.max(datagramBytes + ETHERNET_WIRE_OVERHEAD, MIN_WIRE_FRAME);
}

export interface Geometry {
  width: number;
  height: number;
  pixelFormat: number;
  binningVertical: number;
  decimationVertical: number;
}

export interface LinkSettings {
  /** GevSCPSPacketSize (IP datagram bytes). */
  packetSize: number;
  /** GevSCPD in ns (timestamp ticks). */
  packetDelayNs: number;
  extendedIds: boolean;
}

export function bytesPerLine(width: number, pixelFormat: number): number {
  switch (pixelFormat) {
    case PixelFormatCode.Mono8:
      return width;
    case PixelFormatCode.Mono16:
      return width * 2;
    case PixelFormatCode.Mono12Packed:
      return Math.ceil((width * 12) / 8);
    default:
      throw new RangeError(`pixel format 0x${pixelFormat.toString(16)} is not one of Mono8, Mono12Packed, Mono16`);
  }
}

export function imageBytes(width: number, height: number, pixelFormat: number): number {
  return bytesPerLine(width, pixelFormat) * height;
}

/** Sensor rows read for one frame: binning reads both rows of a pair, skipping reads one. */
export function sensorRowsRead(geometry: Geometry): number {
  return geometry.height * (geometry.decimationVertical > 1 ? 1 : geometry.binningVertical);
}

export function readoutTimeNs(geometry: Geometry): number {
  return FRAME_OVERHEAD_NS + LINE_PERIOD_NS * sensorRowsRead(geometry);
}

/** Time the link needs for one block of `payloadBytes` (leader, data packets, trailer). */
export function linkTimeNs(payloadBytes: number, link: LinkSettings): number {
  const overhead = link.extendedIds ? GVSP_DATAGRAM_OVERHEAD_EXTENDED : GVSP_DATAGRAM_OVERHEAD;
  const dataPerPacket = link.packetSize - overhead;
  if (dataPerPacket <= 0) throw new RangeError(`packet size ${link.packetSize} leaves no room for data (needs > ${overhead})`);
  const dataPackets = Math.ceil(payloadBytes / dataPerPacket);
  const leaderTrailer = wireFrameBytes(LEADER_DATAGRAM_BYTES) + wireFrameBytes(TRAILER_DATAGRAM_BYTES);
  const wireBytes = payloadBytes + dataPackets * (overhead + ETHERNET_WIRE_OVERHEAD) + leaderTrailer;
  return (wireBytes / LINK_BYTES_PER_SECOND) * 1e9 + (dataPackets + 2) * link.packetDelayNs;
}

export interface FrameRateLimits {
  readoutNs: number;
  linkNs: number;
  /** Largest AcquisitionFrameRate, fps. */
  max: number;
  limitedBy: 'readout' | 'link';
}

export function frameRateLimits(geometry: Geometry, payloadBytes: number, link: LinkSettings): FrameRateLimits {
  const readoutNs = readoutTimeNs(geometry);
  const linkNs = linkTimeNs(payloadBytes, link);
  const periodNs = Math.max(readoutNs, linkNs);
  return { readoutNs, linkNs, max: 1e9 / periodNs, limitedBy: linkNs > readoutNs ? 'link' : 'readout' };
}
