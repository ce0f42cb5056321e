/**
 * Command-line options shared by the commands, and the layering that turns them into a run
 * configuration: defaults, then a `--preset`, then a `--config` JSON file, then explicit flags.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES } from '../engine/backend.js';
import { UserError } from '../errors.js';
import { TASKS } from '../data/tasks.js';
import { MODEL_PRESETS } from '../model/config.js';
import { parsePredictors } from '../model/predictors/config.js';
import { INPUT_NEIGHBOURS, OUTPUT_NEIGHBOURS } from '../model/predictors/neighbours.js';
import { DATASETS, defaultRunConfig, type RunConfig } from '../train/config.js';
import { SCHEDULES } from '../train/schedule.js';

export function parseInteger(text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`'${text}' is not an integer.`);
  }
  return value;
}

/** Parses an integer of at least 1, for counts that must not be empty. */
export function parsePositiveInteger(text: string): number {
  const value = parseInteger(text);
  if (value < 1) {
    throw new InvalidArgumentError(`'${text}' is not an integer of at least 1.`);
  }
  return value;
}

/** Parses an integer of at least 0, for counts where 0 turns a feature off. */
export function parseNonNegativeInteger(text: string): number {
  const value = parseInteger(text);
  if (value < 0) {
    throw new InvalidArgumentError(`'${text}' is not an integer of at least 0.`);
  }
  return value;
}

export function parseNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`'${text}' is not a number.`);
  }
  return value;
}

/** Adds --backend and --data, which every command that runs a model or reads data takes. */
export function addEngineOptions(command: Command): Command {
  return command
    .optionsGroup('Engine and data location:')
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend')
        .choices(BACKEND_NAMES)
        .default('wasm'),
    )
    .option(
      '--data <dir>',
      'data root holding cifar10/cifar-10-batches-bin/ (default: $RELPIX_DATA, then the download cache)',
    );
}

/** Adds the model, data and training options of `relpix train`. */
export function addRunOptions(command: Command): Command {
  const defaults = defaultRunConfig();
  return command
    .optionsGroup('Configuration:')
    .option('--config <file>', 'JSON file with {model, data, train} settings; flags override it')
    .addOption(
      new Option(
        '--preset <name>',
        'backbone size preset: depth, hidden and skip channels',
      ).choices(Object.keys(MODEL_PRESETS)),
    )
    .optionsGroup('Data:')
    .addOption(new Option('--dataset <name>', 'training data set').choices(DATASETS))
    .option('--folder <dir>', 'folder of PNG images, for --dataset png')
    .option(
      '--size <pixels>',
      `image side after box-filter reduction, 0 for the native size (default ${defaults.data.size} for cifar10, native otherwise)`,
      parseInteger,
    )
    .option(
      '--levels <n>',
      `intensity levels per sub-pixel, a power of two (default ${defaults.model.levels})`,
      parseInteger,
    )
    .option(
      '--train-limit <n>',
      'use only the first n training images (default: all)',
      parseInteger,
    )
    .optionsGroup('Model:')
    .option(
      '--depth <n>',
      `kernel-5 gated layers D (default ${defaults.model.depth})`,
      parseInteger,
    )
    .option(
      '--hidden <n>',
      `channels H1 of the stacks (default ${defaults.model.hidden})`,
      parseInteger,
    )
    .option(
      '--skip <n>',
      `channels H2 of skips and head (default ${defaults.model.skip})`,
      parseInteger,
    )
    .optionsGroup('Predictors:')
    .addOption(
      new Option(
        '--task <name>',
        'unconditional generation, colourisation (grey in) or super-resolution (a quarter-side image in)',
      ).choices(TASKS),
    )
    .option(
      '--predictors <list>',
      "comma-separated predictors the gate mixes: 'absolute', 'output:SET' with SET one of " +
        `${OUTPUT_NEIGHBOURS.join(', ')}, and for --task colourise or superres 'input:GRID' ` +
        `with GRID one of ${INPUT_NEIGHBOURS.join(', ')} (default absolute)`,
    )
    .option(
      '--prune <percent>',
      'keep only this percentage of the most frequent deltas in each relative predictor (default 100)',
      parseNumber,
    )
    .option(
      '--prune-output <percent>',
      'like --prune, for the output-relative predictors only; overrides --prune for them',
      parseNumber,
    )
    .option(
      '--prune-input <percent>',
      'like --prune, for the input-relative predictors only; overrides --prune for them',
      parseNumber,
    )
    .option('--mask', 'allow only deltas that keep the copied value inside 0..L-1')
    .optionsGroup('Optimisation:')
    .option(
      '--batch-size <n>',
      `images per step (default ${defaults.train.batchSize})`,
      parseInteger,
    )
    .option('--steps <n>', `optimiser steps (default ${defaults.train.steps})`, parseInteger)
    .option(
      '--epochs <n>',
      'passes over the training images; sets --steps to ceil(n * images / batch size)',
      parseNumber,
    )
    .option(
      '--minutes <m>',
      'stop after m minutes even if steps remain (default: no limit)',
      parseNumber,
    )
    .option(
      '--lr <rate>',
      `Adam learning rate (default ${defaults.train.learningRate})`,
      parseNumber,
    )
    .addOption(
      new Option(
        '--lr-schedule <name>',
        `learning-rate decay after warm-up (default ${defaults.train.schedule})`,
      ).choices(SCHEDULES),
    )
    .option(
      '--warmup-steps <n>',
      `linear warm-up steps (default ${defaults.train.warmupSteps})`,
      parseInteger,
    )
    .optionsGroup('Evaluation and checkpoints:')
    .option(
      '--eval-every <steps>',
      `steps between validation runs, 0 for only at the end (default ${defaults.train.evalEvery})`,
      parseInteger,
    )
    .option(
      '--eval-images <n>',
      `validation images per run, 0 for all 5,000 (default ${defaults.train.evalImages})`,
      parseInteger,
    )
    .option(
      '--checkpoint-every <steps>',
      `steps between checkpoints (default ${defaults.train.checkpointEvery})`,
      parseInteger,
    )
    .optionsGroup('Reproducibility:')
    .option(
      '--seed <n>',
      `seed of initialisation and batch order (default ${defaults.train.seed})`,
      parseInteger,
    );
}

