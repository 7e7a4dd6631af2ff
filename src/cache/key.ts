import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalJson } from './canonical-json.js';

/**
 * Cache keys. An entry is found by its storage key, `<project id>:<sha-256 hex>`, the hash
 * covering the method, path and query, the body (canonical JSON, or its bytes), the request
 * headers that always change an OpenAI answer, and the project. The request headers named by the
 * stored answer's Vary are compared after the lookup (one variant per key; a new variant
 * replaces the old). The project stays readable in the key so purges by project need no index.
 */

/** Bump when the key's ingredients change, so old entries are never read with a new meaning. */
const KEY_VERSION = 'k1';

/** Request headers that select a different answer whatever the upstream's Vary says. */
const KEYED_HEADERS = ['content-type', 'openai-beta', 'openai-organization', 'openai-project'] as const;

export interface KeyInput {
  readonly projectId: string;
  readonly method: string;
  /** Path and query as received (the request policy already refused unnormalised paths). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The request body, when there is one. */
  readonly body: Buffer | undefined;
}

export interface CacheKey {
  /** Where the entry lives in a store: `<project id>:<64 hex>`. */
  readonly storageKey: string;
  /** The first 16 hex digits of the hash: the X-PROXY-CACHE-KEY value (it never reveals the body). */
  readonly shortKey: string;
  readonly projectId: string;
}

function headerText(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  return (typeof value === 'string' ? value : value.join(', ')).trim();
}

function isJsonMediaType(contentType: string): boolean {
  if (contentType === 'application/json') return true; // what nearly every client sends
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

/** What of the body goes into the key: its canonical JSON, or its bytes when it is not JSON. */
export type KeyedBody = { readonly kind: 'none' } | { readonly kind: 'json'; readonly data: string } | { readonly kind: 'bytes'; readonly data: Buffer };

export function keyedBody(body: Buffer | undefined, contentType: string): KeyedBody {
  if (body === undefined || body.length === 0) return { kind: 'none' };
  const canonical = isJsonMediaType(contentType) ? canonicalJson(body.toString('utf8')) : undefined;
  return canonical === undefined ? { kind: 'bytes', data: body } : { kind: 'json', data: canonical };
}

/**
 * The hashes of recent requests with small bodies, by everything that goes into them: a request
 * that hits the cache is by nature one seen before, and canonicalising and hashing it again was
 * most of a hit's cost. Bounded in entries and body size (well under 1 MiB); oldest out first.
 */
const MEMO_MAX_BODY_BYTES = 2048;
const MEMO_MAX_ENTRIES = 256;
const hashMemo = new Map<string, string>();

function keyHash(head: string, body: Buffer | undefined, contentType: string): string {
  const memoKey = body === undefined ? head : body.length <= MEMO_MAX_BODY_BYTES ? `${head}\n${body.toString('latin1')}` : undefined;
  const known = memoKey === undefined ? undefined : hashMemo.get(memoKey);
  if (known !== undefined) return known;
  const keyed = keyedBody(body, contentType);
  // One pass: the JSON array is self-delimiting, so the body can follow it directly.
  const hash = createHash('sha256').update(`${head.slice(0, -1)},${JSON.stringify(keyed.kind)}]`);
  if (keyed.kind !== 'none') hash.update(keyed.data);
  const hex = hash.digest('hex');
  if (memoKey !== undefined) {
    if (hashMemo.size >= MEMO_MAX_ENTRIES) hashMemo.delete(hashMemo.keys().next().value as string);
    hashMemo.set(memoKey, hex);
  }
  return hex;
}

export function deriveKey(input: KeyInput): CacheKey {
  const contentType = headerText(input.headers['content-type']);
  const fields = [KEY_VERSION, input.projectId, input.method, input.url];
  for (const name of KEYED_HEADERS) fields.push(headerText(input.headers[name]));
  const hex = keyHash(JSON.stringify(fields), input.body, contentType);
  return { storageKey: `${input.projectId}:${hex}`, shortKey: hex.slice(0, 16), projectId: input.projectId };
}

/** The request's values of the headers a stored answer varies on, in the order of `names`. */
export function varyValues(names: readonly string[], headers: IncomingHttpHeaders): string[] {
  return names.map((name) => headerText(headers[name]).replace(/\s*,\s*/g, ','));
}

/** Whether a request selects the variant stored with these Vary names and values. */
export function varyMatches(names: readonly string[], stored: readonly string[], headers: IncomingHttpHeaders): boolean {
  const current = varyValues(names, headers);
  return current.every((value, i) => value === stored[i]);
}
