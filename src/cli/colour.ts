import type { Io } from './io.js';

/** ANSI colour for people at a terminal; none when NO_COLOR is set or the stream is not a terminal. */
export function paintFor(stream: Io['stderr'], env: NodeJS.ProcessEnv = process.env) {
  const isOn = stream.isTTY === true && (env.NO_COLOR ?? '') === '';
  const paint = (code: string) => (text: string) => (isOn ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { bold: paint('1'), cyan: paint('36'), green: paint('32'), dim: paint('2') };
}
