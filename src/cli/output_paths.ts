/**
 * Checks of output paths before a command starts its work, so that a path under a file or in a
 * folder without write permission fails at once, in one line, instead of after training.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * Returns why files cannot be created in `folder` (which may not exist yet), or undefined if
 * they can: the nearest existing part of the path must be a writable folder. ENOTDIR means that
 * a part of the path is a file, which the walk up then finds and names.
 */
function folderProblem(folder: string): string | undefined {
  let existing = resolve(folder);
  let stats: Stats;
  for (;;) {
    try {
      stats = statSync(existing);
      break;
    } catch (error) {
      const code = errorCode(error);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(existing) === existing) {
        return `${existing} cannot be read (${code})`;
      }
      existing = dirname(existing);
    }
  }
  if (!stats.isDirectory()) {
    return `${existing} is a file`;
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    return `${existing} is not writable (${errorCode(error)})`;
  }
  return undefined;
}

/** Throws a UserError unless `folder` is a writable folder or can be created. */
export function checkOutputFolder(folder: string, flag: string): void {
  const problem = folderProblem(folder);
  if (problem !== undefined) {
    throw new UserError(
      `relpix: cannot write ${flag} ${folder} because ${problem}; pass another ${flag} folder`,
    );
  }
}

/** Throws a UserError unless `file` can be written: not a folder, and in a usable folder. */
export function checkOutputFile(file: string, flag: string): void {
  let isFolder = false;
  try {
    isFolder = statSync(file).isDirectory();
  } catch {
    // A missing file is the usual case, and folderProblem reports an unusable folder.
  }
  if (isFolder) {
    throw new UserError(`relpix: ${flag} ${file} is a folder; pass the path of a file to write`);
  }
  const problem = folderProblem(dirname(resolve(file)));
  if (problem !== undefined) {
    throw new UserError(
      `relpix: cannot write ${flag} ${file} because ${problem}; pass another ${flag} path`,
    );
  }
}
