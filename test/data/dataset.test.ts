import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { encode } from 'fast-png';

import { UserError } from '../../src/errors.js';
import { loadDataset } from '../../src/data/dataset.js';
import { readCifar10 } from '../../src/data/cifar10.js';
import { imageAt } from '../../src/data/image_set.js';
import { TEST_DATA_ROOT } from '../data_root.js';

const DATA_ROOT = TEST_DATA_ROOT;
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'relpix-dataset-'));
after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test('loadDataset reduces and quantises cifar10', () => {
  const set = loadDataset({
    name: 'cifar10',
    root: DATA_ROOT,
    split: 'test',
    size: 8,
    levels: 4,
    limit: 2,
  });
  assert.equal(set.count, 2);
  assert.equal(set.height, 8);
  assert.equal(set.width, 8);
  assert.equal(set.channels, 3);
  assert.deepEqual(Array.from(set.labels ?? []), [3, 8]);

  // Recompute the top-left red value by hand: mean of the 4x4 block, then the top 2 bits.
  const native = readCifar10(path.join(DATA_ROOT, 'cifar10', 'cifar-10-batches-bin'), 'test', {
    limit: 1,
  });
  const image = imageAt(native, 0);
  let sum = 0;
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      sum += image[(y * 32 + x) * 3];
    }
  }
  assert.equal(set.images[0], Math.round(sum / 16) >> 6);
  assert.ok(set.images.every((value) => value < 4));
});

test('loadDataset reads mnist', () => {
  const set = loadDataset({ name: 'mnist', root: DATA_ROOT, split: 'train', size: 14, limit: 5 });
  assert.equal(set.count, 5);
  assert.equal(set.height, 14);
  assert.equal(set.channels, 1);
  assert.deepEqual(Array.from(set.labels ?? []), [5, 0, 4, 1, 9]);
});

test('loadDataset rejects a non-divisor size', () => {
  const options = { name: 'cifar10', root: DATA_ROOT, split: 'test', size: 12, limit: 1 } as const;
  assert.throws(
    () => loadDataset(options),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /size 12 is invalid because the cifar10 images are 32x32/);
      assert.match(error.message, /\(32, 16, 8, 4, 2, 1\)/);
      return true;
    },
  );
});

test('loadDataset rejects invalid levels', () => {
  const options = { name: 'mnist', root: DATA_ROOT, split: 'test', levels: 10, limit: 1 } as const;
  assert.throws(() => loadDataset(options), /levels 10 is invalid/);
});

test('loadDataset png defaults to first file', () => {
  const folder = path.join(temporary, 'png');
  fs.mkdirSync(folder);
  for (const name of ['a.png', 'b.png']) {
    const data = Uint8Array.from({ length: 4 * 4 * 3 }, (_, k) => k * 5);
    fs.writeFileSync(path.join(folder, name), encode({ width: 4, height: 4, channels: 3, data }));
  }
  const set = loadDataset({ name: 'png', dir: folder, size: 2 });
  assert.equal(set.count, 2);
  assert.equal(set.height, 2);
  assert.equal(set.channels, 3);
  // Top-left red: mean of values at pixels 0, 1, 4 and 5 of channel 0 = (0 + 15 + 60 + 75) / 4.
  assert.equal(set.images[0], Math.round((0 + 15 + 60 + 75) / 4));
  const grey = loadDataset({ name: 'png', dir: folder, channels: 1, limit: 1 });
  assert.equal(grey.count, 1);
  assert.equal(grey.channels, 1);
});

test('loadDataset rejects a non-square size', () => {
  const folder = path.join(temporary, 'wide');
  fs.mkdirSync(folder);
  const data = new Uint8Array(4 * 2);
  fs.writeFileSync(path.join(folder, 'a.png'), encode({ width: 4, height: 2, channels: 1, data }));
  assert.throws(() => loadDataset({ name: 'png', dir: folder, size: 2 }), /not square/);
});
