import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, runCli, tinyTrainArgs } from './run_cli.js';

/** The constant schedule does not depend on --steps, so a run may be extended with --resume. */
const CONSTANT = ['--lr-schedule', 'constant', '--warmup-steps', '0'];

test('resume to 4 steps matches straight run', () => {
  const root = makeTempDir('relpix-cli-resume-');
  const straight = join(root, 'straight');
  const resumed = join(root, 'resumed');
  const straightRun = runCli(tinyTrainArgs(straight, ...CONSTANT, '--steps', '4'));
  assert.equal(straightRun.status, 0, straightRun.stderr);
  const firstHalf = runCli(tinyTrainArgs(resumed, ...CONSTANT, '--steps', '2'));
  assert.equal(firstHalf.status, 0, firstHalf.stderr);
  const secondHalf = runCli(tinyTrainArgs(resumed, ...CONSTANT, '--steps', '4', '--resume'));
  assert.equal(secondHalf.status, 0, secondHalf.stderr);
  assert.match(secondHalf.stderr, /resumed from step 2/);
  assert.doesNotMatch(secondHalf.stderr, /warning/);

  const read = (run: string, file: string) =>
    readFileSync(join(run, 'checkpoints', 'step-00000004', file));
  for (const file of ['weights.bin', 'optimizer.bin', 'optimizer.json']) {
    assert.ok(read(resumed, file).equals(read(straight, file)), `${file} differs`);
  }
  const straightState = JSON.parse(read(straight, 'state.json').toString('utf8'));
  const resumedState = JSON.parse(read(resumed, 'state.json').toString('utf8'));
  assert.equal(resumedState.step, 4);
  assert.deepEqual(resumedState.random, straightState.random);
  assert.deepEqual(resumedState.config, straightState.config);
});

test('resume warns when cosine steps change', () => {
  const run = join(makeTempDir('relpix-cli-resume-'), 'run');
  const first = runCli(tinyTrainArgs(run, '--steps', '2'));
  assert.equal(first.status, 0, first.stderr);
  const second = runCli(tinyTrainArgs(run, '--steps', '4', '--resume'));
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, /warning: --steps 4 differs from the 2 steps this run started with/);
});
