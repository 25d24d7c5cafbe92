/**
 * Constants of the emulated Sony IMX541 sensor and the camera's link, in one place so the frame-rate
 * model, the scene and the documentation agree. `docs/emulator.md` explains where each comes from.
 */

export const SENSOR_WIDTH = 4504;
export const SENSOR_HEIGHT = 4504;
/** The sensor digitises 12 bits. */
export const SENSOR_BITS = 12;
export const SENSOR_MAX_VALUE = (1 << SENSOR_BITS) - 1;

/**
 * Readout: a fixed per-frame overhead plus one line period per sensor row read. Fitted so that the
 * manual's sensor-limited rows come out (30 fps at 1080 rows, 62 fps at 480 rows).
 */
export const LINE_PERIOD_NS = 28_000;
export const FRAME_OVERHEAD_NS = 2_560_000;

/** 1000BASE-T carries 125 000 000 bytes per second on the wire. */
export const LINK_BYTES_PER_SECOND = 125_000_000;
/** Per Ethernet frame on the wire besides the IP datagram: header 14, FCS 4, preamble 8, gap 12. */
export const ETHERNET_WIRE_OVERHEAD = 38;
/** IP 20 + UDP 8 + GVSP 8 (standard ids) or + 20 (extended ids). */
export const GVSP_DATAGRAM_OVERHEAD = 36;
export const GVSP_DATAGRAM_OVERHEAD_EXTENDED = 48;
/** The packet size the manual's frame-rate tables assume (standard Ethernet MTU). */
export const DEFAULT_PACKET_SIZE = 1500;
/** Image leader (GVSP 8 + 36) and trailer (GVSP 8 + 16 with chunk fields) as IP datagrams. */
export const LEADER_DATAGRAM_BYTES = 28 + 44;
export const TRAILER_DATAGRAM_BYTES = 28 + 24;
/** Ethernet's minimum frame (64) plus preamble and gap: the wire cost of a small packet. */
export const MIN_WIRE_FRAME = 84;

/** The exposure at which, with 0 dB gain, one scene unit becomes one 12-bit digital unit. */
export const EXPOSURE_REFERENCE_US = 10_000;

export const EXPOSURE_MIN_US = 2;
export const EXPOSURE_MAX_US = 30_000_000;
export const GAIN_MAX_DB = 48;
export const FRAME_RATE_MIN = 0.01;
