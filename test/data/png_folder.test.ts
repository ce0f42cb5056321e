import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { encode } from 'fast-png';

import { UserError } from '../../src/errors.js';
import { readPngFolder, readPngImage } from '../../src/data/png_folder.js';

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'relpix-png-'));
after(() => fs.rmSync(temporary, { recursive: true, force: true }));

/** Writes a PNG of the given size, channels and depth into `folder` and returns its path. */
function writePng(
  folder: string,
  name: string,
  size: { width: number; height: number; channels: number; depth?: 8 | 16 },
  data: Uint8Array | Uint16Array,
): string {
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  fs.writeFileSync(file, encode({ ...size, depth: size.depth ?? 8, data }));
  return file;
}

test('readPngImage drops alpha', () => {
  const rgba = Uint8Array.of(10, 20, 30, 255, 40, 50, 60, 0);
  const file = writePng(temporary, 'rgba.png', { width: 2, height: 1, channels: 4 }, rgba);
  const image = readPngImage(file);
  assert.equal(image.channels, 3);
  assert.equal(image.width, 2);
  assert.equal(image.height, 1);
  assert.deepEqual(Array.from(image.data), [10, 20, 30, 40, 50, 60]);
});

test('readPngImage scales 16-bit grey', () => {
  const grey = Uint16Array.of(0, 257, 65535, 33025);
  const file = writePng(
    temporary,
    'grey16.png',
    { width: 2, height: 2, channels: 2, depth: 16 },
    Uint16Array.of(grey[0], 9, grey[1], 9, grey[2], 9, grey[3], 9),
  );
  const image = readPngImage(file);
  assert.equal(image.channels, 1);
  assert.deepEqual(Array.from(image.data), [0, 1, 255, 129]);
});

test('readPngImage unpacks 1-bit grey', () => {
  // Rows 1 0 1 and 0 1 1, each packed into the high bits of one byte.
  const file = path.join(temporary, 'bits.png');
  const png = { width: 3, height: 2, channels: 1, depth: 1 as const };
  fs.writeFileSync(file, encode({ ...png, data: Uint8Array.of(0xa0, 0x60) }));
  assert.deepEqual(Array.from(readPngImage(file).data), [255, 0, 255, 0, 255, 255]);
});

test('readPngImage expands a palette', () => {
  const file = path.join(temporary, 'palette.png');
  const palette = [
    [1, 2, 3],
    [4, 5, 6],
  ];
  const png = { width: 2, height: 2, channels: 1, depth: 8 as const, palette };
  fs.writeFileSync(file, encode({ ...png, data: Uint8Array.of(0, 1, 1, 0) }));
  const image = readPngImage(file);
  assert.equal(image.channels, 3);
  assert.deepEqual(Array.from(image.data), [1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3]);
});

test('readPngImage rejects a non-PNG file', () => {
  const file = path.join(temporary, 'text.png');
  fs.writeFileSync(file, 'not a png');
  assert.throws(
    () => readPngImage(file),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /text\.png is not a valid PNG/);
      return true;
    },
  );
});

test('readPngFolder converts channels', () => {
  const folder = path.join(temporary, 'mixed');
  // Written out of name order, so the result checks the sort.
  writePng(
    folder,
    'b_rgb.png',
    { width: 2, height: 1, channels: 3 },
    Uint8Array.of(255, 0, 0, 10, 200, 40),
  );
  writePng(folder, 'a_grey.png', { width: 2, height: 1, channels: 1 }, Uint8Array.of(7, 9));
  fs.writeFileSync(path.join(folder, 'notes.txt'), 'ignored');

  const rgb = readPngFolder(folder, { height: 1, width: 2, channels: 3 });
  assert.equal(rgb.count, 2);
  assert.deepEqual(Array.from(rgb.images), [7, 7, 7, 9, 9, 9, 255, 0, 0, 10, 200, 40]);

  // BT.601 luma: round(0.299 * 255) = 76, round(0.299 * 10 + 0.587 * 200 + 0.114 * 40) = 125.
  const grey = readPngFolder(folder, { height: 1, width: 2, channels: 1 });
  assert.deepEqual(Array.from(grey.images), [7, 9, 76, 125]);

  const first = readPngFolder(folder, { height: 1, width: 2, channels: 1, limit: 1 });
  assert.equal(first.count, 1);
});

test('readPngFolder keeps colour by default', () => {
  // The first file in name order is grey, and the second has colour.
  const folder = path.join(temporary, 'grey-first');
  writePng(folder, 'a_grey.png', { width: 1, height: 1, channels: 1 }, Uint8Array.of(7));
  writePng(folder, 'b_rgb.png', { width: 1, height: 1, channels: 3 }, Uint8Array.of(255, 0, 0));
  const set = readPngFolder(folder, { height: 1, width: 1 });
  assert.equal(set.channels, 3);
  assert.deepEqual(Array.from(set.images), [7, 7, 7, 255, 0, 0]);

  const greyOnly = readPngFolder(folder, { height: 1, width: 1, limit: 1 });
  assert.equal(greyOnly.channels, 1);
});

test('readPngFolder wrong size error', () => {
  const folder = path.join(temporary, 'sizes');
  writePng(folder, '0.png', { width: 3, height: 2, channels: 1 }, new Uint8Array(6));
  writePng(folder, '1.png', { width: 4, height: 2, channels: 1 }, new Uint8Array(8));
  assert.throws(
    () => readPngFolder(folder, { height: 2, width: 3, channels: 1 }),
    (error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /1\.png is 4x2 pixels, expected 3x2 \(width x height\)/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
});

test('readPngFolder empty folder error', () => {
  const folder = path.join(temporary, 'empty');
  fs.mkdirSync(folder);
  assert.throws(
    () => readPngFolder(folder, { height: 1, width: 1, channels: 1 }),
    /no \.png files found/,
  );
  assert.throws(
    () => readPngFolder(path.join(temporary, 'absent'), { height: 1, width: 1, channels: 1 }),
    /could not list PNG folder .*absent \(ENOENT\)/,
  );
});
