/** Small models, data and temporary folders shared by the training tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../../src/data/dataset.js';
import type { ImageSet } from '../../src/data/image_set.js';
import { DEFAULT_MODEL_CONFIG, type ModelConfig } from '../../src/model/config.js';
import { defaultRunConfig, type RunConfig } from '../../src/train/config.js';
import { TEST_DATA_ROOT } from '../data_root.js';

export const DATA_ROOT = TEST_DATA_ROOT;

/** Image side and intensity levels of every tiny run: 4x4 RGB pixels of 4 levels each. */
export const TINY_SIZE = 4;
export const TINY_LEVELS = 4;

export const TINY_MODEL: ModelConfig = {
  ...DEFAULT_MODEL_CONFIG,
  height: TINY_SIZE,
  width: TINY_SIZE,
  channels: 3,
  levels: TINY_LEVELS,
  depth: 1,
  hidden: 8,
  skip: 16,
};

/** Returns a run configuration of the tiny model, with `train` settings replaced as given. */
export function tinyRunConfig(train: Partial<RunConfig['train']> = {}): RunConfig {
  const config = defaultRunConfig();
  config.model = { ...TINY_MODEL };
  config.data = { dataset: 'cifar10', size: TINY_SIZE, trainLimit: 64 };
  Object.assign(config.train, {
    batchSize: 4,
    steps: 4,
    warmupSteps: 1,
    evalEvery: 0,
    evalImages: 16,
    checkpointEvery: 0,
    seed: 3,
    ...train,
  });
  return config;
}

/** Loads `count` real CIFAR-10 images of `split` at the tiny size and levels. */
export function loadTinySet(split: 'train' | 'validation', count: number): ImageSet {
  return loadDataset({
    name: 'cifar10',
    root: DATA_ROOT,
    split,
    size: TINY_SIZE,
    levels: TINY_LEVELS,
    limit: count,
  });
}

/** Creates a temporary folder that is deleted when the test `t` ends. */
export async function makeTempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Copies the values of every tensor in `tensors` out of TensorFlow.js, by name. */
export function readValues(tensors: tf.NamedTensorMap): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const [name, tensor] of Object.entries(tensors)) {
    values.set(name, tensor.dataSync() as Float32Array);
  }
  return values;
}

/** Returns whether two float32 arrays have the same bytes, so NaN and -0 compare exactly. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  const bytesA = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const bytesB = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return bytesA.equals(bytesB);
}
