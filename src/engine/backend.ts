/**
 * Selection of the TensorFlow.js backend that runs every tensor operation of relpix.
 *
 * `wasm` (the default) is the WebAssembly backend with relpix's convolution gradient kernels
 * registered; `cpu` is the pure-JavaScript reference backend; `tensorflow` is the native
 * backend of `@tensorflow/tfjs-node`, loaded only if the user has installed that package.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../errors.js';
import { registerFastWasmKernels } from './fast_kernels.js';
import { registerConvGradientKernels } from './kernels.js';

export const BACKEND_NAMES = ['wasm', 'cpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

let kernelsRegistered = false;

/** Makes `name` the active backend and waits until it is ready. */
export async function useBackend(name: BackendName = 'wasm'): Promise<void> {
  if (name === 'tensorflow') {
    await loadNativeBackend();
  }
  if (name === 'wasm' && !kernelsRegistered) {
    registerConvGradientKernels('wasm');
    registerFastWasmKernels();
    kernelsRegistered = true;
  }
  // Production mode skips debug checks and silences TensorFlow.js's advice to install
  // tfjs-node, which is printed when the cpu backend starts in Node.
  tf.enableProdMode();
  const ok = await tf.setBackend(name);
  if (!ok) {
    throw new UserError(`relpix: the ${name} backend failed to start; try --backend cpu`);
  }
  await tf.ready();
}

async function loadNativeBackend(): Promise<void> {
  // The package name sits in a variable so that TypeScript does not require it at build time.
  const packageName = '@tensorflow/tfjs-node';
  try {
    await import(packageName);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UserError(
      `relpix: --backend tensorflow needs @tensorflow/tfjs-node, which failed to load ` +
        `(${reason}); install it with 'npm install @tensorflow/tfjs-node' or use --backend wasm`,
    );
  }
}
