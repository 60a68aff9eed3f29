/**
 * Where a named scope's reads and writes go (README "Stale caches"): each store caches per
 * name the id (and, for writes, the life) it last saw, and every script checks it on the id's
 * slot. This module sends them, follows what the scripts answer (MOVED, STALE, BUSY, TAKEN),
 * and keeps the write order of API.md across the retries that a changed id forces:
 *
 * - A write with a cached id carries its gen and is pipelined. gens never repeat, so once one
 *   write of a scope has found its record changed, every later write sent with the same cache
 *   does too: the failures are a suffix of what was sent. The route then raises a barrier
 *   (nothing new is sent), waits for every reply, and sends the failed writes again in their
 *   original order, under the name's current id, before anything later.
 * - Writes sent before the store knows the id resolve on their way (the first may register
 *   the name) and are pipelined as a burst sharing a fence (scripts.ts WRITE_SCRIPT): the first
 *   that fails sets it, the rest fail on it, so failures are a suffix again. The first success
 *   gives the route its cached id for the writes after it.
 * - Retries resolve one at a time until one finds the id; the rest are then pipelined after it.
 */
import { type NamedScope, ScopedDbError } from '@scoped-lmdb/core';
import type { RedisCaller } from './caller.js';
import { type Engine, type IdStep, type Intent, newToken, sleep } from './engine.js';
import { idHex, idRecordKeys, parseIdHex } from './layout.js';
import {
  type Arg,
  nameArg,
  READ_SCRIPT,
  type ReadOp,
  readArgs,
  readKeys,
  type Script,
  STATUS,
  UNBIND_SCRIPT,
  type WriteOp,
  writeBatch,
} from './scripts.js';
import type { Place } from './write-order.js';

/** Hops (MOVED, STALE, TAKEN) one call follows before it gives up: more means records that keep changing. */
const HOP_LIMIT = 32;
/** Routes kept for names with nothing in flight; beyond it the oldest idle ones are forgotten. */
const ROUTE_LIMIT = 50_000;

/** A name's id and the life (gen) a write there runs in. */
export interface Life {
  id: bigint;
  gen: string;
}

/** Where a name was found: its id and life, or unregistered (with whether its free home holds unnamed data). */
export type Located = (Life & { data: boolean }) | { id: undefined; data: boolean };

interface Retry {
  seq: number;
  ops: readonly WriteOp[];
  resolve(results: number[]): void;
  reject(error: unknown): void;
}

class Route {
  /** The id and life writes go to, pipelined; undefined: writes resolve, as a burst. */
  write: Life | undefined;
  /** Where the current burst of resolving writes goes, and its fence. */
  burst: { target: bigint; fence: string } | undefined;
  /** Where reads and resolving writes go first: the id last seen holding the name. */
  hint: bigint | undefined;
  /** Writes sent with `write` whose reply has not come back. */
  inflight = 0;
  /** Bumped when `write` is found stale: replies of earlier epochs queue for retry. */
  epoch = 0;
  /** Send order of cached writes (retries keep their order by it). */
  seq = 0;
  readonly retries: Retry[] = [];
  retrying = false;
  barrier: { promise: Promise<void>; release(): void } | undefined;
  readonly idle: Array<() => void> = [];

  get quiet(): boolean {
    return this.inflight === 0 && !this.barrier && !this.retrying && this.retries.length === 0;
  }
}

