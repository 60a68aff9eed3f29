// API reference: typedoc over every public entry of every package (from its package.json
// `exports`, minus `./internal`), into docs/api. `--check` writes nothing and fails on any
// public member without TSDoc, a broken {@link}, or a type that is used but not exported.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Application, LogLevel } from 'typedoc';

const check = process.argv.includes('--check');
const entryPoints = [];
const packages = [];
for (const dir of readdirSync('packages')) {
  const pkg = JSON.parse(readFileSync(join('packages', dir, 'package.json'), 'utf8'));
  packages.push(pkg.name);
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    const source = typeof target === 'object' ? target['@scoped-lmdb/source'] : undefined;
    if (source && subpath !== './internal') entryPoints.push(join('packages', dir, source));
  }
}

const app = await Application.bootstrapWithPlugins({
  entryPoints,
  tsconfig: 'tsconfig.docs.json',
  out: 'docs/api',
  name: 'scoped-lmdb',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  packagesRequiringDocumentation: packages,
  treatValidationWarningsAsErrors: check,
  treatWarningsAsErrors: check,
  logLevel: LogLevel.Warn,
  disableSources: true,
});
const project = await app.convert();
if (!project) process.exit(1);
app.validate(project);
if (app.logger.hasErrors() || (check && app.logger.hasWarnings())) {
  console.error(`docs: ${app.logger.errorCount} errors, ${app.logger.warningCount} warnings`);
  process.exit(1);
}
if (!check) await app.generateDocs(project, 'docs/api');
console.log(check ? `docs: ${entryPoints.length} entry points, every public member documented` : 'docs: wrote docs/api');
