import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import { PixelModel } from '../../src/model/model.js';
import { Adam } from '../../src/train/adam.js';
import { batchIndices, gatherImages } from '../../src/train/batches.js';
import { trainStep } from '../../src/train/step.js';
import { loadTinySet, readValues, sameBits, TINY_MODEL } from './tiny_run.js';

await useBackend('wasm');

const train = loadTinySet('train', 16);

/** Runs training steps first .. last-1 with batches of 4 and returns their losses. */
function runSteps(model: PixelModel, adam: Adam, first: number, last: number): number[] {
  const losses = [];
  for (let step = first; step < last; step++) {
    const batch = gatherImages(train, batchIndices(train.count, 4, 1, step));
    losses.push(trainStep(model, adam, batch, 1e-3));
  }
  return losses;
}

test('trainStep keeps the tensor count', () => {
  const model = PixelModel.create(TINY_MODEL, 1);
  const adam = new Adam(model.parameters);
  runSteps(model, adam, 0, 2);
  const afterTwo = tf.memory().numTensors;
  runSteps(model, adam, 2, 4);
  const afterFour = tf.memory().numTensors;
  assert.equal(afterFour, afterTwo);
  adam.dispose();
  model.dispose();
});

test('trainStep returns a finite loss', () => {
  const model = PixelModel.create(TINY_MODEL, 1);
  const adam = new Adam(model.parameters);
  const [loss] = runSteps(model, adam, 0, 1);
  // Bits/dim of 4 levels lies near log2(4) = 2 for an untrained model.
  assert.ok(Number.isFinite(loss), `loss ${loss}`);
  assert.ok(loss > 0.5, `loss ${loss}`);
  assert.ok(loss < 8, `loss ${loss}`);
  assert.equal(adam.step, 1);
  adam.dispose();
  model.dispose();
});

test('NaN loss leaves parameters unchanged', () => {
  const model = PixelModel.create(TINY_MODEL, 1);
  const adam = new Adam(model.parameters);
  const [name, first] = [...model.parameters][0];
  const nan = tf.fill(first.shape, NaN);
  first.assign(nan);
  nan.dispose();
  const before = readValues(model.namedWeights());
  const countBefore = tf.memory().numTensors;

  const [loss] = runSteps(model, adam, 0, 1);
  assert.ok(Number.isNaN(loss), `loss ${loss} with NaN in ${name}`);
  assert.equal(adam.step, 0);
  const after = readValues(model.namedWeights());
  for (const [parameter, values] of before) {
    assert.ok(sameBits(after.get(parameter) as Float32Array, values), `${parameter} changed`);
  }
  assert.equal(tf.memory().numTensors, countBefore);
  adam.dispose();
  model.dispose();
});
