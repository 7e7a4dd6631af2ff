/**
 * Keeps the last `limit` bytes (at least) of a body as it passes, so that a field the provider
 * writes near the end (`usage`) can be read without holding or parsing a large answer whole.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0] as Buffer).length >= this.limit) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
  }

  bytes(): Buffer {
    return this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const COLON = 0x3a;

function isBlank(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Index just past the JSON object starting at `start`, honouring strings; -1 when it does not close. */
function objectEnd(data: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < data.length; i++) {
    const byte = data[i];
    if (inString) {
      if (byte === BACKSLASH) i++; // skip the escaped character
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN) depth++;
    else if (byte === CLOSE && --depth === 0) return i + 1;
  }
  return -1;
}

/** Where the object value of the `"usage"` key found at `key` starts; -1 when it is not `"usage": {`. */
function valueStart(data: Buffer, key: number): number {
  let i = key + USAGE_KEY.length;
  while (isBlank(data[i])) i++;
  if (data[i] !== COLON) return -1;
  i++;
  while (isBlank(data[i])) i++;
  return data[i] === OPEN ? i : -1;
}

const USAGE_KEY = Buffer.from('"usage"');

/**
 * The last `"usage": {…}` object of a JSON text, parsed; undefined when there is none. Searches
 * from the end and decodes only the object itself. A `"usage"` inside a string value cannot match:
 * the quotes of a string's content are escaped.
 */
export function lastUsageObject(data: Buffer): unknown {
  for (let key = data.lastIndexOf(USAGE_KEY); key !== -1; key = key === 0 ? -1 : data.lastIndexOf(USAGE_KEY, key - 1)) {
    const start = valueStart(data, key);
    if (start === -1) continue;
    const end = objectEnd(data, start);
    if (end === -1) continue;
    try {
      return JSON.parse(data.toString('utf8', start, end));
    } catch {
      // not JSON after all: look further back
    }
  }
  return undefined;
}
