/**
 * The multi-slot step protocol (README "Steps"): a change that touches records in several
 * slots (rename, swap, a copy's commit, a registration away from home) is an *intent*: a
 * primary id and secondaries (ids and home entries), each with the state it must be in
 * before and the state it is left in. Redis has no atomic write across slots, so the
 * records move in rounds, each one script per slot (STEP_SCRIPT), every step conditional
 * on its own slot:
 *
 *   1. lock the secondaries outside the primary's slot (lock = 0xFF 'L' ‖ intent)
 *   2. commit the primary (0xFF 'C' ‖ intent), locking its slot's secondaries in the same script
 *   3. finish the secondaries outside the primary's slot
 *   4. finish the primary and its slot's secondaries
 *
 * The primary decides: whoever meets a lock reads the intent from it and asks the primary
 * (`settle`). A commit mark means decided, so it finishes rounds 3 and 4 itself; the primary
 * still in its expected state means undecided: it waits, and after `lockTimeoutMs` poisons
 * the primary (so the owner's round 2 fails) and undoes the locks; anything else means over,
 * and leftover locks are undone. The primary keeps its mark until every secondary is
 * finished, so that judgement never rests on a record a later change has rewritten.
 */
import { randomBytes } from 'node:crypto';
import { ScopedDbError } from '@scoped-lmdb/core';
import type { RedisCaller } from './caller.js';
import { parseIdHex } from './layout.js';
import { type Arg, idRecordArgs, STEP_SCRIPT } from './scripts.js';

/** An id's state before a step: a name in one life, free, holding data no name owns, or reserved by copy `reserved`. */
export type IdBefore = { name: string; gen: string } | { free: true } | { unnamed: true } | { reserved: string };
/** An id's state after a step: a name in a new life, or dropped (the tombstone's JSON). */
export type IdAfter = { name: string; gen: string } | { drop: string };
/** A name's home entry before a step: the name at an id (16 hex; its home itself when equal to the home), or unregistered. */
export type EntryBefore = { at: string } | { none: true; empty?: true };

export interface IdStep {
  k: 'id';
  /** The id, 16 hex. */
  x: string;
  pre: IdBefore;
  fin: IdAfter;
}

export interface EntryStep {
  k: 'entry';
  /** The name's home, 16 hex. */
  h: string;
  n: string;
  pre: EntryBefore;
  /** The entry afterwards (16 hex), or null: none (the name lives at its home, or nowhere). */
  fin: string | null;
}

export type Step = IdStep | EntryStep;

export interface Intent {
  v: 1;
  /** Random, unique per intent: new gens derive from it. */
  t: string;
  op: 'rename' | 'swap' | 'copy' | 'register';
  p: IdStep;
  s: Step[];
}

export type RunResult = { ok: true } | { ok: false; step: Step; reason: string };

/** A fresh random token (a gen, or an intent's). */
export function newToken(): string {
  return randomBytes(8).toString('hex');
}

const LOCK = 0x4c; // 'L'
const MARK = 0x43; // 'C'
const BACKOFF_CAP_MS = 64;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A lock or commit mark: 0xFF, the kind, the intent's JSON (exactly as the record holds it). */
function marker(kind: number, json: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, kind]), Buffer.from(json, 'utf8')]);
}

function slotOf(step: Step): string {
  return step.k === 'id' ? step.x : step.h;
}

function preArgs(pre: IdBefore): [string, string, string] {
  if ('name' in pre) return ['name', pre.name, pre.gen];
  // A copy commits only a reservation it has marked filled.
  if ('reserved' in pre) return ['res', `${pre.reserved} filled `, ''];
  return ['unnamed' in pre ? 'unnamed' : 'free', '', ''];
}

function finArgs(fin: IdAfter): [string, string, string] {
  return 'name' in fin ? ['name', fin.name, fin.gen] : ['drop', fin.drop, ''];
}

/** An action of STEP_SCRIPT: its name, group 1 (a slot holds one id's records) and six arguments. */
function action(name: string, ...args: Arg[]): Arg[] {
  const padded = [...args];
  while (padded.length < 6) padded.push('');
  return [name, '1', ...padded];
}

/** The parsed intent of a lock or mark met in a reply (`BUSY`), or undefined if it is not one this library wrote. */
export function parseIntent(json: string): Intent | undefined {
  try {
    const intent = JSON.parse(json) as Partial<Intent>;
    const isId = (s: unknown): boolean => {
      const step = s as Partial<IdStep>;
      return step?.k === 'id' && typeof step.x === 'string' && parseIdHex(step.x) !== undefined && !!step.pre && !!step.fin;
    };
    const isEntry = (s: unknown): boolean => {
      const step = s as Partial<EntryStep>;
      return step?.k === 'entry' && typeof step.h === 'string' && typeof step.n === 'string' && !!step.pre;
    };
    if (intent.v !== 1 || typeof intent.t !== 'string' || !isId(intent.p) || !Array.isArray(intent.s)) return undefined;
    if (!intent.s.every((s) => isId(s) || isEntry(s))) return undefined;
    return intent as Intent;
  } catch {
    return undefined;
  }
}

