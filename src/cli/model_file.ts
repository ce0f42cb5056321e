/** Loading a trained model (and its run configuration) from a checkpoint or run folder. */
import { statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint } from '../io/checkpoint.js';
import { UserError } from '../errors.js';
import { PixelModel } from '../model/model.js';
import type { RunConfig } from '../train/config.js';

export interface LoadedModel {
  model: PixelModel;
  config: RunConfig;
  step: number;
  path: string;
}

/** Loads the model of a checkpoint folder, or of the latest checkpoint of a run folder. */
export async function loadTrainedModel(path: string): Promise<LoadedModel> {
  // A missing path is reported by loadCheckpoint; a file would fail there with ENOTDIR.
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) {
    throw new UserError(
      `relpix: ${path} is a file; pass a run folder or a checkpoint folder such as ` +
        '<run>/checkpoints/step-00001200',
    );
  }
  const checkpoint = await loadCheckpoint(path);
  try {
    const state = checkpoint.state as { config?: RunConfig; step?: number };
    if (state.config?.model === undefined) {
      throw new UserError(
        `relpix: ${checkpoint.path} has no model configuration in state.json; ` +
          `pass a checkpoint written by relpix train`,
      );
    }
    const model = PixelModel.create(state.config.model, state.config.train?.seed ?? 1);
    model.assignWeights(checkpoint.weights, checkpoint.path);
    return { model, config: state.config, step: state.step ?? 0, path: checkpoint.path };
  } finally {
    tf.dispose(checkpoint.weights);
    tf.dispose(checkpoint.optimizer);
  }
}
