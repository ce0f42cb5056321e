import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import { PixelModel } from '../../src/model/model.js';
import { sampleImages } from '../../src/sample/sampler.js';
import { TINY_LEVELS, TINY_MODEL } from './tiny_run.js';

await useBackend('wasm');

const model = PixelModel.create(TINY_MODEL, 2);
const COUNT = 3;

test('sampler repeats with same seed', () => {
  const first = sampleImages(model, COUNT, 7);
  const second = sampleImages(model, COUNT, 7);
  assert.deepEqual(second.images, first.images);
});

test('sampler varies with the seed', () => {
  const first = sampleImages(model, COUNT, 7);
  const other = sampleImages(model, COUNT, 8);
  assert.notDeepEqual(other.images, first.images);
});

test('samples lie within the levels', () => {
  const { images, count } = sampleImages(model, COUNT, 9);
  const { height, width, channels } = TINY_MODEL;
  assert.equal(count, COUNT);
  assert.equal(images.length, COUNT * height * width * channels);
  for (const value of images) {
    assert.ok(Number.isInteger(value), `value ${value} is no integer`);
    assert.ok(value >= 0, `value ${value} is below 0`);
    assert.ok(value < TINY_LEVELS, `value ${value} is above ${TINY_LEVELS - 1}`);
  }
  // An untrained model spreads its mass, so 48 draws should use more than one level.
  assert.ok(new Set(images).size > 1, 'every sub-pixel has the same value');
});

test('sampler keeps the tensor count', () => {
  sampleImages(model, 1, 3);
  const before = tf.memory().numTensors;
  sampleImages(model, 1, 4);
  assert.equal(tf.memory().numTensors, before);
});
