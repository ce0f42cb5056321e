/**
 * Replacements for wasm kernels that dominate a training step of TensorFlow.js 4.22:
 * `Identity` copies its input (it can share it), `Sum` over leading axes transposes the whole
 * tensor first (a matrix product with a row of ones does the same work without the copy), and
 * `UnsortedSegmentSum`, which the gradient of `gather` needs, is missing.
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
 * Returns a kernel that sums float32 tensors over leading axes 0..k-1 as ones [1, n] x
 * x [n, rest] with the shipped `BatchMatMul`, and passes every other reduction to `shipped`.
 */
function makeSum(shipped: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x } = inputs as { x: TensorInfo };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    const leading = axes.every((axis, k) => axis === k) && axes.length < rank;
    if (!leading || x.dtype !== 'float32' || axes.length === 0) {
      return shipped(args);
    }
    const wasm = backend as WasmBackend;
    const n = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(axes.length);
    const restSize = rest.reduce((a, b) => a * b, 1);
    const ones = wasm.makeOutput([1, 1, n], 'float32');
    wasm.typedArrayFromHeap(ones).fill(1);
    const matrix: TensorInfo = { dataId: x.dataId, shape: [1, n, restSize], dtype: 'float32' };
    const matMul = tf.getKernel('BatchMatMul', 'wasm') as KernelConfig;
    const product = matMul.kernelFunc({
      inputs: { a: ones, b: matrix },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    wasm.disposeData(ones.dataId);
    const keptShape = attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest;
    return { dataId: product.dataId, shape: keptShape, dtype: 'float32' };
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
  const configs: KernelConfig[] = [
    { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity },
    { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum },
  ];
  if (shippedSum !== undefined) {
    // The shipped setup function binds the WebAssembly entry point of the shipped kernel.
    configs.push({ ...shippedSum, kernelFunc: makeSum(shippedSum.kernelFunc) });
  }
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm') !== undefined) {
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
}
