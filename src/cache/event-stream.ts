/** Whether a Content-Type is an SSE stream. */
export function isEventStream(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().startsWith('text/event-stream') === true;
}

/**
 * Whether a captured SSE body ended the way a finished OpenAI stream ends: chat and completions
 * with `data: [DONE]`, the Responses API with its `response.completed` event. Anything else (a cut
 * stream, an error event last) is not a whole answer and is never stored.
 */
export function isCompletedEventStream(body: Buffer): boolean {
  const text = body.toString('utf8').replace(/\r\n?/g, '\n').trimEnd();
  const lastEvent = text.slice(text.lastIndexOf('\n\n') + 1).trim();
  if (/(^|\n)data: ?\[DONE\]$/.test(lastEvent)) return true;
  if (/(^|\n)event: ?response\.completed(\n|$)/.test(lastEvent)) return true;
  const data = /(^|\n)data: ?(.*)$/s.exec(lastEvent)?.[2];
  if (data === undefined) return false;
  try {
    return (JSON.parse(data) as { type?: unknown }).type === 'response.completed';
  } catch {
    return false;
  }
}
