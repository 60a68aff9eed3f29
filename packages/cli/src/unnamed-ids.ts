/**
 * The ids holding data that no scope name owns, for the end of a listing by name (they sort
 * after the named scopes). Telling one needs the whole listing: every id with data is checked
 * against the registry (a record may be missing, damaged, or written by other software), two
 * gets each, so at 100 000 scopes the search takes about half a second. It is made once per env
 * version, in slices between requests (sliced-walk.ts), and its ids are kept for every last page.
 */
import { SlicedWalk } from './sliced-walk.js';

/** Ids checked between two looks at the clock. */
const CHECK_EVERY = 1_024;

/** An id met by the listing's merge: whether a listed database holds data under it, and the name its registry record gives. */
export interface IdCandidate {
  id: bigint;
  hasData: boolean;
  candidate: string | undefined;
}

/** The unnamed ids of one listing, ascending, read once `ready`. */
export class UnnamedSearch extends SlicedWalk {
  readonly task = 'unnamed' as const;
  readonly ids: bigint[] = [];
  readonly #candidates: () => Iterable<IdCandidate>;
  readonly #isUnnamed: (id: bigint, candidate: string | undefined) => boolean;

  /**
   * `candidates` lists every id of the listing in id order (called once, at the first step);
   * `isUnnamed` tells whether one with data is unnamed; `total` is about how many ids there are.
   */
  constructor(
    version: number | undefined,
    total: number,
    candidates: () => Iterable<IdCandidate>,
    isUnnamed: (id: bigint, candidate: string | undefined) => boolean,
  ) {
    super(version, total);
    this.#candidates = candidates;
    this.#isUnnamed = isUnnamed;
  }

  protected *steps(): Generator<void, void, void> {
    let seen = 0;
    for (const { id, hasData, candidate } of this.#candidates()) {
      if (hasData && this.#isUnnamed(id, candidate)) this.ids.push(id);
      if (++seen === CHECK_EVERY) {
        this.did(seen);
        seen = 0;
        yield;
      }
    }
    this.did(seen);
  }
}
