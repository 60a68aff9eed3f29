import { PassThrough, Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, DUMP_MAGIC, DumpReader, type DumpSummary, DumpWriter } from '../src/dump-format.js';

type Db = { name: string; entries: [Uint8Array, Uint8Array][] };

const bytes = (text: string) => new TextEncoder().encode(text);

/** A dump of `dbs` (entries must be sorted by key) as one byte array. */
async function dumpOf(dbs: Db[], scope = 'tenant'): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const writer = new DumpWriter((chunk) => void chunks.push(new Uint8Array(chunk)), {
    scope,
    backend: 'test',
    databases: dbs.map((db) => ({ name: db.name, kind: 'rawBytes', keyCodec: 'bytes', valueCodec: 'bytes', entries: db.entries.length })),
  });
  writer.start();
  for (const [i, db] of dbs.entries()) {
    writer.database(i);
    for (const [key, value] of db.entries) writer.entry(key, value);
  }
  await writer.finish();
  return Buffer.concat(chunks);
}

/** Reads a dump back, entries per database (copied). */
async function read(source: AsyncIterable<Uint8Array>): Promise<{ dbs: Db[]; summary: DumpSummary }> {
  const reader = new DumpReader(source, 'test import');
  const header = await reader.header();
  const dbs: Db[] = header.databases.map((db) => ({ name: db.name, entries: [] }));
  const summary = await reader.entries({ entry: (i, key, value) => void dbs[i]!.entries.push([key.slice(), value.slice()]) });
  return { dbs, summary };
}

