import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';
import { runCli } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('llm-proxy manage (built binary)', () => {
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
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+ACTIVE\s+API KEY\s+CREATED\s+UPDATED$/);
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
    expect(missing.stderr).toMatch(/^Error: project .* not found \(HTTP 404, project_not_found\)\n$/);
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
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+TOKEN\s+PROJECT\s+STATUS\s+REQUESTS/);
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
