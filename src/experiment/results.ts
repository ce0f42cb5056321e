/**
 * The results file of the experiment runner: JSON Lines, one finished row and seed per line.
 * It is rewritten whole through a temporary file, so a killed runner never leaves a torn line.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { nodeFileSystem, writeFileAtomic } from '../io/atomic_write.js';
import { UserError } from '../errors.js';
import type { Task as TaskName } from '../data/tasks.js';
import type { SplitName } from './suites.js';

export interface ExperimentResult {
  suite: string;
  /** Row identifier within the suite, such as `c2`. */
  id: string;
  row: number;
  label: string;
  task: TaskName;
  predictors: string;
  prune?: number;
  pruneOutput?: number;
  mask?: boolean;
  widthFactor?: number;
  scale: string;
  seed: number;
  /** Optimiser steps the evaluated checkpoint was trained for. */
  steps: number;
  split: SplitName;
  bitsPerDim: number;
  /** Standard error of bitsPerDim over the evaluated images. */
  standardError: number;
  images: number;
  /** Published CIFAR-10 bits/dim of this row, if the published tables give one. */
  paper?: number;
  parameters?: number;
  /** Share of sampled pixels made by each predictor, from the run's samples. */
  shares?: Record<string, number>;
  /** Training time summed over attempts, in seconds. */
  trainSeconds: number;
  evalSeconds: number;
  /** The `relpix train` command of the row, as run. */
  command: string;
  runDir: string;
  /** `suite/row` whose identical run this result copies, when it was not trained for this row. */
  reusedFrom?: string;
  finishedAt: string;
}

/** Returns whether `value` has the fields that the runner and the report rely on. */
function isResult(value: unknown): value is ExperimentResult {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const strings = ['suite', 'id', 'scale', 'split', 'command', 'runDir'];
  const numbers = ['seed', 'steps', 'bitsPerDim', 'standardError', 'images', 'trainSeconds'];
  return (
    strings.every((key) => typeof record[key] === 'string') &&
    numbers.every((key) => typeof record[key] === 'number')
  );
}

/** Reads the results at `path`; a missing file has none. */
export function readResults(path: string): ExperimentResult[] {
  if (!existsSync(path)) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(
      `relpix: cannot read results file ${path} (${(error as Error).message}); pass the path ` +
        'of a JSON Lines file with --results',
    );
  }
  const results: ExperimentResult[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new UserError(
        `relpix: line ${index + 1} of results file ${path} is not valid JSON ` +
          `(${(error as Error).message}); fix or delete that line`,
      );
    }
    if (!isResult(parsed)) {
      throw new UserError(
        `relpix: line ${index + 1} of results file ${path} is not an experiment result ` +
          '(it lacks suite, id, scale, seed or bitsPerDim); fix or delete that line',
      );
    }
    results.push(parsed);
  });
  return results;
}

/** Returns the key that identifies a result: suite, row, scale and seed. */
export function resultKey(
  result: Pick<ExperimentResult, 'suite' | 'id' | 'scale' | 'seed'>,
): string {
  return `${result.suite}/${result.id}/${result.scale}/${result.seed}`;
}

/** Adds `result` to the file at `path`, replacing an earlier result with the same key. */
export async function appendResult(path: string, result: ExperimentResult): Promise<void> {
  const kept = readResults(path).filter((other) => resultKey(other) !== resultKey(result));
  kept.push(result);
  const text = kept.map((entry) => JSON.stringify(entry)).join('\n');
  try {
    mkdirSync(dirname(path), { recursive: true });
    await writeFileAtomic(nodeFileSystem, path, `${text}\n`);
  } catch (error) {
    throw new UserError(
      `relpix: cannot write results file ${path} (${(error as Error).message}); pass a ` +
        'writable --results path and run the same command again',
    );
  }
}
