/**
 * Reader for the CIFAR-10 binary release (cifar-10-batches-bin/): five training files and
 * one test file of 10,000 records each, converted from planar RGB to NHWC.
 */

import fs from 'node:fs';
import path from 'node:path';

import { UserError } from '../errors.js';
import type { ImageSet } from './image_set.js';
import { formatCount, splitRange, type Split } from './split.js';

export const CIFAR10_SIDE = 32;
export const CIFAR10_CHANNELS = 3;
export const CIFAR10_CLASSES = 10;
/** Bytes of one plane (one colour channel of one image): 32 * 32. */
const PLANE_BYTES = CIFAR10_SIDE * CIFAR10_SIDE;
/** Bytes of one record: a label byte, then the red, green and blue planes. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_CHANNELS * PLANE_BYTES;
export const CIFAR10_RECORDS_PER_FILE = 10_000;
export const CIFAR10_TRAINING_FILES: readonly string[] = [1, 2, 3, 4, 5].map(
  (n) => `data_batch_${n}.bin`,
);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The validation split is the last 5,000 training images, the usual convention for CIFAR-10. */
export const CIFAR10_VALIDATION_COUNT = 5_000;

const FIX =
  "download it again with 'relpix download cifar10', " +
  'or pass --data with the folder that contains cifar10/cifar-10-batches-bin/';

export interface ReadCifar10Options {
  /** Read only the first `limit` images of the split. */
  limit?: number;
}

/**
 * Reads a CIFAR-10 split from `dir`, the folder containing data_batch_1.bin .. test_batch.bin.
 * Returns 32x32x3 NHWC images with labels 0-9. train is the first 45,000 training images,
 * validation the last 5,000, trainval all 50,000, and test the 10,000 of test_batch.bin.
 * Opens only the files that the split and limit need, and reads only the records needed.
 * Throws UserError for a missing file, a file that is not 10,000 records, or a bad label.
 */
export function readCifar10(dir: string, split: Split, options: ReadCifar10Options = {}): ImageSet {
  const trainingCount = CIFAR10_TRAINING_FILES.length * CIFAR10_RECORDS_PER_FILE;
  const range = splitRange(
    split,
    trainingCount,
    CIFAR10_VALIDATION_COUNT,
    CIFAR10_RECORDS_PER_FILE,
    options.limit,
  );
  const files = range.source === 'test' ? [CIFAR10_TEST_FILE] : CIFAR10_TRAINING_FILES;
  const count = range.end - range.start;
  const imageBytes = CIFAR10_CHANNELS * PLANE_BYTES;
  const set: ImageSet = {
    images: new Uint8Array(count * imageBytes),
    labels: new Uint8Array(count),
    count,
    height: CIFAR10_SIDE,
    width: CIFAR10_SIDE,
    channels: CIFAR10_CHANNELS,
  };
  let written = 0;
  files.forEach((name, fileIndex) => {
    const fileStart = fileIndex * CIFAR10_RECORDS_PER_FILE;
    const first = Math.max(range.start, fileStart);
    const last = Math.min(range.end, fileStart + CIFAR10_RECORDS_PER_FILE);
    if (first >= last) {
      return;
    }
    const file = path.join(dir, name);
    const records = readRecords(file, first - fileStart, last - first);
    decodeRecords(file, records, set, written);
    written += last - first;
  });
  return set;
}

/**
 * Reads `recordCount` records starting at record `firstRecord` of `file`, after checking
 * that the file contains exactly 10,000 records. Returns the raw bytes.
 */
function readRecords(file: string, firstRecord: number, recordCount: number): Buffer {
  const descriptor = openFile(file);
  try {
    checkFileSize(file, fs.fstatSync(descriptor));
    const buffer = Buffer.alloc(recordCount * CIFAR10_RECORD_BYTES);
    const position = firstRecord * CIFAR10_RECORD_BYTES;
    let offset = 0;
    while (offset < buffer.length) {
      const read = fs.readSync(
        descriptor,
        buffer,
        offset,
        buffer.length - offset,
        position + offset,
      );
      if (read === 0) {
        throw new UserError(`relpix: ${file} ended early while reading: ${FIX}`);
      }
      offset += read;
    }
    return buffer;
  } finally {
    fs.closeSync(descriptor);
  }
}

function openFile(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`relpix: CIFAR-10 file ${file} not found: ${FIX}`);
    }
    throw new UserError(`relpix: could not open ${file} (${code}): check its permissions`);
  }
}

function checkFileSize(file: string, stats: fs.Stats): void {
  if (!stats.isFile()) {
    throw new UserError(`relpix: ${file} is not a regular file: ${FIX}`);
  }
  const expected = formatCount(CIFAR10_RECORDS_PER_FILE);
  if (stats.size % CIFAR10_RECORD_BYTES !== 0) {
    throw new UserError(
      `relpix: ${file} is ${formatCount(stats.size)} bytes, expected a multiple of ` +
        `${formatCount(CIFAR10_RECORD_BYTES)}: the file is truncated; ${FIX}`,
    );
  }
  const records = stats.size / CIFAR10_RECORD_BYTES;
  if (records !== CIFAR10_RECORDS_PER_FILE) {
    throw new UserError(
      `relpix: ${file} contains ${formatCount(records)} records, expected ${expected}: ` +
        `the file is incomplete; ${FIX}`,
    );
  }
}

/**
 * Converts planar records (label, R plane, G plane, B plane) into NHWC images and labels
 * of `set`, starting at image `at`.
 */
function decodeRecords(file: string, records: Buffer, set: ImageSet, at: number): void {
  const count = records.length / CIFAR10_RECORD_BYTES;
  const { images, labels } = set as Required<ImageSet>;
  for (let r = 0; r < count; r++) {
    const source = r * CIFAR10_RECORD_BYTES;
    const label = records[source];
    if (label >= CIFAR10_CLASSES) {
      throw new UserError(
        `relpix: a record of ${file} has label ${label}, expected 0 to 9: ` +
          `the file is not a CIFAR-10 binary batch; ${FIX}`,
      );
    }
    labels[at + r] = label;
    const red = source + 1;
    const green = red + PLANE_BYTES;
    const blue = green + PLANE_BYTES;
    let target = (at + r) * CIFAR10_CHANNELS * PLANE_BYTES;
    for (let p = 0; p < PLANE_BYTES; p++) {
      images[target++] = records[red + p];
      images[target++] = records[green + p];
      images[target++] = records[blue + p];
    }
  }
}
