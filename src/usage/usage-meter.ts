import type { IncomingHttpHeaders } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate, type Gunzip } from 'node:zlib';
import { MISSING_USAGE, type BodyExcerpt, type EventUsage } from '../events/index.js';
import { TailBuffer, lastUsageObject } from './json-tail.js';
import { usageFromProvider, usageOfAnswer } from './provider-usage.js';
import type { RequestFacts } from './request-facts.js';
import { SseEventSplitter, eventData } from './sse-events.js';
import { estimateUsage, promptText, streamedText } from './token-estimate.js';

/** How much of the end of a JSON answer is kept to find its usage (providers write it last). */
const JSON_TAIL_BYTES = 16 * 1024;
/** How much streamed data is kept for estimating a cut stream's completion tokens. */
const MAX_STREAM_TEXT_BYTES = 1024 * 1024;

const USAGE = Buffer.from('"usage"');

type Kind = 'json' | 'event-stream' | 'other';

function kindOf(contentType: string | undefined): Kind {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('text/event-stream')) return 'event-stream';
  if (type.includes('json')) return 'json';
  return 'other';
}

function decompressor(encoding: string | undefined): Gunzip | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress() as unknown as Gunzip;
    default:
      return undefined;
  }
}

/** Collects the first `limit` bytes of a body for an event's excerpt. */
class ExcerptBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  bytes = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.kept >= this.limit) return;
    const part = chunk.length <= this.limit - this.kept ? chunk : chunk.subarray(0, this.limit - this.kept);
    this.chunks.push(Buffer.from(part)); // a copy: the chunk's memory is the stream's
    this.kept += part.length;
  }

  excerpt(complete: boolean, text: (raw: Buffer) => string): BodyExcerpt {
    return { text: text(Buffer.concat(this.chunks)), truncated: this.bytes > this.kept, bytes: complete ? this.bytes : null };
  }
}

/** What the meter learnt about one call once it is over. */
export interface MeteredAnswer {
  /** A promise when the usage has to be estimated with a tokenizer, or a compressed body decoded. */
  readonly usage: EventUsage | Promise<EventUsage>;
  /** The model a streamed answer named (read only for estimates); the request's model is in its facts. */
  readonly model: string | null;
  readonly responseExcerpt: BodyExcerpt | null;
}

export interface UsageMeterOptions {
  /** OBSERVABILITY_MAX_RESPONSE_BODY_BYTES; 0 keeps no excerpt. */
  readonly excerptBytes: number;
  /** Makes an excerpt's text safe to record (secrets redacted). */
  readonly redact: (text: string) => string;
}

/**
 * Reads the token usage of one upstream answer as it streams past, without holding it back or
 * buffering it whole: the usage of a JSON answer from its last few KiB (decompressed as it
 * passes when the provider compressed it), the usage chunk of a chat completions stream,
 * `response.completed` of a Responses stream. When the answer was cut before the provider said
 * its usage (the client left, the upstream died), the usage is estimated with the model's
 * tokenizer from the prompt and the text streamed so far.
 */
export class UsageMeter {
  private kind: Kind = 'other';
  private status = 0;
  private provided: EventUsage | undefined = undefined;
  private responseModel: string | null = null;
  private tail: TailBuffer | undefined = undefined;
  private splitter: SseEventSplitter | undefined = undefined;
  /** Streamed events kept for an estimate, while within MAX_STREAM_TEXT_BYTES. */
  private streamed: Buffer[] = [];
  private streamedBytes = 0;
  private excerpt: ExcerptBuffer | undefined = undefined;
  private inflater: Gunzip | undefined = undefined;
  private inflated: Promise<void> | undefined = undefined;
  private ended = false;
  private complete = false;

  constructor(
    private readonly facts: RequestFacts,
    private readonly options: UsageMeterOptions,
  ) {}

