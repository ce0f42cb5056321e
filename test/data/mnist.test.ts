import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { UserError } from '../../src/errors.js';
import { readMnist } from '../../src/data/mnist.js';
import { TEST_DATA_ROOT } from '../data_root.js';

const MNIST_DIR = path.join(TEST_DATA_ROOT, 'mnist');
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'relpix-mnist-'));
after(() => fs.rmSync(temporary, { recursive: true, force: true }));

/** Builds an idx file of unsigned bytes: magic 0x0000080N, sizes, then `data`. */
function idxFile(shape: number[], data: Uint8Array, magic = 0x0800 | shape.length): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt32BE(magic, 0);
  shape.forEach((size, d) => header.writeUInt32BE(size, 4 + 4 * d));
  return Buffer.concat([header, data]);
}

/** Creates a fresh folder under the temporary folder for one test. */
function freshFolder(name: string): string {
  const folder = path.join(temporary, name);
  fs.mkdirSync(folder);
  return folder;
}

test('mnist split sizes', () => {
  const expected = { train: 55_000, validation: 5_000, trainval: 60_000, test: 10_000 };
  for (const [split, count] of Object.entries(expected)) {
    const set = readMnist(MNIST_DIR, split as keyof typeof expected);
    assert.equal(set.count, count, split);
    assert.equal(set.images.length, count * 28 * 28, split);
    assert.equal(set.labels?.length, count, split);
    assert.equal(set.channels, 1, split);
  }
});

test('mnist first labels', () => {
  const train = readMnist(MNIST_DIR, 'train', { limit: 10 });
  assert.deepEqual(Array.from(train.labels ?? []), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  const testSet = readMnist(MNIST_DIR, 'test', { limit: 10 });
  assert.deepEqual(Array.from(testSet.labels ?? []), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
});

test('mnist validation is the training tail', () => {
  const trainval = readMnist(MNIST_DIR, 'trainval');
  const validation = readMnist(MNIST_DIR, 'validation', { limit: 2 });
  const start = 55_000 * 784;
  assert.deepEqual(validation.images, trainval.images.subarray(start, start + 2 * 784));
  assert.deepEqual(validation.labels, trainval.labels?.subarray(55_000, 55_002));
});

test('mnist reads plain idx files', () => {
  const folder = freshFolder('plain');
  const pixels = Uint8Array.from({ length: 60_000 }, (_, k) => k % 251);
  const labels = Uint8Array.from({ length: 60_000 }, (_, k) => k % 10);
  fs.writeFileSync(path.join(folder, 'train-images-idx3-ubyte'), idxFile([60_000, 1, 1], pixels));
  fs.writeFileSync(path.join(folder, 'train-labels-idx1-ubyte'), idxFile([60_000], labels));
  const set = readMnist(folder, 'validation', { limit: 3 });
  assert.equal(set.height, 1);
  assert.equal(set.width, 1);
  assert.deepEqual(Array.from(set.images), [55_000 % 251, 55_001 % 251, 55_002 % 251]);
  assert.deepEqual(Array.from(set.labels ?? []), [0, 1, 2]);
});

test('mnist wrong magic number', () => {
  const folder = freshFolder('magic');
  const labels = idxFile([10_000], new Uint8Array(10_000), 0x0803);
  fs.copyFileSync(
    path.join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'),
    path.join(folder, 't10k-images-idx3-ubyte.gz'),
  );
  fs.writeFileSync(path.join(folder, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
  assert.throws(
    () => readMnist(folder, 'test'),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /has magic number 0x00000803, expected 0x00000801/);
      return true;
    },
  );
});

test('mnist truncated file', () => {
  const folder = freshFolder('truncated');
  const images = idxFile([10_000, 28, 28], new Uint8Array(100));
  fs.writeFileSync(path.join(folder, 't10k-images-idx3-ubyte'), images);
  assert.throws(
    () => readMnist(folder, 'test'),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /is 116 bytes, expected 7,840,016 for shape \[10000, 28, 28\]/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
});

test('mnist damaged gzip', () => {
  const folder = freshFolder('damaged');
  const compressed = fs.readFileSync(path.join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
  fs.writeFileSync(path.join(folder, 't10k-images-idx3-ubyte.gz'), compressed.subarray(0, 50));
  assert.throws(() => readMnist(folder, 'test'), /could not be decompressed/);
});

test('mnist missing file', () => {
  const folder = freshFolder('missing');
  assert.throws(
    () => readMnist(folder, 'train'),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /train-images-idx3-ubyte\.gz not found/);
      return true;
    },
  );
});
