/** Counting the kept delta set of each pruned relative predictor before training starts. */
import type { ImageSet } from '../data/image_set.js';
import type { ModelConfig } from '../model/config.js';
import { countDeltas, keptDeltas } from '../model/predictors/pruning.js';

/**
 * Stores in `model.predictors` the kept deltas of every pruned relative predictor that has none
 * yet, counted over `train`. The counts depend only on the data, so a resumed run finds the
 * same set.
 */
export function fillKeptDeltas(model: ModelConfig, train: ImageSet): void {
  let counts: Float64Array | undefined;
  for (const predictor of model.predictors) {
    if (predictor.kind === 'absolute' || predictor.prune >= 100 || predictor.kept !== undefined) {
      continue;
    }
    counts ??= countDeltas(train, model.levels);
    predictor.kept = keptDeltas(counts, predictor.prune);
  }
}
