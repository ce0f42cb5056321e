import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import { PixelModel } from '../../src/model/model.js';
import type { ModelConfig } from '../../src/model/config.js';
import { allImages, assertCausal, logSumExp, prefixLogProbs } from './enumerate.js';

const tiny = { depth: 2, hidden: 4, skip: 8, predictors: [{ kind: 'absolute' as const }] };

function randomImage(config: ModelConfig, seed: number): Int32Array {
  const values = new Int32Array(config.height * config.width * config.channels);
  let state = seed;
  for (let i = 0; i < values.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    values[i] = state % config.levels;
  }
  return values;
}

test('model is causal over pixels and sub-pixels', async () => {
  await useBackend('wasm');
  const config: ModelConfig = { height: 4, width: 5, channels: 3, levels: 8, ...tiny };
  const model = PixelModel.create(config, 3);
  const base = randomImage(config, 11);
  const before = assertCausal(model, base);
  const dims = base.length;
  const later = base.slice();
  later[0] = (later[0] + 1) % config.levels;
  const after = prefixLogProbs(model, later);
  assert.notEqual(after[dims / config.channels - 1][2], before[dims / config.channels - 1][2]);
  model.dispose();
});

const normalisationCases: Array<[string, ModelConfig]> = [
  ['1x2 RGB at 4 levels', { height: 1, width: 2, channels: 3, levels: 4, ...tiny }],
  ['2x2 grey at 4 levels', { height: 2, width: 2, channels: 1, levels: 4, ...tiny }],
  ['2x2 two channels at 2 levels', { height: 2, width: 2, channels: 2, levels: 2, ...tiny }],
];

for (const [name, config] of normalisationCases) {
  test(`absolute model sums to 1 over all images: ${name}`, async () => {
    await useBackend('wasm');
    const model = PixelModel.create(config, 5);
    const images = allImages(config.height, config.width, config.channels, config.levels);
    const logProbs = model.logProb(images).dataSync();
    assert.ok(Math.abs(logSumExp(logProbs)) < 1e-4, `log total probability ${logSumExp(logProbs)}`);
    images.dispose();
    model.dispose();
  });
}

test('log-likelihood training step leaks no tensors', async () => {
  await useBackend('wasm');
  const config: ModelConfig = { height: 4, width: 4, channels: 3, levels: 256, ...tiny };
  const model = PixelModel.create(config, 1);
  const x = tf.tensor4d(randomImage(config, 2), [1, 4, 4, 3], 'int32');
  const optimizer = tf.train.adam(1e-3);
  const step = (): void => {
    const cost = optimizer.minimize(() => tf.neg(tf.mean(model.logProb(x))) as tf.Scalar, true);
    cost?.dispose();
  };
  step();
  const before = tf.memory().numTensors;
  step();
  step();
  assert.equal(tf.memory().numTensors, before);
  optimizer.dispose();
  x.dispose();
  model.dispose();
});
