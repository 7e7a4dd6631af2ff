/** What the usage meter needs to know about a request, read from its JSON body. */
export interface RequestFacts {
  readonly model: string | null;
  readonly stream: boolean;
  /** The client asked for usage in its stream itself (`stream_options.include_usage: true`). */
  readonly includeUsage: boolean;
  /** The parsed body (for estimating the prompt's tokens); undefined when not a JSON object. */
  readonly json: Record<string, unknown> | undefined;
}

export const NO_FACTS: RequestFacts = Object.freeze({ model: null, stream: false, includeUsage: false, json: undefined });

const STREAM_KEY = Buffer.from('"stream"');

/**
 * The facts of a request body that looks like a JSON object; anything else yields NO_FACTS.
 * Most calls do not stream, and then nothing on the request path needs the parsed body: a body
 * without a `"stream"` key is parsed only when its model or JSON is asked for (an event for a
 * consumer of whole events, an estimate of a cut call). A `"stream"` inside a string value
 * cannot match: the quotes of a string's content are escaped.
 */
export function requestFacts(body: Buffer | undefined): RequestFacts {
  if (body === undefined || body.length === 0) return NO_FACTS;
  // Cheap check first: the first non-blank byte of a JSON object.
  let first = 0;
  while (first < body.length && (body[first] === 0x20 || body[first] === 0x0a || body[first] === 0x0d || body[first] === 0x09)) first++;
  if (body[first] !== 0x7b) return NO_FACTS;
  return body.indexOf(STREAM_KEY) === -1 ? new UnparsedFacts(body) : parsedFacts(body);
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}

function modelOf(object: Record<string, unknown> | undefined): string | null {
  return typeof object?.model === 'string' ? object.model : null;
}

function parsedFacts(body: Buffer): RequestFacts {
  const object = parseObject(body);
  if (object === undefined) return NO_FACTS;
  const options = object.stream_options;
  return {
    model: modelOf(object),
    stream: object.stream === true,
    includeUsage: typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true,
    json: object,
  };
}

/** A body without a `"stream"` key: not streamed; parsed on the first read of its model or JSON. */
class UnparsedFacts implements RequestFacts {
  readonly stream = false;
  readonly includeUsage = false;
  private parsed: Record<string, unknown> | undefined | null = null;

  constructor(private readonly body: Buffer) {}

  get json(): Record<string, unknown> | undefined {
    if (this.parsed === null) this.parsed = parseObject(this.body);
    return this.parsed;
  }

  get model(): string | null {
    return modelOf(this.json);
  }
}

/**
 * The body with `stream_options.include_usage` set. When the client sent no stream_options the
 * field is inserted as the first member, leaving every other byte of its body as it was.
 */
export function withIncludeUsage(body: Buffer, facts: RequestFacts): Buffer {
  const json = facts.json ?? {};
  if (json.stream_options === undefined) {
    const open = body.indexOf(0x7b);
    const rest = body.subarray(open + 1).toString('utf8');
    const separator = /^\s*}/.test(rest) ? '' : ',';
    return Buffer.concat([body.subarray(0, open + 1), Buffer.from(`"stream_options":{"include_usage":true}${separator}`), body.subarray(open + 1)]);
  }
  const options = typeof json.stream_options === 'object' && json.stream_options !== null ? json.stream_options : {};
  return Buffer.from(JSON.stringify({ ...json, stream_options: { ...options, include_usage: true } }), 'utf8');
}
