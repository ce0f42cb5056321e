import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import type { Task } from '../../src/data/tasks.js';
import type { ModelConfig } from '../../src/model/config.js';
import { PixelModel } from '../../src/model/model.js';
import type { PredictorConfig } from '../../src/model/predictors/config.js';
import { sampleImages } from '../../src/sample/sampler.js';
import { allImages, assertCausal, logSumExp } from './enumerate.js';

const backbone = { depth: 1, hidden: 4, skip: 8 };
const kept = [0, 1, -1];

function relative(
  kind: 'input' | 'output',
  neighbours: string,
  mask: boolean,
  keep?: number[],
): PredictorConfig {
  const base = { kind, neighbours, mask };
  const config = keep === undefined ? { ...base, prune: 100 } : { ...base, prune: 50, kept: keep };
  return config as PredictorConfig;
}

const combinations: Array<[string, PredictorConfig[]]> = [
  ['absolute', [{ kind: 'absolute' }]],
  ['input:centre', [relative('input', 'centre', true)]],
  ['input:2x2', [relative('input', '2x2', true)]],
  ['input:3x3', [relative('input', '3x3', true)]],
  ['input:5x5', [relative('input', '5x5', true)]],
  ['absolute + input:3x3', [{ kind: 'absolute' }, relative('input', '3x3', true)]],
  [
    'input:3x3 + pruned output:left+top',
    [relative('input', '3x3', true), relative('output', 'left+top', true, kept)],
  ],
  [
    'absolute + pruned input:3x3 + output:left+top',
    [
      { kind: 'absolute' },
      relative('input', '3x3', true, kept),
      relative('output', 'left+top', true),
    ],
  ],
];

/** Returns a fixed conditioning image for `count` copies of a 2x2 grey image at 4 levels. */
function fixedCondition(count: number): Int32Array {
  return Int32Array.from({ length: count * 4 }, (_, k) => [3, 0, 1, 2][k % 4]);
}

for (const [name, predictors] of combinations) {
  for (const task of ['colourise', 'superres'] as Task[]) {
    test(`${task} model sums to 1 given y: ${name}`, async () => {
      await useBackend('wasm');
      const config: ModelConfig = {
        height: 2,
        width: 2,
        channels: 1,
        levels: 4,
        ...backbone,
        predictors,
        task,
      };
      const model = PixelModel.create(config, 6);
      const total = tf.tidy(() => {
        const images = allImages(2, 2, 1, 4);
        const y = fixedCondition(images.shape[0]);
        return logSumExp(model.logProb(images, y).dataSync());
      });
      assert.ok(Math.abs(total) < 1e-4, `log total probability ${total}`);
      model.dispose();
    });
  }
}

test('conditional model is causal in x', async () => {
  await useBackend('wasm');
  const config: ModelConfig = {
    height: 3,
    width: 3,
    channels: 3,
    levels: 8,
    ...backbone,
    predictors: [
      { kind: 'absolute' },
      relative('input', '3x3', true),
      relative('output', '2x2', false),
    ],
    task: 'colourise',
  };
  const model = PixelModel.create(config, 2);
  const y = Int32Array.from({ length: 27 }, (_, k) => (k * 3 + 1) % 8);
  const base = Int32Array.from({ length: 27 }, (_, k) => (k * 5 + 2) % 8);
  const before = assertCausal(model, base, y);
  // The last pixel of the conditioning image reaches the first pixel's prediction.
  const otherY = y.slice();
  otherY[26] = (otherY[26] + 4) % 8;
  const withOtherY = tf.tidy(() =>
    Array.from(model.pixelLogProbs(tf.tensor4d(base, [1, 3, 3, 3], 'int32'), 3, otherY).dataSync()),
  );
  assert.notEqual(withOtherY[0], before[0][2]);
  model.dispose();
});

test('incremental sampler draws naive images given y', async () => {
  await useBackend('wasm');
  const config: ModelConfig = {
    height: 5,
    width: 4,
    channels: 3,
    levels: 16,
    depth: 2,
    hidden: 8,
    skip: 16,
    predictors: [
      { kind: 'absolute' },
      relative('input', '3x3', true),
      relative('output', 'left+top', true),
    ],
    task: 'superres',
  };
  const model = PixelModel.create(config, 3);
  const y = Int32Array.from({ length: 2 * 5 * 4 * 3 }, (_, k) => (k * 7) % 16);
  const before = tf.memory().numTensors;
  const naive = sampleImages(model, 2, 4, undefined, 'naive', y);
  const incremental = sampleImages(model, 2, 4, undefined, 'incremental', y);
  assert.deepEqual(Array.from(incremental.images), Array.from(naive.images));
  assert.deepEqual(Array.from(incremental.latent.source), Array.from(naive.latent.source));
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
