/**
 * Every error code of the package, each with what it means. `GigeError.code` is one of these (the
 * constructor is typed to them), flows branch on them (`msg.error.code`), and docs/errors.md lists
 * them (test/architecture/error-codes.test.ts checks that this list, the code and the docs agree).
 * Native codes (native/src/napi_util.h, sender_binding.cc) are here too.
 */
export const GIGE_ERROR_CODES = {
  // Arguments and settings (any layer)
  INVALID_ARGUMENT:
    "An argument has the wrong form (native functions, the emulator's I/O control requests); the message says what is allowed.",
  OUT_OF_RANGE:
    'A number outside its allowed range (a feature value, a limit of lib/camera/limits.ts, a native buffer size); the message gives the range.',
  WRONG_TYPE: "A value of the wrong type: a string for a number, an operation the feature's type does not have (execute() on an Integer).",
  INVALID_VALUE: 'A value the emulated camera does not accept for a feature (an enumeration entry it does not have, a user set value).',
  UNKNOWN_NAME: 'A name that is not one of the allowed ones (a msg property key, a choice); the message lists the allowed names.',
  BAD_ARGUMENTS: 'The `gige` CLI was given options it cannot use; the message names the option and the allowed values.',
  BAD_CONFIG: 'A config node\'s properties do not parse (an unknown "find camera by", a bad number); the node says which.',
  CONFIG_ERROR: 'The config node stopped on a configuration error whose cause carried no code of its own (`details.configuration: true`).',
  BAD_SETTING: 'A camera settings line is not `Name=Value`.',
  BAD_REQUEST: 'An editor HTTP endpoint (feature tree, discovery) got a query it cannot serve (too long, missing address).',
  BAD_ENCODING: 'An output encoding that is not supported (allowed: raw, png, jpeg, ...).',
  BAD_ACTION: 'A msg.action the node does not know, or one its mode cannot do (record without the ring mode).',
  BAD_DELAY: 'An action delay that is not a number ≥ 0 ms.',
  BAD_KEY: 'An action device/group key or mask that is not a 32-bit number.',
  BAD_TIME: 'A scheduled time that is not a device time (whole ticks, ns on a PTP clock).',
  BUSY: 'Too much work already queued (recordings being written); this request was not started.',
  // Native core
  CLOSED: 'A native stream receiver or sender was used after close().',
  SOCKET_ERROR: 'A native socket call failed (bind, setsockopt, send); the message carries the system error.',
  STREAM_CLOSED: "The emulator's stream channel is closed (SCP is 0): no host receives blocks.",
  NATIVE_NOT_FOUND:
    'The native core is missing for this platform: no local build and no prebuilt binary loaded; the message says what was tried and how to fix it.',
  // GVCP (lib/gvcp)
  GVCP_STATUS: 'The device answered with an error status (`status`, `statusName` say which).',
  GVCP_TIMEOUT: 'No acknowledge after every retry, or PENDING_ACKs beyond the granted time.',
  GVCP_BUSY: 'Too many commands already waiting on the control channel.',
  GVCP_MALFORMED: 'A packet that does not parse (too short, wrong key, lengths that disagree).',
  GVCP_CLOSED: 'The channel or device was closed while the command was outstanding.',
  GVCP_ARGUMENT: 'The caller asked for something the protocol cannot carry (alignment, size, range, an address that is no IPv4 address).',
  GVCP_LOST: 'The device stopped answering heartbeats, or control was taken away.',
  GVCP_SOCKET: 'A GVCP socket could not be opened, bound or used.',
  GVCP_UNREACHABLE: "No route from this host to the device's address.",
  GVCP_UNSUPPORTED: 'The device does not offer what was asked (control switchover, a GVCP capability).',
  GVCP_ACCESS_DENIED: 'Another application controls the camera; connect with monitor access, or stop the other application.',
  GVCP_ADDRESS_IN_USE: 'The address chosen for a camera (FORCEIP, persistent IP) is taken on the interface.',
  GVCP_NO_FREE_ADDRESS: "No free address was found in the interface's subnet for a camera.",
  STREAM_BLOCKED: 'No test packet of the packet-size negotiation reached the host, not even the smallest (a firewall, a wrong route).',
  // GenICam (lib/genicam)
  FEATURE_NOT_FOUND: "No feature of that name in the camera's node map; the message suggests close names.",
  FEATURE_NOT_AVAILABLE: 'The feature is not available now (its pIsAvailable is false, or an enumeration entry is not available).',
  FEATURE_NOT_WRITABLE: 'The feature is read-only (now or always).',
  FEATURE_NOT_READABLE: 'The feature is write-only.',
  FEATURE_NOT_IMPLEMENTED: 'The device does not implement the feature (its pIsImplemented is false).',
  FEATURE_LOCKED: 'The feature is locked by another one (TLParamsLocked during acquisition); the message says when it is writable again.',
  FORMULA_SYNTAX: "A formula or expression in the device's XML does not parse, or refers to itself.",
  FORMULA_TOO_COMPLEX: "A formula beyond the evaluator's bounds (length, operations, nesting).",
  FORMULA_UNKNOWN_VARIABLE: 'A formula names a variable, property or enumeration entry that does not exist.',
  FORMULA_EVALUATION: 'Evaluating a formula failed (it gave NaN, a read it needs failed).',
  COMMAND_TIMEOUT: 'A Command feature did not complete within its timeout.',
  INDEX_NOT_FOUND: 'An indexed value (pIndex) has no entry for the current index and no default.',
  REGISTER_ADDRESS: "A register's computed address is outside the 64-bit address space GenApi allows.",
  REGISTER_LENGTH: 'An integer register whose length is not 1 … 8 bytes.',
  PORT_ERROR: 'A read or write through a GenICam port failed; the cause is attached.',
  PORT_MISSING: 'A feature needs a port that was not given to the node map (device, chunk or event port).',
  PORT_OUT_OF_RANGE: 'A read or write beyond the data a chunk or event port holds.',
  PORT_SHORT_READ: 'A port returned fewer bytes than asked for.',
  CHUNK_NOT_FOUND: "The attached chunk data holds no chunk with the feature's chunk ID.",
  CHUNK_NOT_ATTACHED: 'A chunk feature was read before any chunk data was attached.',
  EVENT_NOT_DELIVERED: 'An event feature was read before its event arrived.',
  XML_INVALID: "The device's GenICam XML is not well-formed or not valid GenApi; the message says where.",
  XML_UNAVAILABLE: "The device's GenICam XML could not be read from any of its URLs.",
  XML_URL_INVALID: 'A GenICam XML URL register that does not parse.',
  XML_URL_UNSUPPORTED: 'An XML URL of a kind not supported (http:, for instance).',
  XML_ZIP_INVALID: 'The zipped XML file is damaged or has no XML inside.',
  // Stream (lib/stream)
  STREAM_WARNING:
    "Not an error: a stream problem worth knowing (socket buffer smaller than asked, packet size above the MTU, a camera ignoring resends), emitted as 'warning'.",
  FRAME_RELEASED: 'A frame was used after release(): its buffer is reused; share() or detach() it to keep it.',
  UNSUPPORTED_PIXEL_FORMAT: 'A pixel format this package cannot convert or encode.',
  // Camera (lib/camera)
  ACCESS_DENIED: 'An operation that needs control access was asked of a monitor connection.',
  ACQUISITION_CONFLICT:
    'Another user of the same camera acquires in another mode (free-running vs software trigger); the message names it.',
  ACQUISITION_FAILED: 'Acquisition could not start; the cause is attached.',
  ACQUISITION_RUNNING: 'An operation that needs acquisition stopped (packet-size negotiation) was asked while it runs.',
  ACQUISITION_STOPPED: 'Acquisition stopped while a frame was awaited.',
  BANDWIDTH_BUDGET: "The host link's bandwidth budget could not be applied to the camera.",
  BANDWIDTH_EXCEEDED: 'The cameras on one host link want more than the link carries; the message gives the plan.',
  CAMERA_CLOSED: 'The camera was closed while an operation was pending.',
  CAMERA_IN_USE: 'The camera is already open in this process with other settings (one config node per camera).',
  CAMERA_LOST: 'The camera stopped answering (heartbeat lost); reconnecting.',
  CHUNK_DATA: "A frame's chunk data does not parse.",
  EVENTS_DROPPED: 'Events arrive faster than they are delivered; events are dropped until the queue drains.',
  FRAME_TIMEOUT: 'No frame within the frame timeout.',
  HOST_CHECK: 'A host setting keeps the camera from working well (a firewall, rp_filter, socket buffers); the message says the fix.',
  MONITOR_STREAM: "A monitor could not receive the controller's multicast stream.",
  MONITOR_UNICAST: 'The camera streams unicast to its controller: a monitor receives nothing.',
  NOT_ACQUIRING: 'No acquisition is running (start it first, or use grab()).',
  NOT_CONNECTED: 'The camera is not connected now (connecting, disconnected, refused); the message says which.',
  PACKET_SIZE_AUTO: 'Packet size "auto" could not be negotiated; the camera\'s packet size is kept.',
  SETTING_FAILED: 'Applying a configured setting to the camera failed.',
  UNKNOWN_EVENT: 'An event name the camera does not offer; the message lists those it offers.',
  EMULATOR_FAILED: 'The in-process emulated camera of a pooled connection did not start.',
  // Emulator (lib/emulator)
  EMULATOR_ADDRESS: 'An address the emulator may not serve (a non-loopback address without --allow-network, FORCEIP out of scope).',
  EMULATOR_BIND: 'The emulator could not bind its address or port.',
  EMULATOR_INTERFACE: 'The emulator could not create or own the network interface it was given.',
  EMULATOR_STATE: "The emulator's state file is unreadable; delete it to start from factory settings.",
  EMULATOR_STREAM: "The emulator's stream sender could not be created.",
  IO_CONTROL_CLOSED: 'The emulator closed the I/O control connection.',
  IO_CONTROL_REFUSED: 'The emulator refused an I/O control request; the message is its reason.',
  IO_CONTROL_TIMEOUT: 'No emulator I/O control interface answered in time.',
  IO_CONTROL_UNREACHABLE: "The emulator's I/O control interface could not be reached.",
  UNKNOWN_FEATURE: 'A setting names a feature the emulated DMK 38GX541-a does not have.',
  USER_SET_FILE: "The emulator's user set file is not readable JSON; delete it to start from factory settings.",
  USER_SET_INVALID: 'A stored user set names an unknown feature or holds an impossible value.',
  USER_SET_WRITE: 'The emulator could not write its user set file.',
  // Nodes (nodes/)
  ACTION_REFUSED: 'One or more cameras refused an action command; the message gives their reasons.',
  CAMERA_NOT_FOUND: 'No camera with the configured serial number answered discovery.',
  CAMERA_UNREACHABLE: 'The camera answered discovery but cannot be controlled from this host (another subnet); the message says the fix.',
  INTERFACE_MISSING: 'The configured interface has no IPv4 address on this host.',
  HDR_FAILED: 'Exposure fusion failed or its worker thread stopped; the message says why.',
  NAME_EXHAUSTED: 'No free file name is left for a recording (1000 files of that name exist).',
  NODE_CLOSED: 'The node was closed (redeployed or removed) before the message was handled.',
  NOT_A_FRAME: 'msg.image is not a frame as gige-grab sends it (width, height, pixelFormat).',
  NOT_A_SET: 'gige-hdr-merge got no whole multi-frame set (arrays of frames and msg.image, 2 … 16 frames of one size).',
  NOT_RAW: 'gige-hdr-merge got encoded frames (JPEG/PNG); exposure fusion needs raw ones.',
  NOT_TRIGGER_MODE: 'The camera is not in the trigger mode the node needs; the message says which setting.',
  NO_CAMERA: "No camera config node is chosen in the node's properties.",
  NO_CAMERA_NAME: 'The message does not name the camera its frame comes from.',
  NO_CHUNK_DATA: 'A frame without chunk data (ChunkModeActive is off, or the chunk is not selected).',
  BAD_ADDRESS: "An action command's destination that is not an IPv4 address.",
  BAD_FEATURE: 'A feature name list that is not text or an array of GenICam names.',
  NO_ANSWER: "An action command that no camera acknowledged (keys, address or the cameras' action settings do not match).",
  NO_VALUE: 'A feature write without a value (undefined or null).',
  NO_CLOCK: 'A scheduled action needs a camera to read the PTP time from.',
  NO_EVENTS: 'No event was chosen to listen to.',
  NO_FEATURE: 'No feature was named (property or msg.feature).',
  PROBE_TIMEOUT: 'Opening a camera for the editor took too long.',
  PTP_NOT_LOCKED: "The camera's PTP clock is not locked (scheduled actions would fire at the wrong time).",
  SCHEDULE_FULL: "The camera's queue of scheduled actions is full.",
  UNKNOWN_CAMERA: 'A frame from a camera the frame set does not wait for.',
  WRITE_FAILED: 'A recording could not be written (folder, file).',
  // CLI (bin/)
  NOT_FOUND: '`gige ip`: no camera with that MAC address answered.',
  NOT_REACHABLE: '`gige ip`: the camera is not reachable from the chosen interface.',
} as const;

