/**
 * Canonical form of a JSON text for cache keys: object members sorted by key (recursively),
 * insignificant whitespace removed, strings re-escaped one way. Numbers keep their literal text,
 * so two bodies JSON.parse would confuse (12345678901234567890 vs …891) never share a key; a
 * number spelled differently (1 vs 1.0) only costs a miss. Returns undefined for anything that
 * is not plain JSON, or an object with a repeated key (upstreams disagree on which one wins).
 */
export function canonicalJson(text: string): string | undefined {
  const parser = new Parser(text);
  try {
    const value = parser.value();
    parser.skipSpace();
    return parser.atEnd() ? value : undefined;
  } catch {
    return undefined;
  }
}

class NotCanonical extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON strings exclude raw control characters, which is what the class below says.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at === this.text.length;
  }

  skipSpace(): void {
    const text = this.text;
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  value(): string {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return JSON.stringify(this.string());
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return word;
      }
    }
    return this.match(NUMBER);
  }

  private match(pattern: RegExp): string {
    pattern.lastIndex = this.at;
    const found = pattern.exec(this.text);
    if (found === null) throw new NotCanonical();
    this.at += found[0].length;
    return found[0];
  }

  private string(): string {
    return JSON.parse(this.match(STRING)) as string;
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.at] !== char) throw new NotCanonical();
    this.at++;
  }

  /** Consumes `close` if it comes next (an empty container). */
  private closes(close: string): boolean {
    this.skipSpace();
    if (this.text[this.at] !== close) return false;
    this.at++;
    return true;
  }

  private object(): string {
    this.at++;
    const members = new Map<string, string>();
    if (!this.closes('}')) {
      do {
        this.skipSpace();
        const key = this.string();
        if (members.has(key)) throw new NotCanonical();
        this.expect(':');
        members.set(key, this.value());
        this.skipSpace();
      } while (this.text[this.at++] === ',');
      if (this.text[this.at - 1] !== '}') throw new NotCanonical();
    }
    const keys = [...members.keys()].sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${members.get(key)}`).join(',')}}`;
  }

  private array(): string {
    this.at++;
    const items: string[] = [];
    if (!this.closes(']')) {
      do items.push(this.value());
      while (this.skipSpaceThenNext() === ',');
      if (this.text[this.at - 1] !== ']') throw new NotCanonical();
    }
    return `[${items.join(',')}]`;
  }

  private skipSpaceThenNext(): string | undefined {
    this.skipSpace();
    return this.text[this.at++];
  }
}