  headers(status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.kind = kindOf(headers['content-type']);
    if (this.options.excerptBytes > 0) this.excerpt = new ExcerptBuffer(this.options.excerptBytes);
    if (this.kind === 'json') this.tail = new TailBuffer(JSON_TAIL_BYTES);
    else if (this.kind === 'event-stream') this.splitter = new SseEventSplitter();
    const inflater = this.kind === 'other' ? undefined : decompressor(headers['content-encoding']);
    if (inflater !== undefined) {
      this.inflater = inflater;
      inflater.on('data', (chunk: Buffer) => this.decoded(chunk));
      this.inflated = new Promise((resolve) => {
        inflater.once('end', resolve);
        inflater.once('error', resolve); // a broken body: whatever was decoded is what we know
        inflater.once('close', resolve);
      });
    }
  }

  chunk(chunk: Buffer): void {
    if (this.inflater !== undefined) this.inflater.write(chunk);
    else this.decoded(chunk);
  }

  end(complete: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.complete = complete;
    if (this.inflater === undefined) return;
    if (complete) this.inflater.end();
    else this.inflater.destroy();
  }

  private decoded(chunk: Buffer): void {
    this.excerpt?.push(chunk);
    if (this.tail !== undefined) this.tail.push(chunk);
    else if (this.splitter !== undefined) for (const event of this.splitter.push(chunk)) this.streamedEvent(event);
  }

  private streamedEvent(event: Buffer): void {
    if (event.indexOf(USAGE) !== -1) {
      const usage = usageOfAnswer(parseData(event));
      if (usage !== undefined) this.provided = usage;
    }
    if (this.provided === undefined && this.streamedBytes < MAX_STREAM_TEXT_BYTES) {
      this.streamed.push(Buffer.from(event));
      this.streamedBytes += event.length;
    }
  }

  /** The call is over (`aborted`: the client left or the answer was cut): its usage and excerpt. */
  finish(aborted: boolean): MeteredAnswer {
    // The client has its whole answer before the upstream response reports its own end.
    if (!this.ended) this.end(!aborted);
    if (this.inflated !== undefined && this.complete) {
      return { usage: this.inflated.then(() => this.usage(aborted)), model: this.responseModel, responseExcerpt: this.responseExcerpt() };
    }
    const usage = this.usage(aborted); // first: an estimate learns the response's model
    return { usage, model: this.responseModel, responseExcerpt: this.responseExcerpt() };
  }

  private model(): string | null {
    return this.facts.model ?? this.responseModel;
  }

  private responseExcerpt(): BodyExcerpt | null {
    if (this.excerpt === undefined) return null;
    const binary = this.kind === 'other';
    return this.excerpt.excerpt(this.complete, (raw) => (binary ? '' : this.options.redact(raw.toString('utf8'))));
  }

  private usage(aborted: boolean): EventUsage | Promise<EventUsage> {
    if (this.tail !== undefined && this.provided === undefined) {
      this.provided = usageFromProvider(lastUsageObject(this.tail.bytes()));
    }
    if (this.provided !== undefined) return this.provided;
    if (this.status < 200 || this.status >= 300) return MISSING_USAGE;
    // Cut short before the provider said its usage: count what went each way. A whole answer
    // without usage (an upstream that ignores include_usage) stays missing: tokenizing every
    // such answer would cost the proxy more CPU than the call itself.
    if (!aborted && this.complete) return MISSING_USAGE;
    if (this.facts.json === undefined && this.streamed.length === 0) return MISSING_USAGE;
    return estimateUsage(this.model(), promptText(this.facts.json), this.streamedCompletion());
  }

  private streamedCompletion(): string {
    let text = '';
    for (const event of this.streamed) {
      const data = parseData(event);
      if (this.responseModel === null && typeof (data as { model?: unknown })?.model === 'string') this.responseModel = (data as { model: string }).model;
      text += streamedText(data);
    }
    return text;
  }
}

function parseData(event: Buffer): unknown {
  const data = eventData(event.toString('utf8'));
  if (data === undefined || !data.startsWith('{')) return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
