import { existsSync, statSync } from 'node:fs';
import { localUrlOf, parseListenAddress, readClientSetting, readEnvFile, updateEnvFile } from '../../config/index.js';
import { createProject, issueToken, type OperationDeps } from '../../manage/index.js';
import { apiKeyProblem, createApiKeyCipher, generateManagementToken, obfuscateSecret } from '../../security/index.js';
import { findProjectByName, openDatabase, updateProject, type Project } from '../../store/index.js';
import { databasePathProblem } from '../database-path.js';
import { encryptionKeyNotice, generateEncryptionKey } from '../encryption-key.js';
import { formatTime } from '../format.js';
import { cliCommand } from '../invocation.js';
import { UsageError, writeLine, type Io } from '../io.js';
import { hoursProblem } from '../option-parsers.js';
import { createPrompter, type AnswerCheck } from '../prompt.js';
import type { SetupOptions } from './index.js';

const HOUR_MS = 3_600_000;
/** What `npm start` listens on without LISTEN_ADDR: every interface. */
const DEFAULT_LISTEN_ADDR = ':8080';

interface SetupAnswers extends SetupOptions {
  readonly openaiKey: string;
  readonly managementToken: string;
  readonly isTokenGenerated: boolean;
  readonly addr: string;
  /** Where LISTEN_ADDR came from, for the summary. */
  readonly addrSource: 'chosen' | 'kept' | 'default';
}

const addressProblem: AnswerCheck = (answer) =>
  parseListenAddress(answer) === undefined ? `"${answer}" is not host:port such as localhost:8080 or :8080` : undefined;
const configPathProblem: AnswerCheck = (answer) =>
  answer === '' ? 'must not be empty' : existsSync(answer) && !statSync(answer).isFile() ? `${answer} is not a regular file` : undefined;
const notEmpty: AnswerCheck = (answer) => (answer === '' ? 'must not be empty' : undefined);

/** Fills in every value the flags left open by asking for it; a bad answer is asked again. */
async function askForSettings(options: SetupOptions, io: Io): Promise<SetupOptions> {
  const prompt = createPrompter(io);
  try {
    writeLine(io.stderr, 'llm-proxy interactive setup');
    writeLine(io.stderr, '===========================');
    const config = await prompt.ask('Configuration file path', { fallback: options.config, check: configPathProblem });
    const existing = { ...readEnvFile(config) };
    const knownKey = options.openaiKey || existing.OPENAI_API_KEY;
    const openaiKey =
      options.openaiKey ||
      (await prompt.askSecret(`OpenAI API key${knownKey ? ` (empty keeps ${obfuscateSecret(knownKey)})` : ''}`, (answer) =>
        answer === '' && knownKey ? undefined : apiKeyProblem(answer),
      )) ||
      knownKey;
    const managementToken =
      options.managementToken ||
      (await prompt.askSecret(`Management token (empty ${existing.MANAGEMENT_TOKEN ? 'keeps the current one' : 'generates one'})`, (answer) =>
        answer === '' ? undefined : apiKeyProblem(answer),
      )) ||
      undefined;
    const db = await prompt.ask('Database path', { fallback: existing.DATABASE_PATH ?? options.db, check: databasePathProblem });
    const addr = await prompt.ask('Listen address (:8080 = all interfaces, localhost:8080 = this machine only)', {
      fallback: options.addr ?? existing.LISTEN_ADDR ?? DEFAULT_LISTEN_ADDR,
      check: addressProblem,
    });
    const createAnswer = await prompt.ask('Create a project and a token now? (Y/n)', {
      fallback: 'Y',
      check: (answer) => (/^(y|yes|n|no)$/i.test(answer) ? undefined : 'answer y or n'),
    });
    const skipProject = /^n/i.test(createAnswer);
    const project = skipProject ? options.project : await prompt.ask('Project name', { fallback: options.project, check: notEmpty });
    const durationText = skipProject
      ? String(options.duration)
      : await prompt.ask('Token lifetime in hours', { fallback: String(options.duration), check: hoursProblem });
    return { ...options, config, openaiKey, managementToken, db, addr, skipProject, project, duration: Number(durationText) };
  } finally {
    prompt.close();
  }
}

