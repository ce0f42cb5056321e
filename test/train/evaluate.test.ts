import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { imageAt } from '../../src/data/image_set.js';
import { useBackend } from '../../src/engine/backend.js';
import { PixelModel } from '../../src/model/model.js';
import { evaluate, summarise } from '../../src/train/evaluate.js';
import { loadTinySet, TINY_MODEL } from './tiny_run.js';

await useBackend('wasm');

const set = loadTinySet('validation', 5);
const model = PixelModel.create(TINY_MODEL, 4);

/** Scores each image on its own: -log2 p(x) / (H W C), from log p in nats. */
function bitsPerImage(): number[] {
  const { height, width, channels } = set;
  const dims = height * width * channels;
  const bits = [];
  for (let i = 0; i < set.count; i++) {
    const logProb = tf.tidy(() => {
      const x = tf.tensor4d(
        Int32Array.from(imageAt(set, i)),
        [1, height, width, channels],
        'int32',
      );
      return model.logProb(x).dataSync()[0];
    });
    bits.push(-logProb / Math.LN2 / dims);
  }
  return bits;
}

function assertClose(actual: number, expected: number, label: string): void {
  // Float32 log-likelihoods summed in another batch shape agree to about 1e-6 relative.
  const tolerance = 1e-5 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: ${actual}, expected ${expected}`);
}

test('evaluate matches per-image log-likelihood', () => {
  const expected = bitsPerImage();
  const mean = expected.reduce((sum, value) => sum + value, 0) / expected.length;
  const variance =
    expected.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (expected.length - 1);
  // A batch of 2 leaves a last batch of 1, so partial batches are scored too.
  const result = evaluate(model, set, 2);
  assert.equal(result.images, 5);
  expected.forEach((value, i) => assertClose(result.perImage[i], value, `image ${i}`));
  assertClose(result.bitsPerDim, mean, 'bits/dim');
  assertClose(result.standardError, Math.sqrt(variance / expected.length), 'standard error');
});

test('evaluate stops at the limit', () => {
  const result = evaluate(model, set, 4, 3);
  assert.equal(result.images, 3);
  assert.equal(result.perImage.length, 3);
});

test('evaluate rejects other image sizes', () => {
  const larger = PixelModel.create({ ...TINY_MODEL, height: set.height * 2 }, 4);
  assert.throws(() => evaluate(larger, set, 4), /the images are .* but the model is configured/);
  larger.dispose();
});

test('evaluate rejects batch size 0', () => {
  assert.throws(() => evaluate(model, set, 0), RangeError);
});

test('summarise gives mean and standard error', () => {
  // Sample variance of 1, 2, 3, 4 is 5/3, so the standard error is sqrt(5/3 / 4).
  const result = summarise(Float64Array.from([1, 2, 3, 4]));
  assert.equal(result.bitsPerDim, 2.5);
  assert.ok(Math.abs(result.standardError - Math.sqrt(5 / 12)) < 1e-15);
  assert.equal(result.images, 4);
});

test('summarise of one image has no error', () => {
  const result = summarise(Float64Array.from([3.5]));
  assert.equal(result.bitsPerDim, 3.5);
  assert.equal(result.standardError, 0);
});
