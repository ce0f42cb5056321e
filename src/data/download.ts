/**
 * Download of the CIFAR-10 binary archive into the cache: streamed to a temporary file,
 * checked against its MD5, then extracted into a temporary folder and renamed into place,
 * so the cache never contains a partial download or a partial extraction.
 */

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import { extract } from 'tar';

import { UserError } from '../errors.js';
import { CIFAR10_RECORD_BYTES, CIFAR10_TEST_FILE, CIFAR10_TRAINING_FILES } from './cifar10.js';

/** Archive of the CIFAR-10 binary version, from https://www.cs.toronto.edu/~kriz/cifar.html. */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** MD5 of CIFAR10_URL as published on that page. */
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const ARCHIVE_NAME = 'cifar-10-binary.tar.gz';
const BATCHES_FOLDER = 'cifar-10-batches-bin';

export interface DownloadOptions {
  /** Archive to download, CIFAR10_URL by default. */
  url?: string;
  /** Expected MD5 of the archive as lowercase hex, CIFAR10_MD5 by default. */
  md5?: string;
  /** fetch implementation, the global fetch by default. */
  fetchImpl?: typeof fetch;
  /** Called after each chunk with bytes received and Content-Length (undefined if absent). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Milliseconds without any data, while connecting or receiving, before giving up. */
  stallTimeoutMs?: number;
}

export interface DownloadResult {
  /** Folder containing data_batch_1.bin .. test_batch.bin. */
  dir: string;
  /** True when the files were already there and nothing was downloaded. */
  cached: boolean;
}

/**
 * Downloads and extracts CIFAR-10 into cacheRoot/cifar10/cifar-10-batches-bin, unless all
 * six .bin files are already there. Throws UserError when the download fails, the MD5
 * does not match (the file is deleted) or the archive lacks the expected files.
 */
export async function downloadCifar10(
  cacheRoot: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const folder = path.join(cacheRoot, 'cifar10');
  const target = path.join(folder, BATCHES_FOLDER);
  if (await isCifar10Complete(target)) {
    return { dir: target, cached: true };
  }
  const url = options.url ?? CIFAR10_URL;
  const md5 = (options.md5 ?? CIFAR10_MD5).toLowerCase();
  await fs.mkdir(folder, { recursive: true });
  const archive = path.join(folder, ARCHIVE_NAME);
  // An archive is left here only when it passed the MD5 check but was not extracted (a full
  // disk or an interrupted run), so it is reused if it still matches.
  if ((await md5OfFile(archive)) !== md5) {
    await downloadToFile(url, archive, md5, options);
  }
  await extractArchive(archive, folder, target);
  await fs.rm(archive, { force: true });
  return { dir: target, cached: false };
}

/** Streams `url` into a temporary file beside `archive`, checks its MD5, then renames it. */
async function downloadToFile(
  url: string,
  archive: string,
  md5: string,
  options: DownloadOptions,
): Promise<void> {
  const partial = `${archive}.${randomBytes(6).toString('hex')}.part`;
  const stall = new StallTimer(options.stallTimeoutMs ?? 60_000);
  const hash = createHash('md5');
  try {
    const response = await fetchArchive(url, options.fetchImpl ?? fetch, stall);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = Number.isFinite(length) ? length : undefined;
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        stall.restart();
        hash.update(chunk);
        received += chunk.length;
        options.onProgress?.(received, total);
        callback(null, chunk);
      },
    });
    const body = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
    await pipeline(body, meter, createWriteStream(partial)).catch((error: unknown) => {
      throw transferError(url, partial, error, stall);
    });
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw error;
  } finally {
    stall.stop();
  }
  const actual = hash.digest('hex');
  if (actual !== md5) {
    await fs.rm(partial, { force: true });
    throw new UserError(
      `relpix: ${url} has MD5 ${actual}, expected ${md5}: the download is damaged or the ` +
        'file on the server changed, so it was deleted; run the download again',
    );
  }
  await fs.rename(partial, archive);
}

