/**
 * A reusable barrier for worker threads over shared memory: every party waits until all have
 * arrived, then all continue. Uses a counter and a generation number, with Atomics.wait.
 */
export class Barrier {
  private readonly state: Int32Array;

  /** `buffer` contains two int32 slots (counter, generation) starting at byte `offset`. */
  constructor(
    buffer: SharedArrayBuffer,
    offset: number,
    private readonly parties: number,
  ) {
    this.state = new Int32Array(buffer, offset, 2);
  }

  static readonly BYTES = 8;

  /** Blocks until all parties have called `wait` for the current generation. */
  wait(): void {
    const generation = Atomics.load(this.state, 1);
    if (Atomics.add(this.state, 0, 1) === this.parties - 1) {
      Atomics.store(this.state, 0, 0);
      Atomics.add(this.state, 1, 1);
      Atomics.notify(this.state, 1);
      return;
    }
    while (Atomics.load(this.state, 1) === generation) {
      Atomics.wait(this.state, 1, generation);
    }
  }
}
