/**
 * Conversions between domain values and what each SQL engine binds and returns. One rule per
 * engine, so that the domain code never knows which one it talks to:
 * - timestamps are ISO-8601 UTC strings on every engine (VARCHAR(32) columns: same width, so
 *   they compare correctly as text; no driver time-zone conversion can shift them);
 * - booleans are native on PostgreSQL, 1/0 on SQLite (which cannot bind JavaScript booleans) and
 *   on MySQL (BOOLEAN is TINYINT(1) there, returned as a number).
 */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export interface Codec {
  bool(value: boolean): number | boolean;
  time(value: Date): string;
}

const isoTime = (value: Date): string => value.toISOString();

export function createCodec(dialect: Dialect): Codec {
  switch (dialect) {
    case 'postgres':
      return { bool: (value) => value, time: isoTime };
    case 'sqlite':
    case 'mysql':
      return { bool: (value) => (value ? 1 : 0), time: isoTime };
  }
}

export function readBool(value: number | boolean): boolean {
  return value === true || value === 1;
}

export function readTime(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

export function readOptionalTime(value: string | Date | null): Date | null {
  return value === null ? null : readTime(value);
}
