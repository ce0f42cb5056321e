/**
 * Predictor configuration: the predictors a model mixes, each relative predictor's neighbour set,
 * masking and pruning, and the check that every sub-pixel value stays possible.
 */
import { UserError } from '../../errors.js';
import {
  INPUT_NEIGHBOURS,
  OUTPUT_NEIGHBOURS,
  type InputNeighbours,
  type OutputNeighbours,
} from './neighbours.js';

export interface AbsolutePredictor {
  kind: 'absolute';
}

export interface OutputRelativePredictor {
  kind: 'output';
  neighbours: OutputNeighbours;
  /** Only deltas that keep x_r + delta inside 0..L-1 carry probability. */
  mask: boolean;
  /** Percentage of deltas kept by pruning; 100 keeps all 2L-1. */
  prune: number;
  /** The kept deltas, in rank order, once counted on the training set; all deltas if absent. */
  kept?: number[];
}

export interface InputRelativePredictor {
  kind: 'input';
  neighbours: InputNeighbours;
  mask: boolean;
  prune: number;
  kept?: number[];
}

export type RelativePredictorConfig = OutputRelativePredictor | InputRelativePredictor;
export type PredictorConfig = AbsolutePredictor | RelativePredictorConfig;

export const DEFAULT_PREDICTORS: PredictorConfig[] = [{ kind: 'absolute' }];

/** Describes a predictor as the --predictors flag writes it, e.g. `output:left+top`. */
export function predictorName(predictor: PredictorConfig): string {
  return predictor.kind === 'absolute' ? 'absolute' : `${predictor.kind}:${predictor.neighbours}`;
}

/**
 * Parses the --predictors list (`absolute,output:left+top`); `mask` and `prune` apply to every
 * relative predictor in it.
 */
export function parsePredictors(text: string, mask: boolean, prune: number): PredictorConfig[] {
  const predictors: PredictorConfig[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === 'absolute') {
      predictors.push({ kind: 'absolute' });
      continue;
    }
    const [kind, neighbours] = item.split(':');
    if (kind === 'output' && (OUTPUT_NEIGHBOURS as readonly string[]).includes(neighbours)) {
      predictors.push({ kind: 'output', neighbours: neighbours as OutputNeighbours, mask, prune });
      continue;
    }
    if (kind === 'input' && (INPUT_NEIGHBOURS as readonly string[]).includes(neighbours)) {
      predictors.push({ kind: 'input', neighbours: neighbours as InputNeighbours, mask, prune });
      continue;
    }
    throw new UserError(
      `relpix: predictor '${item}' is invalid; expected 'absolute', 'output:SET' with SET one ` +
        `of ${OUTPUT_NEIGHBOURS.join(', ')}, or 'input:GRID' with GRID one of ` +
        `${INPUT_NEIGHBOURS.join(', ')} (e.g. --predictors absolute,output:left+top)`,
    );
  }
  return predictors;
}

/**
 * Throws a UserError unless the predictor list is valid and keeps every value possible. With
 * `needKept` false, a pruned predictor may still lack its kept set (it is counted later).
 */
export function validatePredictors(
  predictors: PredictorConfig[],
  levels: number,
  { needKept = true }: { needKept?: boolean } = {},
): void {
  if (predictors.length === 0) {
    throw new UserError('relpix: no predictor is enabled; pass e.g. --predictors absolute');
  }
  const names = predictors.map(predictorName);
  const repeated = names.find((name, k) => names.indexOf(name) !== k);
  if (repeated !== undefined) {
    throw new UserError(`relpix: predictor ${repeated} is listed twice; list each once`);
  }
  for (const predictor of predictors) {
    if (predictor.kind === 'absolute') continue;
    if (!(predictor.prune > 0 && predictor.prune <= 100)) {
      throw new UserError(
        `relpix: prune is ${predictor.prune}, expected a percentage above 0 and at most 100`,
      );
    }
    const kept = predictor.kept;
    if (needKept && predictor.prune < 100 && kept === undefined) {
      throw new UserError(
        `relpix: ${predictorName(predictor)} is pruned to ${predictor.prune}% but has no kept ` +
          `delta set; train with the data set (which counts the deltas) or run relpix deltas`,
      );
    }
    if (kept !== undefined && predictor.mask && !kept.includes(0)) {
      throw new UserError(
        `relpix: the kept deltas of ${predictorName(predictor)} exclude 0, so with masking ` +
          `some source values allow no delta; keep more deltas (a larger --prune)`,
      );
    }
    if (kept !== undefined && kept.some((d) => !Number.isInteger(d) || Math.abs(d) >= levels)) {
      throw new UserError(
        `relpix: the kept deltas of ${predictorName(predictor)} lie outside ` +
          `-(L-1)..L-1 for L = ${levels}; count them again with the model's levels`,
      );
    }
  }
  const complete = predictors.some((p) => p.kind === 'absolute' || p.prune === 100);
  if (!complete) {
    throw new UserError(
      `relpix: with predictors ${names.join(',')} all pruned, some sub-pixel values have ` +
        `probability 0 under every predictor; add 'absolute' or use --prune 100 on one of them`,
    );
  }
}
