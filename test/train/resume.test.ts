import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { silentProgress } from '../../src/cli/progress.js';
import { useBackend } from '../../src/engine/backend.js';
import { checkpointFolderName, loadCheckpoint } from '../../src/io/checkpoint.js';
import type { RunConfig } from '../../src/train/config.js';
import { trainModel } from '../../src/train/trainer.js';
import { loadTinySet, makeTempDir, readValues, sameBits, tinyRunConfig } from './tiny_run.js';

await useBackend('wasm');

const train = loadTinySet('train', 64);
const validation = loadTinySet('validation', 16);

/** Trains `config` in `outDir` and returns the final weights, disposing the model. */
async function runTraining(
  config: RunConfig,
  outDir: string,
  resume = false,
): Promise<Map<string, Float32Array>> {
  const result = await trainModel({
    config,
    outDir,
    resume,
    train,
    validation,
    progress: silentProgress,
  });
  const weights = readValues(result.model.namedWeights());
  result.model.dispose();
  return weights;
}

/** Loads a checkpoint and returns its weights, optimiser state and state.json as values. */
async function readCheckpoint(path: string) {
  const checkpoint = await loadCheckpoint(path);
  const weights = readValues(checkpoint.weights);
  const optimizer = readValues(checkpoint.optimizer);
  tf.dispose([checkpoint.weights, checkpoint.optimizer]);
  return { weights, optimizer, state: checkpoint.state };
}

function assertSameArrays(
  actual: Map<string, Float32Array>,
  expected: Map<string, Float32Array>,
  kind: string,
): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${kind} names`);
  for (const [name, values] of expected) {
    const other = actual.get(name) as Float32Array;
    assert.ok(sameBits(other, values), `${kind} ${name} differs`);
  }
}

test('resume continues bit for bit', async (t) => {
  const root = await makeTempDir(t, 'relpix-resume-');
  // The cosine schedule spans the run's --steps, so the interrupted run keeps steps at 4 and
  // is stopped by copying its step-2 checkpoint into a fresh run folder.
  const config = tinyRunConfig({ steps: 4, checkpointEvery: 2, schedule: 'cosine' });
  const straightDir = join(root, 'straight');
  await runTraining(config, straightDir);
  const step2 = join(straightDir, 'checkpoints', checkpointFolderName(2));
  const step4 = join(straightDir, 'checkpoints', checkpointFolderName(4));

  const resumedDir = join(root, 'resumed');
  await mkdir(join(resumedDir, 'checkpoints'), { recursive: true });
  await cp(step2, join(resumedDir, 'checkpoints', checkpointFolderName(2)), { recursive: true });
  await runTraining(config, resumedDir, true);

  const straight = await readCheckpoint(step4);
  const resumed = await readCheckpoint(resumedDir);
  assert.equal(resumed.state.step, 4);
  assert.deepEqual(resumed.state.random, straight.state.random);
  assertSameArrays(resumed.weights, straight.weights, 'weight');
  assertSameArrays(resumed.optimizer, straight.optimizer, 'optimiser state');
});

test('resume rejects a changed model', async (t) => {
  const root = await makeTempDir(t, 'relpix-resume-');
  await runTraining(tinyRunConfig({ steps: 2 }), root);
  const changed = tinyRunConfig({ steps: 4 });
  changed.model.hidden = 16;
  await assert.rejects(runTraining(changed, root, true), /hidden: 8 vs 16/);
});

test('same seed repeats the run', async (t) => {
  const root = await makeTempDir(t, 'relpix-seed-');
  const first = await runTraining(tinyRunConfig({ steps: 2, seed: 5 }), join(root, 'a'));
  const second = await runTraining(tinyRunConfig({ steps: 2, seed: 5 }), join(root, 'b'));
  assertSameArrays(second, first, 'weight');
});

test('different seed changes the run', async (t) => {
  const root = await makeTempDir(t, 'relpix-seed-');
  const first = await runTraining(tinyRunConfig({ steps: 2, seed: 5 }), join(root, 'a'));
  const second = await runTraining(tinyRunConfig({ steps: 2, seed: 6 }), join(root, 'b'));
  for (const [name, values] of first) {
    // A parameter that no update reached keeps its zero initialisation under every seed.
    if (values.every((value) => value === 0)) continue;
    assert.ok(!sameBits(second.get(name) as Float32Array, values), `weight ${name} is unchanged`);
  }
});
