import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../src/engine/backend.js';
import type { ImageSet } from '../../src/data/image_set.js';
import type { ModelConfig } from '../../src/model/config.js';
import { PixelModel } from '../../src/model/model.js';
import { WorkerPool } from '../../src/parallel/pool.js';
import { shardBounds } from '../../src/parallel/shards.js';
import { Adam } from '../../src/train/adam.js';
import { batchIndices, gatherImages } from '../../src/train/batches.js';
import { evaluate } from '../../src/train/evaluate.js';
import { trainStep } from '../../src/train/step.js';

const config: ModelConfig = {
  height: 4,
  width: 4,
  channels: 3,
  levels: 16,
  depth: 1,
  hidden: 8,
  skip: 16,
  predictors: [
    { kind: 'absolute' },
    { kind: 'output', neighbours: 'left+top', mask: true, prune: 100 },
  ],
};

function syntheticImages(count: number): ImageSet {
  const images = Uint8Array.from({ length: count * 4 * 4 * 3 }, (_, k) => (k * 7 + (k >> 5)) % 16);
  return { images, count, height: 4, width: 4, channels: 3 };
}

/**
 * Trains `steps` steps on this thread and with `workers` workers, both in passes of at most
 * `microBatch` images (0: one pass); returns both models.
 */
async function trainBoth(workers: number, steps: number, microBatch = 0) {
  await useBackend('wasm');
  const train = syntheticImages(40);
  const local = PixelModel.create(config, 5);
  const localAdam = new Adam(local.parameters);
  for (let step = 0; step < steps; step++) {
    const batch = gatherImages(train, batchIndices(train.count, 6, 5, step));
    trainStep(local, localAdam, batch, 3e-3, microBatch);
  }
  const pooled = PixelModel.create(config, 5);
  const pooledAdam = new Adam(pooled.parameters);
  const pool = await WorkerPool.start({
    workers,
    backend: 'wasm',
    model: config,
    seed: 5,
    batchSize: 6,
    microBatch,
    train,
    parameters: pooled.parameterCount,
  });
  try {
    await pool.setState(pooled, pooledAdam);
    for (let step = 0; step < steps; step++) await pool.step(step, 3e-3);
    await pool.getState(pooled, pooledAdam);
    const perImage = await pool.evaluate(
      { buffer: new SharedArrayBuffer(0), count: 0, height: 4, width: 4, channels: 3 },
      0,
      4,
    );
    assert.equal(perImage.length, 0);
  } finally {
    await pool.close();
  }
  return { local, pooled, localAdam, pooledAdam, train };
}

function maxDifference(a: PixelModel, b: PixelModel): number {
  let max = 0;
  for (const [name, variable] of a.parameters) {
    const x = variable.dataSync();
    const y = (b.parameters.get(name) as typeof variable).dataSync();
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  }
  return max;
}

test('one worker matches this thread exactly', async () => {
  const { local, pooled, localAdam, pooledAdam } = await trainBoth(1, 3);
  assert.equal(maxDifference(local, pooled), 0);
  assert.equal(pooledAdam.step, localAdam.step);
  local.dispose();
  pooled.dispose();
});

test('two workers match this thread up to summation order', async () => {
  const { local, pooled, train } = await trainBoth(2, 3);
  const difference = maxDifference(local, pooled);
  assert.ok(difference < 1e-5, `largest parameter difference ${difference}`);
  const a = evaluate(local, train, 8).bitsPerDim;
  const b = evaluate(pooled, train, 8).bitsPerDim;
  assert.ok(Math.abs(a - b) < 1e-4, `bits/dim ${a} vs ${b}`);
  local.dispose();
  pooled.dispose();
});

test('micro-batches match one pass', async () => {
  // Batches of 6 in three passes of 2 images on this thread, and shards of 3 in passes of 2
  // and 1 in each of two workers.
  const whole = await trainBoth(1, 3, 0);
  const split = await trainBoth(2, 3, 2);
  const threadDifference = maxDifference(whole.local, split.local);
  assert.ok(threadDifference > 0, 'passes change the float rounding, so the test can fail');
  assert.ok(threadDifference < 1e-5, `largest parameter difference ${threadDifference}`);
  const workerDifference = maxDifference(whole.local, split.pooled);
  assert.ok(workerDifference < 1e-5, `largest parameter difference ${workerDifference}`);
  for (const model of [whole.local, whole.pooled, split.local, split.pooled]) model.dispose();
});

test('pool evaluation equals single-thread evaluation', async () => {
  await useBackend('wasm');
  const set = syntheticImages(9);
  const model = PixelModel.create(config, 2);
  const adam = new Adam(model.parameters);
  const pool = await WorkerPool.start({
    workers: 2,
    backend: 'wasm',
    model: config,
    seed: 2,
    batchSize: 4,
    microBatch: 0,
    train: set,
    parameters: model.parameterCount,
  });
  try {
    await pool.setState(model, adam);
    const buffer = new SharedArrayBuffer(set.images.length);
    new Uint8Array(buffer).set(set.images);
    const shared = { buffer, count: 9, height: 4, width: 4, channels: 3 };
    const pooled = await pool.evaluate(shared, 9, 4);
    const local = evaluate(model, set, 4).perImage;
    assert.deepEqual(Array.from(pooled), Array.from(local));
  } finally {
    await pool.close();
  }
  model.dispose();
});

test('shards cover the batch once', () => {
  for (const [batch, workers] of [
    [16, 2],
    [5, 3],
    [2, 4],
  ]) {
    const covered: number[] = [];
    for (let k = 0; k < workers; k++) {
      const [from, to] = shardBounds(batch, workers, k);
      for (let i = from; i < to; i++) covered.push(i);
    }
    assert.deepEqual(
      covered,
      Array.from({ length: batch }, (_, i) => i),
    );
  }
});
