import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { create } from 'tar';

import { UserError } from '../../src/errors.js';
import { downloadCifar10 } from '../../src/data/download.js';

const NAMES = [1, 2, 3, 4, 5].map((n) => `data_batch_${n}.bin`).concat('test_batch.bin');
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'relpix-download-'));
let archive: Buffer;
let archiveMd5: string;
let server: http.Server;
let baseUrl: string;
let requests = 0;

/** Returns the fake content of one .bin file: two 3,073-byte records. */
function fakeBatch(index: number): Buffer {
  return Buffer.alloc(2 * 3073, index + 1);
}

/** Packs `folderName`/ with the six fake .bin files into a .tar.gz and returns its bytes. */
async function buildArchive(folderName: string): Promise<Buffer> {
  const source = fs.mkdtempSync(path.join(temporary, 'source-'));
  fs.mkdirSync(path.join(source, folderName));
  NAMES.forEach((name, index) => {
    fs.writeFileSync(path.join(source, folderName, name), fakeBatch(index));
  });
  const file = path.join(source, 'archive.tar.gz');
  await create({ gzip: true, file, cwd: source }, [folderName]);
  return fs.readFileSync(file);
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

function freshCache(): string {
  return fs.mkdtempSync(path.join(temporary, 'cache-'));
}

before(async () => {
  archive = await buildArchive('cifar-10-batches-bin');
  archiveMd5 = md5(archive);
  const wrongFolder = await buildArchive('other-folder');
  server = http.createServer((request, response) => {
    requests++;
    if (request.url === '/cifar.tar.gz' || request.url === '/other.tar.gz') {
      const body = request.url === '/cifar.tar.gz' ? archive : wrongFolder;
      response.writeHead(200, { 'Content-Length': body.length });
      response.end(body);
    } else if (request.url === '/stall') {
      response.writeHead(200, { 'Content-Length': 1000 });
      response.write(Buffer.alloc(10));
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
  fs.rmSync(temporary, { recursive: true, force: true });
});

test('download extracts then caches', async () => {
  const cache = freshCache();
  const progress: Array<[number, number | undefined]> = [];
  const options = {
    url: `${baseUrl}/cifar.tar.gz`,
    md5: archiveMd5,
    onProgress: (received: number, total: number | undefined) => progress.push([received, total]),
  };
  const result = await downloadCifar10(cache, options);
  assert.equal(result.cached, false);
  assert.equal(result.dir, path.join(cache, 'cifar10', 'cifar-10-batches-bin'));
  NAMES.forEach((name, index) => {
    assert.deepEqual(fs.readFileSync(path.join(result.dir, name)), fakeBatch(index), name);
  });
  assert.deepEqual(progress.at(-1), [archive.length, archive.length]);
  assert.deepEqual(fs.readdirSync(path.join(cache, 'cifar10')), ['cifar-10-batches-bin']);

  const before = requests;
  const again = await downloadCifar10(cache, options);
  assert.equal(again.cached, true);
  assert.equal(requests, before);
});

test('download replaces an incomplete folder', async () => {
  const cache = freshCache();
  const target = path.join(cache, 'cifar10', 'cifar-10-batches-bin');
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, 'data_batch_1.bin'), Buffer.alloc(100));
  const result = await downloadCifar10(cache, { url: `${baseUrl}/cifar.tar.gz`, md5: archiveMd5 });
  assert.equal(result.cached, false);
  assert.deepEqual(fs.readFileSync(path.join(target, 'data_batch_1.bin')), fakeBatch(0));
  assert.deepEqual(fs.readdirSync(path.join(cache, 'cifar10')), ['cifar-10-batches-bin']);
});

test('download checksum mismatch', async () => {
  const cache = freshCache();
  const url = `${baseUrl}/cifar.tar.gz`;
  const expected = '0'.repeat(32);
  await assert.rejects(downloadCifar10(cache, { url, md5: expected }), (error: Error) => {
    assert.ok(error instanceof UserError);
    assert.ok(error.message.includes(`has MD5 ${archiveMd5}, expected ${expected}`));
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(path.join(cache, 'cifar10')), []);
});

test('download offline error', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const url = `http://127.0.0.1:${port}/cifar.tar.gz`;
  await assert.rejects(downloadCifar10(freshCache(), { url }), (error: Error) => {
    assert.ok(error instanceof UserError);
    assert.ok(error.message.startsWith(`relpix: could not download ${url} (`));
    assert.match(error.message, /ECONNREFUSED/);
    assert.match(error.message, /check the internet connection, or download it elsewhere/);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
});

test('download HTTP error status', async () => {
  const url = `${baseUrl}/missing.tar.gz`;
  await assert.rejects(downloadCifar10(freshCache(), { url }), /\(HTTP 404 Not Found\)/);
});

test('download stalled transfer', async () => {
  const cache = freshCache();
  const options = { url: `${baseUrl}/stall`, stallTimeoutMs: 200 };
  await assert.rejects(downloadCifar10(cache, options), /timed out after 0\.2 s without data/);
  assert.deepEqual(fs.readdirSync(path.join(cache, 'cifar10')), []);
});

test('download archive without batches', async () => {
  const cache = freshCache();
  const url = `${baseUrl}/other.tar.gz`;
  const md5Other = md5(Buffer.from(await (await fetch(url)).arrayBuffer()));
  await assert.rejects(
    downloadCifar10(cache, { url, md5: md5Other }),
    /has no complete cifar-10-batches-bin\/ folder, so it was deleted/,
  );
  assert.deepEqual(fs.readdirSync(path.join(cache, 'cifar10')), []);
});
