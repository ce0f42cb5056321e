#!/usr/bin/env node
/** The `relpix` command: parses the command line and runs one subcommand. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { downloadCommand } from './commands/download.js';
import { evalCommand } from './commands/evaluate.js';
import { experimentCommand } from './commands/experiment.js';
import { reportCommand } from './commands/report.js';
import { sampleCommand } from './commands/sample.js';
import { colouriseCommand, superresCommand } from './commands/complete.js';
import { deltasCommand, statsCommand } from './commands/stats.js';
import { trainCommand } from './commands/train.js';

/**
 * Prints Commander's parse errors on one line in the style of relpix's own errors, with the
 * help command to run. Commander puts a "Did you mean" suggestion on a line of its own.
 */
function printParseErrorOnOneLine(commandPath: string) {
  return (text: string, write: (text: string) => void): void => {
    const message = text
      .trim()
      .replace(/\s*\n\s*/g, ' ')
      .replace(/^error: /, '')
      .replace(/\.$/, '');
    write(`relpix: ${message}. Run '${commandPath} --help' for usage.\n`);
  };
}

/** Returns the version field of relpix's package.json. */
function packageVersion(): string {
  const path = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('relpix')
    .description('Train, evaluate and sample PixelCNN-style models with relative pixel prediction')
    .version(packageVersion())
    .showSuggestionAfterError()
    .configureOutput({ outputError: printParseErrorOnOneLine('relpix') })
    .exitOverride();
  for (const command of [
    trainCommand(),
    evalCommand(),
    sampleCommand(),
    colouriseCommand(),
    superresCommand(),
    statsCommand(),
    deltasCommand(),
    experimentCommand(),
    reportCommand(),
    downloadCommand(),
  ]) {
    program.addCommand(
      command
        .showSuggestionAfterError()
        .configureOutput({ outputError: printParseErrorOnOneLine(`relpix ${command.name()}`) })
        .exitOverride(),
    );
  }
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message (or the help text).
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof UserError) {
      console.error(error.message);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

await main();
