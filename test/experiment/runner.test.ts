import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { latestCheckpoint } from '../../src/io/checkpoint_folders.js';
import { readResults } from '../../src/experiment/results.js';
import {
  lockHolder,
  processStartTime,
  runExperiment,
  runFolder,
} from '../../src/experiment/runner.js';
import { SCALES } from '../../src/experiment/scales.js';
import { SUITES, selectRows } from '../../src/experiment/suites.js';
import { DATA_ROOT, runCli } from '../cli/run_cli.js';
import { SLOW_SCALE, driverOptions } from './driver.js';

const DRIVER = fileURLToPath(new URL('./driver.js', import.meta.url));

function temporaryFolder(): string {
  return mkdtempSync(join(tmpdir(), 'relpix-experiment-'));
}

/** Counts the `relpix train` commands logged in a run folder: one per training attempt. */
function trainingAttempts(runDir: string): number {
  const log = readFileSync(join(runDir, 'experiment.log'), 'utf8');
  return log.split('\n').filter((line) => line.startsWith('$ relpix train')).length;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('experiment records each row and skips it on rerun', () => {
  const dir = temporaryFolder();
  try {
    const results = join(dir, 'results.jsonl');
    const args = ['experiment', 'table1', '--scale', 'smoke', '--seeds', '2', '--rows', 'u0,c4'];
    const common = ['--runs', join(dir, 'runs'), '--results', results, '--data', DATA_ROOT];
    const first = runCli([...args, ...common, '--workers', '1'], 120_000);
    assert.equal(first.status, 0, first.stderr);
    const records = readResults(results);
    assert.deepEqual(
      records.map((r) => `${r.id}/${r.seed}`),
      ['u0/1', 'c4/1', 'u0/2', 'c4/2'],
    );
    for (const record of records) {
      assert.equal(record.steps, 4);
      assert.equal(record.images, 16);
      assert.ok(Number.isFinite(record.bitsPerDim), `bits/dim ${record.bitsPerDim}`);
      assert.ok(record.bitsPerDim > 0, `bits/dim ${record.bitsPerDim}`);
      assert.ok(record.standardError > 0);
      assert.match(record.command, /^relpix train --task \w+ --predictors /);
    }
    assert.equal(records[1].task, 'colourise');
    assert.equal(records[1].paper, 1.2);
    assert.notEqual(records[0].bitsPerDim, records[2].bitsPerDim, 'seeds should differ');

    const second = runCli([...args, ...common], 60_000);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /0 runs finished, 4 already in/);
    assert.equal(readResults(results).length, 4);

    const markdown = join(dir, 'docs', 'results.md');
    const report = runCli(
      ['report', '--scale', 'smoke', '--results', results, '--out', markdown, '--data', DATA_ROOT],
      60_000,
    );
    assert.equal(report.status, 0, report.stderr);
    const text = readFileSync(markdown, 'utf8');
    assert.match(text, /\| u0 \| absolute \| 3\.02 \| \d\.\d{4} ± \d\.\d{4} \(2\)/);
    // Rerun commands write where these runs were written.
    const rerun = `relpix experiment table1 --scale smoke --rows u0 --seeds 3 --runs ${join(dir, 'runs')} --results ${results}`;
    assert.ok(text.includes(rerun), `no line contains: ${rerun}`);
    // c4 ran but its baseline c0 did not, so its comparison has no measured value.
    assert.match(
      text,
      /\| c4 \| absolute \+ relative\(i\) beats absolute \| -0\.05 \| not run yet/,
    );
    for (const figure of ['histograms.svg', 'samples-unconditional.png', 'usage.svg']) {
      assert.ok(existsSync(join(dir, 'docs', 'results', figure)), `${figure} missing`);
    }
    const html = readFileSync(join(dir, 'docs', 'results.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /(src|href)="(?!data:)/, 'the page loads no other file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('experiment rejects unknown suite and row', () => {
  const suite = runCli(['experiment', 'table9']);
  assert.equal(suite.status, 1);
  assert.match(suite.stderr, /suite 'table9' is unknown; expected one of table1, table3/);
  const row = runCli(['experiment', 'table1', '--rows', 'u2']);
  assert.equal(row.status, 1);
  assert.match(row.stderr, /row 'u2' is not in suite table1/);
});

test('experiment lists every table row', () => {
  const listed = runCli(['experiment', 'table3', '--list']);
  assert.equal(listed.status, 0, listed.stderr);
  const ids = listed.stdout.split('\n').filter((line) => /^[ucs]\d+ /.test(line));
  assert.equal(ids.length, SUITES.table3.rows.length);
  // Unconditional rows exist only where the table has a figure for them.
  assert.equal(ids.filter((line) => line.startsWith('u')).length, 13);
});

test('runner resumes a row after an abort', async () => {
  const dir = temporaryFolder();
  try {
    const controller = new AbortController();
    const options = driverOptions(join(dir, 'runs'), join(dir, 'results.jsonl'));
    const secondRow = runFolder(options, options.rows[1], 1);
    const watcher = waitFor(() => latestCheckpoint(secondRow) !== undefined, 60_000).then(() =>
      controller.abort(),
    );
    const interrupted = await runExperiment({ ...options, signal: controller.signal });
    await watcher;
    assert.equal(interrupted.interrupted, true);
    assert.equal(interrupted.finished, 1);
    const partial = JSON.parse(
      readFileSync(join(latestCheckpoint(secondRow)!, 'state.json'), 'utf8'),
    );
    assert.ok(partial.step < 60, `stopped at step ${partial.step}`);

    const resumed = await runExperiment(options);
    assert.equal(resumed.skipped, 1);
    assert.equal(resumed.finished, 1);
    const records = readResults(options.resultsPath);
    assert.deepEqual(
      records.map((r) => r.steps),
      [60, 60],
    );
    assert.equal(trainingAttempts(runFolder(options, options.rows[0], 1)), 1);
    const log = readFileSync(join(secondRow, 'experiment.log'), 'utf8');
    assert.equal(trainingAttempts(secondRow), 2);
    assert.match(log, /--resume/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner continues after SIGKILL mid-row', async () => {
  const dir = temporaryFolder();
  try {
    const runsDir = join(dir, 'runs');
    const resultsPath = join(dir, 'results.jsonl');
    const options = driverOptions(runsDir, resultsPath);
    const secondRow = runFolder(options, options.rows[1], 1);
    const driver = spawn(process.execPath, [DRIVER, 'run', runsDir, resultsPath], {
      stdio: 'ignore',
    });
    await waitFor(() => latestCheckpoint(secondRow) !== undefined, 60_000);
    // SIGKILL gives the runner no chance to stop its training child, which the lock names.
    const lock = JSON.parse(readFileSync(join(secondRow, 'lock.json'), 'utf8'));
    driver.kill('SIGKILL');
    await waitFor(() => driver.exitCode !== null || driver.signalCode !== null, 10_000);
    const blocked = await runExperiment(options);
    assert.deepEqual(blocked.failed, ['u1 seed 1'], 'the live child holds the lock');
    process.kill(lock.child, 'SIGKILL');
    await waitFor(() => {
      try {
        process.kill(lock.child, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000);

    const resumed = await runExperiment(options);
    assert.equal(resumed.skipped, 1);
    assert.equal(resumed.finished, 1);
    assert.equal(readResults(resultsPath).length, 2);
    assert.equal(trainingAttempts(runFolder(options, options.rows[0], 1)), 1);
    assert.ok(existsSync(join(secondRow, 'training.json')));
    assert.equal(SLOW_SCALE.trainFlags.steps, readResults(resultsPath)[1].steps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runner options for smoke-scale rows of `suite`, with a quiet log. */
function smokeOptions(dir: string, suite: keyof typeof SUITES, rows: string[]) {
  return {
    suite: SUITES[suite],
    scale: SCALES.smoke,
    rows: selectRows(SUITES[suite], rows),
    seeds: [1],
    runsDir: join(dir, 'runs'),
    resultsPath: join(dir, 'results.jsonl'),
    data: DATA_ROOT,
    workers: 1,
    log: () => {},
  };
}

test('runner starts nothing once aborted', async () => {
  const dir = temporaryFolder();
  try {
    const controller = new AbortController();
    controller.abort();
    const options = smokeOptions(dir, 'table1', ['u0']);
    const summary = await runExperiment({ ...options, signal: controller.signal });
    assert.equal(summary.interrupted, true);
    assert.equal(summary.finished, 0);
    assert.equal(existsSync(options.runsDir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner skips a locked row and continues', async () => {
  const dir = temporaryFolder();
  try {
    const options = smokeOptions(dir, 'table1', ['u0', 'u1']);
    const locked = runFolder(options, options.rows[0], 1);
    mkdirSync(locked, { recursive: true });
    // The parent process is alive, so the lock counts as held by another runner.
    writeFileSync(join(locked, 'lock.json'), JSON.stringify({ pid: process.ppid }));
    const lines: string[] = [];
    const summary = await runExperiment({ ...options, log: (line) => lines.push(line) });
    assert.deepEqual(summary.failed, ['u0 seed 1']);
    assert.equal(summary.finished, 1);
    assert.ok(
      lines.some((line) => /u0 seed 1: skipped because .* is in use by process/.test(line)),
    );
    assert.deepEqual(
      readResults(options.resultsPath).map((r) => r.id),
      ['u1'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lock holder is a live process', () => {
  const parent = process.ppid;
  assert.equal(lockHolder({ pid: parent }), parent);
  assert.equal(lockHolder({ pid: process.pid }), undefined, 'this process');
  assert.equal(lockHolder(undefined), undefined);
  // kill(2) reads 0 and negative IDs as process groups, which a lock never names.
  assert.equal(lockHolder({ pid: 0 }), undefined, 'process ID 0');
  assert.equal(lockHolder({ pid: -1 }), undefined, 'process ID -1');

  const ended = spawnSync(process.execPath, ['-e', '']).pid;
  assert.equal(lockHolder({ pid: ended }), undefined, 'ended process');
  assert.equal(lockHolder({ pid: ended, child: parent }), parent, 'live child');
});

test('reused process ID lock is stale', { skip: !existsSync('/proc/self/stat') }, () => {
  const parent = process.ppid;
  const start = processStartTime(parent);
  assert.equal(typeof start, 'number');
  assert.equal(processStartTime(parent), start, 'same value on a second read');
  assert.equal(lockHolder({ pid: parent, pidStart: start }), parent);
  // Another start time means the ID now belongs to a process that the lock did not name.
  assert.equal(lockHolder({ pid: parent, pidStart: (start ?? 0) + 1 }), undefined);
  assert.equal(lockHolder({ child: parent, childStart: (start ?? 0) + 1 }), undefined);
});

test('runner rejects an unwritable lock', async () => {
  const dir = temporaryFolder();
  try {
    const options = smokeOptions(dir, 'table1', ['u0']);
    const runDir = runFolder(options, options.rows[0], 1);
    mkdirSync(join(runDir, 'lock.json'), { recursive: true });
    await assert.rejects(
      runExperiment(options),
      /failed to write the lock file .*lock\.json \(EISDIR\)/,
    );
    assert.equal(existsSync(options.resultsPath), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner reuses an identical run', async () => {
  const dir = temporaryFolder();
  try {
    const table = smokeOptions(dir, 'table1', ['u3']);
    await runExperiment(table);
    const pruning = smokeOptions(dir, 'pruning', ['p20']);
    const summary = await runExperiment(pruning);
    assert.equal(summary.finished, 1);
    const [original, copy] = readResults(pruning.resultsPath);
    assert.equal(copy.id, 'p20');
    assert.equal(copy.suite, 'pruning');
    assert.equal(copy.reusedFrom, 'table1/u3');
    assert.equal(copy.bitsPerDim, original.bitsPerDim);
    assert.equal(existsSync(runFolder(pruning, pruning.rows[0], 1)), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('experiment rejects a malformed results line', () => {
  const dir = temporaryFolder();
  try {
    const results = join(dir, 'results.jsonl');
    writeFileSync(results, 'null\n');
    const run = runCli(['experiment', 'table1', '--scale', 'smoke', '--results', results]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /line 1 of results file .* is not an experiment result/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    const folder = runCli(['experiment', 'table1', '--scale', 'smoke', '--results', dir]);
    assert.equal(folder.status, 1);
    assert.match(folder.stderr, /--results .* is a folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
