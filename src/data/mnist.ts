/**
 * Reader for MNIST in the original idx format (images in idx3 files, labels in idx1 files),
 * gzip-compressed (.gz) or plain.
 */

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import { UserError } from '../errors.js';
import type { ImageSet } from './image_set.js';
import { formatCount, splitRange, type Split } from './split.js';

export const MNIST_TRAINING_COUNT = 60_000;
export const MNIST_TEST_COUNT = 10_000;
/** The validation split is the last 5,000 training images. */
export const MNIST_VALIDATION_COUNT = 5_000;
/** idx type code of unsigned bytes, the third byte of the magic number. */
const IDX_UNSIGNED_BYTE = 0x08;

const FIX = 'download the MNIST idx files again';

export interface ReadMnistOptions {
  /** Read only the first `limit` images of the split. */
  limit?: number;
}

/** A parsed idx file: its dimensions and its data bytes in row-major order. */
interface IdxArray {
  file: string;
  shape: number[];
  data: Uint8Array;
}

/**
 * Reads an MNIST split from `dir`, the folder containing train-images-idx3-ubyte[.gz],
 * train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz].
 * Returns 28x28x1 images with labels 0-9. train is the first 55,000 training images,
 * validation the last 5,000, trainval all 60,000, and test the 10,000 t10k images.
 * Throws UserError for a missing or damaged file, a wrong magic number or a wrong size.
 */
export function readMnist(dir: string, split: Split, options: ReadMnistOptions = {}): ImageSet {
  const range = splitRange(
    split,
    MNIST_TRAINING_COUNT,
    MNIST_VALIDATION_COUNT,
    MNIST_TEST_COUNT,
    options.limit,
  );
  const prefix = range.source === 'training' ? 'train' : 't10k';
  const expected = range.source === 'training' ? MNIST_TRAINING_COUNT : MNIST_TEST_COUNT;
  const images = readIdx(dir, `${prefix}-images-idx3-ubyte`, 3);
  const labels = readIdx(dir, `${prefix}-labels-idx1-ubyte`, 1);
  checkCount(images, expected);
  checkCount(labels, expected);
  const [, height, width] = images.shape;
  const length = height * width;
  return {
    // new Uint8Array(view) copies, so the decompressed file can be freed.
    images: new Uint8Array(images.data.subarray(range.start * length, range.end * length)),
    labels: new Uint8Array(labels.data.subarray(range.start, range.end)),
    count: range.end - range.start,
    height,
    width,
    channels: 1,
  };
}

/**
 * Reads and parses `dir/baseName`, or `dir/baseName.gz` when the plain file is missing.
 * Checks that it is an idx file of unsigned bytes with `dimensions` dimensions.
 */
function readIdx(dir: string, baseName: string, dimensions: number): IdxArray {
  const plain = path.join(dir, baseName);
  const compressed = `${plain}.gz`;
  if (fs.existsSync(plain)) {
    return parseIdx(plain, fs.readFileSync(plain), dimensions);
  }
  if (!fs.existsSync(compressed)) {
    throw new UserError(
      `relpix: MNIST file ${compressed} not found (nor ${baseName}): put the MNIST idx ` +
        'files there, or pass --data with the folder that contains mnist/',
    );
  }
  let bytes: Buffer;
  try {
    bytes = zlib.gunzipSync(fs.readFileSync(compressed));
  } catch (error) {
    throw new UserError(
      `relpix: ${compressed} could not be decompressed (${(error as Error).message}): ` +
        `the file is damaged; ${FIX}`,
    );
  }
  return parseIdx(compressed, bytes, dimensions);
}

/** Parses the idx header (magic number, then one big-endian uint32 size a dimension). */
function parseIdx(file: string, bytes: Uint8Array, dimensions: number): IdxArray {
  const expectedMagic = (IDX_UNSIGNED_BYTE << 8) | dimensions;
  const headerLength = 4 + 4 * dimensions;
  if (bytes.length < headerLength) {
    throw new UserError(
      `relpix: ${file} is ${formatCount(bytes.length)} bytes, shorter than the idx header ` +
        `of ${headerLength} bytes: the file is truncated; ${FIX}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new UserError(
      `relpix: ${file} has magic number ${formatMagic(magic)}, expected ` +
        `${formatMagic(expectedMagic)} (idx, unsigned bytes, ${dimensions} dimensions): ` +
        `the file is not an MNIST ${dimensions === 3 ? 'image' : 'label'} file; ${FIX}`,
    );
  }
  const shape: number[] = [];
  for (let d = 0; d < dimensions; d++) {
    shape.push(view.getUint32(4 + 4 * d));
  }
  const expectedLength = headerLength + shape.reduce((product, size) => product * size, 1);
  if (bytes.length !== expectedLength) {
    throw new UserError(
      `relpix: ${file} is ${formatCount(bytes.length)} bytes, expected ` +
        `${formatCount(expectedLength)} for shape [${shape.join(', ')}]: ` +
        `the file is truncated or damaged; ${FIX}`,
    );
  }
  return { file, shape, data: bytes.subarray(headerLength) };
}

function checkCount(array: IdxArray, expected: number): void {
  if (array.shape[0] !== expected) {
    throw new UserError(
      `relpix: ${array.file} contains ${formatCount(array.shape[0])} items, expected ` +
        `${formatCount(expected)}: the file is not the standard MNIST release; ${FIX}`,
    );
  }
}

function formatMagic(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
