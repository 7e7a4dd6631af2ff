import { describe, expect, it } from 'vitest';
import { ConfigError, createTestConfig, describeDatabaseUrl, loadDatabaseConfig } from '../../src/config/index.js';

const load = (env: Record<string, string>) => loadDatabaseConfig({ env, envFilePath: '/nonexistent/.env' });

describe('database settings', () => {
  it('defaults to the SQLite file, with the Go pool defaults for server engines', () => {
    expect(createTestConfig().database).toEqual({
      driver: 'sqlite',
      path: 'data/llm-proxy.db',
      url: undefined,
      lockTimeoutMs: 2_000,
      pool: { size: 10, maxIdle: 5, maxLifetimeMs: 3_600_000, maxIdleTimeMs: 300_000 },
    });
  });

  it('accepts postgres and mysql, their aliases, any case, and the pool settings', () => {
    const postgres = load({ DB_DRIVER: 'PostgreSQL', DATABASE_URL: 'postgresql://u:p@db:5432/llm', DATABASE_POOL_SIZE: '20', DATABASE_CONN_MAX_LIFETIME: '30m' });
    expect(postgres).toMatchObject({ driver: 'postgres', url: 'postgresql://u:p@db:5432/llm', pool: { size: 20, maxLifetimeMs: 1_800_000 } });
    const mysql = load({ DB_DRIVER: 'mariadb', DATABASE_URL: 'mysql://u:p@db/llm', DATABASE_MAX_IDLE_CONNS: '2', DATABASE_CONN_MAX_IDLE_TIME: '10s' });
    expect(mysql).toMatchObject({ driver: 'mysql', pool: { maxIdle: 2, maxIdleTimeMs: 10_000 } });
  });

  it('refuses a missing, malformed or mismatched DATABASE_URL with the fix, never repeating the URL', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DB_DRIVER: 'postgres' }, /DATABASE_URL.*is required with DB_DRIVER=postgres: set it to postgres:\/\/user:password@host:5432\/database/],
      [{ DB_DRIVER: 'mysql', DATABASE_URL: 'not a url s3cret' }, /DATABASE_URL.*is not a URL; expected mysql:\/\//],
      [{ DB_DRIVER: 'mysql', DATABASE_URL: 'postgres://u:s3cret@h/db' }, /does not match DB_DRIVER=mysql/],
      [{ DB_DRIVER: 'postgres', DATABASE_URL: 'postgres://u:s3cret@h:5432' }, /names no database/],
      [{ DB_DRIVER: 'oracle' }, /DB_DRIVER.*accepted: sqlite, postgres, mysql/],
      [{ DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE.*a positive whole number/],
    ];
    for (const [env, message] of cases) {
      const error = (() => {
        try {
          load(env);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('describes a URL by host, port and database only', () => {
    expect(describeDatabaseUrl('postgres://admin:pa%40ss@db.internal:6543/llm?sslmode=require')).toBe('db.internal:6543/llm');
    expect(describeDatabaseUrl('mysql://admin:secret@db/llm')).toBe('db:(default port)/llm');
  });
});
