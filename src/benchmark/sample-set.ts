const INITIAL_CAPACITY = 1024;

/** A growable list of numbers (milliseconds) in a typed array: 8 bytes a sample, no boxing. */
export class SampleSet {
  #values = new Float64Array(INITIAL_CAPACITY);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  add(value: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = value;
  }

  /** The samples in ascending order (sorted in place; later adds keep working). */
  sorted(): Float64Array {
    return this.#values.subarray(0, this.#count).sort();
  }
}
