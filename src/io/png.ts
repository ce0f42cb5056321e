/**
 * PNG output for samples and previews: atomic PNG writes, image grids, and scaling of
 * quantized pixel values (0..levels-1) to the 0..255 range that image viewers expect.
 */
import { dirname } from 'node:path';
import { encode } from 'fast-png';
import { UserError } from '../errors.js';
import { errorCode, errorSummary, nodeFileSystem, writeFileAtomic } from './atomic_write.js';

/**
 * An 8-bit image stored row-major as height × width × channels bytes (HWC, one image of an
 * NHWC batch). One channel is grey and three channels are RGB.
 */
export interface Image {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Layout of a grid. Padding is in pixels and the background is a byte value 0..255. */
export interface GridOptions {
  /** Width in pixels of the lines between cells. Default 1. */
  padding?: number;
  /** Byte value that fills the padding lines and empty cells. Default 0 (black). */
  background?: number;
}

/** Throws a RangeError unless `image` has a positive size and data of the matching length. */
function validateImage(image: Image, label: string): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(
      `${label}: width and height must be positive integers, got ${width}x${height}`,
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`${label}: channels must be 1 or 3, got ${String(channels)}`);
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new RangeError(
      `${label}: data has ${data.length} bytes, ` +
        `but ${width}x${height}x${channels} needs ${expected}`,
    );
  }
}

/**
 * Encodes `image` as an 8-bit PNG and writes it to `path` through a temporary file in the
 * same folder and a rename. Creates the parent folder if it is missing.
 */
export async function writePng(path: string, image: Image): Promise<void> {
  validateImage(image, 'writePng');
  const bytes = encode({
    width: image.width,
    height: image.height,
    data: image.data,
    channels: image.channels,
    depth: 8,
  });
  try {
    await nodeFileSystem.mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(nodeFileSystem, path, bytes);
  } catch (error) {
    if (errorCode(error) === undefined) {
      throw error;
    }
    throw new UserError(
      `relpix: writing PNG ${path} failed (${errorSummary(error)}). ` +
        'Check that the folder is writable and the disk has free space.',
    );
  }
}

/**
 * Tiles images into one image, row by row, with `padding` lines between cells.
 * Each row is given explicitly and rows may differ in length. A column is as wide as its
 * widest image and a row as tall as its tallest image. Smaller images sit at the top left
 * of their cell. The result has 1 channel if every image is grey, else 3 (grey images are
 * copied into R, G and B).
 */
export function rowsGrid(rows: Image[][], options: GridOptions = {}): Image {
  const padding = options.padding ?? 1;
  const background = options.background ?? 0;
  validateGridOptions(padding, background);
  if (rows.length === 0 || rows.some((row) => row.length === 0)) {
    throw new RangeError('rowsGrid: every row must contain at least one image');
  }
  rows.forEach((row, r) => {
    row.forEach((image, c) => validateImage(image, `rowsGrid[${r}][${c}]`));
  });

  const channels = rows.every((row) => row.every((image) => image.channels === 1)) ? 1 : 3;
  const columnCount = Math.max(...rows.map((row) => row.length));
  const columnWidths = Array.from({ length: columnCount }, (_, c) =>
    Math.max(0, ...rows.map((row) => row[c]?.width ?? 0)),
  );
  const rowHeights = rows.map((row) => Math.max(...row.map((image) => image.height)));
  const width = sum(columnWidths) + padding * (columnCount - 1);
  const height = sum(rowHeights) + padding * (rows.length - 1);
  const grid: Image = {
    data: new Uint8Array(width * height * channels).fill(background),
    width,
    height,
    channels,
  };

  let top = 0;
  rows.forEach((row, r) => {
    let left = 0;
    row.forEach((image, c) => {
      pasteImage(grid, image, left, top);
      left += columnWidths[c] + padding;
    });
    top += rowHeights[r] + padding;
  });
  return grid;
}

/**
 * Tiles equally sized images into a grid of `columns` columns (fewer if there are fewer
 * images), filling rows left to right. Cells of a short last row stay `background`.
 */
export function imageGrid(images: Image[], options: GridOptions & { columns: number }): Image {
  const { columns } = options;
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`imageGrid: columns must be a positive integer, got ${columns}`);
  }
  if (images.length === 0) {
    throw new RangeError('imageGrid: needs at least one image');
  }
  const { width, height } = images[0];
  images.forEach((image, i) => {
    if (image.width !== width || image.height !== height) {
      throw new RangeError(
        `imageGrid: image ${i} is ${image.width}x${image.height} but image 0 is ` +
          `${width}x${height}; use rowsGrid for images of different sizes`,
      );
    }
  });
  const rows: Image[][] = [];
  for (let start = 0; start < images.length; start += columns) {
    rows.push(images.slice(start, start + columns));
  }
  return rowsGrid(rows, options);
}

/**
 * Maps quantized values 0..levels-1 to bytes 0..255 as round(v * 255 / (levels - 1)), so
 * that the lowest level is black and the highest is white.
 */
export function scaleLevels(data: ArrayLike<number>, levels: number): Uint8Array {
  if (!Number.isInteger(levels) || levels < 2 || levels > 256) {
    throw new RangeError(`scaleLevels: levels must be an integer in 2..256, got ${levels}`);
  }
  const maxLevel = levels - 1;
  const scaled = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (!(value >= 0 && value <= maxLevel)) {
      throw new RangeError(`scaleLevels: value ${value} at index ${i} is outside 0..${maxLevel}`);
    }
    scaled[i] = Math.round((value * 255) / maxLevel);
  }
  return scaled;
}

function validateGridOptions(padding: number, background: number): void {
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`grid padding must be a non-negative integer, got ${padding}`);
  }
  if (!Number.isInteger(background) || background < 0 || background > 255) {
    throw new RangeError(`grid background must be an integer in 0..255, got ${background}`);
  }
}

/** Copies `image` into `grid` with its top-left pixel at (left, top), expanding grey to RGB. */
function pasteImage(grid: Image, image: Image, left: number, top: number): void {
  for (let y = 0; y < image.height; y++) {
    const sourceRow = y * image.width * image.channels;
    const targetRow = ((top + y) * grid.width + left) * grid.channels;
    if (image.channels === grid.channels) {
      const rowBytes = image.width * image.channels;
      grid.data.set(image.data.subarray(sourceRow, sourceRow + rowBytes), targetRow);
      continue;
    }
    for (let x = 0; x < image.width; x++) {
      const grey = image.data[sourceRow + x];
      grid.data.fill(grey, targetRow + 3 * x, targetRow + 3 * x + 3);
    }
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Enlarges `image` by an integer `factor` with nearest-neighbour copies, for viewing. */
export function upscale(image: Image, factor: number): Image {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new RangeError(`upscale: factor must be a positive integer, got ${factor}`);
  }
  if (factor === 1) return image;
  const { width, height, channels } = image;
  const out = new Uint8Array(width * factor * height * factor * channels);
  for (let y = 0; y < height * factor; y++) {
    for (let x = 0; x < width * factor; x++) {
      const from = (Math.floor(y / factor) * width + Math.floor(x / factor)) * channels;
      const to = (y * width * factor + x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = image.data[from + c];
    }
  }
  return { data: out, width: width * factor, height: height * factor, channels };
}
