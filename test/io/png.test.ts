import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { imageGrid, rowsGrid, scaleLevels, writePng, type Image } from '../../src/io/png.js';

async function makeTempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relpix-png-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Returns a width × height image whose every byte is `value`. */
function solidImage(width: number, height: number, channels: 1 | 3, value: number): Image {
  return { data: new Uint8Array(width * height * channels).fill(value), width, height, channels };
}

/** Returns the channel values of pixel (x, y). */
function pixel(image: Image, x: number, y: number): number[] {
  const start = (y * image.width + x) * image.channels;
  return Array.from(image.data.subarray(start, start + image.channels));
}

test('writePng round trip grey and RGB', async (t) => {
  const dir = await makeTempDir(t);
  for (const channels of [1, 3] as const) {
    const width = 5;
    const height = 3;
    const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256);
    const path = join(dir, `image-${channels}.png`);
    await writePng(path, { data, width, height, channels });

    const decoded = decode(await readFile(path));
    assert.equal(decoded.width, width);
    assert.equal(decoded.height, height);
    assert.equal(decoded.channels, channels);
    assert.equal(decoded.depth, 8);
    assert.deepEqual(Array.from(decoded.data), Array.from(data));
  }
  assert.deepEqual((await readdir(dir)).sort(), ['image-1.png', 'image-3.png']);
});

test('writePng creates missing parent folder', async (t) => {
  const dir = await makeTempDir(t);
  const path = join(dir, 'samples', 'step-1', 'grid.png');
  await writePng(path, solidImage(2, 2, 1, 7));
  assert.equal(decode(await readFile(path)).width, 2);
});

test('writePng rejects wrong data length', async (t) => {
  const dir = await makeTempDir(t);
  const image: Image = { data: new Uint8Array(5), width: 2, height: 2, channels: 1 };
  await assert.rejects(writePng(join(dir, 'bad.png'), image), /data has 5 bytes.*needs 4/);
  assert.deepEqual(await readdir(dir), []);
});

test('imageGrid geometry and placement', () => {
  const images = [0, 1, 2, 3, 4].map((i) => solidImage(3, 2, 1, 10 + i));
  const grid = imageGrid(images, { columns: 3, padding: 1, background: 200 });

  assert.equal(grid.channels, 1);
  assert.equal(grid.width, 3 * 3 + 2);
  assert.equal(grid.height, 2 * 2 + 1);
  assert.equal(grid.data.length, grid.width * grid.height);
  for (let i = 0; i < images.length; i++) {
    const left = (i % 3) * 4;
    const top = Math.floor(i / 3) * 3;
    assert.deepEqual(pixel(grid, left, top), [10 + i], `top-left of image ${i}`);
    assert.deepEqual(pixel(grid, left + 2, top + 1), [10 + i], `bottom-right of image ${i}`);
  }
  assert.deepEqual(pixel(grid, 3, 0), [200], 'vertical padding line');
  assert.deepEqual(pixel(grid, 0, 2), [200], 'horizontal padding line');
  assert.deepEqual(pixel(grid, 8, 3), [200], 'empty last cell');
});

test('imageGrid pixel order inside a cell', () => {
  const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  const image: Image = { data, width: 3, height: 2, channels: 1 };
  const grid = imageGrid([solidImage(3, 2, 1, 0), image], { columns: 2, padding: 2 });
  assert.equal(grid.width, 8);
  assert.deepEqual(pixel(grid, 5, 0), [1]);
  assert.deepEqual(pixel(grid, 7, 0), [3]);
  assert.deepEqual(pixel(grid, 5, 1), [4]);
  assert.deepEqual(pixel(grid, 7, 1), [6]);
});

test('imageGrid columns capped by image count', () => {
  const grid = imageGrid([solidImage(2, 2, 1, 1), solidImage(2, 2, 1, 2)], { columns: 8 });
  assert.equal(grid.width, 5);
  assert.equal(grid.height, 2);
});

test('imageGrid replicates grey when mixed', () => {
  const rgb: Image = {
    data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    width: 2,
    height: 2,
    channels: 3,
  };
  const grid = imageGrid([solidImage(2, 2, 1, 50), rgb], { columns: 2, padding: 0 });
  assert.equal(grid.channels, 3);
  assert.equal(grid.width, 4);
  assert.deepEqual(pixel(grid, 0, 0), [50, 50, 50]);
  assert.deepEqual(pixel(grid, 1, 1), [50, 50, 50]);
  assert.deepEqual(pixel(grid, 2, 0), [1, 2, 3]);
  assert.deepEqual(pixel(grid, 3, 1), [10, 11, 12]);
});

test('imageGrid rejects unequal sizes', () => {
  const images = [solidImage(2, 2, 1, 0), solidImage(3, 2, 1, 0)];
  assert.throws(() => imageGrid(images, { columns: 2 }), /image 1 is 3x2 but image 0 is 2x2/);
  assert.throws(() => imageGrid([], { columns: 2 }), RangeError);
  assert.throws(() => imageGrid(images.slice(0, 1), { columns: 0 }), /columns/);
});

test('rowsGrid sizes cells per column and row', () => {
  const rows = [[solidImage(2, 2, 1, 1), solidImage(4, 1, 1, 2)], [solidImage(3, 3, 1, 3)]];
  const grid = rowsGrid(rows, { padding: 1, background: 9 });

  // Column widths are 3 and 4, row heights 2 and 3.
  assert.equal(grid.width, 3 + 1 + 4);
  assert.equal(grid.height, 2 + 1 + 3);
  assert.deepEqual(pixel(grid, 0, 0), [1]);
  assert.deepEqual(pixel(grid, 2, 0), [9], 'right of the narrower image 0,0');
  assert.deepEqual(pixel(grid, 4, 0), [2]);
  assert.deepEqual(pixel(grid, 7, 0), [2]);
  assert.deepEqual(pixel(grid, 4, 1), [9], 'below the shorter image 0,1');
  assert.deepEqual(pixel(grid, 0, 3), [3]);
  assert.deepEqual(pixel(grid, 2, 5), [3]);
  assert.deepEqual(pixel(grid, 4, 3), [9], 'missing cell of row 1');
  assert.throws(() => rowsGrid([[]]), /at least one image/);
});

test('scaleLevels maps levels to bytes', () => {
  assert.deepEqual(Array.from(scaleLevels([0, 1, 2, 3], 4)), [0, 85, 170, 255]);
  assert.deepEqual(Array.from(scaleLevels(Int32Array.from([0, 1]), 2)), [0, 255]);
  assert.deepEqual(Array.from(scaleLevels([0, 3, 7], 8)), [0, 109, 255]);
  const identity = Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(Array.from(scaleLevels(identity, 256)), identity);
  assert.throws(() => scaleLevels([4], 4), /value 4 at index 0 is outside 0..3/);
  assert.throws(() => scaleLevels([-1], 4), /outside/);
  assert.throws(() => scaleLevels([0], 1), /levels/);
});
