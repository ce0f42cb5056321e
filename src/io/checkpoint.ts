/**
 * Training checkpoints: model weights, optimizer slots and training state, saved atomically
 * into `<runDir>/checkpoints/step-XXXXXXXX/` so that a crash or a failed write (such as a
 * full disk) leaves the checkpoint that `latest.json` names unchanged. The layout is described
 * in checkpoint_folders.ts.
 *
 * A checkpoint folder contains `model.json` + `weights.bin` (the weights, with `state.config`
 * as metadata, so the folder alone is a loadable saved model), `optimizer.json` +
 * `optimizer.bin` (optimizer slots) and `state.json` (the whole state).
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import {
  errorCode,
  errorSummary,
  nodeFileSystem,
  syncFolder,
  moveFolderIntoPlace,
  temporaryPath,
  writeFileAtomic,
  writeFileDurable,
  type Placement,
  type WriteFileSystem,
} from './atomic_write.js';
import {
  CHECKPOINTS_FOLDER,
  LATEST_FILE,
  STATE_FILE,
  checkpointFolderName,
  isCompleteCheckpoint,
  latestCheckpoint,
  pruneCheckpoints,
} from './checkpoint_folders.js';
import { loadNamedTensors, saveNamedTensors } from './weights_file.js';

export { checkpointFolderName, latestCheckpoint } from './checkpoint_folders.js';

/** Everything needed to resume training. `state` must be JSON-serializable. */
export interface Checkpoint {
  weights: tf.NamedTensorMap;
  optimizer: tf.NamedTensorMap;
  state: Record<string, unknown>;
}

/** Options of `saveCheckpoint`. */
export interface SaveCheckpointOptions {
  /** Number of newest checkpoints to keep, including the one saved. Default 2. */
  keep?: number;
  /** File system for all writes. Default `node:fs/promises`, replaced in tests. */
  fs?: WriteFileSystem;
}

const OPTIMIZER_FILES = { manifestName: 'optimizer.json', binName: 'optimizer.bin' };

/**
 * Saves `checkpoint` as the checkpoint of `step` and returns its folder.
 * Writes every file into a temporary folder, fsyncs it, renames the folder into place, then
 * points `latest.json` at it and deletes all but the newest `keep` checkpoints. A failed
 * write (such as ENOSPC) removes the temporary folder, leaves `latest.json` and older
 * checkpoints unchanged, and throws a UserError. Saving a step that already has a
 * checkpoint replaces it. The tensors are not disposed.
 */
export async function saveCheckpoint(
  runDir: string,
  step: number,
  checkpoint: Checkpoint,
  options: SaveCheckpointOptions = {},
): Promise<string> {
  const keep = options.keep ?? 2;
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`saveCheckpoint: step must be a non-negative integer, got ${step}`);
  }
  if (!Number.isInteger(keep) || keep < 1) {
    throw new RangeError(`saveCheckpoint: keep must be a positive integer, got ${keep}`);
  }
  const fs = options.fs ?? nodeFileSystem;
  const checkpointsDir = join(runDir, CHECKPOINTS_FOLDER);
  const name = checkpointFolderName(step);
  const finalDir = join(checkpointsDir, name);
  const placement = await installCheckpoint(fs, checkpoint, {
    step,
    finalDir,
    previous: latestCheckpoint(runDir),
  });

  // installCheckpoint's rename of latest.json is the commit point, so a failure below still
  // leaves the new checkpoint as the latest one.
  try {
    await syncFolder(fs, checkpointsDir);
    await placement.commit();
    await pruneCheckpoints(fs, checkpointsDir, name, step, keep);
  } catch (error) {
    if (errorCode(error) === undefined) {
      throw error;
    }
    throw new UserError(
      `relpix: checkpoint step ${step} was saved to ${finalDir}, but cleaning up old folders in ` +
        `${checkpointsDir} failed (${errorSummary(error)}). Delete old step-* folders there ` +
        'by hand if disk space runs low.',
    );
  }
  return finalDir;
}

/**
 * Loads a checkpoint. `pathOrRunDir` is a checkpoint folder, a run folder (whose latest
 * checkpoint is loaded, see `latestCheckpoint`) or its `checkpoints` folder. Throws a
 * UserError naming the path and the fix when no checkpoint is found or a file is missing or
 * damaged. The caller owns the returned tensors.
 */
export async function loadCheckpoint(pathOrRunDir: string): Promise<Checkpoint & { path: string }> {
  const path = resolveCheckpointFolder(pathOrRunDir);
  const state = await withCheckpointHint(path, () => readState(path));
  const weights = await withCheckpointHint(path, () => loadNamedTensors(path));
  try {
    const optimizer = await withCheckpointHint(path, () =>
      loadNamedTensors(path, { manifestName: OPTIMIZER_FILES.manifestName }),
    );
    return { weights: weights.tensors, optimizer: optimizer.tensors, state, path };
  } catch (error) {
    tf.dispose(weights.tensors);
    throw error;
  }
}

/**
 * Writes the checkpoint into a temporary folder, renames it to `save.finalDir` and points
 * latest.json at it. On failure, undoes all of that and throws (see `undoFailedSave`).
 */
