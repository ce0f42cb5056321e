/**
 * Replacements for wasm kernels that dominate a training step of TensorFlow.js 4.22:
 * `Identity` copies its input (it can share it), `Sum` over leading axes transposes the whole
 * tensor first, `GatherV2` copies element by element, and `UnsortedSegmentSum`, which the
 * gradient of `gather` needs, is missing. The replacements are plain loops over the wasm heap.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

/** The parts of the wasm backend (`BackendWasm`) that these kernels use. */
interface WasmBackend {
  incRef(dataId: object): void;
  disposeData(dataId: object): void;
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Returns the input itself with one more reference instead of a copy. */
const identity: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as WasmBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Returns a kernel that sums float32 tensors over leading axes 0..k-1 (the bias gradients) with
 * a row-by-row loop, and passes every other reduction to `shipped`. The shipped kernel
 * transposes such inputs first, and a ones-vector product runs at under 1 GB/s.
 */
function makeSum(shipped: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x } = inputs as { x: TensorInfo };
    const rank = x.shape.length;
    const axes = tf.util
      .parseAxisParam(attrs.axis as number | number[], x.shape)
      .sort((a, b) => a - b);
    const leading = axes.every((axis, k) => axis === k) && axes.length < rank;
    if (!leading || x.dtype !== 'float32' || axes.length === 0) {
      return shipped(args);
    }
    const wasm = backend as WasmBackend;
    const rest = x.shape.slice(axes.length);
    const rowSize = rest.reduce((a, b) => a * b, 1);
    const values = wasm.typedArrayFromHeap(x);
    const rows = values.length / rowSize;
    const totals = new Float64Array(rowSize);
    for (let row = 0; row < rows; row++) {
      const offset = row * rowSize;
      for (let k = 0; k < rowSize; k++) totals[k] += values[offset + k];
    }
    const keptShape = attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest;
    const out = wasm.makeOutput(keptShape, 'float32');
    wasm.typedArrayFromHeap(out).set(totals);
    return out;
  };
}

/**
 * Gathers rows of `x` [rows, ...rest] at `indices` (axis 0, no batch dimensions) by copying
 * whole rows; other gathers go to `shipped`, which copies element by element.
 */
function makeGather(shipped: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    if (axis !== 0 || (attrs.batchDims as number) > 0 || x.dtype === 'string') {
      return shipped(args);
    }
    const wasm = backend as WasmBackend;
    const rest = x.shape.slice(1);
    const rowSize = rest.reduce((a, b) => a * b, 1);
    const out = wasm.makeOutput([...indices.shape, ...rest], x.dtype);
    const target = wasm.typedArrayFromHeap(out);
    const source = wasm.typedArrayFromHeap(x);
    const ids = wasm.typedArrayFromHeap(indices);
    const rows = x.shape[0];
    for (let i = 0; i < ids.length; i++) {
      const row = ids[i];
      if (row < 0 || row >= rows) {
        wasm.disposeData(out.dataId);
        throw new Error(`relpix: gather index ${row} is outside [0, ${rows})`);
      }
      if (rowSize === 1) {
        target[i] = source[row];
      } else {
        target.set(source.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
      }
    }
    return out;
  };
}

/**
 * Adds the rows of `x` [n, ...rest] into `numSegments` rows by `segmentIds` [n] (ids outside
 * 0..numSegments-1 are dropped, as in TensorFlow), giving [numSegments, ...rest].
 */
const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs = {} }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = attrs.numSegments as number;
  const wasm = backend as WasmBackend;
  const rowSize = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const result = wasm.typedArrayFromHeap(out);
  result.fill(0);
  const values = wasm.typedArrayFromHeap(x);
  const ids = wasm.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * rowSize;
    const to = segment * rowSize;
    for (let k = 0; k < rowSize; k++) result[to + k] += values[from + k];
  }
  return out;
};

/** Registers the replacements above for the wasm backend. */
export function registerFastWasmKernels(): void {
  const shippedSum = tf.getKernel('Sum', 'wasm');
  const shippedGather = tf.getKernel('GatherV2', 'wasm');
  const configs: KernelConfig[] = [
    { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity },
    { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum },
  ];
  if (shippedSum !== undefined) {
    // The shipped setup function binds the WebAssembly entry point of the shipped kernel.
    configs.push({ ...shippedSum, kernelFunc: makeSum(shippedSum.kernelFunc) });
  }
  if (shippedGather !== undefined) {
    configs.push({ ...shippedGather, kernelFunc: makeGather(shippedGather.kernelFunc) });
  }
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm') !== undefined) {
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
}
