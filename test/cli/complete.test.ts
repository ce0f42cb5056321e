import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decode, encode } from 'fast-png';
import {
  assertOneLineError,
  makeTempDir,
  REPO_ROOT,
  runCli,
  tinyTrainArgs,
  type CliResult,
} from './run_cli.js';

const temporary = makeTempDir('relpix-cli-complete-');
const colourRun = join(temporary, 'colourise');
const superresRun = join(temporary, 'superres');
let colourTraining: CliResult;
let superresTraining: CliResult;

function writeTestPng(path: string, width: number, height: number, channels: 1 | 3): void {
  const data = Uint8Array.from({ length: width * height * channels }, (_, k) => (k * 29) % 256);
  writeFileSync(path, encode({ width, height, data, channels, depth: 8 }));
}

before(() => {
  const predictors = ['--predictors', 'absolute,input:3x3', '--mask', '--samples', '2'];
  colourTraining = runCli(tinyTrainArgs(colourRun, '--task', 'colourise', ...predictors));
  superresTraining = runCli(tinyTrainArgs(superresRun, '--task', 'superres', ...predictors));
  writeTestPng(join(temporary, 'grey.png'), 16, 8, 1);
  writeTestPng(join(temporary, 'colour.png'), 8, 8, 3);
  writeTestPng(join(temporary, 'low.png'), 4, 2, 3);
  writeTestPng(join(temporary, 'odd.png'), 12, 8, 3);
});

test('conditional training runs', () => {
  assert.equal(colourTraining.status, 0, colourTraining.stderr);
  assert.equal(superresTraining.status, 0, superresTraining.stderr);
});

test('colourise writes a colour image per file', () => {
  const out = join(temporary, 'out');
  const files = [join(temporary, 'grey.png'), join(temporary, 'colour.png')];
  const result = runCli(['colourise', colourRun, ...files, '--out', out]);
  assert.equal(result.status, 0, result.stderr);
  const grey = decode(readFileSync(join(out, 'grey.colourise.png')));
  assert.equal(grey.width, 16);
  assert.equal(grey.height, 8);
  assert.equal(grey.channels, 3);
  const colour = decode(readFileSync(join(out, 'colour.colourise.png')));
  assert.equal(colour.width, 8);
});

test('superres enlarges each low-resolution tile 4x', () => {
  const out = join(temporary, 'out-superres');
  const result = runCli(['superres', superresRun, join(temporary, 'low.png'), '--out', out]);
  assert.equal(result.status, 0, result.stderr);
  const image = decode(readFileSync(join(out, 'low.superres.png')));
  assert.equal(image.width, 16);
  assert.equal(image.height, 8);
});

test('colourise rejects a size that is not whole tiles', () => {
  const result = runCli(['colourise', colourRun, join(temporary, 'odd.png')]);
  const line = assertOneLineError(result);
  assert.match(line, /12x8, not a whole number of 8x8 tiles/);
});

test('superres rejects a colourisation model', () => {
  const result = runCli(['superres', colourRun, join(temporary, 'low.png')]);
  const line = assertOneLineError(result);
  assert.match(line, /is a colourise model, not a superres one/);
});

test('colourise rejects two files of one name', () => {
  const other = join(temporary, 'other');
  mkdirSync(other, { recursive: true });
  writeTestPng(join(other, 'colour.png'), 8, 8, 3);
  const files = [join(temporary, 'colour.png'), join(other, 'colour.png')];
  const out = join(temporary, 'out-same-name');
  const line = assertOneLineError(runCli(['colourise', colourRun, ...files, '--out', out]));
  assert.match(line, /would both be written to .*colour\.colourise\.png/);
  assert.ok(!existsSync(out), 'colourise wrote output before rejecting the files');
});

/** Writes `count` RGB PNG files of width x height into a new folder and returns it. */
function writePngFolder(name: string, width: number, height: number, count: number): string {
  const folder = join(temporary, name);
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) writeTestPng(join(folder, `${i}.png`), width, height, 3);
  return folder;
}

/** Returns `relpix train` arguments for a tiny model on a PNG folder, without --size. */
function pngTrainArgs(folder: string, out: string, ...extra: string[]): string[] {
  const args = tinyTrainArgs(out, '--dataset', 'png', '--folder', folder, ...extra);
  const size = args.indexOf('--size');
  args.splice(size, 2);
  return args;
}

test('superres handles non-square images', () => {
  const folder = writePngFolder('wide', 12, 8, 8);
  const run = join(temporary, 'superres-wide');
  const training = runCli(pngTrainArgs(folder, run, '--task', 'superres'));
  assert.equal(training.status, 0, training.stderr);

  // Low-resolution tiles of this 12x8 model are 3x2, so a 6x4 image is 2 by 2 tiles.
  writeTestPng(join(temporary, 'wide-low.png'), 6, 4, 3);
  const out = join(temporary, 'out-wide');
  const result = runCli(['superres', run, join(temporary, 'wide-low.png'), '--out', out]);
  assert.equal(result.status, 0, result.stderr);
  const image = decode(readFileSync(join(out, 'wide-low.superres.png')));
  assert.equal(image.width, 24);
  assert.equal(image.height, 16);
});

test('superres training rejects an indivisible width', () => {
  const folder = writePngFolder('indivisible', 10, 8, 4);
  const result = runCli(
    pngTrainArgs(folder, join(temporary, 'indivisible-run'), '--task', 'superres'),
  );
  const line = assertOneLineError(result);
  assert.match(line, /super-resolution cannot use 10x8 images: .* multiples of 4/);
});

test('PNG model checks its folder later', () => {
  const folder = writePngFolder('changing', 12, 8, 8);
  const run = join(temporary, 'changing-run');
  const args = pngTrainArgs(relative(REPO_ROOT, folder), run, '--task', 'colourise');
  const training = runCli([...args, '--samples', '0']);
  assert.equal(training.status, 0, training.stderr);
  assert.match(training.stderr, /warning: a PNG folder has no held-out split/);
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  assert.equal(config.data.folder, folder, 'saved as an absolute path');

  // The folder now contains images of another size, which the model cannot score.
  writePngFolder('changing', 16, 8, 8);
  for (const command of [
    ['eval', run],
    ['sample', run, '--count', '2'],
  ]) {
    const line = assertOneLineError(runCli(command));
    assert.match(line, /gives 16x8 images with 3 channels, but the model was trained on 12x8/);
  }
});

test('eval scores a held-out PNG folder', () => {
  const trained = writePngFolder('seen', 12, 8, 8);
  const run = join(temporary, 'seen-run');
  const training = runCli([...pngTrainArgs(trained, run), '--samples', '0']);
  assert.equal(training.status, 0, training.stderr);
  const heldOut = writePngFolder('held-out', 12, 8, 3);

  const result = runCli(['eval', run, '--folder', heldOut]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^test bits\/dim: \d+\.\d{4} ± \d+\.\d{4} \(3 images/m);
  assert.doesNotMatch(result.stderr, /warning/);
  const line = assertOneLineError(runCli(['eval', colourRun, '--folder', heldOut]));
  assert.match(line, /--folder applies to models trained on a PNG folder/);
});
