/** Seeded draws from categorical distributions given as logits. */
import seedrandom from 'seedrandom';

export type Random = () => number;

/** Returns a seeded uniform generator on [0, 1). */
export function seededRandom(seed: number | string): Random {
  return seedrandom(`relpix-sample:${seed}`);
}

/**
 * Draws an index from the softmax of `logits[offset .. offset + size)`, in float64; entries of
 * -Infinity have probability 0.
 */
export function drawFromLogits(
  logits: ArrayLike<number>,
  offset: number,
  size: number,
  random: Random,
): number {
  let max = -Infinity;
  for (let k = 0; k < size; k++) max = Math.max(max, logits[offset + k]);
  let total = 0;
  for (let k = 0; k < size; k++) total += Math.exp(logits[offset + k] - max);
  let threshold = random() * total;
  let last = -1;
  for (let k = 0; k < size; k++) {
    const weight = Math.exp(logits[offset + k] - max);
    if (weight === 0) continue;
    last = k;
    threshold -= weight;
    if (threshold < 0) return k;
  }
  // Rounding can leave a tiny remainder; the last value with mass takes it.
  return last;
}
