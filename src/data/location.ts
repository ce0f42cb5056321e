/**
 * Locating data on disk: the data root (from --data, RELPIX_DATA or the download cache) and
 * the CIFAR-10 and MNIST folders inside it.
 *
 * A data root is laid out as cifar10/cifar-10-batches-bin/*.bin and mnist/*-idx?-ubyte.gz.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { UserError } from '../errors.js';
import { CIFAR10_TEST_FILE, CIFAR10_TRAINING_FILES } from './cifar10.js';

/** Environment variable naming the data root when --data is not given. */
export const DATA_ENV = 'RELPIX_DATA';

/** Returns the download cache: $XDG_CACHE_HOME/relpix, else ~/.cache/relpix. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME;
  // The XDG Base Directory Specification (0.8) says to ignore a relative XDG_CACHE_HOME.
  if (cacheHome && path.isAbsolute(cacheHome)) {
    return path.join(cacheHome, 'relpix');
  }
  return path.join(os.homedir(), '.cache', 'relpix');
}

/**
 * Returns the absolute data root: the --data flag if given, then $RELPIX_DATA, then the
 * download cache. Throws UserError when the flag or the variable names a missing folder.
 * The cache is returned whether or not it exists yet.
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') {
    return existingFolder(flag, '--data', 'pass a folder that exists');
  }
  const fromEnv = env[DATA_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const fix = `set ${DATA_ENV} to a folder that exists, or unset it`;
    return existingFolder(fromEnv, DATA_ENV, fix);
  }
  return defaultCacheRoot(env);
}

function existingFolder(folder: string, source: string, fix: string): string {
  const resolved = path.resolve(folder);
  if (!isDirectory(resolved)) {
    throw new UserError(`relpix: ${source} folder ${resolved} not found: ${fix}`);
  }
  return resolved;
}

/**
 * Returns the folder containing the CIFAR-10 .bin files: root/cifar10/cifar-10-batches-bin,
 * root/cifar-10-batches-bin, root/cifar10 or root itself, the first that contains
 * data_batch_1.bin or test_batch.bin. Throws UserError naming every path tried.
 */
export function findCifar10Dir(root: string): string {
  const candidates = [
    path.join(root, 'cifar10', 'cifar-10-batches-bin'),
    path.join(root, 'cifar-10-batches-bin'),
    path.join(root, 'cifar10'),
    root,
  ];
  const markers = [CIFAR10_TRAINING_FILES[0], CIFAR10_TEST_FILE];
  const found = candidates.find((dir) => markers.some((name) => isFile(path.join(dir, name))));
  if (found === undefined) {
    throw new UserError(
      `relpix: CIFAR-10 not found, tried ${candidates.join(', ')}: pass --data DIR where ` +
        "DIR contains cifar10/cifar-10-batches-bin/, or run 'relpix download cifar10'",
    );
  }
  return found;
}

/**
 * Returns the folder containing the MNIST idx files: root/mnist or root itself, the first that
 * contains train-images-idx3-ubyte or t10k-images-idx3-ubyte (plain or .gz).
 * Throws UserError naming every path tried.
 */
export function findMnistDir(root: string): string {
  const candidates = [path.join(root, 'mnist'), root];
  const markers = ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte'].flatMap((name) => [
    name,
    `${name}.gz`,
  ]);
  const found = candidates.find((dir) => markers.some((name) => isFile(path.join(dir, name))));
  if (found === undefined) {
    throw new UserError(
      `relpix: MNIST not found, tried ${candidates.join(', ')}: pass --data DIR where ` +
        'DIR contains mnist/ with train-images-idx3-ubyte.gz and the other idx files',
    );
  }
  return found;
}

function isFile(file: string): boolean {
  return statOrUndefined(file)?.isFile() ?? false;
}

function isDirectory(folder: string): boolean {
  return statOrUndefined(folder)?.isDirectory() ?? false;
}

/** Returns the path's stats, or undefined when it cannot be read (missing, ENOTDIR, EACCES). */
function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
