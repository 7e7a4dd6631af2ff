/** Response headers for a body rewritten on its way (its length is no longer known): a flat [name, value, …] list without Content-Length. */
export function withoutContentLength(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.toLowerCase() !== 'content-length') out.push(name, headers[i + 1] as string);
  }
  return out;
}
