/** Runs the built `relpix` command in a child process, for the command-line tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { TEST_DATA_ROOT } from '../data_root.js';

/** The compiled command: this file is dist/test/cli/run_cli.js beside dist/src/cli/main.js. */
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const DATA_ROOT = TEST_DATA_ROOT;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `relpix args…` from the repository root and waits for it. A run that takes longer
 * than `timeoutMs` is killed, and its status is then null.
 */
export function runCli(args: string[], timeoutMs = 60_000): CliResult {
  const env = { ...process.env };
  delete env.RELPIX_DATA;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env,
    timeout: timeoutMs,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Returns flags of a tiny, fast training run in `out` on the real CIFAR-10 files. */
export function tinyTrainArgs(out: string, ...extra: string[]): string[] {
  return [
    'train',
    '--preset',
    'tiny',
    '--size',
    '8',
    '--levels',
    '4',
    '--train-limit',
    '64',
    '--batch-size',
    '4',
    '--steps',
    '2',
    '--checkpoint-every',
    '2',
    '--eval-images',
    '16',
    '--samples',
    '0',
    '--no-test',
    '--data',
    DATA_ROOT,
    '--out',
    out,
    ...extra,
  ];
}

/** Creates a temporary folder that is deleted when the process exits. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Lines of progress output (`train: 2/4 | …`, `resumed from step 2 …`) and warnings
 * (`warning: …`) that go to stderr but do not report the failure.
 */
const PROGRESS_LINE =
  /^(?:[a-z]+(?: [a-z]+)?: \d+\/\d+(?: \|.*)?|resumed from step \d+ .*|warning: .*)$/;

/** Returns the lines of stderr that are not progress output. */
export function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !PROGRESS_LINE.test(line));
}

/**
 * Asserts that a run failed with a non-zero status and exactly one error line on stderr,
 * without a stack trace, and returns that line.
 */
export function assertOneLineError(result: CliResult): string {
  assert.notEqual(result.status, null, 'the command timed out');
  assert.notEqual(result.status, 0, `exit status 0, stdout: ${result.stdout}`);
  const lines = errorLines(result.stderr);
  assert.equal(lines.length, 1, `stderr has ${lines.length} error lines:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'stderr has a stack trace');
  assert.doesNotMatch(result.stderr, /^\w*Error\b/m, 'stderr names an exception class');
  return lines[0];
}

/** Reads every file under `dir` into a map from relative path to contents. */
export function snapshotFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        visit(path);
      } else {
        files.set(relative(dir, path), readFileSync(path));
      }
    }
  };
  visit(dir);
  return files;
}
