/**
 * Aggregation of experiment results: mean and standard error over seeds per row, differences
 * between rows, and the shares of sampled pixels per predictor kind.
 */
import type { ExperimentResult } from '../experiment/results.js';

export interface RowSummary {
  suite: string;
  id: string;
  label: string;
  task: string;
  paper?: number;
  /** Results of this row, one per seed, in seed order. */
  seeds: ExperimentResult[];
  /** Mean bits/dim over seeds. */
  mean: number;
  /**
   * Standard error of the mean: the standard deviation over seeds / sqrt(seeds), or with one
   * seed the standard error over images of that run, which leaves out the seed-to-seed spread.
   */
  standardError: number;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Returns the standard error of the mean of `values` (at least two). */
function standardErrorOf(values: number[]): number {
  const m = mean(values);
  const variance = values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance / values.length);
}

/** Groups the results of one suite by row, in the order of `rowIds`. */
export function summariseRows(
  results: ExperimentResult[],
  suite: string,
  rowIds: string[],
): RowSummary[] {
  const summaries: RowSummary[] = [];
  for (const id of rowIds) {
    const seeds = results
      .filter((result) => result.suite === suite && result.id === id)
      .sort((a, b) => a.seed - b.seed);
    if (seeds.length === 0) continue;
    const values = seeds.map((result) => result.bitsPerDim);
    summaries.push({
      suite,
      id,
      label: seeds[0].label,
      task: seeds[0].task,
      ...(seeds[0].paper === undefined ? {} : { paper: seeds[0].paper }),
      seeds,
      mean: mean(values),
      standardError: values.length > 1 ? standardErrorOf(values) : seeds[0].standardError,
    });
  }
  return summaries;
}

export interface Difference {
  /** `row` minus `baseline` over their common seeds, so a negative value means `row` is better. */
  value: number;
  standardError: number;
  /** Number of seeds that both rows have. */
  pairedSeeds: number;
}

/**
 * Returns the difference `row` - `baseline` in bits/dim over the seeds both rows have, so that
 * a row with fewer seeds is compared on equal terms. With two or more common seeds the standard
 * error comes from the per-seed differences, which removes the spread the rows share through
 * the seed. With one common seed the two runs' standard errors over images add in quadrature,
 * and with none the two rows' standard errors do.
 */
export function difference(row: RowSummary, baseline: RowSummary): Difference {
  const bySeed = new Map(baseline.seeds.map((result) => [result.seed, result]));
  const common = row.seeds.filter((result) => bySeed.has(result.seed));
  const paired = common.map(
    (result) => result.bitsPerDim - (bySeed.get(result.seed) as ExperimentResult).bitsPerDim,
  );
  if (paired.length >= 2) {
    return {
      value: mean(paired),
      standardError: standardErrorOf(paired),
      pairedSeeds: paired.length,
    };
  }
  if (paired.length === 1) {
    const other = bySeed.get(common[0].seed) as ExperimentResult;
    return {
      value: paired[0],
      standardError: Math.hypot(common[0].standardError, other.standardError),
      pairedSeeds: 1,
    };
  }
  return {
    value: row.mean - baseline.mean,
    standardError: Math.hypot(row.standardError, baseline.standardError),
    pairedSeeds: 0,
  };
}

export type PredictorKind = 'absolute' | 'input' | 'output';

/** Sums predictor shares (keys like `output:left+top (0,-1)`) into the three predictor kinds. */
export function sharesByKind(shares: Record<string, number>): Record<PredictorKind, number> {
  const totals: Record<PredictorKind, number> = { absolute: 0, input: 0, output: 0 };
  for (const [name, share] of Object.entries(shares)) {
    const kind = name.split(':')[0] as PredictorKind;
    if (kind in totals) totals[kind] += share;
  }
  return totals;
}

/** Returns the mean over seeds of the shares by kind, or undefined when no seed sampled. */
export function meanSharesByKind(row: RowSummary): Record<PredictorKind, number> | undefined {
  const perSeed = row.seeds.flatMap((result) =>
    result.shares === undefined ? [] : [sharesByKind(result.shares)],
  );
  if (perSeed.length === 0) return undefined;
  return {
    absolute: mean(perSeed.map((shares) => shares.absolute)),
    input: mean(perSeed.map((shares) => shares.input)),
    output: mean(perSeed.map((shares) => shares.output)),
  };
}
