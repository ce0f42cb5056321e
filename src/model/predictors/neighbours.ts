/**
 * Neighbour sets: the offsets (dy, dx) from pixel i of the pixels a relative predictor may copy.
 * Output-relative sets hold pixels generated before i; input-relative sets are grids of the
 * conditioning image around i.
 */
export type Offset = readonly [number, number];

export const OUTPUT_NEIGHBOURS = ['left', 'top', 'left+top', '2x2', '3x3', '5x5'] as const;
export type OutputNeighbours = (typeof OUTPUT_NEIGHBOURS)[number];

export const INPUT_NEIGHBOURS = ['centre', '2x2', '3x3', '5x5'] as const;
export type InputNeighbours = (typeof INPUT_NEIGHBOURS)[number];

/** Lists every offset with |dy|, |dx| <= radius, row by row. */
function window(radius: number): Offset[] {
  const offsets: Offset[] = [];
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) offsets.push([dy, dx]);
  }
  return offsets;
}

/** Lists the pixels of the window that come before its centre in raster order (12 for 5x5). */
function earlierInWindow(radius: number): Offset[] {
  return window(radius).filter(([dy, dx]) => dy < 0 || (dy === 0 && dx < 0));
}

/** Offsets of an output-relative neighbour set, in the order the pointer scores them. */
export function outputOffsets(name: OutputNeighbours): Offset[] {
  switch (name) {
    case 'left':
      return [[0, -1]];
    case 'top':
      return [[-1, 0]];
    case 'left+top':
      return [
        [0, -1],
        [-1, 0],
      ];
    case '2x2':
      return [
        [0, -1],
        [-1, -1],
        [-1, 0],
      ];
    case '3x3':
      return [
        [0, -1],
        [-1, -1],
        [-1, 0],
        [-1, 1],
      ];
    case '5x5':
      return earlierInWindow(2);
  }
}

/** Offsets of an input-relative grid over the conditioning image. */
export function inputOffsets(name: InputNeighbours): Offset[] {
  switch (name) {
    case 'centre':
      return [[0, 0]];
    case '2x2':
      return [
        [-1, -1],
        [-1, 0],
        [0, -1],
        [0, 0],
      ];
    case '3x3':
      return window(1);
    case '5x5':
      return window(2);
  }
}