/** Maps each flag's option name to where it goes in the run configuration. */
const FLAG_TARGETS: Record<string, [keyof RunConfig, string]> = {
  task: ['model', 'task'],
  dataset: ['data', 'dataset'],
  folder: ['data', 'folder'],
  size: ['data', 'size'],
  trainLimit: ['data', 'trainLimit'],
  levels: ['model', 'levels'],
  depth: ['model', 'depth'],
  hidden: ['model', 'hidden'],
  skip: ['model', 'skip'],
  batchSize: ['train', 'batchSize'],
  steps: ['train', 'steps'],
  minutes: ['train', 'minutes'],
  lr: ['train', 'learningRate'],
  lrSchedule: ['train', 'schedule'],
  warmupSteps: ['train', 'warmupSteps'],
  evalEvery: ['train', 'evalEvery'],
  evalImages: ['train', 'evalImages'],
  checkpointEvery: ['train', 'checkpointEvery'],
  seed: ['train', 'seed'],
};

const CONFIG_SECTIONS = ['model', 'data', 'train'] as const;

function readConfigFile(path: string): Partial<RunConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(
      `relpix: cannot read --config ${path} (${(error as Error).message}). ` +
        'Pass the path of a JSON file.',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      `relpix: --config ${path} is not valid JSON (${(error as Error).message}); fix the file`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError(
      `relpix: --config ${path} must contain a JSON object such as {"train": {"steps": 100}}`,
    );
  }
  for (const key of Object.keys(parsed)) {
    if (!CONFIG_SECTIONS.includes(key as (typeof CONFIG_SECTIONS)[number])) {
      throw new UserError(
        `relpix: config section '${key}' in ${path} is unknown, expected one of ` +
          `${CONFIG_SECTIONS.join(', ')}`,
      );
    }
  }
  return parsed as Partial<RunConfig>;
}

/** Copies known keys of `source` into `target`, rejecting keys the configuration does not have. */
function mergeSection(target: Record<string, unknown>, source: unknown, section: string): void {
  if (source === undefined) return;
  if (typeof source !== 'object' || source === null) {
    throw new UserError(`relpix: config section '${section}' must be an object`);
  }
  for (const [key, value] of Object.entries(source)) {
    if (!(key in target) && !(section === 'data' && key === 'folder')) {
      throw new UserError(
        `relpix: config key '${section}.${key}' is unknown; expected one of ` +
          `${Object.keys(target).join(', ')}`,
      );
    }
    target[key] = value;
  }
}

