/**
 * File writes that never leave a half-written file under the final name: data goes to a
 * temporary file in the same folder, is flushed to disk with fsync, then renamed into place.
 *
 * The file system is passed in so that tests can inject failures such as ENOSPC.
 */
import * as fsPromises from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/** The part of a `node:fs/promises` FileHandle that the writers use. */
export interface WritableFileHandle {
  writeFile(data: Uint8Array | string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The part of `node:fs/promises` that the writers use. `node:fs/promises` itself fits. */
export interface WriteFileSystem {
  mkdir(path: string, options: { recursive: true }): Promise<string | undefined>;
  open(path: string, flags: string): Promise<WritableFileHandle>;
  rename(oldPath: string, newPath: string): Promise<void>;
  rm(path: string, options: { recursive?: boolean; force: boolean }): Promise<void>;
}

export const nodeFileSystem: WriteFileSystem = fsPromises;

/** Returns `${path}.tmp-<pid>-<8 random hex digits>`, a sibling name for a temporary file. */
export function temporaryPath(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Writes `data` to `path` (creating or truncating it) and flushes it to disk. */
export async function writeFileDurable(
  fs: WriteFileSystem,
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const handle = await fs.open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` through a temporary sibling file and a rename, so readers see
 * either the old or the new content. Removes the temporary file when a step fails.
 */
export async function writeFileAtomic(
  fs: WriteFileSystem,
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    await writeFileDurable(fs, temporary, data);
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** A folder moved into place by `moveFolderIntoPlace`, with the means to keep or revert it. */
export interface Placement {
  /** Deletes the replaced folder, if there was one. */
  commit(): Promise<void>;
  /** Deletes the new folder and puts back the replaced one, if there was one. */
  rollback(): Promise<void>;
}

/**
 * Renames `temporaryDir` to `finalDir`. An existing `finalDir` is first renamed to a temporary
 * name, because a rename cannot replace a non-empty folder, and is put back if the move fails.
 */
export async function moveFolderIntoPlace(
  fs: WriteFileSystem,
  temporaryDir: string,
  finalDir: string,
): Promise<Placement> {
  const replacedDir = temporaryPath(finalDir);
  let replaced = true;
  try {
    await fs.rename(finalDir, replacedDir);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') {
      throw error;
    }
    replaced = false;
  }
  try {
    await fs.rename(temporaryDir, finalDir);
  } catch (error) {
    if (replaced) {
      await fs.rename(replacedDir, finalDir);
    }
    throw error;
  }
  return {
    commit: async () => {
      if (replaced) {
        await fs.rm(replacedDir, { recursive: true, force: true });
      }
    },
    rollback: async () => {
      await fs.rm(finalDir, { recursive: true, force: true });
      if (replaced) {
        await fs.rename(replacedDir, finalDir);
      }
    },
  };
}

/** Error codes of file systems and platforms that cannot fsync a folder. */
const UNSYNCABLE_FOLDER_CODES = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP']);

/**
 * Flushes a folder's entries (new names from creates and renames) to disk.
 * Does nothing on Windows and on file systems that reject fsync on a folder.
 */
export async function syncFolder(fs: WriteFileSystem, folder: string): Promise<void> {
  if (process.platform === 'win32') {
    return;
  }
  let handle: WritableFileHandle;
  try {
    handle = await fs.open(folder, 'r');
  } catch (error) {
    if (UNSYNCABLE_FOLDER_CODES.has(errorCode(error) ?? '')) {
      return;
    }
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!UNSYNCABLE_FOLDER_CODES.has(errorCode(error) ?? '')) {
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/** Returns the `code` of a Node.js system error (such as 'ENOSPC'), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Returns the first line of an error's message, for embedding in a one-line message. */
export function errorSummary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