function barrier(): { promise: Promise<void>; release(): void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** A script's reply for a named scope (scripts.ts STATUS), decoded. */
export type Reply<T> =
  | { status: typeof STATUS.OK; owned: boolean; gen: string; result: T }
  | { status: typeof STATUS.MOVED; id: bigint }
  | { status: typeof STATUS.STALE; reason: string }
  | { status: typeof STATUS.BUSY; payload: string }
  | { status: typeof STATUS.TAKEN };

function decode<T>(reply: unknown[], context: string): Reply<T> {
  const status = Number(reply[0]);
  const text = (i: number) => String(reply[i] ?? '');
  switch (status) {
    case STATUS.OK:
      return { status, owned: Number(reply[1]) === 1, gen: text(2), result: reply[3] as T };
    case STATUS.MOVED: {
      const id = parseIdHex(text(1));
      if (id === undefined) throw new ScopedDbError('STORAGE', `${context}: a home entry holds ${JSON.stringify(text(1))}, not an id`);
      return { status, id };
    }
    case STATUS.STALE:
      return { status, reason: text(1) };
    case STATUS.BUSY:
      return { status, payload: text(1) };
    case STATUS.TAKEN:
      return { status };
    default:
      throw new ScopedDbError('STORAGE', `${context}: unexpected reply ${JSON.stringify(reply[0])}`);
  }
}

/** How long a call keeps retrying, and how it backs off while a lifecycle step holds its records. */
class Patience {
  #hops = 0;
  #waits = 0;
  readonly #deadline: number;

  constructor(
    private readonly context: string,
    lockTimeoutMs: number,
  ) {
    // Long enough to outlast a lock whose owner stopped: after lockTimeoutMs a helper rolls it back.
    this.#deadline = performance.now() + lockTimeoutMs + 1_000;
  }

  hop(): void {
    if (++this.#hops > HOP_LIMIT || performance.now() > this.#deadline) this.#fail();
  }

  async wait(): Promise<void> {
    if (performance.now() > this.#deadline) this.#fail();
    await sleep(Math.min(64, 2 ** this.#waits++));
  }

  #fail(): never {
    throw new ScopedDbError(
      'STORAGE',
      `${this.context}: the scope's records kept changing (dropped, renamed or swapped); nothing was written`,
    );
  }
}

export class Router {
  readonly #routes = new Map<string, Route>();

  constructor(
    private readonly caller: RedisCaller,
    readonly engine: Engine,
  ) {}

  // ---- writes ----

  /**
   * Sends a batch of writes to a named scope, at its turn (`place` has its turn, its
   * databases have checked their codecs). With a cached id and no barrier the command is
   * handed to the client before this returns (pipelined); else it waits, and keeps `place`
   * until it may let later writes go.
   */
  send(scope: NamedScope, ops: readonly WriteOp[], place: Place, context: string): Promise<number[]> {
    const route = this.#route(scope.name);
    if (!route.barrier) {
      try {
        return this.#pipelined(scope, route, ops, context);
      } finally {
        place.leave();
      }
    }
    return this.#afterBarrier(scope, route, ops, place, context);
  }

  async #afterBarrier(scope: NamedScope, route: Route, ops: readonly WriteOp[], place: Place, context: string): Promise<number[]> {
    try {
      while (route.barrier) await route.barrier.promise;
      const sent = this.#pipelined(scope, route, ops, context);
      place.leave();
      return await sent;
    } finally {
      place.leave();
    }
  }

  /** Hands one write to the client now: with the cached life, or as part of the current burst. */
  #pipelined(scope: NamedScope, route: Route, ops: readonly WriteOp[], context: string): Promise<number[]> {
    const epoch = route.epoch;
    const seq = route.seq++;
    let sent: Promise<Reply<number[]>>;
    if (route.write) {
      sent = this.#write(scope, route.write.id, { gen: route.write.gen }, ops, false, context);
    } else {
      route.burst ??= { target: route.hint ?? scope.hash, fence: newToken() };
      const burst = route.burst;
      sent = this.#write(scope, burst.target, { fence: burst.fence }, ops, false, context).then((reply) => {
        // The first write that finds the id gives the route its life: the writes after it are sent with it.
        if (reply.status === STATUS.OK && reply.owned && route.burst === burst && epoch === route.epoch) {
          route.write = { id: burst.target, gen: reply.gen };
          route.burst = undefined;
          route.hint = burst.target;
        }
        return reply;
      });
    }
    route.inflight++;
    return sent.then(
      (reply) => {
        route.inflight--;
        if (reply.status === STATUS.OK) {
          this.#answered(scope, route);
          return reply.result;
        }
        // The cached life is over, or the burst met a change: this write, and every one sent after it, go again in order.
        if (epoch === route.epoch) {
          route.epoch++;
          route.write = undefined;
          route.burst = undefined;
          route.barrier ??= barrier();
        }
        const retried = new Promise<number[]>((resolve, reject) => route.retries.push({ seq, ops, resolve, reject }));
        this.#answered(scope, route);
        return retried;
      },
      (error: unknown) => {
        route.inflight--;
        this.#answered(scope, route);
        throw error;
      },
    );
  }

  /** A cached write has answered: once all have, queued retries go, or the route is quiet. */
  #answered(scope: NamedScope, route: Route): void {
    if (route.inflight > 0 || route.retrying) return;
    if (route.retries.length > 0) {
      void this.#retry(scope, route);
      return;
    }
    this.#quiet(route);
  }

  async #retry(scope: NamedScope, route: Route): Promise<void> {
    route.retrying = true;
    try {
      while (route.retries.length > 0 && route.inflight === 0) {
        const queue = route.retries.splice(0).sort((a, b) => a.seq - b.seq);
        for (const item of queue) {
          // Once one has resolved the name again, the rest are pipelined after it, in order.
          if (route.write) this.#pipelined(scope, route, item.ops, 'write').then(item.resolve, item.reject);
          else await this.resolveWrite(scope, route, item.ops, { register: false, context: 'write' }).then(item.resolve, item.reject);
        }
      }
    } finally {
      route.retrying = false;
    }
    if (route.retries.length === 0) this.#quiet(route);
  }

  /**
   * Nothing waits to be retried: later writes may go (behind the retries just sent, in order),
   * and once nothing is in flight either, lifecycle calls waiting for the scope may start.
   */
  #quiet(route: Route): void {
    if (route.retrying || route.retries.length > 0) return;
    const held = route.barrier;
    route.barrier = undefined;
    held?.release();
    if (route.inflight === 0) for (const wake of route.idle.splice(0)) wake();
  }

  /**
   * A write that resolves the name on its way: to the id last seen (else the home), following
   * MOVED, dropping a stale id, settling locks, registering the name away from a taken home.
   * Sets the route when the write found the name's id. Callers send nothing else to the scope
   * meanwhile (a held place, a barrier, or nothing to order against: registerScope).
   */
  async resolveWrite(
    scope: NamedScope,
    route: Route,
    ops: readonly WriteOp[],
    options: { register: boolean; context: string; setRoute?: boolean },
  ): Promise<number[]> {
    const found = await this.visit<number[]>(
      scope,
      options.context,
      (target) => this.#write(scope, target, undefined, ops, options.register, options.context),
      () => this.#registerElsewhere(scope, options.context),
    );
    if (found.owned && options.setRoute !== false) route.write = { id: found.id, gen: found.gen };
    return found.result;
  }

  /**
   * Runs `attempt` at the id `scope` was last seen at (else its home) and follows the answers
   * until one is OK: MOVED to the entry's id; STALE back to the home (deleting the entry that
   * sent it there, if any); BUSY settles or waits for the lock; TAKEN (writes) registers the
   * name away from its home with `onTaken`. Every script `attempt` sends checks the id on its
   * slot, so what it returns is never another id's data (README "Stale caches").
   */
  async visit<T>(
    scope: NamedScope,
    context: string,
    attempt: (target: bigint, mode: 'home' | 'id') => Promise<Reply<T>>,
    onTaken?: () => Promise<bigint | undefined>,
  ): Promise<{ id: bigint; owned: boolean; gen: string; result: T }> {
    const route = this.#route(scope.name);
    const patience = new Patience(context, this.engine.lockTimeoutMs);
    let target = route.hint ?? scope.hash;
    let via: bigint | undefined;
    for (;;) {
      const reply = await attempt(target, target === scope.hash ? 'home' : 'id');
      switch (reply.status) {
        case STATUS.OK:
          if (reply.owned) route.hint = target;
          else if (route.hint === target) route.hint = undefined;
          return { id: target, owned: reply.owned, gen: reply.gen, result: reply.result };
        case STATUS.MOVED:
          target = reply.id;
          via = reply.id;
          break;
        case STATUS.STALE:
          ({ target, via } = await this.#stale(scope, route, target, via));
          break;
        case STATUS.BUSY:
          if ((await this.engine.settle(reply.payload)) === 'wait') await patience.wait();
          else patience.hop();
          continue;
        case STATUS.TAKEN: {
          if (!onTaken) throw new ScopedDbError('STORAGE', `${context}: unexpected reply TAKEN`);
          const id = await onTaken();
          target = id ?? scope.hash;
          via = id;
          break;
        }
      }
      patience.hop();
    }
  }

  /** After STALE at `target`: back to the home, deleting the home's entry first if it was what sent us there. */
  async #stale(scope: NamedScope, route: Route, target: bigint, via: bigint | undefined): Promise<{ target: bigint; via: undefined }> {
    if (via === target) {
      // The entry points at an id that no longer holds the name (a drop or rename stopped half-way).
      await this.caller.eval('repair', UNBIND_SCRIPT, [idRecordKeys(scope.hash).entries], [scope.name, idHex(target)]);
    }
    if (route.hint === target) route.hint = undefined;
    return { target: scope.hash, via: undefined };
  }

  /** Registers a name whose home is taken at a fresh random id (README "Steps"); undefined when the name's state changed meanwhile. */
  async #registerElsewhere(scope: NamedScope, context: string): Promise<bigint | undefined> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const id = randomId();
      if (id === scope.hash) continue;
      const token = newToken();
      const primary: IdStep = { k: 'id', x: idHex(id), pre: { free: true }, fin: { name: scope.name, gen: token } };
      const intent: Intent = {
        v: 1,
        t: token,
        op: 'register',
        p: primary,
        s: [{ k: 'entry', h: idHex(scope.hash), n: scope.name, pre: { none: true }, fin: idHex(id) }],
      };
      const outcome = await this.engine.run(intent);
      if (outcome.ok) return id;
      // The entry: the name found an id meanwhile. The primary: that random id is not free; draw another.
      if (outcome.step.k === 'entry') return undefined;
    }
    throw new ScopedDbError('STORAGE', `${context}: found no free scope id`);
  }

  #write(
    scope: NamedScope,
    id: bigint,
    expect: { gen: string } | { fence: string } | undefined,
    ops: readonly WriteOp[],
    register: boolean,
    context: string,
  ): Promise<Reply<number[]>> {
    const call = {
      id,
      name: scope.name,
      mode: id === scope.hash ? ('home' as const) : ('id' as const),
      expect,
      newGen: newToken(),
      register,
    };
    const { script, keys, args } = writeBatch(call, ops);
    return this.call<number[]>(context, script, keys, args);
  }

  // ---- reads ----

  /** One read of a named scope (READ_SCRIPT), checked on the id's slot; `found` is the name's id and life if it has one. */
  async read<T>(scope: NamedScope, database: string, read: ReadOp, context: string): Promise<{ result: T; found: Life | undefined }> {
    const found = await this.visit<T>(scope, context, (target, mode) =>
      this.call<T>(context, READ_SCRIPT, readKeys(target, database, read), [nameArg(scope.name), mode, ...readArgs(read)], true),
    );
    return { result: found.result, found: found.owned ? { id: found.id, gen: found.gen } : undefined };
  }

  /** The name's current id and life (fresh from Redis), or unregistered; and whether it holds data anywhere. */
  async locate(scope: NamedScope, context: string): Promise<Located> {
    const { result, found } = await this.read<number>(scope, '', { op: 'any' }, context);
    return found ? { ...found, data: Number(result) === 1 } : { id: undefined, data: Number(result) === 1 };
  }

  /** Registers `scope` (registerScope): resolves with a claim, writing no data and leaving the write route alone. */
  async register(scope: NamedScope): Promise<void> {
    await this.resolveWrite(scope, this.#route(scope.name), [], { register: true, context: 'registerScope', setRoute: false });
  }

  /** Runs one script for a named scope and decodes its status reply. */
  async call<T>(context: string, script: Script, keys: readonly (string | Buffer)[], args: Arg[], binary = false): Promise<Reply<T>> {
    return decode<T>(await this.caller.eval<unknown[]>(context, script, keys, args, binary), context);
  }

  // ---- around lifecycle calls ----

  /** Resolves once no write of `name` is in flight or waiting to be retried. */
  drained(name: string): Promise<void> {
    const route = this.#route(name);
    if (route.quiet) return Promise.resolve();
    return new Promise<void>((resolve) => route.idle.push(resolve));
  }

  /** After a lifecycle call changed `name` (its lanes held, its writes drained): what it is now, if known. */
  reset(name: string, now: Life | undefined): void {
    const route = this.#route(name);
    route.write = now;
    route.burst = undefined;
    route.hint = now?.id;
  }

  /** The id and life `name`'s writes last found, if this store knows it. */
  life(name: string): Life | undefined {
    return this.#routes.get(name)?.write;
  }

  /** A route for `name`'s writes: registerScope resolves through one without ordering against writes. */
  routeOf(name: string): Route {
    return this.#route(name);
  }

  #route(name: string): Route {
    let route = this.#routes.get(name);
    if (route) return route;
    if (this.#routes.size >= ROUTE_LIMIT) {
      // Insertion order: the oldest first. A forgotten route only costs its next call a resolution.
      for (const [key, old] of this.#routes) {
        if (this.#routes.size < ROUTE_LIMIT * 0.9) break;
        if (old.quiet) this.#routes.delete(key);
      }
    }
    route = new Route();
    this.#routes.set(name, route);
    return route;
  }
}

export type { Route };

/** A random 64-bit id: a later life's id (README "Records"). */
export function randomId(): bigint {
  const bytes = new BigUint64Array(1);
  crypto.getRandomValues(bytes);
  return bytes[0]!;
}
