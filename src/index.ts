/**
 * The relpix library: data readers, the model, training, evaluation and sampling, for use from
 * TypeScript or JavaScript without the command line.
 */
export { useBackend, BACKEND_NAMES, type BackendName } from './engine/backend.js';
export { UserError } from './errors.js';
export { loadDataset, type DatasetOptions } from './data/dataset.js';
export type { ImageSet } from './data/image_set.js';
export { readCifar10 } from './data/cifar10.js';
export { readMnist } from './data/mnist.js';
export { readPngFolder, readPngImage } from './data/png_folder.js';
export { downloadCifar10 } from './data/download.js';
export { resolveDataDir } from './data/location.js';
export { PixelModel, bitsPerDim } from './model/model.js';
export { MODEL_PRESETS, DEFAULT_MODEL_CONFIG, type ModelConfig } from './model/config.js';
export { trainModel, type TrainOptions, type TrainResult } from './train/trainer.js';
export { defaultRunConfig, type RunConfig } from './train/config.js';
export { evaluate, type Evaluation } from './train/evaluate.js';
export { sampleImages, type SampleResult } from './sample/sampler.js';
export { saveCheckpoint, loadCheckpoint } from './io/checkpoint.js';
export { saveNamedTensors, loadNamedTensors, fileSaveHandler } from './io/weights_file.js';
export { writePng, imageGrid } from './io/png.js';
