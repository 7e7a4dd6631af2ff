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
const ESCAPED_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;

const QUOTE = 0x22;

function byKey(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** A single-pass reader that writes the canonical text as it goes (hot path: no per-token regex for plain strings). */
class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at === this.text.length;
  }

  skipSpace(): void {
    const text = this.text;
    let at = this.at;
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
    this.at = at;
  }

  value(): string {
    this.skipSpace();
    const c = this.text.charCodeAt(this.at);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === QUOTE) return this.string()[1];
    if (c === 0x74) return this.word('true');
    if (c === 0x66) return this.word('false');
    if (c === 0x6e) return this.word('null');
    NUMBER.lastIndex = this.at;
    const found = NUMBER.exec(this.text);
    if (found === null) throw new NotCanonical();
    this.at += found[0].length;
    return found[0];
  }

  private word(word: string): string {
    if (!this.text.startsWith(word, this.at)) throw new NotCanonical();
    this.at += word.length;
    return word;
  }

  /** A string token at `at`: [its value, its canonical JSON text]. */
  private string(): [string, string] {
    const text = this.text;
    const end = text.indexOf('"', this.at + 1);
    if (end < 0) throw new NotCanonical();
    const inner = text.slice(this.at + 1, end);
    if (inner.indexOf('\\') < 0) {
      // No escapes: the token is already in canonical form (unless it holds a raw control character).
      if (CONTROL.test(inner)) throw new NotCanonical();
      this.at = end + 1;
      return [inner, text.slice(this.at - inner.length - 2, this.at)];
    }
    ESCAPED_STRING.lastIndex = this.at;
    const found = ESCAPED_STRING.exec(text);
    if (found === null) throw new NotCanonical();
    this.at += found[0].length;
    const value = JSON.parse(found[0]) as string;
    return [value, JSON.stringify(value)];
  }

  /** After an item: true on a comma, false on the closing bracket, else not JSON. */
  private more(close: number): boolean {
    this.skipSpace();
    const c = this.text.charCodeAt(this.at++);
    if (c === 0x2c) return true;
    if (c === close) return false;
    throw new NotCanonical();
  }

  /** Consumes `close` if it comes next (an empty container). */
  private closes(close: number): boolean {
    this.skipSpace();
    if (this.text.charCodeAt(this.at) !== close) return false;
    this.at++;
    return true;
  }

  private object(): string {
    this.at++;
    if (this.closes(0x7d)) return '{}';
    const members: [string, string][] = [];
    do {
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== QUOTE) throw new NotCanonical();
      const [key, keyText] = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.at++) !== 0x3a) throw new NotCanonical();
      members.push([key, `${keyText}:${this.value()}`]);
    } while (this.more(0x7d));
    members.sort(byKey);
    let out = '{';
    for (let i = 0; i < members.length; i++) {
      const member = members[i]!;
      if (i > 0) {
        if (members[i - 1]![0] === member[0]) throw new NotCanonical();
        out += ',';
      }
      out += member[1];
    }
    return out + '}';
  }

  private array(): string {
    this.at++;
    if (this.closes(0x5d)) return '[]';
    let out = '[';
    let first = true;
    do {
      if (!first) out += ',';
      first = false;
      out += this.value();
    } while (this.more(0x5d));
    return out + ']';
  }
}
