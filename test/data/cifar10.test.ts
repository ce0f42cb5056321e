import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { UserError } from '../../src/errors.js';
import { readCifar10 } from '../../src/data/cifar10.js';
import { channelMeans, imageAt } from '../../src/data/image_set.js';
import { TEST_DATA_ROOT } from '../data_root.js';

const CIFAR_DIR = path.join(TEST_DATA_ROOT, 'cifar10', 'cifar-10-batches-bin');
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'relpix-cifar10-'));
after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test('cifar10 trainval channel means', () => {
  const set = readCifar10(CIFAR_DIR, 'trainval');
  assert.equal(set.count, 50_000);
  assert.equal(set.images.length, 50_000 * 32 * 32 * 3);
  const means = channelMeans(set).map((mean) => mean.toFixed(3));
  assert.deepEqual(means, ['125.307', '122.950', '113.865']);
});

test('cifar10 first training labels', () => {
  const set = readCifar10(CIFAR_DIR, 'train', { limit: 10 });
  assert.equal(set.count, 10);
  assert.deepEqual(Array.from(set.labels ?? []), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
});

test('cifar10 image is NHWC', () => {
  // The first record of data_batch_1.bin: label, then the red, green and blue planes.
  const record = Buffer.alloc(3073);
  const descriptor = fs.openSync(path.join(CIFAR_DIR, 'data_batch_1.bin'), 'r');
  fs.readSync(descriptor, record, 0, 3073, 0);
  fs.closeSync(descriptor);
  const image = imageAt(readCifar10(CIFAR_DIR, 'train', { limit: 1 }), 0);
  for (const pixel of [0, 1, 33, 1023]) {
    assert.equal(image[pixel * 3], record[1 + pixel], `red of pixel ${pixel}`);
    assert.equal(image[pixel * 3 + 1], record[1025 + pixel], `green of pixel ${pixel}`);
    assert.equal(image[pixel * 3 + 2], record[2049 + pixel], `blue of pixel ${pixel}`);
  }
});

test('cifar10 test labels and classes', () => {
  const set = readCifar10(CIFAR_DIR, 'test');
  assert.equal(set.count, 10_000);
  const labels = set.labels ?? new Uint8Array();
  assert.deepEqual(Array.from(labels.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  const perClass = new Array<number>(10).fill(0);
  labels.forEach((label) => perClass[label]++);
  assert.deepEqual(perClass, new Array<number>(10).fill(1000));
});

test('cifar10 split sizes and offsets', () => {
  const train = readCifar10(CIFAR_DIR, 'train');
  assert.equal(train.count, 45_000);
  const validation = readCifar10(CIFAR_DIR, 'validation');
  assert.equal(validation.count, 5_000);
  // Validation starts at record 5,000 of data_batch_5.bin, right after the last train image.
  const batch5 = fs.readFileSync(path.join(CIFAR_DIR, 'data_batch_5.bin'));
  assert.equal(validation.labels?.[0], batch5[5_000 * 3073]);
  assert.equal(imageAt(validation, 0)[0], batch5[5_000 * 3073 + 1]);
  assert.equal(train.labels?.[44_999], batch5[4_999 * 3073]);
  assert.equal(imageAt(train, 44_999)[0], batch5[4_999 * 3073 + 1]);
});

test('cifar10 limit within validation', () => {
  const set = readCifar10(CIFAR_DIR, 'validation', { limit: 3 });
  assert.equal(set.count, 3);
  const full = readCifar10(CIFAR_DIR, 'trainval', { limit: 45_003 });
  assert.deepEqual(set.labels, full.labels?.subarray(45_000));
});

test('cifar10 truncated file error', () => {
  const copy = path.join(temporary, 'data_batch_1.bin');
  fs.copyFileSync(path.join(CIFAR_DIR, 'data_batch_1.bin'), copy);
  fs.truncateSync(copy, 1204);
  assert.throws(
    () => readCifar10(temporary, 'train', { limit: 1 }),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.doesNotMatch(error.message, /\n/);
      assert.match(error.message, /data_batch_1\.bin is 1,204 bytes, expected a multiple of 3,073/);
      assert.match(error.message, /relpix download cifar10/);
      return true;
    },
  );
});

test('cifar10 short file error', () => {
  const file = path.join(temporary, 'test_batch.bin');
  fs.writeFileSync(file, Buffer.alloc(3073 * 2));
  assert.throws(
    () => readCifar10(temporary, 'test'),
    /test_batch\.bin contains 2 records, expected 10,000/,
  );
});

test('cifar10 missing file error', () => {
  assert.throws(
    () => readCifar10(temporary, 'validation'),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /data_batch_5\.bin not found/);
      assert.match(error.message, /--data/);
      return true;
    },
  );
});

test('cifar10 rejects an invalid limit', () => {
  assert.throws(() => readCifar10(CIFAR_DIR, 'train', { limit: 0 }), UserError);
  assert.throws(() => readCifar10(CIFAR_DIR, 'train', { limit: 1.5 }), UserError);
});
