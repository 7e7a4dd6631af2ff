import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerBenchmarkCommand } from './benchmark/index.js';
import { registerOpenAiCommand } from './chat/index.js';
import { registerDispatcherCommand } from './dispatcher/index.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { processIo, type Io } from './io.js';
import { registerManageCommand } from './manage/index.js';
import { registerMigrateCommand } from './migrate/index.js';
import { reportError } from './report-error.js';
import { registerServerCommand } from './server/index.js';
import { registerSetupCommand } from './setup/index.js';

export function buildProgram(io: Io): Command {
  const program = new Command('llm-proxy')
    .description('A transparent proxy for OpenAI-compatible APIs with short-lived, per-project withering tokens')
    .version(VERSION, '--version', 'print the version')
    .helpOption('-h, --help', 'show help for the command')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}

Getting started:
  $ llm-proxy setup --interactive
  $ llm-proxy server
  $ llm-proxy manage token list`,
    );
  registerServerCommand(program, io);
  registerSetupCommand(program, io);
  registerManageCommand(program, io);
  registerOpenAiCommand(program, io);
  registerDispatcherCommand(program, io);
  registerBenchmarkCommand(program, io);
  registerMigrateCommand(program, io);
  return program;
}

/** Runs one command line; returns the exit code (never calls process.exit, so output can flush). */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    const { exitCode, message } = reportError(error);
    if (message !== '') io.stderr.write(message + '\n');
    return exitCode;
  }
}
