/**
 * PNG reading for user images: single files converted to 8-bit grey or RGB, and folders of
 * same-sized PNGs loaded as one ImageSet.
 */

import fs from 'node:fs';
import path from 'node:path';

import { convertIndexedToRgb, decode, type DecodedPng } from 'fast-png';

import { UserError } from '../errors.js';
import type { ImageSet } from './image_set.js';
import { checkLimit } from './split.js';

/** A decoded PNG as 8-bit HWC data (row, column, channel) with alpha dropped. */
export interface PngImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface PngFolderOptions {
  /** Height and width in pixels that every image must have. */
  height: number;
  width: number;
  /** Channels of the result: 1 for grey, 3 for RGB. Default: 3 if any image has colour. */
  channels?: 1 | 3;
  /** Read only the first `limit` files in name order. */
  limit?: number;
}

/**
 * Reads one PNG file of any colour type and bit depth. Palette images become RGB, 16-bit
 * values are scaled to 8 bits with rounding, and an alpha channel is dropped.
 * Throws UserError when the file is missing or is not a valid PNG.
 */
export function readPngImage(file: string): PngImage {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`relpix: could not read ${file} (${code}): check the path`);
  }
  let png: DecodedPng;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new UserError(
      `relpix: ${file} is not a valid PNG (${(error as Error).message}): ` +
        'save it again as PNG or remove it',
    );
  }
  const { samples, channels } = toEightBit(png);
  return { ...dropAlpha(samples, channels), width: png.width, height: png.height };
}

/** Converts the decoded samples to one byte a sample, unpacking palettes and low depths. */
function toEightBit(png: DecodedPng): { samples: Uint8Array; channels: number } {
  if (png.palette) {
    return { samples: convertIndexedToRgb(png), channels: png.palette[0].length };
  }
  const { data, depth, channels } = png;
  if (depth === 16) {
    return { samples: Uint8Array.from(data, (value) => Math.round(value / 257)), channels };
  }
  if (depth === 8) {
    return { samples: new Uint8Array(data.buffer, data.byteOffset, data.length), channels };
  }
  // Depths 1, 2 and 4 occur only for grey, with each row padded to a whole byte.
  const rowBytes = Math.ceil((png.width * depth) / 8);
  const maximum = (1 << depth) - 1;
  const samples = new Uint8Array(png.width * png.height);
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const bit = x * depth;
      const byte = data[y * rowBytes + (bit >> 3)];
      const value = (byte >> (8 - depth - (bit & 7))) & maximum;
      samples[y * png.width + x] = (value * 255) / maximum;
    }
  }
  return { samples, channels: 1 };
}

function dropAlpha(samples: Uint8Array, channels: number): Pick<PngImage, 'data' | 'channels'> {
  if (channels === 1 || channels === 3) {
    return { data: samples, channels };
  }
  const kept = channels - 1;
  const pixels = samples.length / channels;
  const data = new Uint8Array(pixels * kept);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < kept; c++) {
      data[p * kept + c] = samples[p * channels + c];
    }
  }
  return { data, channels: kept as 1 | 3 };
}

/**
 * Returns the image's pixels with `channels` channels: grey is replicated into R, G and B,
 * and RGB becomes grey by BT.601 luma, round(0.299 R + 0.587 G + 0.114 B).
 */
export function convertChannels(image: PngImage, channels: 1 | 3): Uint8Array {
  if (image.channels === channels) {
    return image.data;
  }
  const pixels = image.width * image.height;
  const result = new Uint8Array(pixels * channels);
  const source = image.data;
  for (let p = 0; p < pixels; p++) {
    if (channels === 3) {
      result.fill(source[p], p * 3, p * 3 + 3);
    } else {
      const luma = 0.299 * source[p * 3] + 0.587 * source[p * 3 + 1] + 0.114 * source[p * 3 + 2];
      result[p] = Math.round(luma);
    }
  }
  return result;
}

/** Returns the paths of the .png files in `dir` (any letter case), sorted by name. */
export function listPngFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`relpix: could not list PNG folder ${dir} (${code}): check the path`);
  }
  return names
    .filter((name) => name.toLowerCase().endsWith('.png'))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * Reads every .png in `dir`, sorted by name, into one ImageSet of
 * height x width x channels images without labels. Throws UserError when the folder has
 * no PNG files or an image is not height x width.
 */
export function readPngFolder(dir: string, options: PngFolderOptions): ImageSet {
  const { height, width } = options;
  let files = listPngFiles(dir);
  if (files.length === 0) {
    throw new UserError(`relpix: no .png files found in ${dir}: pass a folder of PNG images`);
  }
  if (options.limit !== undefined) {
    checkLimit(options.limit);
    files = files.slice(0, options.limit);
  }
  const decoded = files.map((file) => {
    const image = readPngImage(file);
    if (image.width !== width || image.height !== height) {
      throw new UserError(
        `relpix: ${file} is ${image.width}x${image.height} pixels, expected ` +
          `${width}x${height} (width x height) like the other images: ` +
          'resize it or remove it from the folder',
      );
    }
    return image;
  });
  const channels = options.channels ?? (decoded.some((image) => image.channels === 3) ? 3 : 1);
  const length = height * width * channels;
  const images = new Uint8Array(files.length * length);
  decoded.forEach((image, index) => images.set(convertChannels(image, channels), index * length));
  return { images, count: files.length, height, width, channels };
}
