/**
 * The experiment runner: trains and evaluates every row and seed of a suite by running
 * `relpix train` and `relpix eval` as child processes, one run folder per row and seed.
 *
 * Each step leaves a mark, so a rerun continues where the last one stopped. A line in the results
 * file means the row is finished. A `training.json` with `finished` in the run folder means only
 * the evaluation is left. A checkpoint means training resumes from it.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { latestCheckpoint } from '../io/checkpoint_folders.js';
import { appendResult, readResults, resultKey, type ExperimentResult } from './results.js';
import { evalArguments, trainArguments, type ExperimentScale } from './scales.js';
import type { ExperimentRow, ExperimentSuite } from './suites.js';

/** The compiled command-line entry point, beside this file's folder in dist/src. */
const CLI_PATH = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface RunnerOptions {
  suite: ExperimentSuite;
  scale: ExperimentScale;
  rows: ExperimentRow[];
  seeds: number[];
  /** Folder that contains the run folders, `<runs>/<scale>/<suite>/<row>/seed-<n>`. */
  runsDir: string;
  resultsPath: string;
  /** Flags passed to every child: --data, --backend and, for training, --workers. */
  data?: string;
  backend?: string;
  workers?: number;
  log: (line: string) => void;
  /** Aborted by the first Ctrl-C: the running child saves a checkpoint and the runner stops. */
  signal?: AbortSignal;
}

export interface RunnerSummary {
  finished: number;
  skipped: number;
  failed: string[];
  interrupted: boolean;
}

/** Returns the run folder of one row and seed. */
export function runFolder(
  options: Pick<RunnerOptions, 'runsDir' | 'scale' | 'suite'>,
  row: ExperimentRow,
  seed: number,
): string {
  return join(options.runsDir, options.scale.name, options.suite.name, row.id, `seed-${seed}`);
}

