import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkTaskImages,
  conditioningImages,
  greyImages,
  lowResolutionImages,
  luma,
  superresFactor,
} from '../../src/data/tasks.js';

test('luma uses BT.601 weights and rounds', () => {
  assert.equal(luma(255, 0, 0), 76);
  assert.equal(luma(0, 255, 0), 150);
  assert.equal(luma(0, 0, 255), 29);
  assert.equal(luma(10, 20, 30), 18);
  assert.equal(luma(255, 255, 255), 255);
});

test('grey images repeat luma in every channel', () => {
  const grey = greyImages([255, 0, 0, 10, 20, 30], { count: 1, height: 1, width: 2, channels: 3 });
  assert.deepEqual(Array.from(grey), [76, 76, 76, 18, 18, 18]);
});

test('super-resolution input of an 8x8 image', () => {
  // Blocks of 4x4 with means 0, 100 (top) and 200, 40 (bottom).
  const blocks = [
    [0, 100],
    [200, 40],
  ];
  const values = Array.from(
    { length: 64 },
    (_, k) => blocks[Math.floor(k / 32)][Math.floor((k % 8) / 4)],
  );
  const y = lowResolutionImages(values, { count: 1, height: 8, width: 8, channels: 1 }, 256);
  const at = (row: number, column: number) => y[row * 8 + column];
  // Rows and columns 0 and 1 lie before the first block centre (1.5), so they copy block (0, 0).
  assert.equal(at(0, 0), 0);
  assert.equal(at(1, 1), 0);
  // Column 2 is 1/8 of the way from the centre of block 0 to block 1: 0.875 * 0 + 0.125 * 100.
  assert.equal(at(0, 2), 13);
  // Column 5 is 7/8 of the way: 0.125 * 0 + 0.875 * 100 = 87.5, rounded up.
  assert.equal(at(0, 5), 88);
  // Row 7, column 7 lies beyond the last centres: block (1, 1).
  assert.equal(at(7, 7), 40);
  // Row 4, column 0: 5/8 from block (0, 0) to block (1, 0): 0.625 * 200.
  assert.equal(at(4, 0), 125);
});

test('super-resolution factor is 4', () => {
  assert.equal(superresFactor(32, 32), 4);
  assert.equal(superresFactor(8, 12), 4);
  assert.equal(superresFactor(16, 8), 4);
  for (const [height, width] of [
    [8, 10],
    [30, 32],
    [1, 1],
    [2, 4],
  ]) {
    assert.throws(
      () => superresFactor(height, width),
      new RegExp(`cannot use ${width}x${height} images: .* multiples of 4`),
    );
  }
});

test('task image checks', () => {
  assert.doesNotThrow(() => checkTaskImages('colourise', 8, 8, 3));
  assert.throws(
    () => checkTaskImages('colourise', 8, 8, 1),
    /colourisation needs colour images, but these have 1 channel/,
  );
  assert.doesNotThrow(() => checkTaskImages('superres', 8, 12, 1));
  assert.throws(() => checkTaskImages('superres', 8, 10, 3), /cannot use 10x8 images/);
  assert.doesNotThrow(() => checkTaskImages('unconditional', 5, 7, 1));
});

test('super-resolution input of a wide image', () => {
  // Two 4x4 blocks side by side, with values 10 and 90: the low-resolution image is 1x2.
  const values = Array.from({ length: 4 * 8 }, (_, k) => (k % 8 < 4 ? 10 : 90));
  const y = lowResolutionImages(values, { count: 1, height: 4, width: 8, channels: 1 }, 256);
  assert.equal(y.length, 32);
  assert.equal(y[0], 10, 'left edge copies the left block');
  assert.equal(y[7], 90, 'right edge copies the right block');
  assert.equal(y[3 * 8], 10, 'every row is the same');
});

test('super-resolution input of a flat image is flat', () => {
  const values = new Array(32 * 32 * 3).fill(77);
  const y = lowResolutionImages(values, { count: 1, height: 32, width: 32, channels: 3 }, 256);
  assert.ok(y.every((v) => v === 77));
});

test('unconditional task has no conditioning image', () => {
  assert.equal(
    conditioningImages(
      'unconditional',
      [1, 2, 3],
      { count: 1, height: 1, width: 1, channels: 3 },
      256,
    ),
    undefined,
  );
});
