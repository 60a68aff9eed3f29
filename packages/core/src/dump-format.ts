/**
 * The only module that knows the bytes of a scope dump (`exportScope` / `importScope` on both
 * backends; docs/dump-format.md is its specification). No lmdb import: the Redis backend and
 * the CLI read and write dumps with it too.
 *
 *   magic    8 bytes  0x89 "SLDUMP" 0x0A
 *   version  u16 BE   DUMP_VERSION
 *   header   u32 BE length ‖ UTF-8 JSON (DumpHeader)
 *   for each database of the header, in its order:
 *     'D' ‖ u16 BE index
 *     per entry: 'E' ‖ u16 BE key length ‖ u32 BE value length ‖ key ‖ value
 *               (key: the encoded key without any scope id; keys strictly ascending by bytes)
 *   trailer  'T' ‖ u32 BE length ‖ UTF-8 JSON { "entries": [count per database] }
 *   checksum 8 bytes  xxh64 (seed 0), big-endian, of every byte before it
 *
 * Every integer is big-endian. The writer buffers into chunks (CHUNK_BYTES) and waits for the
 * sink between them; the reader parses what it has, carries a partial frame over, and reports
 * any damage (truncation, bad framing, wrong counts, bad checksum, unknown magic or version)
 * as `STORAGE` with the byte offset.
 */
import xxhash from 'xxhash-wasm';
import { ScopedDbError, wrapError } from './errors.js';
import { KEY_FORMAT_VERSION, MAX_KEY_BYTES } from './key-format.js';
import { type NamedScope, Scope, type ScopeLike } from './scope.js';

const { create64 } = await xxhash();

/** The format's name, in every header. */
export const DUMP_FORMAT = 'scoped-lmdb-dump';
/** The layout version this module writes and the only one it reads. */
export const DUMP_VERSION = 1;
/** The first 8 bytes of every dump (PNG-style: a non-ASCII byte first, a newline last, so text-mode damage shows). */
export const DUMP_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x53, 0x4c, 0x44, 0x55, 0x4d, 0x50, 0x0a);

const TAG_DATABASE = 0x44; // 'D'
const TAG_ENTRY = 0x45; // 'E'
const TAG_TRAILER = 0x54; // 'T'
/** Bytes in front of an entry's key: tag, u16 key length, u32 value length. */
const ENTRY_HEAD = 7;
/** The largest header or trailer JSON a reader accepts (a header names at most a few thousand databases). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** The writer hands the sink chunks of about this size. */
export const CHUNK_BYTES = 64 * 1024;
/** The reader parses input in slices of at least this much (one write transaction each on import). */
const PARSE_BYTES = 1024 * 1024;

/** One database of a dump, as its header describes it. */
export interface DumpDatabase {
  /** The scoped database's name. */
  name: string;
  /** The kind its meta record holds (`types`, `bytesKeys`, `rawBytes`); null when the backend records none (Redis). */
  kind: string | null;
  /** Its key codec's name, as stored. */
  keyCodec: string;
  /** Its value codec's name, as stored. */
  valueCodec: string;
  /** The entries the exporter expected when it started (progress totals); the trailer holds the exact count. */
  entries: number;
}

/** The header of a dump. */
export interface DumpHeader {
  /** Always `DUMP_FORMAT`. */
  format: string;
  /** Always `DUMP_VERSION` for a dump this module reads. */
  version: number;
  /** The key format version of the stored keys (`keyFormat.version`). */
  keyFormat: number;
  /** The name of the scope that was exported. */
  scope: string;
  /** Which backend wrote it (`lmdb` or `redis`); informative. */
  backend: string;
  /** The databases, in the order their sections follow. */
  databases: DumpDatabase[];
}

/** What an export wrote or an import loaded: entries in all, and per database name. */
export interface DumpSummary {
  /** Entries in all the databases together. */
  entries: number;
  /** Entries per database name. */
  databases: Record<string, number>;
}

/** Where an export writes: a writable stream (its backpressure is respected; it is not ended), or a function (awaited when it returns a Promise). */
export type DumpSink = NodeJS.WritableStream | ((chunk: Uint8Array) => void | Promise<void>);
/** Where an import reads: any async iterable of byte chunks, or a readable stream. */
export type DumpSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;
/** Called after every batch with the entries done so far and the total expected. */
export type DumpProgress = (done: number, total: number) => void;

