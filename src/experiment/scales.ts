/**
 * Experiment scales: the model size, image size and training budget that every row of a suite
 * shares, so that rows differ only in their predictors.
 */
import { UserError } from '../errors.js';
import type { Task as TaskName } from '../data/tasks.js';
import type { ExperimentRow, SplitName } from './suites.js';

export interface ExperimentScale {
  name: string;
  description: string;
  depth: number;
  hidden: number;
  skip: number;
  /** Hidden channels H1 for tasks that differ from `hidden`. */
  taskHidden?: Partial<Record<TaskName, number>>;
  /** Further `relpix train` flags without the leading dashes: data, budget and checkpoints. */
  trainFlags: Record<string, string | number>;
  /** Images of the reported split that the evaluation scores (0: the whole split). */
  evalImages: number;
}

export const SCALES: Record<string, ExperimentScale> = {
  paper: {
    name: 'paper',
    description:
      'the published sizes: 32x32 CIFAR-10, D=15, H1=64 (128 for image-to-image), H2=512, ' +
      'batch 32, whole evaluation split',
    depth: 15,
    hidden: 64,
    skip: 512,
    taskHidden: { colourise: 128, superres: 128 },
    // NOTE: the published results do not state their number of optimiser steps, so 200,000 steps
    // (128 epochs of the 50,000 images at batch 32) is our choice.
    trainFlags: {
      size: 0,
      'batch-size': 32,
      steps: 200000,
      'eval-every': 5000,
      'eval-images': 1000,
      'checkpoint-every': 1000,
      samples: 16,
    },
    evalImages: 0,
  },
  small: {
    name: 'small',
    description:
      'reduced for a 2-core machine: CIFAR-10 at 16x16 (super-resolution input 4x4), D=5, ' +
      'H1=32, H2=128, batch 16, 1,000 images of the evaluation split',
    depth: 5,
    hidden: 32,
    skip: 128,
    trainFlags: {
      size: 16,
      'batch-size': 16,
      steps: 350,
      lr: 0.005,
      'warmup-steps': 50,
      'eval-every': 0,
      // The runner scores the reported split itself, so the end-of-training validation is short.
      'eval-images': 100,
      'checkpoint-every': 50,
      samples: 8,
    },
    evalImages: 1000,
  },
  smoke: {
    name: 'smoke',
    description: 'a seconds-long check of the runner itself: 8x8 images, tiny model, 4 steps',
    depth: 1,
    hidden: 8,
    skip: 16,
    trainFlags: {
      size: 8,
      'train-limit': 64,
      'batch-size': 4,
      steps: 4,
      'eval-every': 0,
      'eval-images': 16,
      'checkpoint-every': 2,
      samples: 2,
    },
    evalImages: 16,
  },
};

export function findScale(name: string): ExperimentScale {
  const scale = SCALES[name];
  if (scale === undefined) {
    throw new UserError(
      `relpix: scale '${name}' is unknown; expected one of ${Object.keys(SCALES).join(', ')}`,
    );
  }
  return scale;
}

/** Returns the `relpix train` arguments of one row and seed, without --out, --data or --workers. */
export function trainArguments(scale: ExperimentScale, row: ExperimentRow, seed: number): string[] {
  const factor = row.widthFactor ?? 1;
  const hidden = scale.taskHidden?.[row.task] ?? scale.hidden;
  const args = [
    'train',
    '--task',
    row.task,
    '--predictors',
    row.predictors,
    '--depth',
    String(scale.depth),
    '--hidden',
    String(Math.max(1, Math.round(hidden * factor))),
    '--skip',
    String(Math.max(1, Math.round(scale.skip * factor))),
  ];
  if (row.prune !== undefined) args.push('--prune', String(row.prune));
  if (row.pruneOutput !== undefined) args.push('--prune-output', String(row.pruneOutput));
  if (row.mask === true) args.push('--mask');
  for (const [flag, value] of Object.entries(scale.trainFlags))
    args.push(`--${flag}`, String(value));
  args.push('--seed', String(seed), '--no-test');
  return args;
}

/** Returns the `relpix eval` arguments that score a finished run, without --data. */
export function evalArguments(scale: ExperimentScale, split: SplitName, runDir: string): string[] {
  const args = ['eval', runDir, '--split', split, '--json'];
  if (scale.evalImages > 0) args.push('--limit', String(scale.evalImages));
  return args;
}
