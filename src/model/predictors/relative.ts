/**
 * The relative predictors: copy a pixel r, then adjust each sub-pixel by a delta,
 * p(delta_c | r, ...) = softmax over allowed deltas. The output-relative predictor copies an
 * earlier output pixel from a fixed neighbour set. The input-relative predictor copies a pixel
 * of the conditioning image y from a grid around the current pixel.
 *
 * Each candidate r has a feature f_r = W_f s_r + sum_c E_c[x_{r,c}] of its state s_r and values.
 * The pointer is u_r = v^T tanh(W_a h_{i,0} + f_r), softmax over candidates (skipped for one).
 * The null pixel outside the image has value 0 in every channel and a learned state.
 * The adjustment logits are a_{i,c} = W_p h_{i,c} + W_q f_r + b over the kept deltas.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config.js';
import { getParameter, type ParameterFactory, type ParameterMap } from '../parameters.js';
import { pickPerRow } from './absolute.js';
import { LOG_ZERO, type PixelContext } from './context.js';
import type { RelativePredictorConfig } from './config.js';
import { inputOffsets, outputOffsets, type Offset } from './neighbours.js';

/** Source row of a candidate outside the image: the null pixel. */
const NULL_ROW = -1;

/** Candidate sources of n pixels: row into the source states and value per channel, per r. */
interface Sources {
  rows: Int32Array[];
  values: Int32Array[][];
}

/** Candidate sources, features and pointer: the part shared by every sub-pixel of a pixel. */
export interface PreparedCandidates {
  sources: Sources;
  /** f_r [n, features] per candidate. */
  features: tf.Tensor2D[];
  /** log p(r) [n, candidates]. */
  pointer: tf.Tensor2D;
}

export class RelativePredictor {
  readonly offsets: Offset[];
  /** Deltas the adjustment softmax covers, in slot order. */
  readonly deltas: number[];
  /** Slot of delta d at index d + L - 1, or -1 when pruned. */
  private readonly slotOfDelta: Int32Array;
  private readonly prefix: string;
  private readonly features: number;

  constructor(
    private readonly config: ModelConfig,
    readonly predictor: RelativePredictorConfig,
  ) {
    const { levels } = config;
    this.offsets =
      predictor.kind === 'output'
        ? outputOffsets(predictor.neighbours)
        : inputOffsets(predictor.neighbours);
    this.deltas =
      predictor.kept ?? Array.from({ length: 2 * levels - 1 }, (_, k) => k - (levels - 1));
    this.slotOfDelta = new Int32Array(2 * levels - 1).fill(-1);
    this.deltas.forEach((delta, slot) => {
      this.slotOfDelta[delta + levels - 1] = slot;
    });
    this.prefix = `${predictor.kind}_${predictor.neighbours}`;
    this.features = Math.max(1, Math.floor(config.skip / 2));
  }

  get name(): string {
    return `${this.predictor.kind}:${this.predictor.neighbours}`;
  }

  createParameters(factory: ParameterFactory): void {
    const { skip, levels, channels } = this.config;
    const p = this.prefix;
    const kept = this.deltas.length;
    factory.weight(`${p}/null_state`, [1, skip], Math.sqrt(skip));
    factory.weight(`${p}/source_state`, [skip, this.features]);
    for (let c = 0; c < channels; c++) {
      factory.weight(`${p}/source_value_${c}`, [levels, this.features], Math.sqrt(levels));
      factory.weight(`${p}/delta_${c}`, [skip, kept]);
      factory.weight(`${p}/source_delta_${c}`, [this.features, kept]);
      factory.zeros(`${p}/delta_bias_${c}`, [kept]);
    }
    if (this.offsets.length > 1) {
      factory.weight(`${p}/pointer_query`, [skip, this.features]);
      factory.weight(`${p}/pointer`, [this.features, 1]);
    }
  }