/** Options of `exportScope`. */
export interface ExportScopeOptions {
  /** The databases to export (default: every scoped database of the env or store). */
  databases?: readonly string[];
  /** Called after every batch with entries written and the total. */
  onProgress?: DumpProgress;
}

/** Options of `importScope`. */
export interface ImportScopeOptions {
  /** Drop a target that is registered or holds data, in the step that makes the import visible. */
  replace?: boolean;
  /** The databases of the dump to load (default: all of them); the others are read, checked and skipped. */
  databases?: readonly string[];
  /** Called after every batch with entries loaded and the total the header announces. */
  onProgress?: DumpProgress;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The scope an export or import works on: a named one (DEFAULT has no id to switch atomically: INVALID_INPUT). */
export function dumpScope(scope: ScopeLike, method: string): NamedScope {
  const s = Scope.from(scope);
  if (!s.isNamed()) {
    throw new ScopedDbError(
      'INVALID_INPUT',
      `${method}: the default scope cannot be exported or imported (it has no id to switch atomically); use a named scope`,
    );
  }
  return s;
}

/** An export's or import's failure: our errors as they are, anything else STORAGE naming the call and scope. */
export function dumpFailure(method: string, scope: NamedScope, error: unknown): ScopedDbError {
  return wrapError(error, 'STORAGE', `${method} of scope ${JSON.stringify(scope.name)}`);
}

/** Checks the export/import options every backend takes (INVALID_INPUT); returns the database list if given. */
export function checkDumpOptions(options: unknown, method: string): readonly string[] | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new ScopedDbError('INVALID_INPUT', `${method}: options must be an object`);
  const { databases, onProgress, replace } = options as ImportScopeOptions;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', `${method}: onProgress must be a function`);
  }
  if (replace !== undefined && typeof replace !== 'boolean')
    throw new ScopedDbError('INVALID_INPUT', `${method}: replace must be a boolean`);
  if (databases === undefined) return undefined;
  if (!Array.isArray(databases) || databases.length === 0 || databases.some((name) => typeof name !== 'string' || name === '')) {
    throw new ScopedDbError('INVALID_INPUT', `${method}: databases must be a non-empty array of database names`);
  }
  return databases;
}

/**
 * Which of the dump's databases an import loads (`only`: the `databases` option), after checking
 * that each database `only` names is in the dump (INVALID_INPUT). Both backends' imports start here.
 */
export function selectDumpDatabases(header: DumpHeader, only: readonly string[] | undefined, context: string): boolean[] {
  for (const name of only ?? []) {
    if (!header.databases.some((db) => db.name === name)) {
      throw new ScopedDbError('INVALID_INPUT', `${context}: the dump holds no database "${name}"`);
    }
  }
  return header.databases.map((db) => !only || only.includes(db.name));
}

/** CODEC_MISMATCH unless the target database records the codec names the dump was made with. */
export function checkDumpCodecs(db: DumpDatabase, target: { keyCodec: string; valueCodec: string }, context: string): void {
  if (target.keyCodec === db.keyCodec && target.valueCodec === db.valueCodec) return;
  throw new ScopedDbError(
    'CODEC_MISMATCH',
    `${context}: database "${db.name}" stores keys as ${JSON.stringify(target.keyCodec)} and values as ${JSON.stringify(target.valueCodec)}, ` +
      `the dump holds ${JSON.stringify(db.keyCodec)} keys and ${JSON.stringify(db.valueCodec)} values; nothing was imported`,
  );
}

// ---- writing ----

type ChunkSink = (chunk: Uint8Array) => void | Promise<void>;

interface SinkCalls {
  write: ChunkSink;
  wait: () => Promise<void>;
  /** Lets go of the sink (a stream's error listener). */
  release: () => void;
}