/** Quotes an argument for a POSIX shell when it needs quoting. */
function shellQuote(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(args: string[]): string {
  return ['relpix', ...args].map(shellQuote).join(' ');
}

interface ChildOutcome {
  code: number | null;
  /** Signal that ended the child, when no exit code is set. */
  signal: NodeJS.Signals | null;
  stdout: string;
  seconds: number;
}

/**
 * Runs `relpix args…` in its own process group, with its output appended to `logPath`. With
 * `capture`, stdout also comes back in the outcome. Without it, stdout goes straight to the log
 * file, so a training child that outlives a killed runner has no broken pipe to write to.
 * Aborting `signal` sends the child one SIGTERM (training then saves a checkpoint).
 */
function runChild(
  args: string[],
  logPath: string,
  lockPath: string,
  capture: boolean,
  signal?: AbortSignal,
): Promise<ChildOutcome> {
  const log = openSync(logPath, 'a');
  writeFileSync(log, `\n$ ${formatCommand(args)}\n`);
  const started = performance.now();
  // A process group of its own keeps a terminal's Ctrl-C from reaching the child twice.
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    stdio: ['ignore', capture ? 'pipe' : log, log],
    detached: true,
  });
  // The child outlives a runner killed with SIGKILL, so the lock names both processes.
  writeLock(lockPath, child.pid);
  let stdout = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
    writeFileSync(log, chunk);
  });
  const onAbort = (): void => {
    writeFileSync(log, `relpix experiment: stopping this command (SIGTERM)\n`);
    child.kill('SIGTERM');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, endSignal) => {
      signal?.removeEventListener('abort', onAbort);
      closeSync(log);
      resolve({ code, signal: endSignal, stdout, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Describes how a child ended: its exit code, or the signal that stopped it. */
function exitDescription(outcome: ChildOutcome): string {
  return outcome.code === null ? `signal ${outcome.signal}` : `exit code ${outcome.code}`;
}

/** Returns the last non-empty line of a log file, which names the cause of most failures. */
function lastLogLine(logPath: string): string {
  const lines = readFileSync(logPath, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.at(-1) ?? '(empty log)';
}

/** Parses a small JSON file that the runner wrote, or returns undefined if it is unreadable. */
function readJsonFile<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

interface TrainingRecord {
  seconds: number;
  finished: boolean;
}

/**
 * Reads the training record of a run folder. A missing or truncated record (a runner killed
 * while writing it) counts as unfinished, so training resumes from the latest checkpoint.
 */
function readTrainingRecord(runDir: string): TrainingRecord {
  const record = readJsonFile<TrainingRecord>(join(runDir, 'training.json'));
  return record ?? { seconds: 0, finished: false };
}

function writeTrainingRecord(runDir: string, record: TrainingRecord): void {
  writeFileSync(join(runDir, 'training.json'), `${JSON.stringify(record)}\n`);
}

/** Thrown when another process holds a run folder's lock. */
class RowLockedError extends Error {}

/**
 * Contents of a run folder's lock: the runner's process and, while a command runs, its child.
 * Start times (clock ticks after boot, Linux only) tell a live holder from a reused process ID.
 */
export interface RowLock {
  pid?: number;
  pidStart?: number;
  child?: number;
  childStart?: number;
}

/**
 * Returns the start time of process `pid` in clock ticks after boot, read from /proc, or
 * undefined where /proc is missing (macOS, Windows) or the process has ended.
 */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses, so fields are counted after
  // its last closing parenthesis. Index 19 there is field 22 of proc(5), the start time.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : undefined;
}

/**
 * Returns the ID of the live process named in `lock`, or undefined when the lock is stale:
 * its processes have ended, or their IDs now belong to processes that started at another time.
 */
export function lockHolder(lock: RowLock | undefined): number | undefined {
  const entries = [
    [lock?.pid, lock?.pidStart],
    [lock?.child, lock?.childStart],
  ];
  for (const [pid, start] of entries) {
    if (typeof pid !== 'number' || pid === process.pid) continue;
    // Process IDs 0 and below name process groups for kill(2), so they are not a valid lock.
    if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) continue;
    const current = processStartTime(pid);
    if (typeof start === 'number' && current !== undefined && current !== start) continue;
    return pid;
  }
  return undefined;
}

/** Writes the lock of this process and, if given, of its running child. */
function writeLock(path: string, child?: number): void {
  const lock: RowLock = { pid: process.pid, pidStart: processStartTime(process.pid) };
  if (child !== undefined) {
    lock.child = child;
    lock.childStart = processStartTime(child);
  }
  writeFileSync(path, `${JSON.stringify(lock)}\n`);
}

/**
 * Takes the run folder's lock for this process. A lock left by a process that still runs means
 * another runner (or its orphaned child) trains the row, which must not happen twice at once.
 * An unreadable lock (a runner killed while writing it) is replaced.
 */
function takeLock(runDir: string): string {
  const path = join(runDir, 'lock.json');
  const holder = lockHolder(readJsonFile<RowLock>(path));
  if (holder !== undefined) {
    throw new RowLockedError(
      `${runDir} is in use by process ${holder}; wait for it to finish or stop it ` +
        `(kill ${holder}). If process ${holder} is not a relpix run, delete ${path}`,
    );
  }
  try {
    writeLock(path);
  } catch (error) {
    throw new UserError(
      `relpix: failed to write the lock file ${path} (${(error as NodeJS.ErrnoException).code}); ` +
        'remove whatever is at that path and run the same command again',
    );
  }
  return path;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns the flags shared by the children: data location and backend. */
function engineFlags(options: RunnerOptions): string[] {
  const flags: string[] = [];
  if (options.data !== undefined) flags.push('--data', options.data);
  if (options.backend !== undefined) flags.push('--backend', options.backend);
  return flags;
}

/** Returns the shares of sampled pixels per predictor that training wrote, if it drew samples. */
function readShares(runDir: string): Record<string, number> | undefined {
  const path = join(runDir, 'samples.png.json');
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { shares?: Record<string, number> }).shares;
}

/** Parses the JSON line that `relpix eval --json` prints last. */
function parseEvaluation(stdout: string): {
  bitsPerDim: number;
  standardError: number;
  images: number;
  step: number;
  parameters?: number;
} {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{'));
  if (line === undefined) throw new Error('relpix eval printed no JSON result');
  return JSON.parse(line);
}

/** The measured part of a result: what a run produced, apart from the row that asked for it. */
type Measurement = Pick<
  ExperimentResult,
  | 'steps'
  | 'bitsPerDim'
  | 'standardError'
  | 'images'
  | 'parameters'
  | 'shares'
  | 'trainSeconds'
  | 'evalSeconds'
  | 'command'
  | 'runDir'
>;

/** Builds the result record of `row` and `seed` from a measurement, made by `reusedFrom` if given. */
function resultOf(
  options: RunnerOptions,
  row: ExperimentRow,
  seed: number,
  measured: Measurement,
  reusedFrom?: string,
): ExperimentResult {
  return {
    suite: options.suite.name,
    id: row.id,
    row: row.row,
    label: row.label,
    task: row.task,
    predictors: row.predictors,
    ...(row.prune === undefined ? {} : { prune: row.prune }),
    ...(row.pruneOutput === undefined ? {} : { pruneOutput: row.pruneOutput }),
    ...(row.mask === undefined ? {} : { mask: row.mask }),
    ...(row.widthFactor === undefined ? {} : { widthFactor: row.widthFactor }),
    scale: options.scale.name,
    seed,
    split: options.suite.split,
    ...(row.paper === undefined ? {} : { paper: row.paper }),
    steps: measured.steps,
    bitsPerDim: measured.bitsPerDim,
    standardError: measured.standardError,
    images: measured.images,
    ...(measured.parameters === undefined ? {} : { parameters: measured.parameters }),
    ...(measured.shares === undefined ? {} : { shares: measured.shares }),
    trainSeconds: measured.trainSeconds,
    evalSeconds: measured.evalSeconds,
    command: measured.command,
    runDir: measured.runDir,
    ...(reusedFrom === undefined ? {} : { reusedFrom }),
    finishedAt: new Date().toISOString(),
  };
}

type RowOutcome = 'finished' | 'failed' | 'interrupted';

/** Trains (or resumes) and evaluates one row and seed, and records the result. */
async function runRow(
  options: RunnerOptions,
  row: ExperimentRow,
  seed: number,
  label: string,
): Promise<RowOutcome> {
  const { scale, suite, log } = options;
  const runDir = runFolder(options, row, seed);
  try {
    mkdirSync(runDir, { recursive: true });
  } catch (error) {
    throw new UserError(
      `relpix: cannot create run folder ${runDir} (${(error as Error).message}); pass a ` +
        'writable --runs folder',
    );
  }
  let lockPath: string;
  try {
    lockPath = takeLock(runDir);
  } catch (error) {
    if (!(error instanceof RowLockedError)) throw error;
    log(`${label}: skipped because ${error.message}`);
    return 'failed';
  }
  try {
    const logPath = join(runDir, 'experiment.log');
    const trainArgs = trainArguments(scale, row, seed);
    const command = formatCommand([...trainArgs, '--out', runDir]);
    let training = readTrainingRecord(runDir);
    if (!training.finished) {
      const checkpoint = latestCheckpoint(runDir);
      const resume = checkpoint !== undefined;
      log(`${label}: ${resume ? `resuming from ${checkpoint}` : 'training'} (log ${logPath})`);
      const args = [...trainArgs, '--out', runDir, ...engineFlags(options)];
      if (options.workers !== undefined) args.push('--workers', String(options.workers));
      if (resume) args.push('--resume');
      const outcome = await runChild(args, logPath, lockPath, false, options.signal);
      training = { seconds: training.seconds + outcome.seconds, finished: outcome.code === 0 };
      writeTrainingRecord(runDir, training);
      if (options.signal?.aborted) return 'interrupted';
      if (!training.finished) {
        log(
          `${label}: training failed with ${exitDescription(outcome)}: ${lastLogLine(logPath)} ` +
            `(log ${logPath})`,
        );
        return 'failed';
      }
    }

    log(`${label}: evaluating on the ${suite.split} split`);
    const evaluation = await runChild(
      [...evalArguments(scale, suite.split, runDir), ...engineFlags(options)],
      logPath,
      lockPath,
      true,
      options.signal,
    );
    if (options.signal?.aborted) return 'interrupted';
    if (evaluation.code !== 0) {
      log(
        `${label}: evaluation failed with ${exitDescription(evaluation)}: ` +
          `${lastLogLine(logPath)} ` +
          `(log ${logPath})`,
      );
      return 'failed';
    }
    const scores = parseEvaluation(evaluation.stdout);
    const result = resultOf(options, row, seed, {
      steps: scores.step,
      bitsPerDim: scores.bitsPerDim,
      standardError: scores.standardError,
      images: scores.images,
      ...(scores.parameters === undefined ? {} : { parameters: scores.parameters }),
      ...(readShares(runDir) === undefined ? {} : { shares: readShares(runDir) }),
      trainSeconds: Math.round(training.seconds),
      evalSeconds: Math.round(evaluation.seconds),
      command,
      runDir,
    });
    await appendResult(options.resultsPath, result);
    log(
      `${label}: ${suite.split} bits/dim ${result.bitsPerDim.toFixed(4)} ± ` +
        `${result.standardError.toFixed(4)} (${result.images} images, step ${result.steps}, ` +
        `${result.trainSeconds} s training)`,
    );
    return 'finished';
  } finally {
    rmSync(lockPath, { force: true });
  }
}

/** Returns a `relpix train` command without its final `--out` folder. */
function withoutOut(command: string): string {
  const at = command.lastIndexOf(' --out ');
  return at < 0 ? command : command.slice(0, at);
}

/**
 * Returns a recorded result of another row whose training command and evaluation match this
 * row and seed exactly, such as pruning row p20 and Table 1 row u3, so it need not train again.
 */
function findIdenticalRun(
  options: RunnerOptions,
  row: ExperimentRow,
  seed: number,
): ExperimentResult | undefined {
  const command = formatCommand(trainArguments(options.scale, row, seed));
  return readResults(options.resultsPath).find(
    (result) =>
      result.scale === options.scale.name &&
      result.seed === seed &&
      result.split === options.suite.split &&
      result.reusedFrom === undefined &&
      withoutOut(result.command) === command,
  );
}

/**
 * Runs every row for every seed, seed by seed so that a partial run covers all rows once
 * before it repeats any. Rows already in the results file are skipped, and a row whose run
 * another row has already made takes that row's result.
 */
export async function runExperiment(options: RunnerOptions): Promise<RunnerSummary> {
  const done = new Set(readResults(options.resultsPath).map(resultKey));
  const summary: RunnerSummary = { finished: 0, skipped: 0, failed: [], interrupted: false };
  const total = options.rows.length * options.seeds.length;
  let index = 0;
  for (const seed of options.seeds) {
    for (const row of options.rows) {
      index += 1;
      if (options.signal?.aborted) {
        summary.interrupted = true;
        return summary;
      }
      const label = `[${index}/${total}] ${options.suite.name} ${row.id} seed ${seed}`;
      const key = resultKey({
        suite: options.suite.name,
        id: row.id,
        scale: options.scale.name,
        seed,
      });
      if (done.has(key)) {
        summary.skipped += 1;
        continue;
      }
      const identical = findIdenticalRun(options, row, seed);
      if (identical !== undefined) {
        const source = `${identical.suite}/${identical.id}`;
        await appendResult(options.resultsPath, resultOf(options, row, seed, identical, source));
        options.log(`${label}: same run as ${source} seed ${seed}; recorded its result`);
        summary.finished += 1;
        continue;
      }
      const outcome = await runRow(options, row, seed, label);
      if (outcome === 'interrupted') {
        summary.interrupted = true;
        return summary;
      }
      if (outcome === 'failed') summary.failed.push(`${row.id} seed ${seed}`);
      else summary.finished += 1;
    }
  }
  return summary;
}