/** Sends the request and returns a response with a body, or throws the network UserError. */
async function fetchArchive(
  url: string,
  fetchImpl: typeof fetch,
  stall: StallTimer,
): Promise<Response> {
  let response: Response;
  try {
    stall.restart();
    response = await fetchImpl(url, { signal: stall.signal });
  } catch (error) {
    throw networkError(url, stall.timedOut ? stall.describe() : describeError(error));
  }
  if (!response.ok || response.body === null) {
    throw networkError(url, `HTTP ${response.status} ${response.statusText}`.trim());
  }
  return response;
}

/** Aborts a request when no data arrives for `timeoutMs` milliseconds. */
class StallTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  timedOut = false;

  constructor(private readonly timeoutMs: number) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restart(): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  describe(): string {
    return `timed out after ${this.timeoutMs / 1000} s without data`;
  }
}

/** Converts a pipeline error into a UserError for a write failure or a network failure. */
function transferError(url: string, file: string, error: unknown, stall: StallTimer): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const syscall = (error as NodeJS.ErrnoException).syscall;
  if (syscall === 'open' || syscall === 'write') {
    return new UserError(
      `relpix: could not write ${file} (${code}): check free disk space and permissions`,
    );
  }
  return networkError(url, stall.timedOut ? stall.describe() : describeError(error));
}

function networkError(url: string, reason: string): UserError {
  return new UserError(
    `relpix: could not download ${url} (${reason}): check the internet connection, ` +
      'or download it elsewhere and pass --data',
  );
}

/** Returns a one-line reason for `error`, from its `cause` when fetch wrapped a socket error. */
function describeError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const innermost = cause instanceof Error ? cause : error;
  const text = innermost instanceof Error ? innermost.message : String(innermost);
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Extracts `archive` into a temporary folder inside `folder`, checks that it contains
 * cifar-10-batches-bin/ with all six .bin files, then renames that folder to `target`.
 */
async function extractArchive(archive: string, folder: string, target: string): Promise<void> {
  const staging = await fs.mkdtemp(path.join(folder, '.extract-'));
  try {
    try {
      await extract({ file: archive, cwd: staging, strict: true });
    } catch (error) {
      throw new UserError(
        `relpix: could not extract ${archive} (${describeError(error)}): check free disk ` +
          'space, then run the download again',
      );
    }
    const extracted = path.join(staging, BATCHES_FOLDER);
    if (!(await isCifar10Complete(extracted))) {
      await fs.rm(archive, { force: true });
      throw new UserError(
        `relpix: ${archive} has no complete ${BATCHES_FOLDER}/ folder, so it was deleted: ` +
          'it is not the CIFAR-10 binary archive; check the download URL',
      );
    }
    await replaceFolder(extracted, target);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/**
 * Returns whether `dir` contains all six CIFAR-10 .bin files, each a non-empty whole number of
 * records. readCifar10 checks the exact record count when it reads them.
 */
async function isCifar10Complete(dir: string): Promise<boolean> {
  const names = [...CIFAR10_TRAINING_FILES, CIFAR10_TEST_FILE];
  for (const name of names) {
    const stats = await fs.stat(path.join(dir, name)).catch(() => undefined);
    const valid = stats?.isFile() && stats.size > 0 && stats.size % CIFAR10_RECORD_BYTES === 0;
    if (!valid) {
      return false;
    }
  }
  return true;
}

/** Returns the MD5 of `file` as lowercase hex, or undefined when the file does not exist. */
async function md5OfFile(file: string): Promise<string | undefined> {
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  return hash.digest('hex');
}

/** Renames `source` to `target`, first moving an existing `target` aside and deleting it. */
async function replaceFolder(source: string, target: string): Promise<void> {
  const aside = `${target}.old-${randomBytes(6).toString('hex')}`;
  let movedAside = true;
  await fs.rename(target, aside).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') {
      throw error;
    }
    movedAside = false;
  });
  await fs.rename(source, target);
  if (movedAside) {
    await fs.rm(aside, { recursive: true, force: true });
  }
}
