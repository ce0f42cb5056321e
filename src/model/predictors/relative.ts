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
 *
 * f_r depends only on the source pixel of candidate r, and neighbouring pixels share sources (the
 * input grid's candidates are shifts of one state map). So f, and in `logProb` also W_q f, are
 * computed once per distinct source pixel and gathered per candidate. This replaces one
 * [n, features] x [features, kept] product per candidate and channel with one per channel.
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

/** The distinct source pixels of all candidates, and where each candidate's source lies among them. */
interface SourceTable {
  /** Source state row of each distinct source pixel, in order of first use. */
  rows: Int32Array;
  /** Value of each distinct source pixel, one array per channel. */
  values: Int32Array[];
  /** Table row of each candidate's source, per r. Sources outside the image get `rows.length`. */
  index: Int32Array[];
}

/** Candidate sources, features and pointer: the part shared by every sub-pixel of a pixel. */
export interface PreparedCandidates {
  sources: Sources;
  /** f_r [n, features] per candidate. */
  features: tf.Tensor2D[];
  /** log p(r) [n, candidates]. */
  pointer: tf.Tensor2D;
}

/**
 * Computes log softmax(logits)[k, slots[k]] [n] of `logits` [n, size], with a gradient written
 * out by hand. The forward pass computes p with the fused Softmax kernel and takes the log
 * normaliser as logits[k, j] - log p[k, j] at the largest logit j. That probability is at least 1 / size, so
 * its log never underflows. On the wasm backend of TensorFlow.js 4.22, Softmax on [4096, 511]
 * logits took about 6 ms against 22 ms for tf.logSoftmax, which is composed of elementwise ops
 * (2-core x86 machine). The gradient dy * (onehot(slot) - p) is one product and one scatter, in
 * place of the gradients of tf.logSoftmax and of the picking gather.
 */
function pickLogSoftmax(logits: tf.Tensor2D, slots: Int32Array): tf.Tensor1D {
  const n = slots.length;
  const pick = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const slotTensor = tf.tensor1d(slots, 'int32');
    const probs = tf.softmax(x);
    const top = tf.argMax(x, 1) as tf.Tensor1D;
    const logNormaliser = tf.sub(pickPerRow(x, top), tf.log(pickPerRow(probs, top)));
    const pickedProbs = pickPerRow(probs, slotTensor);
    save([probs, pickedProbs]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [allProbs, slotProbs] = saved;
      const spread = tf.mul(allProbs, tf.reshape(tf.neg(dy), [n, 1]));
      const indices = new Int32Array(2 * n);
      for (let k = 0; k < n; k++) {
        indices[2 * k] = k;
        indices[2 * k + 1] = slots[k];
      }
      const atSlots = tf.mul(dy, tf.sub(1, slotProbs));
      return tf.tensorScatterUpdate(spread, tf.tensor2d(indices, [n, 2], 'int32'), atSlots);
    };
    return { value: tf.sub(pickPerRow(x, slotTensor), logNormaliser), gradFunc };
  });
  return pick(logits) as tf.Tensor1D;
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

  /** Lists the distinct source pixels of `sources` and indexes each candidate into them. */
  private sourceTable(sources: Sources, channels: number): SourceTable {
    let maxRow = -1;
    for (const row of sources.rows) {
      for (const source of row) maxRow = Math.max(maxRow, source);
    }
    const slotOfRow = new Int32Array(maxRow + 1).fill(-1);
    const rows: number[] = [];
    const values: number[][] = Array.from({ length: channels }, () => []);
    const index = sources.rows.map((row, r) =>
      row.map((source, k) => {
        if (source === NULL_ROW) return -1;
        if (slotOfRow[source] < 0) {
          slotOfRow[source] = rows.length;
          rows.push(source);
          for (let c = 0; c < channels; c++) values[c].push(sources.values[r][c][k]);
        }
        return slotOfRow[source];
      }),
    );
    // The null pixel takes the row after the last distinct source.
    for (const candidateIndex of index) {
      candidateIndex.forEach((slot, k) => {
        if (slot < 0) candidateIndex[k] = rows.length;
      });
    }
    return {
      rows: Int32Array.from(rows),
      values: values.map((perChannel) => Int32Array.from(perChannel)),
      index,
    };
  }

  /**
   * Computes the feature f [table rows + 1, features] of each distinct source pixel of `table`,
   * then of the null pixel (learned state, value 0 in every channel) in the last row.
   */
  private sourceFeatures(
    parameters: ParameterMap,
    context: PixelContext,
    table: SourceTable,
  ): tf.Tensor2D {
    const nullState = this.parameter<tf.Tensor2D>(parameters, 'null_state');
    const project = this.parameter<tf.Tensor2D>(parameters, 'source_state');
    let states: tf.Tensor2D = nullState;
    if (table.rows.length > 0) {
      const gathered =
        this.predictor.kind === 'input'
          ? this.conditioning(context).states(table.rows)
          : context.sourceStates(table.rows);
      states = tf.concat([gathered, nullState], 0);
    }
    let feature: tf.Tensor2D = tf.matMul(states, project);
    for (let c = 0; c < context.channels; c++) {
      const valueTable = this.parameter<tf.Tensor2D>(parameters, `source_value_${c}`);
      const value = new Int32Array(table.rows.length + 1);
      value.set(table.values[c]);
      feature = tf.add(feature, tf.gather(valueTable, tf.tensor1d(value, 'int32')));
    }
    return feature;
  }

  /**
   * Computes the logits W_q f [table rows + 1, kept] that each source of `features` adds to
   * sub-pixel c, plus log(mask) of the source's channel-c value when masking is enabled.
   */
  private sourceDeltaLogits(
    parameters: ParameterMap,
    c: number,
    features: tf.Tensor2D,
    table: SourceTable,
  ): tf.Tensor2D {
    const weight = this.parameter<tf.Tensor2D>(parameters, `source_delta_${c}`);
    const logits: tf.Tensor2D = tf.matMul(features, weight);
    if (!this.predictor.mask) return logits;
    const value = new Int32Array(table.rows.length + 1);
    value.set(table.values[c]);
    const mask = this.maskTable();
    return tf.add(logits, tf.gather(mask, tf.tensor1d(value, 'int32')));
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
    const { sources, features, pointer } = this.prepareWithTable(parameters, context);
    return { sources, features, pointer };
  }

  /** Computes the prepared candidates, and the source table and features they are gathered from. */
  private prepareWithTable(
    parameters: ParameterMap,
    context: PixelContext,
  ): PreparedCandidates & { table: SourceTable; sourceFeatures: tf.Tensor2D } {
    const sources = this.sources(context);
    const table = this.sourceTable(sources, context.channels);
    const sourceFeatures = this.sourceFeatures(parameters, context, table);
    const features = table.index.map((index) =>
      tf.gather(sourceFeatures, tf.tensor1d(index, 'int32')),
    );
    const pointer = this.pointerLogProbs(parameters, context, features);
    return { sources, features, pointer, table, sourceFeatures };
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
    const { sources, pointer, table, sourceFeatures } = this.prepareWithTable(parameters, context);
    const values = context.columns.map((column) => column.dataSync());
    const index = table.index.map((candidateIndex) => tf.tensor1d(candidateIndex, 'int32'));
    let totals = index.map(
      (_, r) => tf.reshape(tf.slice(pointer, [0, r], [-1, 1]), [-1]) as tf.Tensor1D,
    );
    // Each channel and each candidate runs in its own tidy so that without a gradient tape only
    // one candidate's [n, kept] tensors are alive at a time. tf.tidy does not free the tensors
    // that a tape saved for the backward pass.
    for (let c = 0; c < channelCount; c++) {
      totals = tf.tidy(() => {
        const fromSource = this.sourceDeltaLogits(parameters, c, sourceFeatures, table);
        const own = this.ownLogits(parameters, context, c);
        return totals.map((total, r) =>
          tf.tidy(() => {
            const source = sources.values[r][c];
            const slots = new Int32Array(source.length);
            const penalty = new Float32Array(source.length);
            for (let k = 0; k < source.length; k++) {
              const slot = this.slotOfDelta[values[c][k] - source[k] + levels - 1];
              slots[k] = Math.max(slot, 0);
              penalty[k] = slot < 0 ? LOG_ZERO : 0;
            }
            const logits = tf.add(own, tf.gather(fromSource, index[r])) as tf.Tensor2D;
            const picked = pickLogSoftmax(logits, slots);
            return tf.add(total, tf.add(picked, tf.tensor1d(penalty))) as tf.Tensor1D;
          }),
        );
      });
    }
    if (totals.length === 1) return totals[0];
    return tf.logSumExp(tf.stack(totals, 1), 1) as tf.Tensor1D;
  }
}
