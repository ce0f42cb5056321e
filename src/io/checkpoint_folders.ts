/**
 * Layout of the checkpoint folders in a run folder, finding the latest complete checkpoint,
 * and deleting old ones.
 *
 *   <runDir>/checkpoints/step-00001200/   one complete checkpoint (state.json is in every one)
 *   <runDir>/checkpoints/latest.json      {"path": "step-00001200"}, the checkpoint to resume
 *   <runDir>/checkpoints/step-….tmp-…/    a save in progress, or left over from a crash
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WriteFileSystem } from './atomic_write.js';
import { errorCode } from './atomic_write.js';

export const CHECKPOINTS_FOLDER = 'checkpoints';
export const LATEST_FILE = 'latest.json';
export const STATE_FILE = 'state.json';

/** Names of complete checkpoint folders. A step has at least 8 digits, zero-padded. */
const STEP_FOLDER_PATTERN = /^step-(\d{8,})$/;
/** Names of temporary folders of unfinished saves, as made by `temporaryPath`. */
const TEMPORARY_FOLDER_PATTERN = /^step-(\d{8,})\.tmp-/;

/** Returns the folder name of the checkpoint of `step`, such as 'step-00001200'. */
export function checkpointFolderName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/**
 * Returns the folder of the checkpoint to resume from, or undefined if the run has none.
 * This is the folder that `latest.json` names. The newest complete `step-*` folder is used
 * instead when `latest.json` is missing (a crash right after the first save), is not valid
 * JSON, or names a folder that is missing or has no state.json. Temporary folders are ignored.
 */
export function latestCheckpoint(runDir: string): string | undefined {
  const checkpointsDir = join(runDir, CHECKPOINTS_FOLDER);
  const pointed = readLatestPointer(checkpointsDir);
  if (pointed !== undefined && isCompleteCheckpoint(join(checkpointsDir, pointed))) {
    return join(checkpointsDir, pointed);
  }
  const newest = listCheckpointFolders(checkpointsDir).find((entry) =>
    isCompleteCheckpoint(join(checkpointsDir, entry.name)),
  );
  return newest === undefined ? undefined : join(checkpointsDir, newest.name);
}

/** Returns whether `folder` contains state.json, which every complete checkpoint has. */
export function isCompleteCheckpoint(folder: string): boolean {
  return existsSync(join(folder, STATE_FILE));
}

/**
 * Deletes all `step-*` folders except `savedName` and the `keep - 1` others of highest step, and
 * deletes temporary folders of steps before `savedStep`, which crashed saves left behind.
 * Temporary folders of later steps are left alone.
 */
export async function pruneCheckpoints(
  fs: WriteFileSystem,
  checkpointsDir: string,
  savedName: string,
  savedStep: number,
  keep: number,
): Promise<void> {
  const others = listCheckpointFolders(checkpointsDir).filter((entry) => entry.name !== savedName);
  const stale = others.slice(keep - 1).map((entry) => entry.name);
  for (const name of readFolderNames(checkpointsDir)) {
    const match = TEMPORARY_FOLDER_PATTERN.exec(name);
    if (match !== null && Number(match[1]) < savedStep) {
      stale.push(name);
    }
  }
  for (const name of stale) {
    await fs.rm(join(checkpointsDir, name), { recursive: true, force: true });
  }
}

/** Returns the `step-*` folders (complete or not), newest step first. */
function listCheckpointFolders(checkpointsDir: string): { name: string; step: number }[] {
  const folders: { name: string; step: number }[] = [];
  for (const name of readFolderNames(checkpointsDir)) {
    const match = STEP_FOLDER_PATTERN.exec(name);
    if (match !== null) {
      folders.push({ name, step: Number(match[1]) });
    }
  }
  return folders.sort((a, b) => b.step - a.step);
}

/** Returns the names of the folders in `dir`, or none if `dir` does not exist. */
function readFolderNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return [];
    }
    throw error;
  }
}

/** Returns the folder name stored in latest.json, or undefined if it is missing or invalid. */
function readLatestPointer(checkpointsDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(checkpointsDir, LATEST_FILE), 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  let pointer: unknown;
  try {
    pointer = JSON.parse(text);
  } catch {
    // NOTE: An invalid latest.json falls back to the newest step folder, which may be a
    // different checkpoint than the run last resumed from.
    return undefined;
  }
  const path = (pointer as { path?: unknown } | null)?.path;
  return typeof path === 'string' && STEP_FOLDER_PATTERN.test(path) ? path : undefined;
}
