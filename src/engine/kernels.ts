/**
 * Convolution gradient kernels for the wasm backend, built from its fast forward Conv2D.
 *
 * The wasm backend of TensorFlow.js 4.22 has no `Conv2DBackpropFilter` kernel, and its
 * `Conv2DBackpropInput` runs about 9x slower than a forward convolution of the same size.
 * For stride 1 and dilation 1 both gradients are forward convolutions of rearranged
 * tensors, so these kernels call the backend's own `Conv2D`, `Transpose` and `Reverse`.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

type Backend = { disposeData(dataId: object): void };

/** Calls the kernel `name` that `backendName` registered, on raw tensor infos. */
function runKernel(
  name: string,
  backendName: string,
  backend: Backend,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = tf.getKernel(name, backendName);
  if (kernel === undefined) {
    throw new Error(`relpix: the ${backendName} backend has no ${name} kernel`);
  }
  return kernel.kernelFunc({ inputs, backend, attrs } as Parameters<KernelFunc>[0]) as TensorInfo;
}

function transpose(
  backendName: string,
  backend: Backend,
  x: TensorInfo,
  perm: number[],
): TensorInfo {
  return runKernel('Transpose', backendName, backend, { x }, { perm });
}

/** Padding of a stride-1 convolution as [top, bottom, left, right]. */
interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

function convPadding(
  xShape: number[],
  filterShape: number[],
  attrs: NamedAttrMap,
): { pad: Padding; simple: boolean } {
  const strides = attrs.strides as number | [number, number];
  const dilations = (attrs.dilations ?? 1) as number | [number, number];
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    tf.backend_util.convertConv2DDataFormat((attrs.dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW'),
  );
  const simple =
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.dataFormat === 'channelsLast';
  const { top, bottom, left, right } = info.padInfo;
  return { pad: { top, bottom, left, right }, simple };
}

function explicitPad(p: Padding): number[][] {
  return [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
}

/**
 * Computes dW[kh, kw, ci, co] = sum over b, y, x of xPadded[b, y+kh, x+kw, ci] * dy[b, y, x, co]
 * as one forward convolution: the input channels become the batch and the batch becomes the
 * contracted channel axis. Shapes: x [B, H, W, Ci], dy [B, Ho, Wo, Co], result [KH, KW, Ci, Co].
 */
export function makeConv2DBackpropFilter(backendName: string, fallback?: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs = {} }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = attrs.filterShape as number[];
    const { pad, simple } = convPadding(x.shape, filterShape, attrs);
    if (!simple) {
      if (fallback === undefined) {
        throw new Error(
          'relpix: Conv2DBackpropFilter on the wasm backend supports stride 1, dilation 1 and ' +
            'NHWC only; use --backend cpu for other convolutions',
        );
      }
      return fallback({ inputs, backend, attrs });
    }
    const b = backend as Backend;
    const xT = transpose(backendName, b, x, [3, 1, 2, 0]);
    const dyT = transpose(backendName, b, dy, [1, 2, 0, 3]);
    const convAttrs = {
      strides: [1, 1],
      pad: explicitPad(pad),
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: null,
    } as unknown as NamedAttrMap;
    const product = runKernel('Conv2D', backendName, b, { x: xT, filter: dyT }, convAttrs);
    b.disposeData(xT.dataId);
    b.disposeData(dyT.dataId);
    const result = transpose(backendName, b, product, [1, 2, 0, 3]);
    b.disposeData(product.dataId);
    return result;
  };
}

/**
 * Computes dX as a forward convolution of dy, padded by (kernel - 1 - pad) on each side,
 * with the kernel flipped in space and its channel axes swapped.
 * Shapes: dy [B, Ho, Wo, Co], filter [KH, KW, Ci, Co], result [B, H, W, Ci].
 */
export function makeConv2DBackpropInput(backendName: string, fallback?: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs = {} }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const inputShape = attrs.inputShape as number[];
    const { pad, simple } = convPadding(inputShape, filter.shape, attrs);
    const [kh, kw] = filter.shape;
    const flippedPad: Padding = {
      top: kh - 1 - pad.top,
      bottom: kh - 1 - pad.bottom,
      left: kw - 1 - pad.left,
      right: kw - 1 - pad.right,
    };
    const negative = Object.values(flippedPad).some((v) => v < 0);
    if (!simple || negative) {
      if (fallback === undefined) {
        throw new Error(
          'relpix: Conv2DBackpropInput supports stride 1, dilation 1 and padding below the ' +
            'kernel size only; use --backend cpu for other convolutions',
        );
      }
      return fallback({ inputs, backend, attrs });
    }
    const b = backend as Backend;
    const reversed = runKernel('Reverse', backendName, b, { x: filter }, { dims: [0, 1] });
    const flipped = transpose(backendName, b, reversed, [0, 1, 3, 2]);
    b.disposeData(reversed.dataId);
    const convAttrs = {
      strides: [1, 1],
      pad: explicitPad(flippedPad),
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: null,
    } as unknown as NamedAttrMap;
    const result = runKernel('Conv2D', backendName, b, { x: dy, filter: flipped }, convAttrs);
    b.disposeData(flipped.dataId);
    return result;
  };
}

/**
 * Wraps the shipped `BatchMatMul` so that a transposed operand is transposed explicitly first.
 * The wasm backend's product with transposeA or transposeB set runs about 10x slower than a
 * transpose followed by a plain product (measured on [4096, 512] x [4096, 128]), and the
 * gradients of every matrix product use those flags.
 */
export function makeBatchMatMul(backendName: string, shipped: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs = {} }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    if (!attrs.transposeA && !attrs.transposeB) {
      return shipped({ inputs, backend, attrs });
    }
    const owned: TensorInfo[] = [];
    const plain = (x: TensorInfo, transposed: unknown): TensorInfo => {
      if (!transposed) return x;
      const perm = x.shape.map((_, axis) => axis);
      const rank = perm.length;
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      const result = transpose(backendName, backend as Backend, x, perm);
      owned.push(result);
      return result;
    };
    const product = shipped({
      inputs: { a: plain(a, attrs.transposeA), b: plain(b, attrs.transposeB) },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    for (const info of owned) (backend as Backend).disposeData(info.dataId);
    return product;
  };
}

/**
 * Registers the two convolution gradient kernels and the matrix product wrapper for
 * `backendName`, replacing what it ships. The shipped `Conv2DBackpropInput`, if any, stays as
 * the fallback for strided convolutions.
 */
export function registerConvGradientKernels(backendName: string): void {
  const shippedInput = tf.getKernel('Conv2DBackpropInput', backendName)?.kernelFunc;
  const shippedFilter = tf.getKernel('Conv2DBackpropFilter', backendName)?.kernelFunc;
  const shippedMatMul = tf.getKernel('BatchMatMul', backendName);
  const configs: KernelConfig[] = [
    {
      kernelName: 'Conv2DBackpropFilter',
      backendName,
      kernelFunc: makeConv2DBackpropFilter(backendName, shippedFilter),
    },
    {
      kernelName: 'Conv2DBackpropInput',
      backendName,
      kernelFunc: makeConv2DBackpropInput(backendName, shippedInput),
    },
  ];
  if (shippedMatMul !== undefined) {
    // The shipped setup function binds the WebAssembly entry point that the shipped kernel
    // calls, so it is kept.
    configs.push({
      ...shippedMatMul,
      kernelFunc: makeBatchMatMul(backendName, shippedMatMul.kernelFunc),
    });
  }
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, backendName) !== undefined) {
      tf.unregisterKernel(config.kernelName, backendName);
    }
    tf.registerKernel(config);
  }
}
