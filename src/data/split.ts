/** Data set splits (train, validation, trainval, test) and the image ranges they select. */

import { UserError } from '../errors.js';

/** A data set split: validation is the tail of the training file(s), trainval all of them. */
export type Split = 'train' | 'validation' | 'test' | 'trainval';

export const SPLITS: readonly Split[] = ['train', 'validation', 'test', 'trainval'];

/** Half-open range [start, end) of image indices within one source (training or test). */
export interface SplitRange {
  source: 'training' | 'test';
  start: number;
  end: number;
}

/**
 * Parses a split name given on the command line.
 * Throws UserError for anything but the four split names.
 */
export function parseSplit(text: string): Split {
  if ((SPLITS as readonly string[]).includes(text)) {
    return text as Split;
  }
  throw new UserError(
    `relpix: split '${text}' is invalid, expected one of ${SPLITS.join(', ')}: ` +
      'pass one of those names',
  );
}

/**
 * Computes the range of images a split selects, cut to the first `limit` images if given.
 * `trainingCount` is the number of training images and `validationCount` the size of
 * the validation tail taken from them. Throws UserError for a limit that is not an
 * integer of at least 1.
 */
export function splitRange(
  split: Split,
  trainingCount: number,
  validationCount: number,
  testCount: number,
  limit?: number,
): SplitRange {
  const trainEnd = trainingCount - validationCount;
  const ranges: Record<Split, SplitRange> = {
    train: { source: 'training', start: 0, end: trainEnd },
    validation: { source: 'training', start: trainEnd, end: trainingCount },
    trainval: { source: 'training', start: 0, end: trainingCount },
    test: { source: 'test', start: 0, end: testCount },
  };
  const range = { ...ranges[split] };
  if (limit !== undefined) {
    checkLimit(limit);
    range.end = Math.min(range.end, range.start + limit);
  }
  return range;
}

/** Throws UserError unless `limit` (a number of images) is an integer of at least 1. */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UserError(
      `relpix: limit ${limit} is invalid, expected a whole number of images of at least 1: ` +
        'pass a positive integer or leave the limit out to read the whole split',
    );
  }
}

/** Formats a count with thousands separators (1204 becomes "1,204") for messages. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
