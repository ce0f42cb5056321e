import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOneLineError,
  makeTempDir,
  runCli,
  snapshotFiles,
  tinyTrainArgs,
} from './run_cli.js';

/** Sets the first value of the first float32 weight of a checkpoint folder to NaN. */
function poisonFirstWeight(checkpoint: string): string {
  const manifest = JSON.parse(readFileSync(join(checkpoint, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[]; weights: { name: string; dtype: string }[] }[];
  };
  const [group] = manifest.weightsManifest;
  const [first] = group.weights;
  assert.equal(first.dtype, 'float32', `first weight ${first.name}`);
  const path = join(checkpoint, group.paths[0]);
  const bytes = readFileSync(path);
  bytes.writeFloatLE(NaN, 0);
  writeFileSync(path, bytes);
  return first.name;
}

test('NaN loss stops with one line', () => {
  const run = join(makeTempDir('relpix-cli-nan-'), 'run');
  const trained = runCli(tinyTrainArgs(run));
  assert.equal(trained.status, 0, trained.stderr);
  const checkpoint = join(run, 'checkpoints', 'step-00000002');
  poisonFirstWeight(checkpoint);
  const before = snapshotFiles(join(run, 'checkpoints'));

  const line = assertOneLineError(runCli(tinyTrainArgs(run, '--resume', '--steps', '4')));
  assert.match(line, /training loss became NaN/);
  assert.match(line, /at step 3\b/);
  assert.ok(line.includes(`Last good checkpoint: ${checkpoint}`), line);
  assert.match(line, /Lower --lr/);

  const after = snapshotFiles(join(run, 'checkpoints'));
  assert.deepEqual([...after.keys()], [...before.keys()]);
  for (const [path, bytes] of before) {
    assert.ok(bytes.equals(after.get(path) as Buffer), `${path} changed`);
  }
  const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const last = JSON.parse(metrics[metrics.length - 1]) as { type: string; step: number };
  assert.equal(last.type, 'error');
  assert.equal(last.step, 2);
});