export type GigeErrorCode = keyof typeof GIGE_ERROR_CODES;

export function isGigeErrorCode(code: unknown): code is GigeErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(GIGE_ERROR_CODES, code);
}

/**
 * The one error type every layer throws. `code` is stable (for flows that branch on it, e.g.
 * `msg.error.code`); `message` says what was wrong and what is allowed; `details` carries the
 * values involved (feature name, attempted value, allowed range, GVCP status, ...).
 */
export class GigeError extends Error {
  readonly code: GigeErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: GigeErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GigeError';
    this.code = code;
    this.details = details;
  }
}

export function isGigeError(err: unknown, code?: GigeErrorCode): err is GigeError {
  return err instanceof GigeError && (code === undefined || err.code === code);
}

/** How many characters of user input an error message quotes at most. */
export const MAX_QUOTED_INPUT = 100;

/**
 * User text as an error message shows it, unquoted: cut to `max` characters with the full length
 * said — a 10 MB feature name must not make a 10 MB error (log lines, Catch messages, the
 * editor's status).
 */
export function clipInput(text: string, max = MAX_QUOTED_INPUT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * User input as an error message quotes it: strings in double quotes (escaped like JSON), cut to
 * `max` characters like clipInput. Numbers and booleans appear as they are.
 */
export function quoteInput(value: unknown, max = MAX_QUOTED_INPUT): string {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (Buffer.isBuffer(value)) return `<Buffer of ${value.length} bytes>`;
  if (typeof value !== 'string') {
    let text: string;
    try {
      // undefined for a function or a symbol: name the kind, not a function's source text
      text = JSON.stringify(value) ?? `<${typeof value}>`;
    } catch {
      text = Object.prototype.toString.call(value);
    }
    return clipInput(text, max);
  }
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max)).slice(0, -1)}…" (${value.length} characters)`;
}
