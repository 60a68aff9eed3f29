/**
 * Call order of un-awaited writes, per scope (API.md "Write order").
 *
 * Redis runs the commands of one connection in the order it receives them, and
 * every key of a scope lives in one hash slot, so one master and one ioredis
 * connection. Writes to a scope therefore apply in call order as long as they
 * are *handed to the client* in call order. What can break that is a write that
 * has to wait before it can be sent: a transaction while its callback runs (and
 * an async callback may run for a long time), or a write through a database
 * handle that is still checking its codecs. A later write that did not wait
 * would overtake it.
 *
 * So each write takes a place in its scope's lane when it is called, and sends
 * only once every earlier place of that lane has left (sent its command, or
 * given up). A write that finds its lane empty sends at once, synchronously: no
 * round trip, no promise, so plain writes stay pipelined. Lanes are per scope
 * because writes to different scopes touch different keys and commute: an open
 * transaction on one scope never stalls another. A lane that empties is
 * dropped, so memory follows the scopes with pending writes, not all scopes.
 *
 * Places leave in order by construction: leaving before one's turn only marks
 * the place, and the lane moves past it when the places before it have left.
 */

/** One write's position in its scope's lane. */
export interface Place {
  /** Resolves when every earlier place of the lane has left; undefined when there was none (send now). */
  readonly turn: Promise<void> | undefined;
  /** The command is with the client (or will never be sent): later places may go once the earlier ones have. */
  leave(): void;
}

class Slot implements Place {
  next: Slot | undefined;
  left = false;
  readonly turn: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly lane: Lane,
    first: boolean,
  ) {
    this.turn = first
      ? undefined
      : new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
  }

  wake(): void {
    this.#wake?.();
  }

  leave(): void {
    if (this.left) return;
    this.left = true;
    this.lane.advance();
  }
}

class Lane {
  head: Slot | undefined;
  tail: Slot | undefined;

  constructor(private readonly onEmpty: () => void) {}

  enter(): Slot {
    const slot = new Slot(this, this.head === undefined);
    if (this.tail) this.tail.next = slot;
    else this.head = slot;
    this.tail = slot;
    return slot;
  }

  advance(): void {
    if (!this.head?.left) return;
    while (this.head?.left) {
      this.head = this.head.next;
      // Also wakes a place that left early: whoever awaits its turn must not hang.
      this.head?.wake();
    }
    if (this.head) return;
    this.tail = undefined;
    this.onEmpty();
  }
}

/** The lanes of one store: one per scope with writes in flight to the client. */
export class WriteOrder {
  readonly #lanes = new Map<string, Lane>();

  /** A place at the end of the lane of `scope` (any string that names the scope uniquely). */
  enter(scope: string): Place {
    let lane = this.#lanes.get(scope);
    if (!lane) {
      const created = new Lane(() => {
        if (this.#lanes.get(scope) === created) this.#lanes.delete(scope);
      });
      lane = created;
      this.#lanes.set(scope, lane);
    }
    return lane.enter();
  }

  /** Scopes with a place not yet left (for tests: a lane that never empties would be a leak). */
  get pendingScopes(): number {
    return this.#lanes.size;
  }
}
