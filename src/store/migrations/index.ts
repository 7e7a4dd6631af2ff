import type { Migration } from 'kysely';
import * as m0001 from './0001-projects-and-tokens.js';

/** Every migration, in order. A static record (no directory scan) behaves the same from src/ and dist/. */
export const migrations: Record<string, Migration> = {
  '0001-projects-and-tokens': m0001,
};