function sinkFunction(sink: DumpSink, method: string): SinkCalls {
  if (typeof sink === 'function') {
    // One call at a time: a sink that returns a Promise (a FileHandle's write) gets the next
    // chunk only once it settled; chunks given meanwhile wait here (bounded by `settle()`).
    const queue: Uint8Array[] = [];
    let running: Promise<void> | undefined;
    let failure: { error: unknown } | undefined;
    const call = (chunk: Uint8Array): void => {
      const result = sink(chunk);
      if (result && typeof (result as Promise<void>).then === 'function') {
        running = (result as Promise<void>).then(next, (error: unknown) => {
          failure ??= { error };
          running = undefined;
          queue.length = 0;
        });
      }
    };
    const next = (): void => {
      running = undefined;
      const chunk = queue.shift();
      if (chunk) call(chunk);
    };
    return {
      write: (chunk) => {
        if (failure) throw failure.error;
        if (running) queue.push(chunk);
        else call(chunk);
      },
      wait: async () => {
        while (running) await running;
        if (failure) throw failure.error;
      },
      release: () => {},
    };
  }
  if (sink === null || typeof sink !== 'object' || typeof (sink as NodeJS.WritableStream).write !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', `${method}: the sink must be a writable stream or a function taking byte chunks`);
  }
  const stream = sink as NodeJS.WritableStream;
  let full = false;
  let failure: unknown;
  const onError = (error: unknown) => {
    failure ??= error;
  };
  stream.on('error', onError);
  return {
    write: (chunk) => {
      if (failure !== undefined) throw failure;
      if (!stream.write(chunk)) full = true;
    },
    wait: async () => {
      if (failure !== undefined) throw failure;
      if (!full) return;
      full = false;
      await new Promise<void>((resolve, reject) => {
        const done = (error?: unknown) => {
          stream.off('drain', onDrain);
          stream.off('error', onFail);
          stream.off('close', onClose);
          if (error === undefined) resolve();
          else reject(error);
        };
        const onDrain = () => done();
        const onFail = (error: unknown) => done(error ?? new Error('the sink failed'));
        const onClose = () => done(new Error('the sink closed before the dump was written'));
        stream.on('drain', onDrain);
        stream.on('error', onFail);
        stream.on('close', onClose);
      });
    },
    release: () => {
      stream.off('error', onError);
    },
  };
}

/**
 * Writes one dump to a sink: `start()` once, then for each database of the header (in order)
 * `database(i)` and its entries, then `finish()`. `entry` only copies into the current chunk;
 * call `settle()` between batches (never inside a read transaction's synchronous block if that
 * matters to you: it awaits the sink).
 */
export class DumpWriter {
  readonly #header: DumpHeader;
  readonly #sink: SinkCalls;
  readonly #hasher = create64();
  readonly #counts: number[];
  readonly #method: string;
  #chunk = new Uint8Array(CHUNK_BYTES);
  #used = 0;
  /** Bytes handed to the sink since the last settle (so a caller can bound what waits there). */
  #unsettled = 0;
  #current = -1;
  #started = false;

  constructor(sink: DumpSink, header: Omit<DumpHeader, 'format' | 'version' | 'keyFormat'>, method = 'exportScope') {
    this.#method = method;
    this.#sink = sinkFunction(sink, method);
    this.#header = { format: DUMP_FORMAT, version: DUMP_VERSION, keyFormat: KEY_FORMAT_VERSION, ...header };
    this.#counts = header.databases.map(() => 0);
  }

