// abstract-level ships its compliance suite (test/index.js, CommonJS) without types.
declare module 'abstract-level/test/index.js' {
  /** Registers the whole suite on `test` (tape); `factory(options)` returns a new, unopened, isolated database. */
  export default function suite(options: { test: unknown; factory: (options?: object) => unknown }): void;
}
