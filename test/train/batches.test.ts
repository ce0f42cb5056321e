import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchIndices, epochOrder, gatherImages } from '../../src/train/batches.js';

const COUNT = 10;
const BATCH_SIZE = 3;
const SEED = 4;

/** Concatenates the batches of steps 0 .. steps-1. */
function positions(steps: number, seed = SEED): number[] {
  const all: number[] = [];
  for (let step = 0; step < steps; step++) {
    all.push(...batchIndices(COUNT, BATCH_SIZE, seed, step));
  }
  return all;
}

test('batches cover each image once per epoch', () => {
  // 10 steps of 3 images are exactly 3 epochs of 10 images.
  const all = positions(10);
  const everyImage = Array.from({ length: COUNT }, (_, i) => i);
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen = all.slice(epoch * COUNT, (epoch + 1) * COUNT).sort((a, b) => a - b);
    assert.deepEqual(seen, everyImage, `epoch ${epoch}`);
  }
});

test('batch crosses the epoch boundary', () => {
  // Step 3 takes positions 9, 10 and 11: the last image of epoch 0, then two of epoch 1.
  const batch = batchIndices(COUNT, BATCH_SIZE, SEED, 3);
  const epoch0 = Array.from(epochOrder(COUNT, SEED, 0));
  const epoch1 = Array.from(epochOrder(COUNT, SEED, 1));
  assert.equal(batch.length, BATCH_SIZE);
  assert.equal(batch[0], epoch0[9]);
  assert.equal(batch[1], epoch1[0]);
  assert.equal(batch[2], epoch1[1]);
});

test('epochs are shuffled differently', () => {
  const epoch0 = Array.from(epochOrder(COUNT, SEED, 0));
  const epoch1 = Array.from(epochOrder(COUNT, SEED, 1));
  const identity = Array.from({ length: COUNT }, (_, i) => i);
  assert.notDeepEqual(epoch0, epoch1);
  assert.notDeepEqual(epoch0, identity);
});

test('batch depends on seed and step only', () => {
  const inOrder = positions(8);
  // Asking for the steps backwards, with other seeds in between, must give the same batches.
  for (let step = 7; step >= 0; step--) {
    batchIndices(COUNT, BATCH_SIZE, SEED + 1, 20 - step);
    const batch = batchIndices(COUNT, BATCH_SIZE, SEED, step);
    assert.deepEqual(
      batch,
      inOrder.slice(step * BATCH_SIZE, (step + 1) * BATCH_SIZE),
      `step ${step}`,
    );
  }
});

test('different seed gives other batches', () => {
  assert.notDeepEqual(positions(8, SEED + 1), positions(8, SEED));
});

test('gatherImages copies images in batch order', () => {
  const set = {
    images: Uint8Array.from({ length: 3 * 2 }, (_, i) => i),
    count: 3,
    height: 1,
    width: 1,
    channels: 2,
  };
  assert.deepEqual(Array.from(gatherImages(set, [2, 0, 2])), [4, 5, 0, 1, 4, 5]);
});
