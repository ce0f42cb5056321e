import { test } from 'node:test';
import assert from 'node:assert/strict';

import { UserError } from '../../src/errors.js';
import {
  channelMeans,
  imageAt,
  quantise,
  reduceImages,
  subset,
  type ImageSet,
} from '../../src/data/image_set.js';

/** Two 2x2 RGB images whose values are 0..23 in NHWC order, labelled 4 and 7. */
function twoImages(): ImageSet {
  return {
    images: Uint8Array.from({ length: 24 }, (_, k) => k),
    count: 2,
    height: 2,
    width: 2,
    channels: 3,
    labels: Uint8Array.of(4, 7),
  };
}

test('imageAt returns a view of one image', () => {
  const set = twoImages();
  const second = imageAt(set, 1);
  assert.deepEqual(Array.from(second), [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
  second[0] = 99;
  assert.equal(set.images[12], 99);
});

test('imageAt rejects an out-of-range index', () => {
  assert.throws(() => imageAt(twoImages(), 2), RangeError);
  assert.throws(() => imageAt(twoImages(), -1), RangeError);
});

test('subset keeps images and labels', () => {
  const part = subset(twoImages(), 1, 2);
  assert.equal(part.count, 1);
  assert.equal(part.images.length, 12);
  assert.equal(part.images[0], 12);
  assert.deepEqual(Array.from(part.labels ?? []), [7]);
  assert.equal(subset(twoImages(), 1, 1).count, 0);
  assert.throws(() => subset(twoImages(), 1, 3), RangeError);
});

test('reduceImages averages 2x2 blocks', () => {
  // One 4x4 grey image. Block means: (1+2+5+6)/4 = 3.5 -> 4, (3+4+7+8)/4 = 5.5 -> 6,
  // (9+10+13+14)/4 = 11.5 -> 12, (11+12+15+17)/4 = 13.75 -> 14.
  const set: ImageSet = {
    images: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17),
    count: 1,
    height: 4,
    width: 4,
    channels: 1,
  };
  const reduced = reduceImages(set, 2);
  assert.equal(reduced.height, 2);
  assert.equal(reduced.width, 2);
  assert.deepEqual(Array.from(reduced.images), [4, 6, 12, 14]);
});

test('reduceImages keeps channels apart', () => {
  // Each image becomes one pixel whose channel c is the mean of that channel's 4 values.
  const reduced = reduceImages(twoImages(), 2);
  assert.equal(reduced.count, 2);
  assert.deepEqual(Array.from(reduced.images), [
    Math.round((0 + 3 + 6 + 9) / 4),
    Math.round((1 + 4 + 7 + 10) / 4),
    Math.round((2 + 5 + 8 + 11) / 4),
    Math.round((12 + 15 + 18 + 21) / 4),
    Math.round((13 + 16 + 19 + 22) / 4),
    Math.round((14 + 17 + 20 + 23) / 4),
  ]);
  assert.deepEqual(Array.from(reduced.labels ?? []), [4, 7]);
});

test('reduceImages rejects a non-divisor', () => {
  assert.throws(() => reduceImages(twoImages(), 3), RangeError);
  assert.equal(reduceImages(twoImages(), 1).images.length, 24);
});

test('quantise keeps the top bits', () => {
  const set: ImageSet = {
    images: Uint8Array.of(0, 31, 32, 127, 128, 200, 255),
    count: 7,
    height: 1,
    width: 1,
    channels: 1,
  };
  assert.deepEqual(Array.from(quantise(set, 8).images), [0, 0, 1, 3, 4, 6, 7]);
  assert.deepEqual(Array.from(quantise(set, 2).images), [0, 0, 0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(quantise(set, 256).images), [0, 31, 32, 127, 128, 200, 255]);
});

test('quantise rejects invalid levels', () => {
  for (const levels of [0, 1, 3, 100, 512, 2.5]) {
    assert.throws(
      () => quantise(twoImages(), levels),
      (error: Error) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, new RegExp(`^relpix: levels ${levels} is invalid`));
        return true;
      },
    );
  }
});

test('channelMeans averages each channel', () => {
  // Channel c contains c, c+3, ..., c+21, so its mean is c + 10.5.
  assert.deepEqual(channelMeans(twoImages()), [10.5, 11.5, 12.5]);
});
