/**
 * Chunk data of a GVSP payload (type 0x4001/0x0004): a sequence of `[data][ChunkID][ChunkLength]`
 * with big-endian 4-byte tags *after* each chunk's data, so it is parsed backwards from the end.
 * Bad lengths end the walk (what was found so far is kept); nothing here throws on wire data.
 */
export interface ChunkParseResult {
  chunks: Map<number, Buffer>;
  /** Set when the walk stopped early because a tag did not make sense. */
  problem?: string;
}

export function parseChunkData(data: Buffer): ChunkParseResult {
  const chunks = new Map<number, Buffer>();
  let end = data.length;
  while (end >= 8) {
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
  if (end !== 0) return { chunks, problem: `${end} bytes at the start are not a tagged chunk` };
  return { chunks };
}