/** Neighbour sets of each relative predictor kind. */
const NEIGHBOURS_BY_KIND = new Map<unknown, readonly unknown[]>([
  ['output', OUTPUT_NEIGHBOURS],
  ['input', INPUT_NEIGHBOURS],
]);

/** Returns whether `entry` is a predictor as config.json stores it. */
function isPredictorEntry(entry: unknown): boolean {
  if (typeof entry !== 'object' || entry === null) return false;
  const predictor = entry as Record<string, unknown>;
  if (predictor.kind === 'absolute') return true;
  const neighbours = NEIGHBOURS_BY_KIND.get(predictor.kind) ?? [];
  return (
    neighbours.includes(predictor.neighbours) &&
    typeof predictor.mask === 'boolean' &&
    typeof predictor.prune === 'number' &&
    (predictor.kept === undefined || Array.isArray(predictor.kept))
  );
}

/** Throws a UserError unless the `model.predictors` value of a config file is a predictor list. */
function checkPredictorList(value: unknown, path: string): void {
  if (Array.isArray(value) && value.every(isPredictorEntry)) return;
  throw new UserError(
    `relpix: config key 'model.predictors' in ${path} is invalid; expected a list such as ` +
      '[{"kind": "absolute"}, {"kind": "output", "neighbours": "left", "mask": true, ' +
      `"prune": 20}], with neighbours one of ${OUTPUT_NEIGHBOURS.join(', ')} for kind ` +
      `"output" and one of ${INPUT_NEIGHBOURS.join(', ')} for kind "input"`,
  );
}

/**
 * Builds the run configuration of `command`: defaults, preset, config file, then the flags
 * that the user typed. `base` replaces the defaults (a resumed run starts from its checkpoint).
 */
export function resolveRunConfig(command: Command, base?: RunConfig): RunConfig {
  const config: RunConfig = structuredClone(base ?? defaultRunConfig());
  const options = command.opts();
  if (options.preset !== undefined) {
    Object.assign(config.model, MODEL_PRESETS[options.preset as string]);
  }
  if (options.config !== undefined) {
    const file = readConfigFile(options.config as string);
    for (const section of CONFIG_SECTIONS) {
      mergeSection(config[section] as unknown as Record<string, unknown>, file[section], section);
    }
    if (file.model?.predictors !== undefined) {
      checkPredictorList(file.model.predictors, options.config as string);
    }
  }
  for (const [name, [section, key]] of Object.entries(FLAG_TARGETS)) {
    if (command.getOptionValueSource(name) === 'cli' || options[name] !== undefined) {
      (config[section] as unknown as Record<string, unknown>)[key] = options[name];
    }
  }
  applyPredictorOptions(config, options);
  // The 16-pixel default suits CIFAR-10; other data sets keep their own size unless --size is given.
  const sizeGiven = command.getOptionValueSource('size') === 'cli' || base !== undefined;
  if (!sizeGiven && config.data.dataset !== 'cifar10' && options.config === undefined) {
    config.data.size = 0;
  }
  config.model.height = config.data.size;
  config.model.width = config.data.size;
  return config;
}

/**
 * Sets the predictors from --predictors, --prune, --prune-output, --prune-input and --mask.
 * Without --predictors, these flags change the relative predictors already configured.
 */
function applyPredictorOptions(config: RunConfig, options: Record<string, unknown>): void {
  const mask = options.mask as boolean | undefined;
  const pruneByKind = {
    output: (options.pruneOutput ?? options.prune) as number | undefined,
    input: (options.pruneInput ?? options.prune) as number | undefined,
  };
  if (options.predictors !== undefined) {
    config.model.predictors = parsePredictors(options.predictors as string, mask ?? false, 100);
  }
  for (const predictor of config.model.predictors) {
    if (predictor.kind === 'absolute') continue;
    const prune = pruneByKind[predictor.kind];
    if (prune !== undefined && prune !== predictor.prune) {
      predictor.prune = prune;
      delete predictor.kept;
    }
    if (mask !== undefined) predictor.mask = mask;
  }
}
