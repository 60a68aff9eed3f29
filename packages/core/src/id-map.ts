/**
 * A map keyed by a scope id's bytes (null: DEFAULT), for what a write looks up per call (a
 * transaction's pending stats, a scope's quota).
 *
 * Whoever resolves ids hands out one array per scope per transaction (the registry caches
 * them), so the same array comes back call after call: it is found by identity in ~20 ns,
 * where turning 8 bytes into a string key costs 100–300 ns. An equal array seen for the first
 * time finds the same entry through its bytes.
 */
export class IdMap<V extends {} | null> {
  readonly #byBytes = new Map<string, V>();
  readonly #byArray = new Map<Uint8Array | null, V>();

  get size(): number {
    return this.#byBytes.size;
  }

  /** The value under `id`'s bytes (undefined values are not stored: a miss and an undefined look alike). */
  get(id: Uint8Array | null): V | undefined {
    const hit = this.#byArray.get(id);
    if (hit !== undefined) return hit;
    const value = this.#byBytes.get(idText(id));
    if (value !== undefined) this.#remember(id, value);
    return value;
  }

  set(id: Uint8Array | null, value: V): this {
    const text = idText(id);
    // Other arrays with these bytes may remember the old value: forget them all.
    if (this.#byBytes.has(text)) this.#byArray.clear();
    this.#byBytes.set(text, value);
    this.#remember(id, value);
    return this;
  }

  /** Callers that make a new array per call would grow the identity index without bound: it stays a few times the entries. */
  #remember(id: Uint8Array | null, value: V): void {
    if (this.#byArray.size > 4 * this.#byBytes.size + 64) this.#byArray.clear();
    this.#byArray.set(id, value);
  }

  clear(): void {
    this.#byBytes.clear();
    this.#byArray.clear();
  }

  values(): IterableIterator<V> {
    return this.#byBytes.values();
  }
}

/** `id`'s bytes as a string, one char per byte. */
function idText(id: Uint8Array | null): string {
  if (id === null) return '';
  // One call for the usual 8 bytes; a loop for any other length.
  if (id.length === 8) return String.fromCharCode(id[0]!, id[1]!, id[2]!, id[3]!, id[4]!, id[5]!, id[6]!, id[7]!);
  let text = '';
  for (let i = 0; i < id.length; i++) text += String.fromCharCode(id[i] as number);
  return text;
}
