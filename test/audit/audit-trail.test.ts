import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventResponse } from '../../src/manage-client/index.js';
import { rawRequest } from '../support/http.js';
import { MANAGEMENT_TOKEN, UPSTREAM_KEY, startHarness, type Harness } from '../support/proxy-harness.js';
import { auditRows, listAudit, readAuditFile, waitForAuditFile } from './audit-support.js';

const NEW_UPSTREAM_KEY = 'sk-rotated-upstream-key-9876543210';
const WRONG_MANAGEMENT_TOKEN = 'not-the-management-token-0123456789';

describe('audit trail of management actions (real server)', () => {
  let harness: Harness;
  let auditFile: string;
  let witheringToken: string;
  let tokenId: string;
  let projectId: string;
  let records: AuditEventResponse[];

  beforeAll(async () => {
    harness = await startHarness();
    auditFile = join(dirname(harness.dbPath), 'audit.log'); // the default: beside the database

    const project = await harness.manage<{ id: string }>('POST', '/manage/projects', { name: 'audited', api_key: UPSTREAM_KEY });
    projectId = project.body.id;
    await harness.manage('PATCH', `/manage/projects/${projectId}`, { name: 'audited-2', api_key: NEW_UPSTREAM_KEY });
    const token = await harness.manage<{ id: string; token: string }>('POST', '/manage/tokens', { project_id: projectId, duration_hours: 1 });
    [witheringToken, tokenId] = [token.body.token, token.body.id];
    await harness.manage('PATCH', `/manage/tokens/${tokenId}`, { max_requests: 5 });
    await harness.manage('DELETE', `/manage/tokens/${witheringToken}`); // by the token itself: redacted in the record
    await harness.manage('POST', `/manage/projects/${projectId}/tokens/revoke`);
    await harness.manage('DELETE', `/manage/cache?project_id=${projectId}`);
    await harness.manage('GET', '/manage/projects'); // reads: not recorded by default
    await harness.manage('GET', `/manage/tokens/${tokenId}`);
    const unknownProject = await harness.manage('POST', '/manage/tokens', { project_id: 'no-such-project', duration_hours: 1 });
    expect(unknownProject.status).toBe(404);
    const refused = await rawRequest(harness.url, {
      path: '/manage/projects',
      headers: { authorization: `Bearer ${WRONG_MANAGEMENT_TOKEN}`, 'x-forwarded-for': '203.0.113.9', 'user-agent': 'brute-force/1.0' },
    });
    expect(refused.status).toBe(401);
    await harness.manage('DELETE', `/manage/projects/${projectId}`);
    records = (await listAudit(harness)).events;
  });
  afterAll(() => harness.close());

  const recordOf = (action: string, outcome = 'success') => {
    const matching = records.filter((record) => record.action === action && record.outcome === outcome);
    expect(matching, `${action} ${outcome}`).toHaveLength(1);
    return matching[0] as AuditEventResponse;
  };

  it('records each change once, newest first, with the actor, request and project', () => {
    expect(records.map((record) => `${record.action} ${record.outcome}`)).toEqual([
      'project.delete success',
      'management.auth denied',
      'token.create failure',
      'cache.purge success',
      'token.revoke_batch success',
      'token.revoke success',
      'token.update success',
      'token.create success',
      'project.update success',
      'project.create success',
    ]);
    for (const record of records.filter((r) => r.action !== 'management.auth')) {
      expect(record.actor).toBe(`management:****${MANAGEMENT_TOKEN.slice(-4)}`);
      expect(record.client_ip).toBe('127.0.0.1');
      expect(record.request_id).toMatch(/^[0-9a-f]{12}-[0-9a-z]{8}$/);
    }
    expect(recordOf('project.create')).toMatchObject({ project_id: projectId, method: 'POST', path: '/manage/projects', metadata: { project_name: 'audited', status: 201 } });
    expect(recordOf('project.update')).toMatchObject({
      project_id: projectId,
      metadata: { updated_fields: ['name', 'api_key'], project_name: 'audited-2' },
    });
    expect(recordOf('token.create')).toMatchObject({ project_id: projectId, token_id: tokenId, metadata: { duration_minutes: 60, max_requests: null } });
    expect(recordOf('token.update')).toMatchObject({ token_id: tokenId, project_id: projectId, metadata: { updated_max_requests: 5 } });
    expect(recordOf('token.revoke')).toMatchObject({ token_id: tokenId, method: 'DELETE', path: '/manage/tokens/[redacted]', metadata: { already_revoked: false } });
    expect(recordOf('token.revoke_batch')).toMatchObject({ project_id: projectId, metadata: { total_tokens: 1, revoked_count: 0, already_revoked_count: 1 } });
    expect(recordOf('cache.purge')).toMatchObject({ project_id: projectId, metadata: { deleted: 0 } });
    expect(recordOf('project.delete')).toMatchObject({ project_id: projectId, metadata: { project_name: 'audited-2', tokens_deleted: 1 } });
  });

  it('records a failed action with the reason the caller got', () => {
    expect(recordOf('token.create', 'failure')).toMatchObject({
      project_id: 'no-such-project',
      token_id: null,
      reason: 'project no-such-project not found',
      metadata: { status: 404, error_code: 'project_not_found' },
    });
  });

  it('records a refused management token as management.auth denied, with the peer address (forwarded headers are not trusted by default)', () => {
    expect(recordOf('management.auth', 'denied')).toMatchObject({
      actor: 'anonymous',
      client_ip: '127.0.0.1',
      method: 'GET',
      path: '/manage/projects',
      user_agent: 'brute-force/1.0',
      reason: 'wrong management token',
      project_id: null,
    });
  });

  it('writes the same records, one JSON line each, to the audit file (mode 0600)', async () => {
    const lines = await waitForAuditFile(auditFile, records.length);
    expect(lines).toEqual([...records].reverse());
    expect(statSync(auditFile).mode & 0o777).toBe(0o600);
  });

  it('never stores a secret: no management token, withering token or API key in the file or the table', async () => {
    const stored = [JSON.stringify(readAuditFile(auditFile)), JSON.stringify(await auditRows(harness))].join('\n');
    expect(stored).toContain(tokenId); // what is there instead
    for (const secret of [MANAGEMENT_TOKEN, WRONG_MANAGEMENT_TOKEN, witheringToken, UPSTREAM_KEY, NEW_UPSTREAM_KEY]) expect(stored).not.toContain(secret);
  });
});

