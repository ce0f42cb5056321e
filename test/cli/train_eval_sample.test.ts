import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { DATA_ROOT, makeTempDir, runCli, tinyTrainArgs, type CliResult } from './run_cli.js';

const temporary = makeTempDir('relpix-cli-happy-');
const run = join(temporary, 'run');
let training: CliResult;

before(() => {
  training = runCli(tinyTrainArgs(run, '--steps', '3'));
});

test('train exits with status 0', () => {
  assert.equal(training.status, 0, training.stderr);
});

test('train prints validation bits/dim', () => {
  assert.match(training.stdout, /^validation bits\/dim: \d+\.\d{4} ± \d+\.\d{4} \(16 images\)$/m);
  assert.match(training.stdout, /^stopped after step 3 \(steps budget reached\)$/m);
});

/** Returns the validation bits/dim that a `relpix train` run printed. */
function validationBitsPerDim(stdout: string): number {
  const match = /^validation bits\/dim: (\d+\.\d+)/m.exec(stdout);
  assert.ok(match, stdout);
  return Number(match[1]);
}

test('micro-batches train the same model', () => {
  // Batches of 4 in passes of 3 and 1 images on one thread.
  const args = tinyTrainArgs(join(temporary, 'micro'), '--steps', '3', '--workers', '1');
  const split = runCli([...args, '--micro-batch', '3']);
  assert.equal(split.status, 0, split.stderr);
  const difference = validationBitsPerDim(split.stdout) - validationBitsPerDim(training.stdout);
  assert.ok(Math.abs(difference) < 2e-3, `validation bits/dim differ by ${difference}`);
});

test('train writes config.json', () => {
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  assert.equal(config.model.height, 8);
  assert.equal(config.model.levels, 4);
  assert.equal(config.model.hidden, 8);
  assert.equal(config.train.steps, 3);
});

test('metrics.jsonl lines have a type', () => {
  const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const records = lines.map((line) => JSON.parse(line) as { type?: unknown; step?: unknown });
  for (const [i, record] of records.entries()) {
    assert.equal(typeof record.type, 'string', `line ${i + 1}: ${lines[i]}`);
  }
  const trainSteps = records.filter((record) => record.type === 'train').map((r) => r.step);
  assert.deepEqual(trainSteps, [1, 2, 3]);
  assert.ok(
    records.some((record) => record.type === 'validation'),
    'no validation record',
  );
});

test('checkpoint folder has every file', () => {
  // --checkpoint-every 2 saves step 2, and the end of the run saves step 3.
  const checkpoint = join(run, 'checkpoints', 'step-00000003');
  for (const file of [
    'model.json',
    'weights.bin',
    'optimizer.json',
    'optimizer.bin',
    'state.json',
  ]) {
    assert.ok(existsSync(join(checkpoint, file)), `${file} is missing`);
  }
  const latest = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8'));
  assert.equal(latest.path, 'step-00000003');
});

test('eval prints a JSON result', () => {
  const args = [
    'eval',
    run,
    '--split',
    'validation',
    '--limit',
    '32',
    '--json',
    '--data',
    DATA_ROOT,
  ];
  const result = runCli(args);
  assert.equal(result.status, 0, result.stderr);
  const jsonLine = result.stdout.split('\n').find((line) => line.startsWith('{'));
  assert.ok(jsonLine !== undefined, `no JSON line in:\n${result.stdout}`);
  const parsed = JSON.parse(jsonLine);
  assert.equal(parsed.split, 'validation');
  assert.equal(parsed.images, 32);
  assert.equal(parsed.step, 3);
  assert.ok(Number.isFinite(parsed.bitsPerDim), `bits/dim ${parsed.bitsPerDim}`);
  assert.ok(parsed.bitsPerDim > 0, `bits/dim ${parsed.bitsPerDim}`);
  assert.ok(Number.isFinite(parsed.standardError), `${parsed.standardError}`);
});

test('sample writes a decodable PNG', () => {
  const out = join(temporary, 's.png');
  const result = runCli(['sample', run, '--count', '2', '--out', out]);
  assert.equal(result.status, 0, result.stderr);
  const image = decode(readFileSync(out));
  // The grid layout (enlargement, padding, latent maps) may change, so only the lower bounds of
  // two 8x8 samples side by side are checked.
  assert.equal(image.channels, 3);
  assert.ok(image.width >= 2 * 8, `width ${image.width}`);
  assert.ok(image.height >= 8, `height ${image.height}`);
  assert.ok(image.width > image.height, `${image.width}x${image.height} is not one row`);
});

test('relpix --help exits 0', () => {
  const result = runCli(['--help']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^\s+train\b/m);
});

test('relpix train --help exits 0', () => {
  const result = runCli(['train', '--help']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /--batch-size <n>/);
});
