import { parseListenAddress, readClientSetting, readEnvFile, updateEnvFile } from '../../config/index.js';
import { createProject, issueToken, type OperationDeps } from '../../manage/index.js';
import { createApiKeyCipher, generateManagementToken, obfuscateSecret } from '../../security/index.js';
import { findProjectByName, openDatabase, updateProject, type Project } from '../../store/index.js';
import { formatTime } from '../format.js';
import { UsageError, writeLine, type Io } from '../io.js';
import { createPrompter } from '../prompt.js';
import type { SetupOptions } from './index.js';

const HOUR_MS = 3_600_000;

interface SetupAnswers extends SetupOptions {
  readonly openaiKey: string;
  readonly managementToken: string;
}

/** Fills in every value the flags left open by asking for it. */
async function askForSettings(options: SetupOptions, io: Io): Promise<SetupOptions> {
  const prompt = createPrompter(io);
  try {
    writeLine(io.stderr, 'llm-proxy interactive setup');
    writeLine(io.stderr, '===========================');
    const config = await prompt.ask('Configuration file path', options.config);
    const existing = { ...readEnvFile(config) };
    const knownKey = options.openaiKey || existing.OPENAI_API_KEY;
    const openaiKey =
      options.openaiKey ||
      (await prompt.askSecret(`OpenAI API key${knownKey ? ` (empty keeps ${obfuscateSecret(knownKey)})` : ''}`)) ||
      knownKey;
    const managementToken =
      options.managementToken ||
      (await prompt.askSecret(`Management token (empty ${existing.MANAGEMENT_TOKEN ? 'keeps the current one' : 'generates one'})`)) ||
      undefined;
    const db = await prompt.ask('Database path', existing.DATABASE_PATH ?? options.db);
    const addr = await prompt.ask('Listen address', existing.LISTEN_ADDR ?? options.addr);
    const createAnswer = await prompt.ask('Create a project and a token now? (Y/n)', 'Y');
    const skipProject = /^n/i.test(createAnswer);
    const project = skipProject ? options.project : await prompt.ask('Project name', options.project);
    const durationText = skipProject ? String(options.duration) : await prompt.ask('Token lifetime in hours', String(options.duration));
    const duration = Number(durationText);
    if (!Number.isFinite(duration) || duration <= 0) throw new UsageError(`token lifetime must be a positive number of hours, got "${durationText}"`);
    return { ...options, config, openaiKey, managementToken, db, addr, skipProject, project, duration };
  } finally {
    prompt.close();
  }
}

function resolveAnswers(options: SetupOptions): SetupAnswers & { isTokenGenerated: boolean } {
  const fromEnv = (name: string) => readClientSetting(name, { envFilePath: options.config });
  const openaiKey = options.openaiKey || fromEnv('OPENAI_API_KEY') || '';
  if (openaiKey === '' && !options.skipProject) {
    throw new UsageError('--openai-key is required (or set OPENAI_API_KEY, or run llm-proxy setup --interactive)');
  }
  if (parseListenAddress(options.addr) === undefined) {
    throw new UsageError(`--addr must be host:port such as localhost:8080 or :8080, got "${options.addr}"`);
  }
  if (options.db.trim() === '') throw new UsageError('--db must not be empty');
  const knownToken = options.managementToken || fromEnv('MANAGEMENT_TOKEN');
  return {
    ...options,
    openaiKey,
    managementToken: knownToken || generateManagementToken(),
    isTokenGenerated: !knownToken,
  };
}

async function ensureProject(deps: OperationDeps, name: string, apiKey: string): Promise<{ project: Project; isNew: boolean }> {
  const existing = await findProjectByName(deps.database, name);
  if (!existing) return { project: await createProject(deps, { name, apiKey }), isNew: true };
  const updated = await updateProject(deps.database, existing.id, { storedApiKey: deps.cipher.encrypt(apiKey), isActive: true }, deps.now());
  return { project: updated ?? existing, isNew: false };
}

/** `llm-proxy setup`: writes the .env file, then creates the first project and token in the database. */
export async function runSetup(flags: SetupOptions, io: Io): Promise<void> {
  const options = resolveAnswers(flags.interactive ? await askForSettings(flags, io) : flags);
  const existingFile = readEnvFile(options.config);
  updateEnvFile(
    options.config,
    {
      ...(options.openaiKey && { OPENAI_API_KEY: options.openaiKey }),
      MANAGEMENT_TOKEN: options.managementToken,
      DATABASE_PATH: options.db,
      LISTEN_ADDR: options.addr,
      LOG_LEVEL: existingFile?.LOG_LEVEL ?? 'info',
    },
    'llm-proxy configuration',
  );
  writeLine(io.stdout, `Configuration written to ${options.config} (mode 0600)`);
  if (options.isTokenGenerated) {
    writeLine(io.stdout, `Generated management token (also in ${options.config}; shown only this once): ${options.managementToken}`);
  }
  if (options.skipProject) {
    writeLine(io.stdout, '\nNext: start the server with `llm-proxy server` (or `npm start`).');
    return;
  }

  const encryptionKey = readClientSetting('ENCRYPTION_KEY', { envFilePath: options.config });
  const database = await openDatabase({ driver: 'sqlite', path: options.db });
  try {
    const deps: OperationDeps = {
      database,
      cipher: createApiKeyCipher(encryptionKey ? Buffer.from(encryptionKey, 'base64') : undefined),
      now: () => new Date(),
    };
    const { project, isNew } = await ensureProject(deps, options.project, options.openaiKey);
    const { token, plaintext } = await issueToken(deps, { projectId: project.id, durationMs: options.duration * HOUR_MS, maxRequests: null });
    const port = parseListenAddress(options.addr)?.port ?? 8080;
    const lines = [
      isNew ? `Project "${project.name}" created (id ${project.id})` : `Project "${project.name}" exists (id ${project.id}): its API key was updated`,
      '',
      'Withering token (shown only this once, store it now):',
      `  ${plaintext}`,
      `  expires ${formatTime(token.expiresAt?.toISOString() ?? null)}`,
      '',
      'Next:',
      '  llm-proxy server            # or: npm start',
      `  curl http://localhost:${port}/v1/models -H "Authorization: Bearer ${plaintext}"`,
    ];
    for (const line of lines) writeLine(io.stdout, line);
  } finally {
    await database.close();
  }
}
