import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';
import { runCli } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';

// Each test spawns the binary several times: allow for a busy machine.
describe('llm-proxy manage (built binary)', { timeout: 60_000 }, () => {
  let harness: Harness;
  const temp = makeTempDir();
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness.close();
    temp.remove();
  });

  /** Runs a manage command against the harness; the token comes from MANAGEMENT_TOKEN. */
  const manage = (...args: string[]) =>
    runCli(['manage', ...args, '--manage-api-base-url', harness.url], { cwd: temp.dir, env: { MANAGEMENT_TOKEN } });

  it('creates, lists, gets, updates and deletes projects', async () => {
    const created = await manage('project', 'create', '--name', 'CLI Project', '--openai-key', 'sk-cli-key-0123456789abcdef', '--json');
    expect(created.code).toBe(0);
    const project = JSON.parse(created.stdout) as { id: string; api_key: string };
    expect(project.api_key).toBe('****cdef');

    const table = await manage('project', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+ACTIVE\s+API KEY\s+CREATED \(UTC\)\s+UPDATED \(UTC\)$/);
    expect(table.stdout).toContain('CLI Project');
    expect(table.stdout).not.toContain('sk-cli-key-0123456789abcdef');

    const got = await manage('project', 'get', project.id);
    expect(got.stdout).toMatch(/Name:\s+CLI Project/);

    const renamed = await manage('project', 'update', project.id, '--name', 'Renamed', '--json');
    expect((JSON.parse(renamed.stdout) as { name: string }).name).toBe('Renamed');
    const deactivated = await manage('project', 'update', project.id, '--deactivate', '--revoke-tokens');
    expect(deactivated.stdout).toMatch(/Active:\s+no/);
    const noFlags = await manage('project', 'update', project.id);
    expect([noFlags.code, noFlags.stderr]).toEqual([1, expect.stringContaining('at least one of --name')]);

    const deleted = await manage('project', 'delete', project.id);
    expect([deleted.code, deleted.stdout]).toEqual([0, `Project ${project.id} deleted, with its 0 token(s).\n`]);
    const missing = await manage('project', 'get', project.id);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: project .* not found \(HTTP 404, project_not_found\)\. List the projects: npx llm-proxy manage project list\n$/);
  });

  it('generates, lists, gets and revokes tokens', async () => {
    const project = JSON.parse(
      (await manage('project', 'create', '--name', 'Tokens', '--openai-key', 'sk-cli-key-abcdefghijklmnop', '--json')).stdout,
    ) as { id: string };
    const generated = await manage('token', 'generate', '--project-id', project.id, '--duration', '168', '--max-requests', '1000');
    expect(generated.code).toBe(0);
    const token = /Token:\s+(sk-\S+)/.exec(generated.stdout)?.[1] ?? '';
    expect(token).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(generated.stdout).toMatch(/Max requests:\s+1000/);

    const json = JSON.parse((await manage('token', 'generate', '--project-id', project.id, '--json')).stdout) as { id: string; max_requests: null };
    expect(json.max_requests).toBeNull();

    const list = await manage('token', 'list', '--project-id', project.id);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+TOKEN\s+PROJECT\s+STATUS\s+USED\s+CACHE HITS\s+EXPIRES \(UTC\)\s+LAST USED \(UTC\)$/);
    expect(list.stdout).toMatch(/\sTokens\s+active\s/);
    expect(list.stdout).toContain('0/1000');
    expect(list.stdout).toContain('0/∞');
    expect(list.stdout).not.toContain(token);

    const byToken = await manage('token', 'get', token);
    expect(byToken.stdout).toMatch(/Status:\s+active/);

    const revoked = await manage('token', 'revoke', token);
    expect(revoked.stdout).toMatch(/revoked/);
    const active = JSON.parse((await manage('token', 'list', '--project-id', project.id, '--active-only', '--json')).stdout) as { id: string }[];
    expect(active.map((t) => t.id)).toEqual([json.id]);
    expect((await manage('token', 'get', token)).stdout).toMatch(/Status:\s+revoked/);
  });

  it('refuses what the API or the proxy would refuse, naming the flag, before sending anything', async () => {
    const first = JSON.parse((await manage('project', 'create', '--name', 'Taken', '--openai-key', 'sk-cli-key-taken-0123456789', '--json')).stdout) as { id: string };
    const second = JSON.parse((await manage('project', 'create', '--name', 'Other', '--openai-key', 'sk-cli-key-other-0123456789', '--json')).stdout) as { id: string };
    const rename = await manage('project', 'update', second.id, '--name', 'Taken');
    expect([rename.code, rename.stderr]).toEqual([1, 'Error: a project named "Taken" already exists (HTTP 409, project_name_taken). Choose another --name.\n']);
    // The API's field names are told as the flags that set them.
    const longName = await manage('project', 'update', second.id, '--name', 'n'.repeat(300));
    expect(longName.code).toBe(1);
    expect(longName.stderr).toMatch(/^Error: --name: .*\(HTTP 400, invalid_request\)\.\n$/);
    expect(longName.stderr).not.toContain('body.');

    const both = await manage('project', 'update', first.id, '--activate', '--deactivate');
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("option '--activate' cannot be used with option '--deactivate'");
    const revokeAlone = await manage('project', 'update', first.id, '--revoke-tokens');
    expect([revokeAlone.code, revokeAlone.stderr]).toEqual([
      1,
      'Error: --revoke-tokens goes with --deactivate: add --deactivate to deactivate the project and revoke its tokens\n',
    ]);

    // An unreachable API would exit 2: exit 1 shows the key was refused before any request.
    const offline = ['--manage-api-base-url', 'http://127.0.0.1:9', '--management-token', 't'];
    const badKey = await runCli(['manage', 'project', 'create', '--name', 'x', '--openai-key', 'sk-ab\u001b[Dc', ...offline], { cwd: temp.dir });
    expect([badKey.code, badKey.stderr]).toEqual([
      1,
      'Error: --openai-key contains a character that cannot be sent in an HTTP header (U+001B at position 6); paste the key again as plain text\n',
    ]);
    const badUpdate = await runCli(['manage', 'project', 'update', first.id, '--openai-key', 'sk-key with space', ...offline], { cwd: temp.dir });
    expect(badUpdate.code).toBe(1);
    expect(badUpdate.stderr).toMatch(/^Error: --openai-key contains a character that cannot be sent in an HTTP header \(U\+0020 at position 7\)/);

    const tooLong = await runCli(['manage', 'token', 'generate', '--project-id', first.id, '--duration', '1e9', ...offline], { cwd: temp.dir });
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain("option '--duration <hours>' argument '1e9' is invalid. expected at most 8760 hours (one year).");
    expect(tooLong.stderr).not.toContain('duration_hours');
  });

  it("shows a deactivated project's tokens as inactive (project), in the API and the CLI", async () => {
    const project = JSON.parse((await manage('project', 'create', '--name', 'Paused', '--openai-key', 'sk-cli-key-paused-0123456789', '--json')).stdout) as { id: string };
    const created = JSON.parse((await manage('token', 'generate', '--project-id', project.id, '--json')).stdout) as { id: string };
    expect((await manage('project', 'update', project.id, '--deactivate')).code).toBe(0);

    const json = JSON.parse((await manage('token', 'get', created.id, '--json')).stdout) as { status: string; is_active: boolean; project_name: string };
    expect(json).toMatchObject({ status: 'project_inactive', is_active: true, project_name: 'Paused' });
    expect((await manage('token', 'get', created.id)).stdout).toMatch(/Status:\s+inactive \(project\)/);
    expect((await manage('token', 'list', '--project-id', project.id)).stdout).toMatch(/\sPaused\s+inactive \(project\)\s/);
    const activeOnly = JSON.parse((await manage('token', 'list', '--active-only', '--json')).stdout) as { id: string }[];
    expect(activeOnly.map((token) => token.id)).not.toContain(created.id);

    expect((await manage('project', 'update', project.id, '--activate')).code).toBe(0);
    const activeAgain = JSON.parse((await manage('token', 'list', '--active-only', '--json')).stdout) as { id: string; status: string }[];
    expect(activeAgain.find((token) => token.id === created.id)?.status).toBe('active');
  });

  it('fits tables to the terminal width, and shows every column with --wide', async () => {
    const project = JSON.parse(
      (await manage('project', 'create', '--name', 'A project with a rather long name indeed', '--openai-key', 'sk-cli-key-wide-0123456789', '--json')).stdout,
    ) as { id: string };
    await manage('token', 'generate', '--project-id', project.id);
    await manage('project', 'update', project.id, '--deactivate');
    for (const columns of ['80', '120']) {
      const env = { MANAGEMENT_TOKEN, COLUMNS: columns };
      for (const what of ['project', 'token']) {
        const result = await runCli(['manage', what, 'list', '--manage-api-base-url', harness.url], { cwd: temp.dir, env });
        expect(result.code).toBe(0);
        const widest = Math.max(...result.stdout.split('\n').map((line) => [...line].length));
        expect(widest, `${what} list at ${columns} columns:\n${result.stdout}`).toBeLessThanOrEqual(Number(columns));
        expect(result.stdout).toMatch(/^ID\s+/);
      }
    }
    const narrow = await runCli(['manage', 'token', 'list', '--project-id', project.id, '--manage-api-base-url', harness.url], {
      cwd: temp.dir,
      env: { MANAGEMENT_TOKEN, COLUMNS: '80' },
    });
    expect(narrow.stdout).toMatch(/ A project with [a-z ]*… {2}inactive \(project\)\n/);
    const wide = await runCli(['manage', 'token', 'list', '--wide', '--project-id', project.id, '--manage-api-base-url', harness.url], {
      cwd: temp.dir,
      env: { MANAGEMENT_TOKEN, COLUMNS: '80' },
    });
    expect(wide.stdout).toContain('A project with a rather long name indeed');
    expect(wide.stdout.split('\n')[0]).toContain('LAST USED (UTC)');
  });

  it('finds the server through LISTEN_ADDR in ./.env when no flag names it', async () => {
    const dir = makeTempDir();
    try {
      const port = new URL(harness.url).port;
      writeFileSync(join(dir.dir, '.env'), `MANAGEMENT_TOKEN=${MANAGEMENT_TOKEN}\nLISTEN_ADDR=:${port}\n`);
      const result = await runCli(['manage', 'project', 'list', '--json'], { cwd: dir.dir });
      expect([result.code, result.stderr]).toEqual([0, '']);
      const fromEnv = await runCli(['manage', 'project', 'list', '--json'], { cwd: dir.dir, env: { LISTEN_ADDR: '127.0.0.1:9' } });
      expect(fromEnv.code).toBe(2);
      expect(fromEnv.stderr).toContain('http://127.0.0.1:9');
    } finally {
      dir.remove();
    }
  });

  it('accepts the global flags before the subcommand too', async () => {
    const result = await runCli(['manage', '--json', '--manage-api-base-url', harness.url, '--management-token', MANAGEMENT_TOKEN, 'project', 'list'], {
      cwd: temp.dir,
    });
    expect(result.code).toBe(0);
    expect(Array.isArray(JSON.parse(result.stdout))).toBe(true);
  });

  it('exits 1 on usage errors, 2 when the API is down, 3 when the token is rejected', async () => {
    const missingFlag = await manage('project', 'create', '--name', 'x');
    expect([missingFlag.code, missingFlag.stderr]).toEqual([1, 'Error: --name and --openai-key are required\n']);
    const badNumber = await manage('token', 'generate', '--project-id', 'p', '--duration', 'soon');
    expect(badNumber.code).toBe(1);
    expect(badNumber.stderr).toContain("option '--duration <hours>' argument 'soon' is invalid");

    const down = await runCli(['manage', 'project', 'list', '--manage-api-base-url', 'http://127.0.0.1:9', '--management-token', 't'], { cwd: temp.dir });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach the management API at http:\/\/127\.0\.0\.1:9/);

    const rejected = await runCli(['manage', 'project', 'list', '--manage-api-base-url', harness.url, '--management-token', 'wrong'], { cwd: temp.dir });
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toMatch(/management token was rejected/);
    expect(rejected.stderr).not.toContain('wrong');

    const noToken = await runCli(['manage', 'project', 'list', '--manage-api-base-url', harness.url], { cwd: temp.dir });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/a management token is required/);
  });

  it('prints help and version', async () => {
    const help = await runCli(['manage', 'token', 'generate', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--project-id', '--duration <hours>', '--max-requests', '--management-token', '--manage-api-base-url', '--json']) {
      expect(help.stdout).toContain(flag);
    }
    const version = await runCli(['--version']);
    expect([version.code, version.stdout]).toEqual([0, '0.1.0\n']);
    const root = await runCli([]);
    expect(root.stdout).toContain('Exit codes:');
    const unknown = await runCli(['nonsense']);
    expect(unknown.code).toBe(1);
  });

  it('sets, shows, changes and clears a project\'s OpenAI organization and project ids', async () => {
    const created = await manage(
      'project', 'create', '--name', 'With OpenAI ids', '--openai-key', 'sk-cli-key-0123456789abcdef',
      '--openai-organization', 'org-cli', '--openai-project', 'proj_cli',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/OpenAI organization:\s+org-cli/);
    expect(created.stdout).toMatch(/OpenAI project:\s+proj_cli/);
    const id = /^ID:\s+(\S+)/m.exec(created.stdout)?.[1] ?? '';

    const updated = await manage('project', 'update', id, '--openai-project', 'proj_new', '--json');
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ openai_organization: 'org-cli', openai_project: 'proj_new' });

    const cleared = await manage('project', 'update', id, '--openai-organization', '', '--json');
    expect(JSON.parse(cleared.stdout)).toMatchObject({ openai_organization: null, openai_project: 'proj_new' });

    const refused = await manage('project', 'update', id, '--openai-organization', 'org with spaces');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('openai_organization must be printable ASCII');
  });
});