export class Engine {
  /** When this process first saw each undecided intent's lock (token -> ms): its age decides a rollback. */
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly caller: RedisCaller,
    readonly lockTimeoutMs: number,
  ) {}

  /** The owner's run: rounds 1 to 4; another operation's lock met on the way is waited for or settled, then retried. */
  async run(intent: Intent): Promise<RunResult> {
    const json = JSON.stringify(intent);
    const deadline = performance.now() + this.lockTimeoutMs + 1_000;
    for (let attempt = 0; ; attempt++) {
      const outcome = (await this.#lockOutside(intent, json)) ?? (await this.#commit(intent, json));
      if (outcome === 'ok') {
        await this.finish(intent, json);
        return { ok: true };
      }
      await this.undo(intent, json);
      if ('busy' in outcome) {
        // Not this intent's lock: settle it if it is decided, else let it go first.
        if (performance.now() > deadline) {
          throw new ScopedDbError('STORAGE', `${intent.op}: records stayed locked by another lifecycle operation`);
        }
        if ((await this.settle(outcome.busy)) === 'wait') await sleep(1 + Math.random() * Math.min(BACKOFF_CAP_MS, 2 ** attempt));
        continue;
      }
      return { ok: false, step: outcome.step, reason: outcome.reason };
    }
  }

  /**
   * A helper's judgement of a lock or mark it met (README "Steps"): 'settled' when the
   * intent is over (finished or undone, by this call or before), 'wait' while it is
   * undecided and younger than `lockTimeoutMs`.
   */
  async settle(payload: string): Promise<'settled' | 'wait'> {
    const json = payload.slice(1);
    const intent = parseIntent(json);
    if (intent === undefined) return 'wait'; // not ours to judge; the caller's retry limit ends it
    const state = await this.#primary('probe', intent, json);
    if (state === 'committed') {
      await this.finish(intent, json);
    } else if (state === 'pending') {
      const now = performance.now();
      const first = this.#seen.get(intent.t);
      if (first === undefined) {
        if (this.#seen.size > 1_000) this.#seen.clear(); // a bound, not a cache: a cleared entry only waits longer
        this.#seen.set(intent.t, now);
        return 'wait';
      }
      if (now - first < this.lockTimeoutMs) return 'wait';
      // Its owner stopped before deciding: make round 2 impossible, then release the locks.
      if ((await this.#primary('poison', intent, json)) === 'committed') await this.finish(intent, json);
      else await this.undo(intent, json);
    } else {
      await this.undo(intent, json);
    }
    this.#seen.delete(intent.t);
    return 'settled';
  }

  /** Round 1 (`undefined` when every lock held), or what stopped it. */
  async #lockOutside(intent: Intent, json: string): Promise<undefined | { busy: string } | { step: Step; reason: string }> {
    const L = marker(LOCK, json);
    const outside = intent.s.filter((s) => slotOf(s) !== intent.p.x);
    const results = await this.#perSlot(outside, (step) => this.#lockAction(step, L), 'stop');
    return this.#firstFailure(outside, results);
  }

  /** Round 2: the primary's slot locks its own secondaries and commits the primary, in one script. */
  async #commit(intent: Intent, json: string): Promise<'ok' | { busy: string } | { step: Step; reason: string }> {
    const L = marker(LOCK, json);
    const C = marker(MARK, json);
    const inside = this.#ordered(intent.s.filter((s) => slotOf(s) === intent.p.x));
    const [kind, a, b] = preArgs(intent.p.pre);
    const actions = [...inside.map((step) => this.#lockAction(step, L)), action('commit', L, C, kind, a, b)];
    const results = await this.#step(intent.p.x, actions, 'stop');
    return this.#firstFailure([...inside, intent.p], results) ?? 'ok';
  }

  /** Rounds 3 and 4: every secondary, then the primary. Each step only finishes this intent's lock, so repeating it is harmless. */
  async finish(intent: Intent, json = JSON.stringify(intent)): Promise<void> {
    const L = marker(LOCK, json);
    const C = marker(MARK, json);
    const outside = intent.s.filter((s) => slotOf(s) !== intent.p.x);
    await this.#perSlot(outside, (step) => this.#finishAction(step, L, C), 'all');
    const inside = intent.s.filter((s) => slotOf(s) === intent.p.x);
    await this.#step(intent.p.x, [...inside.map((step) => this.#finishAction(step, L, C)), this.#finishAction(intent.p, L, C)], 'all');
  }

  /** Undoes this intent's locks on the secondaries (never a commit mark: a committed intent is only ever finished). */
  async undo(intent: Intent, json = JSON.stringify(intent)): Promise<void> {
    const L = marker(LOCK, json);
    await this.#perSlot(intent.s, (step) => this.#undoAction(step, L, intent.t), 'all');
  }

  /** Runs rounds up to `rounds` only, as a process that stops there would (tests simulate crashes with it). */
  async runRoundsForTest(intent: Intent, rounds: 1 | 2 | 3): Promise<void> {
    const json = JSON.stringify(intent);
    if ((await this.#lockOutside(intent, json)) !== undefined) throw new Error('round 1 failed');
    if (rounds === 1) return;
    if ((await this.#commit(intent, json)) !== 'ok') throw new Error('round 2 failed');
    if (rounds === 2) return;
    const L = marker(LOCK, json);
    const C = marker(MARK, json);
    await this.#perSlot(
      intent.s.filter((s) => slotOf(s) !== intent.p.x),
      (step) => this.#finishAction(step, L, C),
      'all',
    );
  }

  async #primary(which: 'probe' | 'poison', intent: Intent, json: string): Promise<'committed' | 'pending' | 'poisoned' | 'over'> {
    const C = marker(MARK, json);
    const [kind, a, b] = preArgs(intent.p.pre);
    const tombstone = JSON.stringify({ name: '', at: Date.now(), poisoned: intent.op });
    const args = which === 'probe' ? action('probe', C, kind, a, b) : action('poison', C, kind, a, b, `p${intent.t}`, tombstone);
    const [result] = await this.#step(intent.p.x, [args], 'all');
    return result as 'committed' | 'pending' | 'poisoned' | 'over';
  }

  #lockAction(step: Step, L: Buffer): Arg[] {
    if (step.k === 'id') {
      const [kind, a, b] = preArgs(step.pre);
      return action('lockid', L, kind, a, b);
    }
    if ('at' in step.pre) return action('lockent', step.n, L, 'at', step.pre.at === step.h ? 'home' : step.pre.at);
    return action('lockent', step.n, L, 'none', '', step.pre.empty ? '1' : '');
  }

  #finishAction(step: Step, L: Buffer, C: Buffer): Arg[] {
    if (step.k === 'id') {
      const [kind, a, b] = finArgs(step.fin);
      return action('finid', L, C, kind, a, b);
    }
    return action('finent', step.n, L, C, step.fin ?? '');
  }

  #undoAction(step: Step, L: Buffer, token: string): Arg[] {
    if (step.k === 'id') {
      const [kind, a, b] = preArgs(step.pre);
      // A name comes back in a new life: writes sent while it was locked must not pass as the old one.
      return action('undoid', L, kind, a, b, `u${token}`);
    }
    const restore = 'at' in step.pre && step.pre.at !== step.h ? step.pre.at : '';
    return action('undoent', step.n, L, restore);
  }

  /** Within one slot, entries before ids: an entry's "at home" check reads the home's name, which an id step changes. */
  #ordered(steps: Step[]): Step[] {
    return [...steps.filter((s) => s.k === 'entry'), ...steps.filter((s) => s.k === 'id')];
  }

  /** One STEP_SCRIPT per slot, all in parallel; results in the order of `steps`. */
  async #perSlot(steps: Step[], toAction: (step: Step) => Arg[], mode: 'stop' | 'all'): Promise<string[]> {
    const bySlot = new Map<string, Step[]>();
    for (const step of this.#ordered(steps)) {
      const list = bySlot.get(slotOf(step)) ?? [];
      list.push(step);
      bySlot.set(slotOf(step), list);
    }
    const answers = new Map<Step, string>();
    await Promise.all(
      [...bySlot].map(async ([slot, list]) => {
        const results = await this.#step(slot, list.map(toAction), mode);
        for (const [i, step] of list.entries()) answers.set(step, results[i]!);
      }),
    );
    return steps.map((step) => answers.get(step)!);
  }

  #firstFailure(steps: Step[], results: string[]): undefined | { busy: string } | { step: Step; reason: string } {
    // A lock held by another operation first: it explains the skips after it.
    const busy = results.find((r) => r.startsWith('busy'));
    if (busy !== undefined) return { busy: busy.slice(4) };
    const index = results.findIndex((r) => r !== 'ok' && r !== 'skipped');
    if (index >= 0) return { step: steps[index]!, reason: results[index]! };
    return undefined;
  }

  async #step(slot: string, actions: Arg[][], mode: 'stop' | 'all'): Promise<string[]> {
    if (actions.length === 0) return [];
    const id = parseIdHex(slot);
    if (id === undefined) throw new ScopedDbError('STORAGE', `a lifecycle step names the id ${JSON.stringify(slot)}`);
    const results = await this.caller.eval<(string | Buffer)[]>('lifecycle step', STEP_SCRIPT, idRecordArgs(id), [mode, ...actions.flat()]);
    return results.map((r) => r.toString());
  }
}
