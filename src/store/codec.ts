/**
 * Conversions between domain values and what each SQL engine binds and returns. Timestamps are
 * stored as ISO-8601 UTC strings (same width, so they compare correctly as text on every engine);
 * booleans are 1/0 on SQLite, which cannot bind JavaScript booleans.
 */
export type Dialect = 'sqlite';

export interface Codec {
  bool(value: boolean): number | boolean;
  time(value: Date): string;
}

export function createCodec(dialect: Dialect): Codec {
  switch (dialect) {
    case 'sqlite':
      return { bool: (value) => (value ? 1 : 0), time: (value) => value.toISOString() };
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