/** Validates every value before anything is written; errors name the flag (or variable) to fix. */
function resolveAnswers(options: SetupOptions): SetupAnswers {
  const fromEnv = (name: string) => readClientSetting(name, { envFilePath: options.config });
  if (existsSync(options.config) && !statSync(options.config).isFile()) {
    throw new UsageError(`--config ${options.config} is not a regular file: name the .env file to write`);
  }
  const openaiKey = options.openaiKey || fromEnv('OPENAI_API_KEY') || '';
  if (openaiKey === '' && !options.skipProject) {
    throw new UsageError('--openai-key is required (or set OPENAI_API_KEY, or run llm-proxy setup --interactive)');
  }
  const keyProblem = openaiKey === '' ? undefined : apiKeyProblem(openaiKey);
  if (keyProblem !== undefined) throw new UsageError(`${options.openaiKey ? '--openai-key' : 'OPENAI_API_KEY'} ${keyProblem}`);
  const tokenProblem = options.managementToken ? apiKeyProblem(options.managementToken) : undefined;
  if (tokenProblem !== undefined) throw new UsageError(`--management-token ${tokenProblem}`);
  const keptAddr = readEnvFile(options.config)?.LISTEN_ADDR || undefined;
  const addr = options.addr ?? keptAddr ?? DEFAULT_LISTEN_ADDR;
  if (parseListenAddress(addr) === undefined) {
    throw new UsageError(`--addr must be host:port such as localhost:8080 or :8080, got "${addr}"`);
  }
  const dbProblem = databasePathProblem(options.db);
  if (dbProblem !== undefined) throw new UsageError(`--db ${dbProblem} (choose another path with --db)`);
  const knownToken = options.managementToken || fromEnv('MANAGEMENT_TOKEN');
  return {
    ...options,
    openaiKey,
    managementToken: knownToken || generateManagementToken(),
    isTokenGenerated: !knownToken,
    addr,
    addrSource: options.addr !== undefined ? 'chosen' : keptAddr !== undefined ? 'kept' : 'default',
  };
}

function addressSummary(options: SetupAnswers): string {
  const scope = parseListenAddress(options.addr)?.host === '::' ? 'all interfaces' : 'this address only';
  const origin = { chosen: 'as chosen', kept: `kept from ${options.config}`, default: 'the default; choose with --addr' }[options.addrSource];
  return `The server will listen on ${options.addr} (${scope}; ${origin}).`;
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
  const hasEncryptionKey = readClientSetting('ENCRYPTION_KEY', { envFilePath: options.config }) !== undefined;
  const newEncryptionKey = options.encryptionKey && !hasEncryptionKey ? generateEncryptionKey() : undefined;
  updateEnvFile(
    options.config,
    {
      ...(options.openaiKey && { OPENAI_API_KEY: options.openaiKey }),
      MANAGEMENT_TOKEN: options.managementToken,
      DATABASE_PATH: options.db,
      LISTEN_ADDR: options.addr,
      LOG_LEVEL: existingFile?.LOG_LEVEL ?? 'info',
      ...(newEncryptionKey && { ENCRYPTION_KEY: newEncryptionKey }),
    },
    'llm-proxy configuration',
  );
  writeLine(io.stdout, `Configuration written to ${options.config} (mode 0600)`);
  writeLine(io.stdout, addressSummary(options));
  if (newEncryptionKey) writeLine(io.stdout, encryptionKeyNotice(options.config));
  else if (!hasEncryptionKey) writeLine(io.stdout, 'No ENCRYPTION_KEY (--no-encryption-key): project API keys are stored in clear.');
  if (options.isTokenGenerated) {
    writeLine(io.stdout, `Generated management token (also in ${options.config}; shown only this once): ${options.managementToken}`);
  }
  const cli = cliCommand();
  const isDefaultConfig = options.config === '.env';
  const serverCommand = isDefaultConfig ? `${cli} server` : `${cli} server --config ${options.config}`;
  if (options.skipProject) {
    writeLine(io.stdout, `\nNext: start the server with \`${serverCommand}\`${isDefaultConfig ? ' (or `npm start`)' : ''}.`);
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
    const lines = [
      isNew ? `Project "${project.name}" created (id ${project.id})` : `Project "${project.name}" exists (id ${project.id}): its API key was updated`,
      '',
      'Withering token (shown only this once, store it now):',
      `  ${plaintext}`,
      `  expires ${formatTime(token.expiresAt?.toISOString() ?? null)}`,
      '',
      'Next:',
      `  ${serverCommand}${isDefaultConfig ? '            # or: npm start' : ''}`,
      `  curl ${localUrlOf(options.addr) ?? ''}/v1/models -H "Authorization: Bearer ${plaintext}"`,
    ];
    for (const line of lines) writeLine(io.stdout, line);
  } finally {
    await database.close();
  }
}
