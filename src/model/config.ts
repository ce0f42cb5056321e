/**
 * Model configuration: image geometry, backbone sizes and the enabled predictors, with the
 * defaults and named presets that the command line starts from.
 */
import type { Task } from '../data/tasks.js';
import { UserError } from '../errors.js';
import {
  DEFAULT_PREDICTORS,
  validatePredictors,
  type PredictorConfig,
} from './predictors/config.js';

export interface ModelConfig {
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Sub-pixels per pixel: 3 for RGB, 1 for grey. */
  channels: number;
  /** Number of intensity levels L of each sub-pixel; values are 0..L-1. */
  levels: number;
  /** Number D of kernel-5 gated layers after the first kernel-7 layer. */
  depth: number;
  /** Channels H1 of the vertical and horizontal stacks. */
  hidden: number;
  /** Channels H2 of the skip connections, the output layer and the head. */
  skip: number;
  /** The predictors that the latent mixture combines; any non-empty set. */
  predictors: PredictorConfig[];
  /** Image-to-image task whose conditioning image the model reads (default unconditional). */
  task?: Task;
}

/** Backbone sizes by preset name: `cifar` is the paper's CIFAR-10 size, `small` fits 2 cores. */
export const MODEL_PRESETS: Record<string, Pick<ModelConfig, 'depth' | 'hidden' | 'skip'>> = {
  tiny: { depth: 1, hidden: 8, skip: 16 },
  small: { depth: 5, hidden: 32, skip: 128 },
  cifar: { depth: 15, hidden: 64, skip: 512 },
  imagenet: { depth: 20, hidden: 256, skip: 2048 },
};

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  height: 16,
  width: 16,
  channels: 3,
  levels: 256,
  ...MODEL_PRESETS.small,
  predictors: DEFAULT_PREDICTORS,
};

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(
      `relpix: model ${name} is ${value}, expected an integer from ${min} to ${max}`,
    );
  }
}

/** Throws a UserError naming the first invalid field of `config`. */
export function validateModelConfig(config: ModelConfig): void {
  checkInteger('height', config.height, 1, 1024);
  checkInteger('width', config.width, 1, 1024);
  checkInteger('channels', config.channels, 1, 4);
  checkInteger('levels', config.levels, 2, 256);
  if ((config.levels & (config.levels - 1)) !== 0) {
    throw new UserError(
      `relpix: levels is ${config.levels}, expected a power of two from 2 to 256 (e.g. 256, 8, 4)`,
    );
  }
  checkInteger('depth', config.depth, 0, 100);
  checkInteger('hidden', config.hidden, 1, 4096);
  checkInteger('skip', config.skip, 1, 8192);
  validatePredictors(config.predictors, config.levels);
  const conditional = config.task !== undefined && config.task !== 'unconditional';
  if (!conditional && config.predictors.some((p) => p.kind === 'input')) {
    throw new UserError(
      'relpix: input-relative predictors copy from a conditioning image, which the ' +
        'unconditional task has none of; pass --task colourise or --task superres',
    );
  }
}

/** Lists the fields in which two model configurations differ, as `name: a vs b`. */
export function modelConfigDifferences(a: ModelConfig, b: ModelConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ModelConfig>;
  const differences: string[] = [];
  for (const key of keys) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
      differences.push(`${key}: ${JSON.stringify(a[key])} vs ${JSON.stringify(b[key])}`);
    }
  }
  return differences;
}
