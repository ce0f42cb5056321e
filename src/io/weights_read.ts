/**
 * Reading and validation of TensorFlow.js weight manifests and their binary files, so that a
 * missing, malformed or truncated file fails with a UserError that names it before
 * `tf.io.decodeWeights` sees the data.
 */
import type * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';
import { errorCode, errorSummary } from './atomic_write.js';

/** The JSON manifest written by `saveNamedTensors`. */
export interface WeightsManifestJson {
  format: 'relpix';
  generatedBy: 'relpix';
  weightsManifest: tf.io.WeightsManifestConfig;
  /** relpix metadata, such as the model configuration. */
  relpix: unknown;
}

/** Bytes per value of each fixed-size dtype. Strings have a variable length. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/** Bytes per value of each quantization dtype. */
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

type WeightGroup = tf.io.WeightsManifestConfig[number];

/**
 * Size of the byte count before each string value. `tf.io.encodeWeights` (tfjs-core 4.22)
 * writes that count as a uint32 through a Uint32Array, so in the platform's byte order.
 */
const STRING_LENGTH_BYTES = 4;
const LITTLE_ENDIAN = endianness() === 'LE';

const REWRITE_HINT = 'Save the tensors again, or restore the file from a complete copy.';

/**
 * Reads and validates a manifest. Its groups, paths and weight specs are checked, and other
 * keys (such as `modelTopology`) are passed through unchecked.
 */
export async function readWeightsManifest(path: string): Promise<WeightsManifestJson> {
  const text = await readFileOrThrow(path, `Pass the folder that contains this manifest.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.toString('utf8'));
  } catch (error) {
    const reason = errorSummary(error);
    throw new UserError(`relpix: ${path} is not valid JSON (${reason}). ${REWRITE_HINT}`);
  }
  const groups = (parsed as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(groups) || !groups.every(isWeightGroup)) {
    throw new UserError(
      `relpix: ${path} has no valid 'weightsManifest' list of {paths, weights} groups. ` +
        REWRITE_HINT,
    );
  }
  return parsed as WeightsManifestJson;
}

/**
 * Reads the binary files of one manifest group, relative to `dir`, and returns their
 * concatenated bytes after checking that their length matches the group's specs.
 */
export async function readWeightGroup(
  dir: string,
  manifestPath: string,
  group: WeightGroup,
): Promise<ArrayBuffer> {
  const parts: Buffer[] = [];
  for (const path of group.paths) {
    if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) {
      throw new UserError(
        `relpix: ${manifestPath} lists weight file '${path}' outside its folder. ${REWRITE_HINT}`,
      );
    }
    const hint = `Copy it into ${dir} from the same save as ${manifestPath}.`;
    parts.push(await readFileOrThrow(join(dir, path), hint));
  }
  const bytes = new Uint8Array(Buffer.concat(parts));
  const described = describedByteLength(group.weights, bytes);
  if (described.byteLength !== bytes.length || !described.complete) {
    const files = group.paths.map((path) => join(dir, path)).join(' + ');
    const expected = described.complete
      ? `${described.byteLength}`
      : `at least ${described.byteLength}`;
    throw new UserError(
      `relpix: ${files} has ${bytes.length} bytes ` +
        `but ${manifestPath} describes ${expected} bytes, ` +
        'so the file is truncated or comes from a different save. ' +
        'Copy the manifest and its binary file from one complete save.',
    );
  }
  return bytes.buffer as ArrayBuffer;
}

/**
 * Returns the byte length that `specs` describe. String tensors are measured by walking their
 * length prefixes in `bytes`, and `complete` is false when that walk runs past the end, in
 * which case `byteLength` is a lower bound.
 */
export function describedByteLength(
  specs: tf.io.WeightsManifestEntry[],
  bytes: Uint8Array,
): { byteLength: number; complete: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((product, dim) => product * dim, 1);
    if (spec.dtype === 'string' && spec.quantization === undefined) {
      for (let i = 0; i < size; i++) {
        if (offset + STRING_LENGTH_BYTES > bytes.length) {
          return { byteLength: offset + STRING_LENGTH_BYTES, complete: false };
        }
        offset += STRING_LENGTH_BYTES + view.getUint32(offset, LITTLE_ENDIAN);
      }
      continue;
    }
    const quantizationDtype = spec.quantization?.dtype;
    const bytesPerValue =
      quantizationDtype === undefined
        ? DTYPE_BYTES[spec.dtype]
        : QUANTIZED_BYTES[quantizationDtype];
    offset += size * bytesPerValue;
  }
  return { byteLength: offset, complete: true };
}

async function readFileOrThrow(path: string, hint: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') {
      throw new UserError(`relpix: ${path} not found. ${hint}`);
    }
    if (code !== undefined) {
      throw new UserError(`relpix: reading ${path} failed (${errorSummary(error)}). ${hint}`);
    }
    throw error;
  }
}

function isWeightGroup(value: unknown): value is WeightGroup {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { paths, weights } = value as { paths?: unknown; weights?: unknown };
  return (
    Array.isArray(paths) &&
    paths.every((path) => typeof path === 'string' && path.length > 0) &&
    Array.isArray(weights) &&
    weights.every(isWeightSpec)
  );
}

function isWeightSpec(value: unknown): value is tf.io.WeightsManifestEntry {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { name, shape, dtype, quantization } = value as Record<string, unknown>;
  const quantizationDtype = (quantization as { dtype?: unknown } | undefined)?.dtype;
  return (
    typeof name === 'string' &&
    Array.isArray(shape) &&
    shape.every((dim) => Number.isInteger(dim) && dim >= 0) &&
    (dtype === 'string' || (typeof dtype === 'string' && dtype in DTYPE_BYTES)) &&
    (quantization === undefined ||
      (typeof quantizationDtype === 'string' && quantizationDtype in QUANTIZED_BYTES))
  );
}