  /**
   * Finds each candidate's source row and values for the pixels of `context`. An output pixel q
   * takes the state of raster row q + 1 and its values from x. An input pixel q takes the
   * conditioning state of row q and its values from y.
   */
  private sources(context: PixelContext): Sources {
    const { height, width, channels, positions } = context;
    const input = this.predictor.kind === 'input';
    const values = input ? this.conditioning(context).values : context.values;
    const shift = input ? 0 : 1;
    const n = positions.image.length;
    const pixels = height * width;
    const rows: Int32Array[] = [];
    const sourceValues: Int32Array[][] = [];
    for (const [dy, dx] of this.offsets) {
      const row = new Int32Array(n);
      const perChannel = Array.from({ length: channels }, () => new Int32Array(n));
      for (let k = 0; k < n; k++) {
        const b = positions.image[k];
        const y = Math.floor(positions.position[k] / width) + dy;
        const x = (positions.position[k] % width) + dx;
        if (y < 0 || y >= height || x < 0 || x >= width) {
          row[k] = NULL_ROW;
          continue;
        }
        const q = y * width + x;
        row[k] = b * pixels + q + shift;
        for (let c = 0; c < channels; c++)
          perChannel[c][k] = values[(b * pixels + q) * channels + c];
      }
      rows.push(row);
      sourceValues.push(perChannel);
    }
    return { rows, values: sourceValues };
  }

  private conditioning(context: PixelContext): NonNullable<PixelContext['conditioning']> {
    if (context.conditioning === undefined) {
      throw new Error(`relpix: predictor ${this.name} needs a conditioning image`);
    }
    return context.conditioning;
  }

  private parameter<T extends tf.Tensor>(parameters: ParameterMap, name: string): T {
    return getParameter<T>(parameters, `${this.prefix}/${name}`);
  }

  /** Computes the feature f_r [n, features] of each candidate. */
  private candidateFeatures(
    parameters: ParameterMap,
    context: PixelContext,
    sources: Sources,
  ): tf.Tensor2D[] {
    const nullState = this.parameter<tf.Tensor2D>(parameters, 'null_state');
    const project = this.parameter<tf.Tensor2D>(parameters, 'source_state');
    return sources.rows.map((row, r) => {
      const n = row.length;
      const outside = Float32Array.from(row, (source) => (source === NULL_ROW ? 1 : 0));
      const safeRows = Int32Array.from(row, (source) => Math.max(source, 0));
      let states =
        this.predictor.kind === 'input'
          ? this.conditioning(context).states(safeRows)
          : context.sourceStates(safeRows);
      if (outside.some((flag) => flag === 1)) {
        // Rows outside the image take the learned null state instead of the gathered one.
        const mask = tf.tensor2d(outside, [n, 1]);
        states = tf.add(tf.mul(states, tf.sub(1, mask)), tf.mul(nullState, mask));
      }
      let feature = tf.matMul(states, project);
      for (let c = 0; c < context.channels; c++) {
        const table = this.parameter<tf.Tensor2D>(parameters, `source_value_${c}`);
        const value = tf.tensor1d(sources.values[r][c], 'int32');
        feature = tf.add(feature, tf.gather(table, value));
      }
      return tf.reshape(feature, [n, this.features]) as tf.Tensor2D;
    });
  }

  /** Computes log p(r) [n, candidates] of the copy pointer; zeros for a single candidate. */
  private pointerLogProbs(
    parameters: ParameterMap,
    context: PixelContext,
    features: tf.Tensor2D[],
  ): tf.Tensor2D {
    const n = context.positions.image.length;
    if (features.length === 1) return tf.zeros([n, 1]);
    const query = tf.matMul(
      context.subPixelStates[0],
      this.parameter<tf.Tensor2D>(parameters, 'pointer_query'),
    );
    const pointer = this.parameter<tf.Tensor2D>(parameters, 'pointer');
    const scores = features.map((feature) =>
      tf.matMul(tf.tanh(tf.add(query, feature)) as tf.Tensor2D, pointer),
    );
    return tf.logSoftmax(tf.concat(scores, 1)) as tf.Tensor2D;
  }

  /** Returns log(mask) [L, kept]: 0 where source value v plus the slot's delta lies in 0..L-1. */
  private maskTable(): tf.Tensor2D {
    const { levels } = this.config;
    const kept = this.deltas.length;
    const table = new Float32Array(levels * kept);
    for (let v = 0; v < levels; v++) {
      this.deltas.forEach((delta, slot) => {
        const inside = v + delta >= 0 && v + delta < levels;
        table[v * kept + slot] = inside ? 0 : LOG_ZERO;
      });
    }
    return tf.tensor2d(table, [levels, kept]);
  }

  /** Computes the candidates' sources, features and pointer log-probabilities for `context`. */
  prepare(parameters: ParameterMap, context: PixelContext): PreparedCandidates {
    const sources = this.sources(context);
    const features = this.candidateFeatures(parameters, context, sources);
    return { sources, features, pointer: this.pointerLogProbs(parameters, context, features) };
  }

