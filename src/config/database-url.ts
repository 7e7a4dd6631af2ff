/** The server engines a DATABASE_URL can point at. */
type ServerEngine = 'postgres' | 'mysql';

/** Where a server database lives, safe to print: `host:port/database`, never the user or password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    return `${parsed.hostname}:${parsed.port || '(default port)'}${database === '' ? '' : `/${database}`}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

const PROTOCOLS: Readonly<Record<ServerEngine, readonly string[]>> = {
  postgres: ['postgres:', 'postgresql:'],
  mysql: ['mysql:', 'mariadb:'],
};

/**
 * Why this URL cannot reach this engine, or undefined when it is well-formed. Never repeats the
 * URL itself (it may hold a password).
 */
export function databaseUrlProblem(driver: ServerEngine, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return `is not a URL; expected ${driver === 'postgres' ? 'postgres://user:password@host:5432/database' : 'mysql://user:password@host:3306/database'}`;
  }
  if (!PROTOCOLS[driver].includes(parsed.protocol)) {
    return `starts with "${parsed.protocol}//", which does not match DB_DRIVER=${driver} (expected ${PROTOCOLS[driver].map((p) => `${p}//`).join(' or ')})`;
  }
  if (parsed.hostname === '') return 'names no host';
  if (parsed.pathname.replace(/^\//, '') === '') return 'names no database (add /<database> after the host)';
  return undefined;
}
