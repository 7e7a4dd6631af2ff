import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEventResponse, AuditListResponse } from '../../src/manage-client/index.js';
import type { Harness } from '../support/proxy-harness.js';

/** The records of a JSON Lines audit file. */
export function readAuditFile(path: string): AuditEventResponse[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditEventResponse);
}

/** The file's records once it holds at least `count` (the stream writes behind), waiting at most 5 s. */
export async function waitForAuditFile(path: string, count: number): Promise<AuditEventResponse[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const records = readAuditFile(path);
    if (records.length >= count) return records;
    await sleep(50);
  }
  return readAuditFile(path);
}

/** Every record through GET /manage/audit (which first writes those still in memory), newest first. */
export async function listAudit(harness: Harness, query = ''): Promise<AuditListResponse> {
  const response = await harness.manage<AuditListResponse>('GET', `/manage/audit?page_size=100${query ? `&${query}` : ''}`);
  if (response.status !== 200) throw new Error(`GET /manage/audit answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Every row of the audit_events table, as stored (the raw text columns). */
export async function auditRows(harness: Harness): Promise<Record<string, unknown>[]> {
  return harness.proxy.database.db.selectFrom('audit_events').selectAll().execute();
}
