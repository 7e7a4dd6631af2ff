/** Edits of flat [name, value, …] header lists (node's raw form) for the rare paths that need one. */

function without(headers: readonly string[], drop: (lowerName: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!drop(name.toLowerCase())) out.push(name, headers[i + 1] as string);
  }
  return out;
}

/** The request headers for a body held in memory: its exact Content-Length, no chunked framing. */
export function withBodyLength(headers: readonly string[], length: number): string[] {
  const out = without(headers, (name) => name === 'content-length' || name === 'transfer-encoding');
  out.push('content-length', String(length));
  return out;
}

/** Response headers for a body rewritten on its way (its length is no longer known). */
export function withoutContentLength(headers: readonly string[]): string[] {
  return without(headers, (name) => name === 'content-length');
}
