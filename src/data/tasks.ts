/**
 * Conditioning images of the image-to-image tasks: the grey image for colourisation and the
 * enlarged low-resolution image for super-resolution, both with the target's size and channels.
 */
import { UserError } from '../errors.js';

export const TASKS = ['unconditional', 'colourise', 'superres'] as const;
export type Task = (typeof TASKS)[number];

/** Geometry of a batch of NHWC images. */
export interface Shape {
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Returns round(0.299 R + 0.587 G + 0.114 B) (ITU-R BT.601 luma) of an RGB pixel. */
export function luma(red: number, green: number, blue: number): number {
  return Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
}

/** Grey images in every channel: luma for RGB, the value itself for one channel. */
export function greyImages(values: ArrayLike<number>, shape: Shape): Int32Array {
  const { count, height, width, channels } = shape;
  const out = new Int32Array(count * height * width * channels);
  for (let p = 0; p < count * height * width; p++) {
    const at = p * channels;
    const grey = channels === 3 ? luma(values[at], values[at + 1], values[at + 2]) : values[at];
    for (let c = 0; c < channels; c++) out[at + c] = grey;
  }
  return out;
}

/** Factor by which super-resolution reduces both sides: 32x32 images become 8x8. */
export const SUPERRES_FACTOR = 4;

/**
 * Returns the factor by which super-resolution reduces height x width images, or throws a
 * UserError when it does not divide both sides.
 */
export function superresFactor(height: number, width: number): number {
  if (height % SUPERRES_FACTOR !== 0 || width % SUPERRES_FACTOR !== 0) {
    throw new UserError(
      `relpix: super-resolution cannot use ${width}x${height} images: it reduces both sides ` +
        `by ${SUPERRES_FACTOR}, so both must be multiples of ${SUPERRES_FACTOR}; crop or ` +
        'resize the images, or pass a --size that is',
    );
  }
  return SUPERRES_FACTOR;
}

/**
 * Throws a UserError when images of this geometry do not suit `task`: super-resolution needs
 * both sides divisible by its factor, and colourisation needs colour (the grey input of a grey
 * image would equal the target).
 */
export function checkTaskImages(task: Task, height: number, width: number, channels: number): void {
  if (task === 'superres') superresFactor(height, width);
  if (task === 'colourise' && channels !== 3) {
    throw new UserError(
      `relpix: colourisation needs colour images, but these have ${channels} channel(s), so ` +
        'the grey input would equal the target; train on RGB images',
    );
  }
}

/** Averages `factor` x `factor` blocks (box filter) without rounding: [count, h/f, w/f, ch]. */
function boxReduce(values: ArrayLike<number>, shape: Shape, factor: number): Float64Array {
  const { count, height, width, channels } = shape;
  const small = { height: height / factor, width: width / factor };
  const out = new Float64Array(count * small.height * small.width * channels);
  for (let b = 0; b < count; b++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const to =
            ((b * small.height + Math.floor(y / factor)) * small.width + Math.floor(x / factor)) *
              channels +
            c;
          out[to] += values[((b * height + y) * width + x) * channels + c] / (factor * factor);
        }
      }
    }
  }
  return out;
}

/**
 * Enlarges images [count, h, w, ch] by `factor` with bilinear interpolation between pixel
 * centres (edges clamped, as in common image libraries' half-pixel convention), rounded.
 */
function bilinearEnlarge(
  small: Float64Array,
  shape: Shape,
  factor: number,
  levels: number,
): Int32Array {
  const { count, channels } = shape;
  const height = shape.height * factor;
  const width = shape.width * factor;
  const out = new Int32Array(count * height * width * channels);
  const source = (b: number, y: number, x: number, c: number) =>
    small[((b * shape.height + y) * shape.width + x) * channels + c];
  for (let b = 0; b < count; b++) {
    for (let y = 0; y < height; y++) {
      const sy = Math.min(Math.max((y + 0.5) / factor - 0.5, 0), shape.height - 1);
      const y0 = Math.floor(sy);
      const y1 = Math.min(y0 + 1, shape.height - 1);
      const fy = sy - y0;
      for (let x = 0; x < width; x++) {
        const sx = Math.min(Math.max((x + 0.5) / factor - 0.5, 0), shape.width - 1);
        const x0 = Math.floor(sx);
        const x1 = Math.min(x0 + 1, shape.width - 1);
        const fx = sx - x0;
        for (let c = 0; c < channels; c++) {
          const top = source(b, y0, x0, c) * (1 - fx) + source(b, y0, x1, c) * fx;
          const bottom = source(b, y1, x0, c) * (1 - fx) + source(b, y1, x1, c) * fx;
          const value = Math.round(top * (1 - fy) + bottom * fy);
          out[((b * height + y) * width + x) * channels + c] = Math.min(
            levels - 1,
            Math.max(0, value),
          );
        }
      }
    }
  }
  return out;
}

/**
 * Super-resolution input: the images reduced by superresFactor with a box filter, then enlarged
 * back bilinearly to their own size.
 */
export function lowResolutionImages(
  values: ArrayLike<number>,
  shape: Shape,
  levels: number,
): Int32Array {
  const factor = superresFactor(shape.height, shape.width);
  const small = boxReduce(values, shape, factor);
  const lowShape = { ...shape, height: shape.height / factor, width: shape.width / factor };
  return bilinearEnlarge(small, lowShape, factor, levels);
}

/** Returns the conditioning image y of `task` for images x (NHWC values 0..levels-1). */
export function conditioningImages(
  task: Task,
  values: ArrayLike<number>,
  shape: Shape,
  levels: number,
): Int32Array | undefined {
  switch (task) {
    case 'unconditional':
      return undefined;
    case 'colourise':
      return greyImages(values, shape);
    case 'superres':
      return lowResolutionImages(values, shape, levels);
  }
}