describe('audit settings', () => {
  it('AUDIT_TRUST_PROXY_HEADERS takes the client IP from X-Forwarded-For, then X-Real-IP; AUDIT_READS records reads; X-Request-ID names the record', async () => {
    const harness = await startHarness({ AUDIT_TRUST_PROXY_HEADERS: 'true', AUDIT_READS: 'true' });
    try {
      const wrong = { authorization: 'Bearer wrong' };
      const first = await rawRequest(harness.url, { path: '/manage/projects', headers: { ...wrong, 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'x-request-id': 'trace-audit-1' } });
      expect(first.headers['x-request-id']).toBe('trace-audit-1'); // a client's own id is kept, and names the record
      await rawRequest(harness.url, { path: '/manage/tokens', headers: { ...wrong, 'x-real-ip': '2001:db8::7' } });
      await rawRequest(harness.url, { path: '/manage/tokens', headers: { ...wrong, 'x-forwarded-for': 'not-an-address' } });
      await harness.manage('GET', '/manage/projects');
      const { events } = await listAudit(harness);
      expect(events.map((event) => [event.action, event.client_ip])).toEqual([
        ['project.list', '127.0.0.1'],
        ['management.auth', '127.0.0.1'],
        ['management.auth', '2001:db8::7'],
        ['management.auth', '203.0.113.9'],
      ]);
      expect(events.at(-1)?.request_id).toBe('trace-audit-1');
      // The list just made is recorded too: the next read sees it.
      expect((await listAudit(harness, 'action=audit.list')).events).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it('AUDIT_LOG_FILE= (empty) keeps the audit in the database only; AUDIT_ENABLED=false records nothing', async () => {
    const databaseOnly = await startHarness({ AUDIT_LOG_FILE: '' });
    try {
      await databaseOnly.manage('POST', '/manage/projects', { name: 'p', api_key: UPSTREAM_KEY });
      expect((await listAudit(databaseOnly)).events.map((event) => event.action)).toEqual(['project.create']);
      expect(readAuditFile(join(dirname(databaseOnly.dbPath), 'audit.log'))).toEqual([]);
    } finally {
      await databaseOnly.close();
    }
    const disabled = await startHarness({ AUDIT_ENABLED: 'false' });
    try {
      await disabled.manage('POST', '/manage/projects', { name: 'p', api_key: UPSTREAM_KEY });
      const refused = await disabled.manage<{ error: { code: string; message: string } }>('GET', '/manage/audit');
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'audit_disabled', message: expect.stringMatching(/AUDIT_ENABLED=false or AUDIT_STORE_IN_DB=false/) });
      expect(await auditRows(disabled)).toEqual([]);
      expect(readAuditFile(join(dirname(disabled.dbPath), 'audit.log'))).toEqual([]);
    } finally {
      await disabled.close();
    }
  });
});