  /**
   * Computes log p(x_{i,c} = v | r, x_{i,<c}, ...) [n * L] (row-major, float64) over the values
   * v = 0..L-1 for candidate r: the adjustment distribution moved onto values. Values reached by
   * no allowed delta get LOG_ZERO. Without masking, mass on deltas that leave 0..L-1 is lost, so
   * a row may sum to less than 1; the sampler renormalises a row, which equals redrawing such a
   * delta.
   */
  valueLogProbs(
    parameters: ParameterMap,
    context: PixelContext,
    prepared: PreparedCandidates,
    c: number,
    r: number,
  ): Float64Array {
    const { levels } = this.config;
    const source = prepared.sources.values[r][c];
    const mask = this.predictor.mask ? this.maskTable() : undefined;
    const logProbs = tf.tidy(() =>
      this.deltaLogProbs(
        parameters,
        c,
        this.ownLogits(parameters, context, c),
        prepared.features[r],
        source,
        mask,
      ).dataSync(),
    );
    mask?.dispose();
    const kept = this.deltas.length;
    const out = new Float64Array(source.length * levels).fill(LOG_ZERO);
    for (let k = 0; k < source.length; k++) {
      for (let slot = 0; slot < kept; slot++) {
        const value = source[k] + this.deltas[slot];
        if (value >= 0 && value < levels) out[k * levels + value] = logProbs[k * kept + slot];
      }
    }
    return out;
  }

  /**
   * Computes the adjustment log-softmax [n, kept] of sub-pixel c for candidate r: masked (if
   * enabled) to deltas that keep the candidate's value in range.
   */
  private deltaLogProbs(
    parameters: ParameterMap,
    c: number,
    own: tf.Tensor2D,
    feature: tf.Tensor2D,
    sourceValue: Int32Array,
    mask: tf.Tensor2D | undefined,
  ): tf.Tensor2D {
    const fromSource = tf.matMul(
      feature,
      this.parameter<tf.Tensor2D>(parameters, `source_delta_${c}`),
    );
    let logits = tf.add(own, fromSource);
    if (mask !== undefined) {
      logits = tf.add(logits, tf.gather(mask, tf.tensor1d(sourceValue, 'int32')));
    }
    return tf.logSoftmax(logits as tf.Tensor2D);
  }

  /** Computes the candidate-independent adjustment logits W_p h_{i,c} + b [n, kept]. */
  private ownLogits(parameters: ParameterMap, context: PixelContext, c: number): tf.Tensor2D {
    const weight = this.parameter<tf.Tensor2D>(parameters, `delta_${c}`);
    const bias = this.parameter<tf.Tensor1D>(parameters, `delta_bias_${c}`);
    return tf.add(tf.matMul(context.subPixelStates[c], weight), bias);
  }

  /**
   * Computes log p_out(x_{i,<k}) [n] in nats for the pixels of `context`, summing over the
   * candidates: log sum_r p(r) prod_{c<k} p(delta_c = x_{i,c} - x_{r,c}).
   */
  logProb(parameters: ParameterMap, context: PixelContext, channelCount: number): tf.Tensor1D {
    const { levels } = this.config;
    const { sources, features, pointer } = this.prepare(parameters, context);
    const mask = this.predictor.mask ? this.maskTable() : undefined;
    const values = context.columns.map((column) => column.dataSync());
    // W_p h_{i,c} does not depend on the candidate, so each channel computes it once.
    const own: tf.Tensor2D[] = [];
    const perCandidate: tf.Tensor1D[] = [];
    features.forEach((feature, r) => {
      let total = tf.reshape(tf.slice(pointer, [0, r], [-1, 1]), [-1]) as tf.Tensor1D;
      for (let c = 0; c < channelCount; c++) {
        const source = sources.values[r][c];
        const slots = new Int32Array(source.length);
        const penalty = new Float32Array(source.length);
        for (let k = 0; k < source.length; k++) {
          const slot = this.slotOfDelta[values[c][k] - source[k] + levels - 1];
          slots[k] = Math.max(slot, 0);
          penalty[k] = slot < 0 ? LOG_ZERO : 0;
        }
        own[c] ??= this.ownLogits(parameters, context, c);
        const logProbs = this.deltaLogProbs(parameters, c, own[c], feature, source, mask);
        const picked = pickPerRow(logProbs, tf.tensor1d(slots, 'int32'));
        total = tf.add(total, tf.add(picked, tf.tensor1d(penalty)));
      }
      perCandidate.push(total);
    });
    if (perCandidate.length === 1) return perCandidate[0];
    return tf.logSumExp(tf.stack(perCandidate, 1), 1) as tf.Tensor1D;
  }
}