async function* pieces(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

const compare = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
const sample: Db[] = [
  {
    name: 'orders',
    entries: [
      [bytes('a'), bytes('1')],
      [bytes('b'), bytes('')],
      [Uint8Array.of(0), Uint8Array.of(0xff)],
    ].sort((x, y) => compare(x[0], y[0])) as [Uint8Array, Uint8Array][],
  },
  { name: 'empty', entries: [] },
  { name: 'users', entries: [[bytes('u1'), bytes('{"n":1}')]] },
];

async function expectDamage(data: Uint8Array, pattern: RegExp = /damaged at byte \d+/): Promise<void> {
  await expect(read(pieces(data, 7))).rejects.toMatchObject({
    name: 'ScopedDbError',
    code: 'STORAGE',
    message: expect.stringMatching(pattern),
  });
}

describe('dump format', () => {
  it('round-trips any databases and entries, whatever the chunking', async () => {
    const entry = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ maxLength: 300 }));
    const db = fc.record({
      name: fc.string({ minLength: 1, maxLength: 8 }),
      entries: fc.uniqueArray(entry, { selector: ([key]) => Buffer.from(key).toString('hex'), maxLength: 30 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(db, { selector: (d) => d.name, maxLength: 4 }),
        fc.integer({ min: 1, max: 5000 }),
        async (dbs, size) => {
          for (const d of dbs) d.entries.sort((x, y) => compare(x[0], y[0]));
          const data = await dumpOf(dbs);
          const { dbs: back, summary } = await read(pieces(data, size));
          expect(back.map((d) => ({ name: d.name, entries: d.entries.map(([k, v]) => [Buffer.from(k), Buffer.from(v)]) }))).toEqual(
            dbs.map((d) => ({ name: d.name, entries: d.entries.map(([k, v]) => [Buffer.from(k), Buffer.from(v)]) })),
          );
          expect(summary.entries).toBe(dbs.reduce((n, d) => n + d.entries.length, 0));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('carries values larger than a chunk and a key of the maximum size', async () => {
    const big = new Uint8Array(CHUNK_BYTES * 3 + 17).map((_, i) => i % 251);
    const dbs: Db[] = [{ name: 'blobs', entries: [[new Uint8Array(1970).fill(7), big]] }];
    const { dbs: back } = await read(pieces(await dumpOf(dbs), 1000));
    expect(Buffer.from(back[0]!.entries[0]![1]).equals(Buffer.from(big))).toBe(true);
  });

  it("skips a stored key's id with keyStart, for short and long keys alike", async () => {
    const chunks: Uint8Array[] = [];
    const writer = new DumpWriter((chunk) => void chunks.push(chunk), {
      scope: 's',
      backend: 'test',
      databases: [{ name: 'd', kind: null, keyCodec: 'bytes', valueCodec: 'bytes', entries: 2 }],
    });
    writer.start();
    writer.database(0);
    const id = new Uint8Array(8).fill(0xee);
    const short = Buffer.concat([id, bytes('abc')]);
    const long = Buffer.concat([id, new Uint8Array(500).fill(0x62), bytes('z')]);
    writer.entry(short, bytes('1'), 8);
    writer.entry(long, bytes('2'), 8);
    await writer.finish();
    const { dbs } = await read(pieces(Buffer.concat(chunks), 100));
    expect(dbs[0]!.entries.map(([key]) => Buffer.from(key).toString())).toEqual(['abc', `${'b'.repeat(500)}z`]);
  });

  it('starts with the magic and the version', async () => {
    const data = await dumpOf(sample);
    expect([...data.subarray(0, 10)]).toEqual([...DUMP_MAGIC, 0, 1]);
  });

  it('detects a flipped bit at every byte position', async () => {
    const data = await dumpOf(sample);
    for (let i = 0; i < data.length; i++) {
      const bad = new Uint8Array(data);
      bad[i]! ^= 0x10;
      await expectDamage(bad);
    }
  });

  it('detects truncation at every length, and bytes after the checksum', async () => {
    const data = await dumpOf(sample);
    for (let n = 0; n < data.length; n++) await expectDamage(data.subarray(0, n));
    await expectDamage(Buffer.concat([data, Uint8Array.of(0)]), /bytes follow the checksum/);
  });

  it('names wrong magic and an unknown version', async () => {
    const data = await dumpOf(sample);
    const other = new Uint8Array(data);
    other[0] = 0x50;
    await expectDamage(other, /wrong magic/);
    const newer = new Uint8Array(data);
    newer[9] = 2;
    await expectDamage(newer, /version 2, this version reads 1 only/);
  });

  it('refuses keys out of order and a repeated key, even with a good checksum', async () => {
    const unsorted = await dumpOf([
      {
        name: 'x',
        entries: [
          [bytes('b'), bytes('')],
          [bytes('a'), bytes('')],
        ],
      },
    ]);
    await expectDamage(unsorted, /out of order/);
    const repeated = await dumpOf([
      {
        name: 'x',
        entries: [
          [bytes('a'), bytes('1')],
          [bytes('a'), bytes('2')],
        ],
      },
    ]);
    await expectDamage(repeated, /out of order/);
  });

  it('writes to a stream with backpressure, waiting for drain', async () => {
    const received: Buffer[] = [];
    let waits = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk, _encoding, done) {
        received.push(chunk);
        setImmediate(done);
      },
    });
    slow.on('drain', () => waits++);
    const many: Db[] = [
      { name: 'n', entries: Array.from({ length: 20_000 }, (_, i) => [bytes(String(i).padStart(6, '0')), bytes('v'.repeat(20))]) },
    ];
    const writer = new DumpWriter(slow, {
      scope: 's',
      backend: 'test',
      databases: [{ name: 'n', kind: null, keyCodec: 'bytes', valueCodec: 'bytes', entries: 20_000 }],
    });
    writer.start();
    writer.database(0);
    for (const [key, value] of many[0]!.entries) {
      writer.entry(key, value);
      if (writer.unsettled > 4 * CHUNK_BYTES) await writer.settle();
    }
    const summary = await writer.finish();
    expect(summary).toEqual({ entries: 20_000, databases: { n: 20_000 } });
    expect(waits).toBeGreaterThan(0);
    const { dbs } = await read(Readable.from([Buffer.concat(received)]));
    expect(dbs[0]!.entries).toHaveLength(20_000);
  });

  it('calls an async sink one chunk at a time and reports its failure', async () => {
    let inFlight = 0;
    let most = 0;
    const chunks: Uint8Array[] = [];
    const sink = async (chunk: Uint8Array) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      chunks.push(chunk);
      inFlight--;
    };
    const writer = new DumpWriter(sink, {
      scope: 's',
      backend: 'test',
      databases: [{ name: 'n', kind: null, keyCodec: 'bytes', valueCodec: 'bytes', entries: 1 }],
    });
    writer.start();
    writer.database(0);
    for (let i = 0; i < 5000; i++) writer.entry(bytes(String(i).padStart(5, '0')), new Uint8Array(100));
    await writer.finish();
    expect(most).toBe(1);
    expect((await read(pieces(Buffer.concat(chunks), 4096))).summary.entries).toBe(5000);

    const failing = new DumpWriter(() => Promise.reject(new Error('disk full')), { scope: 's', backend: 'test', databases: [] });
    failing.start();
    await expect(failing.finish()).rejects.toThrow('disk full');
  });

  it('reads from a Node stream, and refuses text chunks and a non-source', async () => {
    const data = await dumpOf(sample);
    const stream = new PassThrough();
    stream.end(data);
    expect((await read(stream)).summary).toEqual({ entries: 4, databases: { orders: 3, empty: 0, users: 1 } });
    await expect(read(Readable.from(['text']))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => new DumpReader(42 as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => new DumpWriter({} as never, { scope: 's', backend: 'test', databases: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('reports a failing source as STORAGE', async () => {
    async function* broken(): AsyncIterable<Uint8Array> {
      yield DUMP_MAGIC;
      throw new Error('connection reset');
    }
    await expect(read(broken())).rejects.toMatchObject({ code: 'STORAGE', message: expect.stringContaining('connection reset') });
  });
});
