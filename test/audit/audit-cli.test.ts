import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditListResponse } from '../../src/manage-client/index.js';
import { runCli, startCliServer, type CliServer } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';
import { readAuditFile, waitForAuditFile } from './audit-support.js';

const MANAGEMENT_TOKEN = 'cli-audit-management-token-0123';

// Spawns the built binary several times: allow for a busy machine.
describe('audit with the built binary', { timeout: 60_000 }, () => {
  describe('an AUDIT_LOG_FILE that cannot be opened', () => {
    const temp = makeTempDir();
    afterAll(() => temp.remove());

    const start = (env: Record<string, string>) =>
      runCli(['server', '--config', '/dev/null', '--addr', '127.0.0.1:0', '--db', join(temp.dir, 'db.sqlite')], {
        cwd: temp.dir,
        env: { MANAGEMENT_TOKEN, ...env },
      });

    it('stops the start (exit 1) with the path, the reason and the fix', async () => {
      writeFileSync(join(temp.dir, 'a-file'), '');
      mkdirSync(join(temp.dir, 'a-directory'));
      const cases: [Record<string, string>, string, string][] = [
        [{ AUDIT_LOG_FILE: join(temp.dir, 'a-file', 'audit.log') }, join(temp.dir, 'a-file', 'audit.log'), 'a part of its path is a file, not a directory'],
        [{ AUDIT_LOG_FILE: join(temp.dir, 'missing', 'audit.log'), AUDIT_CREATE_DIR: 'false' }, join(temp.dir, 'missing', 'audit.log'), 'its directory does not exist (AUDIT_CREATE_DIR=false)'],
        [{ AUDIT_LOG_FILE: join(temp.dir, 'a-directory') }, join(temp.dir, 'a-directory'), 'it is a directory'],
      ];
      for (const [env, path, reason] of cases) {
        const result = await start(env);
        expect(result.code, path).toBe(1);
        expect(result.stderr).toBe(
          `Error: cannot open the audit log ${path} (AUDIT_LOG_FILE): ${reason}. ` +
            'Choose a writable file with AUDIT_LOG_FILE, or set AUDIT_LOG_FILE= (empty) to keep the audit in the database only.\n',
        );
      }
    });
  });

  describe('a running server', () => {
    const temp = makeTempDir();
    const auditFile = join(temp.dir, 'logs', 'nested', 'audit.log');
    let server: CliServer;
    let projectId: string;
    beforeAll(async () => {
      server = await startCliServer(['--config', '/dev/null', '--db', join(temp.dir, 'db.sqlite'), '--log-level', 'error'], {
        cwd: temp.dir,
        env: { MANAGEMENT_TOKEN, AUDIT_LOG_FILE: auditFile },
      });
      const headers = { authorization: `Bearer ${MANAGEMENT_TOKEN}`, 'content-type': 'application/json' };
      const project = await fetch(`${server.url}/manage/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'cli', api_key: 'sk-cli-audit-key-0123456789' }) });
      projectId = ((await project.json()) as { id: string }).id;
      await fetch(`${server.url}/manage/tokens`, { method: 'POST', headers, body: JSON.stringify({ project_id: 'nope' }) });
      await fetch(`${server.url}/manage/projects`, { headers: { authorization: 'Bearer guessed' } });
    });
    afterAll(async () => {
      await server.stop();
      temp.remove();
    });

    const audit = (...args: string[]) =>
      runCli(['manage', 'audit', 'list', ...args, '--manage-api-base-url', server.url], { cwd: temp.dir, env: { MANAGEMENT_TOKEN, COLUMNS: '200' } });

    it('manage audit list prints the last 24 hours as a table, newest first', async () => {
      const result = await audit();
      expect([result.code, result.stderr]).toEqual([0, '']);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ACTION\s+OUTCOME\s+ACTOR\s+CLIENT IP\s+PROJECT\s+REASON\s+ID$/);
      expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1, 3))).toEqual([
        ['management.auth', 'denied'],
        ['token.create', 'failure'],
        ['project.create', 'success'],
      ]);
      expect(lines[1]).toContain('wrong management token');
      expect(lines[2]).toContain('project nope not found');
      expect(lines[3]).toContain(`management:****${MANAGEMENT_TOKEN.slice(-4)}`);
    });

    it('filters by action, outcome and project, and prints the API answer with --json', async () => {
      const denied = JSON.parse((await audit('--outcome', 'denied', '--json')).stdout) as AuditListResponse;
      expect(denied.events.map((event) => [event.action, event.client_ip])).toEqual([['management.auth', '127.0.0.1']]);
      const created = JSON.parse((await audit('--action', 'project.create', '--project-id', projectId, '--since', '1h', '--json')).stdout) as AuditListResponse;
      expect(created.events.map((event) => event.project_id)).toEqual([projectId]);
      const limited = await audit('--limit', '1');
      expect(limited.stdout).toMatch(/\n1 of 3 records in the last 24h, newest first \(--limit up to 100, or narrow with --action, --outcome, --project-id\)\.\n$/);
      const later = await audit('--since', '2999-01-01');
      expect(later.stdout).toBe('No audit records since 2999-01-01 match (--since 30d looks further back).\n');
      const bad = await audit('--outcome', 'maybe');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("error: option '--outcome <outcome>' argument 'maybe' is invalid");
    });

    it('manage audit get shows one record with every field, --json the API answer, and an unknown id as not found', async () => {
      const listed = JSON.parse((await audit('--action', 'token.create', '--json')).stdout) as AuditListResponse;
      const failed = listed.events[0];
      if (failed === undefined) throw new Error('no token.create record');
      const get = (...args: string[]) =>
        runCli(['manage', 'audit', 'get', ...args, '--manage-api-base-url', server.url], { cwd: temp.dir, env: { MANAGEMENT_TOKEN } });

      const shown = await get(failed.id);
      expect([shown.code, shown.stderr]).toEqual([0, '']);
      const rows = Object.fromEntries(shown.stdout.trimEnd().split('\n').map((row) => [row.split(/:\s+/)[0], row.replace(/^[^:]+:\s+/, '')]));
      expect(rows).toMatchObject({
        ID: failed.id,
        Action: 'token.create',
        Outcome: 'failure',
        Actor: `management:****${MANAGEMENT_TOKEN.slice(-4)}`,
        'Client IP': '127.0.0.1',
        Request: 'POST /manage/tokens',
        Reason: 'project nope not found',
      });
      expect(rows.Time).toBe(`${failed.timestamp.slice(0, 10)} ${failed.timestamp.slice(11, 23)} UTC`);
      expect(shown.stdout).toContain('User agent:');

      const json = await get(failed.id, '--json');
      expect(JSON.parse(json.stdout)).toEqual(failed);

      const missing = await get('00000000-0000-0000-0000-000000000000');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/audit event not found/);
    });

    it('writes the file in the directories it created (0700), mode 0600, all of it by the time the server stops', async () => {
      expect(statSync(join(temp.dir, 'logs')).mode & 0o777).toBe(0o700);
      expect(statSync(auditFile).mode & 0o777).toBe(0o600);
      expect(await server.stop()).toBe(0);
      expect(readAuditFile(auditFile).map((record) => record.action)).toEqual(['project.create', 'token.create', 'management.auth']);
    });
  });

  it('continues AUDIT_LOG_FILE in a new file after SIGHUP (logrotate), the earlier records staying in the moved one', async () => {
    const temp = makeTempDir();
    const auditFile = join(temp.dir, 'audit.log');
    const server = await startCliServer(['--config', '/dev/null', '--db', join(temp.dir, 'db.sqlite'), '--log-level', 'error'], {
      cwd: temp.dir,
      env: { MANAGEMENT_TOKEN, AUDIT_LOG_FILE: auditFile },
    });
    let before = '';
    let after = '';
    try {
      const create = async (name: string) => {
        const response = await fetch(`${server.url}/manage/projects`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MANAGEMENT_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name, api_key: 'sk-cli-audit-key-0123456789' }),
        });
        return ((await response.json()) as { id: string }).id;
      };
      before = await create('before');
      expect((await waitForAuditFile(auditFile, 1)).map((record) => record.project_id)).toEqual([before]);
      renameSync(auditFile, `${auditFile}.1`);
      server.child.kill('SIGHUP');
      await expect.poll(() => existsSync(auditFile)).toBe(true); // reopened: a new, empty file by the same path
      after = await create('after');
      expect((await waitForAuditFile(auditFile, 1)).map((record) => record.project_id)).toEqual([after]);
      expect(statSync(auditFile).mode & 0o777).toBe(0o600);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(readAuditFile(`${auditFile}.1`).map((record) => record.project_id)).toEqual([before]);
    expect(readAuditFile(auditFile).map((record) => record.project_id)).toEqual([after]);
    temp.remove();
  });
});
