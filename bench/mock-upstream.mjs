// A minimal OpenAI-compatible upstream for the overhead benchmark: as cheap as possible, so the
// figures are about the proxies in front of it. Usage: node bench/mock-upstream.mjs <port>
// A request with "mock_content_bytes": N gets an answer whose content is N bytes (to fill caches).
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
});
// With stream_options.include_usage, like OpenAI: "usage":null in every chunk, then a usage-only chunk.
const chunk = (i, withUsage) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]${withUsage ? ',"usage":null' : ''}}\n\n`;
const usageChunk = `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":50,"total_tokens":59}}\n\n`;
const CHUNKS = 50;
const SIZED = '"mock_content_bytes":';

/** The completion with `bytes` of content, for requests that ask for a size (cache fills). */
const sizedCompletion = (body) => {
  const bytes = JSON.parse(body).mock_content_bytes;
  const choice = { index: 0, message: { role: 'assistant', content: 'x'.repeat(bytes) }, finish_reason: 'stop' };
  return JSON.stringify({ ...JSON.parse(completion), choices: [choice] });
};
const CHUNK_INTERVAL_MS = 1;

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (text) => (body += text));
  req.on('end', () => {
    if (!body.includes('"stream":true')) {
      const answer = body.includes(SIZED) ? sizedCompletion(body) : completion;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const withUsage = body.includes('"include_usage":true');
    let sent = 0;
    const next = () => {
      if (res.destroyed) return;
      if (sent === CHUNKS) {
        res.end(withUsage ? `${usageChunk}data: [DONE]\n\n` : 'data: [DONE]\n\n');
        return;
      }
      res.write(chunk(sent++, withUsage));
      setTimeout(next, CHUNK_INTERVAL_MS);
    };
    next();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('SIGTERM', () => process.exit(0));
