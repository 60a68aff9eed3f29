// The package is ESM only: require() of it throws (see require.cjs). From CommonJS, load it with `await import()`.
declare const esmOnly: never;
export = esmOnly;