async function installCheckpoint(
  fs: WriteFileSystem,
  checkpoint: Checkpoint,
  save: { step: number; finalDir: string; previous: string | undefined },
): Promise<Placement> {
  const checkpointsDir = dirname(save.finalDir);
  const temporaryDir = temporaryPath(save.finalDir);
  let placement: Placement | undefined;
  try {
    await fs.mkdir(temporaryDir, { recursive: true });
    await writeCheckpointFiles(fs, temporaryDir, checkpoint);
    placement = await moveFolderIntoPlace(fs, temporaryDir, save.finalDir);
    await syncFolder(fs, checkpointsDir);
    const pointer = `${JSON.stringify({ path: basename(save.finalDir) })}\n`;
    await writeFileAtomic(fs, join(checkpointsDir, LATEST_FILE), pointer);
    return placement;
  } catch (error) {
    throw await undoFailedSave(fs, error, { ...save, temporaryDir, placement });
  }
}

async function writeCheckpointFiles(
  fs: WriteFileSystem,
  folder: string,
  checkpoint: Checkpoint,
): Promise<void> {
  const config = checkpoint.state.config ?? null;
  await saveNamedTensors(folder, checkpoint.weights, config, { fs });
  await saveNamedTensors(folder, checkpoint.optimizer, null, { ...OPTIMIZER_FILES, fs });
  // state.json comes last, because its presence marks a complete checkpoint.
  const stateText = `${JSON.stringify(checkpoint.state, null, 2)}\n`;
  await writeFileDurable(fs, join(folder, STATE_FILE), stateText);
  await syncFolder(fs, folder);
}

/**
 * Removes what a failed save wrote and returns the error to throw: a UserError for file
 * system errors (they have a `code`), else `error` itself.
 */
async function undoFailedSave(
  fs: WriteFileSystem,
  error: unknown,
  save: {
    step: number;
    finalDir: string;
    temporaryDir: string;
    previous: string | undefined;
    placement: Placement | undefined;
  },
): Promise<unknown> {
  const failure = `relpix: saving checkpoint step ${save.step} to ${save.finalDir} failed`;
  try {
    await fs.rm(save.temporaryDir, { recursive: true, force: true });
    await save.placement?.rollback();
  } catch (cleanupError) {
    return new UserError(
      `${failure} (${errorSummary(error)}), and removing the partial save failed ` +
        `(${errorSummary(cleanupError)}). Check ${dirname(save.finalDir)} before resuming.`,
    );
  }
  const code = errorCode(error);
  if (code === undefined) {
    return error;
  }
  let fix = 'fix the cause';
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    fix = 'free disk space';
  } else if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    fix = `make ${dirname(save.finalDir)} writable`;
  }
  const next =
    save.previous === undefined
      ? `No earlier checkpoint exists, so ${fix} and start the run again.`
      : `The previous checkpoint ${save.previous} is intact, so ${fix} and resume with --resume.`;
  return new UserError(`${failure} (${errorSummary(error)}). ${next}`);
}

/** Returns the checkpoint folder that `pathOrRunDir` names, or throws a UserError. */
function resolveCheckpointFolder(pathOrRunDir: string): string {
  if (isCompleteCheckpoint(pathOrRunDir) || existsSync(join(pathOrRunDir, 'model.json'))) {
    return pathOrRunDir;
  }
  const runDir =
    basename(pathOrRunDir) === CHECKPOINTS_FOLDER ? dirname(pathOrRunDir) : pathOrRunDir;
  const latest = latestCheckpoint(runDir);
  if (latest !== undefined) {
    return latest;
  }
  if (!existsSync(pathOrRunDir)) {
    throw new UserError(
      `relpix: checkpoint or run folder ${pathOrRunDir} not found. Pass a run folder or a ` +
        `checkpoint folder such as <run>/${CHECKPOINTS_FOLDER}/${checkpointFolderName(1200)}.`,
    );
  }
  throw new UserError(
    `relpix: ${pathOrRunDir} contains no complete checkpoint (no ${STATE_FILE}, and no ` +
      `${CHECKPOINTS_FOLDER}/step-* folder with one). Pass the folder of a run that has saved ` +
      'a checkpoint, or start a new run without --resume.',
  );
}

async function readState(folder: string): Promise<Record<string, unknown>> {
  const path = join(folder, STATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      throw new UserError(`relpix: ${path} not found, so ${folder} is not a complete checkpoint.`);
    }
    throw error;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw new UserError(`relpix: ${path} is not valid JSON (${errorSummary(error)}).`);
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new UserError(`relpix: ${path} does not contain a JSON object.`);
  }
  return state as Record<string, unknown>;
}

/** Runs `load` and adds how to fall back to an older checkpoint to a UserError it throws. */
async function withCheckpointHint<T>(folder: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!(error instanceof UserError)) {
      throw error;
    }
    throw new UserError(
      `${error.message} To use an older checkpoint instead, move ${folder} out of ` +
        `${dirname(folder)}: train --resume then continues from the newest complete one, and ` +
        'eval and sample also accept a checkpoint folder.',
    );
  }
}
