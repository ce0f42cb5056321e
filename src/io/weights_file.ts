/**
 * Saving and loading named tensors in the TensorFlow.js weights format: a JSON manifest
 * (`model.json`) whose `weightsManifest` lists the tensors, plus a binary file
 * (`weights.bin`) with their values. Browsers can fetch the pair with `tf.io.http` and decode
 * it with `tf.io.decodeWeights`. relpix stores its own metadata under the `relpix` key.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import {
  nodeFileSystem,
  syncFolder,
  writeFileAtomic,
  type WriteFileSystem,
} from './atomic_write.js';
import { readWeightsManifest, readWeightGroup, type WeightsManifestJson } from './weights_read.js';

export type { WeightsManifestJson } from './weights_read.js';

/** File names of a manifest and its binary file, relative to the folder that contains them. */
export interface WeightsFileNames {
  /** Default 'model.json'. */
  manifestName?: string;
  /** Default 'weights.bin'. */
  binName?: string;
}

/** Options of the save functions. */
export interface SaveWeightsOptions extends WeightsFileNames {
  /** File system for the writes. Default `node:fs/promises`, replaced in tests. */
  fs?: WriteFileSystem;
}

/** Tensors and metadata read back by `loadNamedTensors`. */
export interface LoadedWeights {
  /** Tensors owned by the caller, who must dispose them. */
  tensors: tf.NamedTensorMap;
  /** The value stored under the manifest's `relpix` key (null if it has none). */
  metadata: unknown;
}

const DEFAULT_MANIFEST_NAME = 'model.json';
const DEFAULT_BIN_NAME = 'weights.bin';

/**
 * Writes `tensors` to `<dir>/<binName>` and a manifest with `metadata` to
 * `<dir>/<manifestName>`, creating `dir` if needed. Each file is replaced atomically, and the
 * binary file is written first.
 * NOTE: A load that runs between the two renames reads the old manifest with the new binary
 * file. `loadNamedTensors` rejects that pair as a size mismatch, but if both saves have the
 * same byte length it decodes the new values under the old names.
 * The tensors are not disposed.
 */
export async function saveNamedTensors(
  dir: string,
  tensors: tf.NamedTensorMap,
  metadata: unknown,
  options: SaveWeightsOptions = {},
): Promise<void> {
  const binName = options.binName ?? DEFAULT_BIN_NAME;
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const manifest: WeightsManifestJson = {
    format: 'relpix',
    generatedBy: 'relpix',
    weightsManifest: [{ paths: [binName], weights: specs }],
    relpix: metadata ?? null,
  };
  await writeWeightFiles(dir, manifest, new Uint8Array(data), options);
}

/**
 * Reads the manifest `<dir>/<manifestName>` and the binary files it lists, and decodes the
 * tensors. Throws a UserError naming the file and the fix when a file is missing, is not
 * valid JSON, or has a byte length that differs from what the manifest describes.
 */
export async function loadNamedTensors(
  dir: string,
  options: Pick<WeightsFileNames, 'manifestName'> = {},
): Promise<LoadedWeights> {
  const manifestPath = join(dir, options.manifestName ?? DEFAULT_MANIFEST_NAME);
  const manifest = await readWeightsManifest(manifestPath);
  const tensors: tf.NamedTensorMap = {};
  try {
    for (const group of manifest.weightsManifest) {
      const buffer = await readWeightGroup(dir, manifestPath, group);
      const decoded = tf.io.decodeWeights(buffer, group.weights);
      for (const [name, tensor] of Object.entries(decoded)) {
        if (name in tensors) {
          tensor.dispose();
          throw new UserError(
            `relpix: ${manifestPath} lists tensor '${name}' twice. ` +
              'Save the tensors again, or remove the duplicate entry.',
          );
        }
        tensors[name] = tensor;
      }
    }
  } catch (error) {
    tf.dispose(tensors);
    throw error;
  }
  return { tensors, metadata: manifest.relpix ?? null };
}

/**
 * Creates a TensorFlow.js save handler that writes `model.json` and `weights.bin` into
 * `dir`, for callers that hold `ModelArtifacts` (for example
 * `layersModel.save(fileSaveHandler(dir))`).
 * Rejects binary (GraphDef) model topologies and artifacts whose weights come only as a
 * stream, because neither fits a JSON manifest with one binary file.
 */
export function fileSaveHandler(dir: string, options: SaveWeightsOptions = {}): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts: tf.io.ModelArtifacts) => {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error('fileSaveHandler: binary (GraphDef) model topologies are not supported');
    }
    const specs = artifacts.weightSpecs ?? [];
    if (specs.length > 0 && artifacts.weightData === undefined) {
      throw new Error('fileSaveHandler: the artifacts have weight specs but no weightData');
    }
    const data =
      artifacts.weightData === undefined
        ? new ArrayBuffer(0)
        : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const manifest = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      trainingConfig: artifacts.trainingConfig,
      signature: artifacts.signature,
      userDefinedMetadata: artifacts.userDefinedMetadata,
      modelInitializer: artifacts.modelInitializer,
      initializerSignature: artifacts.initializerSignature,
      weightsManifest: [{ paths: [options.binName ?? DEFAULT_BIN_NAME], weights: specs }],
    };
    await writeWeightFiles(dir, manifest, new Uint8Array(data), options);
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

/** Writes the binary file, then the manifest, each atomically, and syncs the folder. */
async function writeWeightFiles(
  dir: string,
  manifest: object,
  bin: Uint8Array,
  options: SaveWeightsOptions,
): Promise<void> {
  const fs = options.fs ?? nodeFileSystem;
  const manifestName = options.manifestName ?? DEFAULT_MANIFEST_NAME;
  const binName = options.binName ?? DEFAULT_BIN_NAME;
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(fs, join(dir, binName), bin);
  await writeFileAtomic(fs, join(dir, manifestName), `${JSON.stringify(manifest, null, 2)}\n`);
  await syncFolder(fs, dir);
}
