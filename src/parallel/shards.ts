/** Division of a batch between data-parallel workers. */

/** Returns [from, to): the batch positions worker `index` of `workers` computes. */
export function shardBounds(batchSize: number, workers: number, index: number): [number, number] {
  return [
    Math.floor((index * batchSize) / workers),
    Math.floor(((index + 1) * batchSize) / workers),
  ];
}
