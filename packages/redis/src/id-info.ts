/**
 * What an id's slot says about the id (ID_INFO_SCRIPT), for listings and reclaim, and the
 * bounded parallelism they read many ids with.
 */
import type { RedisCaller } from './caller.js';
import { ID_INFO_SCRIPT, idRecordArgs } from './scripts.js';

/** Scripts a listing or reclaim keeps in flight (they go to different slots). */
const PARALLEL = 64;

/** What an id's slot says about it (ID_INFO_SCRIPT), decoded. */
export interface IdInfo {
  name: Buffer | null;
  gen: string | null;
  dropped: boolean;
  reserved: string | null;
  /** The home entry of the recorded name, read in this id's slot. */
  entry: string | null;
  databases: string[];
}

export async function idInfo(caller: RedisCaller, id: bigint, context: string): Promise<IdInfo> {
  const [name, gen, dropped, reserved, entry, databases] = await caller.eval<
    [Buffer | null, Buffer | null, number, Buffer | null, Buffer | null, Buffer[]]
  >(context, ID_INFO_SCRIPT, idRecordArgs(id), [], true);
  return {
    name,
    gen: gen?.toString() ?? null,
    dropped: Number(dropped) === 1,
    reserved: reserved?.toString() ?? null,
    entry: entry?.toString() ?? null,
    databases: databases.map((d) => d.toString()),
  };
}

export async function mapLimited<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return results;
}