  /** Writes the magic, version and header. */
  start(): void {
    if (this.#started) throw new ScopedDbError('INVALID_INPUT', `${this.#method}: the dump was started already`);
    this.#started = true;
    this.#bytes(DUMP_MAGIC);
    this.#u16(DUMP_VERSION);
    const json = utf8.encode(JSON.stringify(this.#header));
    this.#u32(json.length);
    this.#bytes(json);
  }

  /** Starts the section of the header's database `index` (sections come in header order). */
  database(index: number): void {
    if (index !== this.#current + 1 || index >= this.#counts.length) {
      throw new ScopedDbError('INVALID_INPUT', `${this.#method}: database sections must follow the header's order`);
    }
    this.#current = index;
    this.#room(3);
    this.#chunk[this.#used++] = TAG_DATABASE;
    this.#u16(index);
  }

  /**
   * One entry of the current database: the encoded key (no scope id) and the stored value; both
   * are copied at once. `keyStart` skips that many bytes of `key` (a stored key's scope id)
   * without making a view of it (a view of a Node Buffer costs more than the copy).
   */
  entry(key: Uint8Array, value: Uint8Array, keyStart = 0): void {
    const keyLength = key.length - keyStart;
    const size = ENTRY_HEAD + keyLength + value.length;
    if (size <= CHUNK_BYTES) {
      this.#room(size);
      const chunk = this.#chunk;
      let at = this.#used;
      chunk[at] = TAG_ENTRY;
      chunk[at + 1] = keyLength >>> 8;
      chunk[at + 2] = keyLength & 0xff;
      const n = value.length;
      chunk[at + 3] = n >>> 24;
      chunk[at + 4] = (n >>> 16) & 0xff;
      chunk[at + 5] = (n >>> 8) & 0xff;
      chunk[at + 6] = n & 0xff;
      at += ENTRY_HEAD;
      if (keyLength <= 64) {
        for (let i = keyStart; i < key.length; i++) chunk[at++] = key[i] as number;
      } else {
        chunk.set(keyStart === 0 ? key : key.subarray(keyStart), at);
        at += keyLength;
      }
      chunk.set(value, at);
      this.#used = at + n;
    } else {
      this.#room(ENTRY_HEAD);
      this.#chunk[this.#used++] = TAG_ENTRY;
      this.#u16(keyLength);
      this.#u32(value.length);
      this.#bytes(keyStart === 0 ? key : key.subarray(keyStart));
      this.#bytes(value);
    }
    this.#counts[this.#current]!++;
  }

  /** Bytes given to the sink since the last `settle()`. */
  get unsettled(): number {
    return this.#unsettled;
  }

  /** Waits until the sink took what it was given (a stream's drain, a function's Promise). */
  async settle(): Promise<void> {
    this.#unsettled = 0;
    await this.#sink.wait();
  }

  /** Sections of the databases not started yet, the trailer, the checksum; resolves when the sink took it all. */
  async finish(): Promise<DumpSummary> {
    while (this.#current + 1 < this.#counts.length) this.database(this.#current + 1);
    const json = utf8.encode(JSON.stringify({ entries: this.#counts }));
    this.#room(5);
    this.#chunk[this.#used++] = TAG_TRAILER;
    this.#u32(json.length);
    this.#bytes(json);
    this.#flush();
    const checksum = new Uint8Array(8);
    new DataView(checksum.buffer).setBigUint64(0, this.#hasher.digest(), false);
    this.#sink.write(checksum);
    await this.settle();
    this.release();
    const databases: Record<string, number> = {};
    let entries = 0;
    for (const [i, db] of this.#header.databases.entries()) {
      databases[db.name] = this.#counts[i] as number;
      entries += this.#counts[i] as number;
    }
    return { entries, databases };
  }

  /** Lets go of the sink (done by `finish`; call it when giving up on a dump half-way). */
  release(): void {
    this.#sink.release();
  }

  #room(bytes: number): void {
    if (this.#used + bytes > CHUNK_BYTES) this.#flush();
  }

  #flush(): void {
    if (this.#used === 0) return;
    const chunk = this.#chunk.subarray(0, this.#used);
    this.#hasher.update(chunk);
    this.#unsettled += chunk.length;
    this.#chunk = new Uint8Array(CHUNK_BYTES); // the sink may keep the one it was given
    this.#used = 0;
    this.#sink.write(chunk);
  }

  #u16(n: number): void {
    this.#room(2);
    this.#chunk[this.#used++] = n >>> 8;
    this.#chunk[this.#used++] = n & 0xff;
  }

  #u32(n: number): void {
    this.#room(4);
    new DataView(this.#chunk.buffer, this.#chunk.byteOffset).setUint32(this.#used, n, false);
    this.#used += 4;
  }

  /** Bytes of any length, split over chunks as needed. */
  #bytes(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.#used === CHUNK_BYTES) this.#flush();
      const n = Math.min(bytes.length - from, CHUNK_BYTES - this.#used);
      this.#chunk.set(bytes.subarray(from, from + n), this.#used);
      this.#used += n;
      from += n;
    }
  }
}

// ---- reading ----

function damaged(context: string, offset: number, what: string): ScopedDbError {
  return new ScopedDbError('STORAGE', `${context}: the dump is damaged at byte ${offset}: ${what}; nothing was imported`);
}

function chunksOf(source: DumpSource, method: string): AsyncIterator<Uint8Array | string> {
  const iterable = source as AsyncIterable<Uint8Array>;
  if (source === null || typeof source !== 'object' || typeof iterable[Symbol.asyncIterator] !== 'function') {
    throw new ScopedDbError('INVALID_INPUT', `${method}: the source must be a readable stream or an async iterable of byte chunks`);
  }
  return iterable[Symbol.asyncIterator]();
}

function parseJson(bytes: Uint8Array, context: string, offset: number, what: string): unknown {
  try {
    return JSON.parse(strictUtf8.decode(bytes));
  } catch {
    throw damaged(context, offset, `the ${what} is not UTF-8 JSON`);
  }
}

function isCount(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

function checkHeader(value: unknown, context: string, offset: number): DumpHeader {
  const header = value as DumpHeader;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    header.format === DUMP_FORMAT &&
    header.version === DUMP_VERSION &&
    typeof header.scope === 'string' &&
    Array.isArray(header.databases) &&
    header.databases.every(
      (db) =>
        typeof db === 'object' &&
        db !== null &&
        typeof db.name === 'string' &&
        db.name !== '' &&
        (db.kind === null || typeof db.kind === 'string') &&
        typeof db.keyCodec === 'string' &&
        typeof db.valueCodec === 'string' &&
        isCount(db.entries),
    ) &&
    new Set(header.databases.map((db) => db.name)).size === header.databases.length;
  if (!ok) throw damaged(context, offset, 'the header is not a scoped-lmdb dump header');
  if (header.keyFormat !== KEY_FORMAT_VERSION) {
    throw damaged(context, offset, `the keys use key format ${String(header.keyFormat)}, this version reads ${KEY_FORMAT_VERSION}`);
  }
  return header;
}

/** What `DumpReader.entries` calls: `entry` for each entry (views into the reader's buffer: copy what you keep), `batch` around each slice. */
export interface DumpVisitor {
  /** One entry of the header's database `database`; `key` and `value` are valid during the call only. */
  entry(database: number, key: Uint8Array, value: Uint8Array): void;
  /**
   * Runs `parse` (which calls `entry` for the entries of one slice of input) and then does what
   * the batch needs (commit, send); awaited. Default: just `parse()`.
   */
  batch?(parse: () => void): void | Promise<void>;
}

/**
 * Reads one dump from a source: `header()` first, then `entries(visitor)` once. The checksum
 * is known only at the end: an importer writes where no reader looks until `entries` resolved.
 */
export class DumpReader {
  readonly #chunks: AsyncIterator<Uint8Array | string>;
  readonly #context: string;
  readonly #hasher = create64();
  /** Unparsed input. */
  #buffer: Uint8Array = new Uint8Array(0);
  #at = 0;
  /** How much of `#buffer` the checksum has seen. */
  #hashed = 0;
  /** Stream offset of `#buffer[0]`. */
  #base = 0;
  #ended = false;
  #header: DumpHeader | undefined;
  /** The previous key of the current section (keys ascend strictly). */
  #previous = new Uint8Array(MAX_KEY_BYTES);
  #previousLength = -1;

  /** `context` starts every error message (e.g. `importScope of scope "a"`). */
  constructor(source: DumpSource, context = 'importScope') {
    this.#context = context;
    this.#chunks = chunksOf(source, context);
  }

  /** Reads and checks the magic, version and header. */
  async header(): Promise<DumpHeader> {
    if (this.#header) return this.#header;
    await this.#need(10);
    const magic = this.#buffer.subarray(this.#at, this.#at + 8);
    if (!magic.every((byte, i) => byte === DUMP_MAGIC[i]))
      throw damaged(this.#context, this.#offset(), 'this is not a scoped-lmdb dump (wrong magic)');
    const version = (this.#buffer[this.#at + 8]! << 8) | this.#buffer[this.#at + 9]!;
    if (version !== DUMP_VERSION) {
      throw damaged(this.#context, this.#offset() + 8, `dump format version ${version}, this version reads ${DUMP_VERSION} only`);
    }
    this.#consume(10);
    const json = await this.#block('header');
    this.#header = checkHeader(parseJson(json.bytes, this.#context, json.offset, 'header'), this.#context, json.offset);
    return this.#header;
  }

  /**
   * Reads every section, the trailer and the checksum, calling `visitor` for the entries.
   * Resolves with the entries per database once the whole dump checked out.
   */
  async entries(visitor: DumpVisitor): Promise<DumpSummary> {
    const header = await this.header();
    const counts = header.databases.map(() => 0);
    let section = -1;
    let trailer: { bytes: Uint8Array; offset: number } | undefined;
    const batch = visitor.batch ?? ((parse: () => void) => parse());
    /** Bytes the frame at the cursor needs when the input held part of it only. */
    let want = 0;
    while (!trailer) {
      await this.#fill(Math.max(PARSE_BYTES, want));
      let partial = false;
      want = 0;
      const parse = () => {
        for (;;) {
          const left = this.#buffer.length - this.#at;
          if (left === 0) return;
          const tag = this.#buffer[this.#at]!;
          if (tag === TAG_ENTRY) {
            if (left < ENTRY_HEAD) {
              partial = true;
              return;
            }
            if (section < 0) throw damaged(this.#context, this.#offset(), 'an entry before any database section');
            const b = this.#buffer;
            const at = this.#at;
            const keyLength = (b[at + 1]! << 8) | b[at + 2]!;
            const valueLength = ((b[at + 3]! << 24) | (b[at + 4]! << 16) | (b[at + 5]! << 8) | b[at + 6]!) >>> 0;
            // A 0-byte key is a named scope's empty key (the default scope cannot hold one).
            if (keyLength > MAX_KEY_BYTES) throw damaged(this.#context, this.#offset(), `an entry with a ${keyLength}-byte key`);
            if (left < ENTRY_HEAD + keyLength + valueLength) {
              want = ENTRY_HEAD + keyLength + valueLength;
              partial = true;
              return;
            }
            const key = b.subarray(at + ENTRY_HEAD, at + ENTRY_HEAD + keyLength);
            this.#ascending(key);
            const value = b.subarray(at + ENTRY_HEAD + keyLength, at + ENTRY_HEAD + keyLength + valueLength);
            visitor.entry(section, key, value);
            counts[section]!++;
            this.#consume(ENTRY_HEAD + keyLength + valueLength);
          } else if (tag === TAG_DATABASE) {
            if (left < 3) {
              partial = true;
              return;
            }
            const index = (this.#buffer[this.#at + 1]! << 8) | this.#buffer[this.#at + 2]!;
            if (index !== section + 1 || index >= header.databases.length) {
              throw damaged(this.#context, this.#offset(), `section of database #${index} where #${section + 1} was due`);
            }
            section = index;
            this.#previousLength = -1;
            this.#consume(3);
          } else if (tag === TAG_TRAILER) {
            if (section !== header.databases.length - 1) {
              throw damaged(
                this.#context,
                this.#offset(),
                `the trailer after ${section + 1} of ${header.databases.length} database sections`,
              );
            }
            return; // read outside the batch (it may need more input)
          } else {
            throw damaged(this.#context, this.#offset(), `byte 0x${tag.toString(16).padStart(2, '0')} where a frame starts`);
          }
        }
      };
      await batch(parse);
      const left = this.#buffer.length - this.#at;
      if (left > 0 && this.#buffer[this.#at] === TAG_TRAILER && !partial) {
        this.#consume(1);
        trailer = await this.#block('trailer');
      } else if (this.#ended && (left === 0 || partial)) {
        throw damaged(this.#context, this.#base + this.#buffer.length, 'it ends too early (truncated)');
      }
    }
    const stated = (parseJson(trailer.bytes, this.#context, trailer.offset, 'trailer') as { entries?: unknown }).entries;
    if (!Array.isArray(stated) || stated.length !== counts.length || stated.some((n, i) => n !== counts[i])) {
      throw damaged(
        this.#context,
        trailer.offset,
        `the trailer counts ${JSON.stringify(stated)} entries, the sections hold ${JSON.stringify(counts)}`,
      );
    }
    this.#hashRead();
    const digest = this.#hasher.digest();
    await this.#need(8, true);
    const offset = this.#offset();
    const stored = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + this.#at, 8).getBigUint64(0, false);
    this.#at += 8;
    if (stored !== digest) throw damaged(this.#context, offset, 'the checksum does not match its content');
    await this.#fill(1);
    if (this.#buffer.length > this.#at) throw damaged(this.#context, this.#offset(), 'bytes follow the checksum');
    const databases: Record<string, number> = {};
    let entries = 0;
    for (const [i, db] of header.databases.entries()) {
      databases[db.name] = counts[i] as number;
      entries += counts[i] as number;
    }
    return { entries, databases };
  }

  /** Stops reading the source (a stream is destroyed); an importer calls it when it gives up. */
  cancel(): void {
    this.#ended = true;
    void Promise.resolve(this.#chunks.return?.()).catch(() => {});
  }

  #offset(): number {
    return this.#base + this.#at;
  }

  /** Keys of one section ascend strictly (what both backends store): a repeated or misplaced key is damage. */
  #ascending(key: Uint8Array): void {
    const previous = this.#previous;
    const length = this.#previousLength;
    if (length >= 0) {
      const n = Math.min(length, key.length);
      let i = 0;
      while (i < n && previous[i] === key[i]) i++;
      const above = i < n ? (key[i] as number) > (previous[i] as number) : key.length > length;
      if (!above) throw damaged(this.#context, this.#offset(), 'a key out of order (keys of a section ascend strictly)');
    }
    previous.set(key, 0);
    this.#previousLength = key.length;
  }

  /** A u32-length-prefixed JSON block at the cursor. */
  async #block(what: string): Promise<{ bytes: Uint8Array; offset: number }> {
    await this.#need(4, true);
    const offset = this.#offset();
    const length = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + this.#at, 4).getUint32(0, false);
    if (length > MAX_JSON_BYTES) throw damaged(this.#context, offset, `a ${length}-byte ${what}`);
    this.#consume(4);
    await this.#need(length, true);
    const bytes = this.#buffer.slice(this.#at, this.#at + length);
    this.#consume(length);
    return { bytes, offset: offset + 4 };
  }

  /** Marks `n` bytes at the cursor read (they count into the checksum, hashed in bulk by `#hashRead`). */
  #consume(n: number): void {
    this.#at += n;
  }

  /** Feeds the bytes read since the last call to the checksum (one wasm call per slice, not per frame). */
  #hashRead(): void {
    if (this.#at > this.#hashed) this.#hasher.update(this.#buffer.subarray(this.#hashed, this.#at));
    this.#hashed = this.#at;
  }

  /** At least `n` unread bytes, or damage (truncated) when `strict` and the input ends first; else as many as there are. */
  async #need(n: number, strict = true): Promise<void> {
    await this.#fill(n);
    if (strict && this.#buffer.length - this.#at < n) {
      throw damaged(this.#context, this.#base + this.#buffer.length, 'it ends too early (truncated)');
    }
  }

  /** Reads input until `n` bytes are unread or the input ended. */
  async #fill(n: number): Promise<void> {
    if (this.#buffer.length - this.#at >= n || this.#ended) return;
    this.#hashRead();
    const parts: Uint8Array[] = [this.#buffer.subarray(this.#at)];
    let have = parts[0]!.length;
    while (have < n) {
      let next: IteratorResult<Uint8Array | string>;
      try {
        next = await this.#chunks.next();
      } catch (error) {
        throw new ScopedDbError('STORAGE', `${this.#context}: reading the dump failed: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
        });
      }
      if (next.done) {
        this.#ended = true;
        break;
      }
      const chunk = next.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new ScopedDbError(
          'INVALID_INPUT',
          `${this.#context}: the source gave a ${typeof chunk}, not bytes (open the file without an encoding)`,
        );
      }
      if (chunk.length === 0) continue;
      parts.push(chunk);
      have += chunk.length;
    }
    this.#base += this.#at;
    this.#at = 0;
    this.#hashed = 0;
    if (parts.length === 1) {
      // A plain Uint8Array over the chunk: views of a Node Buffer (one per entry) cost far more.
      const only = parts[0]!;
      this.#buffer = new Uint8Array(only.buffer, only.byteOffset, only.length);
      return;
    }
    const joined = new Uint8Array(have);
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    this.#buffer = joined;
  }
}
