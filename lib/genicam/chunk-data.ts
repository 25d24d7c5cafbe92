/**
 * Chunk data of a GVSP payload (type 0x4001/0x0004): a sequence of `[data][ChunkID][ChunkLength]`
 * with big-endian 4-byte tags *after* each chunk's data, so it is parsed backwards from the end.
 * In a 0x4001 payload the image is the first chunk (tagged by the devices that follow the vendor
 * manuals): the walk over the whole payload ends on offset 0. Bad lengths end the walk (what was
 * found so far is kept); nothing here throws on wire data.
 */
export interface ChunkParseResult {
  chunks: Map<number, Buffer>;
  /** Set when the walk stopped early because a tag did not make sense. */
  problem?: string;
}

export interface ChunkParseOptions {
  /**
   * Bytes of image at the start of the payload (from the leader). Some devices append the chunks
   * to an image they do not tag: the walk then ends cleanly where the image ends.
   */
  imageLength?: number;
}

export function parseChunkData(data: Buffer, options: ChunkParseOptions = {}): ChunkParseResult {
  const chunks = new Map<number, Buffer>();
  const untaggedImageEnd = options.imageLength !== undefined && options.imageLength > 0 ? options.imageLength : -1;
  let end = data.length;
  while (end >= 8 && end !== untaggedImageEnd) {
    const id = data.readUInt32BE(end - 8);
    const length = data.readUInt32BE(end - 4);
    const start = end - 8 - length;
    if (start < 0) {
      return { chunks, problem: `chunk 0x${id.toString(16).padStart(8, '0')} claims ${length} bytes but only ${end - 8} precede its tag` };
    }
    // The last occurrence in the buffer wins (the walk meets it first).
    if (!chunks.has(id)) chunks.set(id, data.subarray(start, end - 8));
    end = start;
  }
  if (end !== 0 && end !== untaggedImageEnd) return { chunks, problem: `${end} bytes at the start are not a tagged chunk` };
  return { chunks };
}
