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

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Index just past the JSON value (object) starting at `start`, honouring strings; -1 when it does not close. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b) depth++;
    else if (char === 0x7d && --depth === 0) return i + 1;
  }
  return -1;
}

const USAGE_KEY = /"usage"\s*:\s*\{/g;

/** The last `"usage": {…}` object found in the text, parsed; undefined when there is none. */
export function lastUsageObject(text: string): unknown {
  let found: unknown;
  USAGE_KEY.lastIndex = 0;
  for (let match = USAGE_KEY.exec(text); match !== null; match = USAGE_KEY.exec(text)) {
    const start = match.index + match[0].length - 1;
    const end = objectEnd(text, start);
    if (end === -1) break;
    try {
      found = JSON.parse(text.slice(start, end));
    } catch {
      // a "usage" inside some other string: keep looking
    }
    USAGE_KEY.lastIndex = end;
  }
  return found;
}
