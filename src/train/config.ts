/**
 * Configuration of a training run: the model, the data it reads and the optimisation budget,
 * with the defaults of each part. The resolved configuration is saved with every checkpoint.
 */
import { UserError } from '../errors.js';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '../model/config.js';
import { SCHEDULES, type ScheduleName } from './schedule.js';

export const DATASETS = ['cifar10', 'mnist', 'png'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface DataConfig {
  /** Data set to read. */
  dataset: DatasetName;
  /** Folder of PNG files, for dataset `png`. */
  folder?: string;
  /**
   * Side in pixels after box-filter reduction; must divide the native side (32 for CIFAR-10).
   * 0 keeps the native size.
   */
  size: number;
  /** Use only the first this many training images (0: all). */
  trainLimit: number;
}

export interface TrainConfig {
  /** Images per optimiser step. */
  batchSize: number;
  /** Optimiser steps of the whole run. */
  steps: number;
  /** Stop after this many minutes of training even if steps remain (0: no time limit). */
  minutes: number;
  learningRate: number;
  schedule: ScheduleName;
  warmupSteps: number;
  /** Cosine schedule floor, as a fraction of the learning rate. */
  minRatio: number;
  /** Exponential schedule factor per 1,000 steps. */
  decayPer1000: number;
  /** Steps between validation runs (0: only at the end). */
  evalEvery: number;
  /** Validation images scored at each validation run (0: all 5,000). */
  evalImages: number;
  /** Steps between checkpoints (0: only at the end). */
  checkpointEvery: number;
  /** Seed of parameter initialisation and batch order. */
  seed: number;
}

export interface RunConfig {
  model: ModelConfig;
  data: DataConfig;
  train: TrainConfig;
}

export const DEFAULT_DATA_CONFIG: DataConfig = { dataset: 'cifar10', size: 16, trainLimit: 0 };

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  batchSize: 16,
  steps: 3000,
  minutes: 0,
  // On CIFAR-10 at 16x16 with the small preset, 5e-3 reached 5.37 validation bits/dim after 800
  // constant-rate steps where 2e-3 reached 5.65 (docs/training.md).
  learningRate: 5e-3,
  schedule: 'cosine',
  warmupSteps: 100,
  minRatio: 0.05,
  decayPer1000: 0.5,
  evalEvery: 500,
  evalImages: 1000,
  checkpointEvery: 500,
  seed: 1,
};

export function defaultRunConfig(): RunConfig {
  return {
    model: { ...DEFAULT_MODEL_CONFIG },
    data: { ...DEFAULT_DATA_CONFIG },
    train: { ...DEFAULT_TRAIN_CONFIG },
  };
}

function checkRange(name: string, value: number, min: number, max: number, integer: boolean): void {
  const valid = Number.isFinite(value) && value >= min && value <= max;
  if (!valid || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    // JSON shows a string from a config file in quotes, so "10" does not read as the number 10.
    const shown = typeof value === 'number' ? value : JSON.stringify(value);
    throw new UserError(`relpix: ${name} is ${shown}, expected ${kind} from ${min} to ${max}`);
  }
}

/** Throws a UserError naming the first invalid training or data setting. */
export function validateRunConfig(config: RunConfig): void {
  const { train, data } = config;
  if (!DATASETS.includes(data.dataset)) {
    throw new UserError(
      `relpix: dataset is '${data.dataset}', expected one of ${DATASETS.join(', ')}`,
    );
  }
  checkRange('size', data.size, 0, 1024, true);
  checkRange('train-limit', data.trainLimit, 0, 1e9, true);
  checkRange('batch-size', train.batchSize, 1, 4096, true);
  checkRange('steps', train.steps, 0, 1e9, true);
  checkRange('minutes', train.minutes, 0, 1e7, false);
  checkRange('lr', train.learningRate, 1e-9, 10, false);
  if (!SCHEDULES.includes(train.schedule)) {
    throw new UserError(
      `relpix: lr-schedule is '${train.schedule}', expected one of ${SCHEDULES.join(', ')}`,
    );
  }
  checkRange('warmup-steps', train.warmupSteps, 0, 1e9, true);
  checkRange('min-lr-ratio', train.minRatio, 0, 1, false);
  checkRange('decay-per-1000', train.decayPer1000, 1e-6, 1, false);
  checkRange('eval-every', train.evalEvery, 0, 1e9, true);
  checkRange('eval-images', train.evalImages, 0, 1e9, true);
  checkRange('checkpoint-every', train.checkpointEvery, 0, 1e9, true);
  checkRange('seed', train.seed, 0, 2 ** 31, true);
}
