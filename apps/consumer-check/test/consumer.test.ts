// Why: inside the workspace every package resolves to its TypeScript sources (the @scoped-lmdb/source condition),
// so no other test sees what npm would install. This one packs every publishable package, installs the tarballs
// in a fresh ESM project outside the workspace (one project, reused by every case), and checks that the README
// quick start and a zod + registry program type-check under strict settings and run as they say, also with a
// second copy of core nested under the registry; that `npx scoped-lmdb` runs the packed CLI; that require() points
// CommonJS users to import(); and that
// publint and attw accept every tarball. It builds nothing: `npm ci` already built dist/ (the root `prepare`),
// and turbo builds the packages first (this app's devDependencies, `^build`).
import { type SpawnOptions, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  allowScripts?: Record<string, boolean>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const writeJson = (path: string, value: unknown) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

const rootManifest = readJson<Manifest>(join(repo, 'package.json'));
const publishable = readdirSync(join(repo, 'packages'))
  .map((dir) => readJson<Manifest>(join(repo, 'packages', dir, 'package.json')))
  .filter((manifest) => !manifest.private);
const manifestOf = (name: string) => {
  const manifest = publishable.find((m) => m.name === name);
  if (!manifest) throw new Error(`${name} is not a publishable package`);
  return manifest;
};
/** The registry packages the project installs, at the ranges the workspace declares for them. */
const fromRegistry = [
  `lmdb@${manifestOf('@scoped-lmdb/core').peerDependencies?.lmdb}`,
  `zod@${manifestOf('@scoped-lmdb/codec-zod').peerDependencies?.zod}`,
  `typescript@${rootManifest.devDependencies?.typescript}`,
  `@types/node@${rootManifest.devDependencies?.['@types/node']}`,
];

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for a child npm: without the npm_* variables that the `npm test` running us exports
 * (npm_config_local_prefix names the workspace, npm_package_* its manifest), which would make the child npm
 * act on the workspace; a registry, cache or proxy setting the user gave is kept.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|@.+:registry|cache|cafile|ca|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl)$/i;
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$)/i.test(key) && !keep.test(key)) continue;
    env[key] = value;
  }
  return env;
}

function run(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: childEnv(), ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
const show = (command: string, result: Result) => `${command} exited ${result.status}\n${result.stdout}\n${result.stderr}`;

/** Runs `jobs` two at a time (the machines this runs on have two cores). */
async function inPairs<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

const root = mkdtempSync(join(tmpdir(), 'scoped-lmdb-consumer-'));
const tarballDir = join(root, 'tarballs');
const project = join(root, 'project');
const tarballs = new Map<string, string>(); // package name -> .tgz path
const moduleDir = (name: string, under = project) => join(under, 'node_modules', ...name.split('/'));

/**
 * Runs the project's own tsc and returns its errors in the user's code and in our declarations. Errors in other
 * packages' declarations are not ours to fix and are left out (skipLibCheck is off so that ours are checked):
 * lmdb 3's index.d.ts has an `export =` that nodenext refuses in an ES module (TS1203), for every user alike.
 */
async function typeErrors(args: string[]): Promise<string[]> {
  const result = await run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), ...args], { cwd: project });
  // One diagnostic per `file(line,col): error TS…` line, with the indented lines that explain it.
  const errors = result.stdout.split(/\n(?=\S)/).filter((diagnostic) => /^\S+\(\d+,\d+\): error TS\d+/.test(diagnostic));
  if (result.status !== 0 && errors.length === 0) throw new Error(show(`tsc ${args.join(' ')}`, result));
  const readable = (diagnostic: string) =>
    diagnostic
      .trim()
      .replace(/\s*\n\s*/g, ' / ')
      .replaceAll(`${project}/`, '')
      .replaceAll(', { with: { "resolution-mode": "import" } }', '');
  return [...new Set(errors.map(readable).filter((e) => !/^node_modules\/(?!@scoped-lmdb\/)/.test(e)))];
}

/** The README's first TypeScript block: the quick start. */
function quickStart(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ts block');
  if (!block.includes("'./data'")) throw new Error("the README quick start no longer opens './data'");
  return block.replace("'./data'", JSON.stringify(join(root, 'quick-start-data')));
}

beforeAll(async () => {
  mkdirSync(tarballDir);
  mkdirSync(join(project, 'src'), { recursive: true });
  // --ignore-scripts: packing builds nothing; dist/ is what the build left.
  const workspaces = publishable.flatMap((m) => ['-w', m.name]);
  const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballDir, ...workspaces], { cwd: repo });
  if (pack.status !== 0) throw new Error(show('npm pack', pack));
  for (const { name, filename } of JSON.parse(pack.stdout) as Array<{ name: string; filename: string }>) {
    tarballs.set(name, join(tarballDir, filename));
  }

  // A user's project: ESM, outside the workspace, with the root's install-script policy (lmdb, msgpackr and
  // cbor-x load prebuilt binaries; nothing needs compiling).
  writeJson(join(project, 'package.json'), {
    name: 'scoped-lmdb-consumer',
    private: true,
    type: 'module',
    allowScripts: rootManifest.allowScripts,
  });
  writeJson(join(project, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      types: ['node'],
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  });
  const install = await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--prefer-offline',
      '--loglevel=error',
      ...tarballs.values(),
      ...fromRegistry,
    ],
    { cwd: project, timeoutMs: 150_000 },
  );
  if (install.status !== 0) throw new Error(show('npm install', install));

  writeFileSync(join(project, 'src/quick-start.ts'), quickStart());
  cpSync(join(repo, 'apps/consumer-check/fixtures/zod-registry.ts'), join(project, 'src/zod-registry.ts'));
  cpSync(join(repo, 'apps/consumer-check/fixtures/commonjs.cjs'), join(project, 'commonjs.cjs'));
});

afterAll(() => {
  // SCOPED_LMDB_KEEP_CONSUMER=1 keeps the project to look into after a failure.
  if (process.env.SCOPED_LMDB_KEEP_CONSUMER) console.log(`consumer project kept in ${project}`);
  else rmSync(root, { recursive: true, force: true });
});

interface Step {
  step: string;
  value?: unknown;
  error?: { scopedDbError?: boolean; code?: unknown; message?: string; issuePaths?: unknown };
}

/** What every step of fixtures/zod-registry.ts must print, in order. */
const expectedSteps: Step[] = [
  { step: 'create', value: 'function' },
  { step: 'putSync stores the parsed value', value: true },
  { step: 'put', value: true },
  { step: 'get returns the parsed value', value: { name: 'Ada', email: 'ada@example.com', role: 'member' } },
  {
    step: 'an invalid value is VALIDATION with issues',
    error: { scopedDbError: true, code: 'VALIDATION', issuePaths: [['name'], ['email']] },
  },
  { step: 'the invalid value wrote nothing', value: false },
  { step: 'listScopes', value: ['tenant-a', 'tenant-b'] },
  { step: 'registry.listAllScopes', value: ['(default)', 'tenant-a', 'tenant-b'] },
  { step: "registry.scopeExists takes core's Scope", value: true },
  { step: "isScopeEmpty takes the registry's Scope", value: true },
  { step: 'core: an empty scope name', error: { scopedDbError: true, code: 'EMPTY_SCOPE_NAME' } },
  { step: 'registry: an empty scope name', error: { scopedDbError: true, code: 'EMPTY_SCOPE_NAME' } },
  { step: 'clearSync', value: 1 },
  { step: 'pruneGloballyUnusedScopes', value: ['tenant-b'] },
  { step: 'registry.listAllScopes after the prune', value: ['(default)', 'tenant-a'] },
  { step: 'findEmptyScopes', value: [] },
];

/** Named scopes come in id order: compare them as a set, keeping '(default)' first. */
const normalise = (step: Step): Step =>
  Array.isArray(step.value) && step.value.every((v) => typeof v === 'string')
    ? { ...step, value: step.value[0] === '(default)' ? ['(default)', ...step.value.slice(1).sort()] : [...step.value].sort() }
    : step;

/** Runs the compiled zod + registry program on a fresh directory and checks each step on its own. */
async function checkZodRegistryProgram(): Promise<void> {
  const dir = mkdtempSync(join(root, 'zod-registry-data-'));
  const result = await run(process.execPath, ['dist/zod-registry.js', dir], { cwd: project });
  const printed = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => normalise(JSON.parse(line) as Step));
  for (const expected of expectedSteps) {
    const actual = printed.find((s) => s.step === expected.step);
    const label = `step "${expected.step}" (stderr: ${result.stderr.trim() || 'none'})`;
    // A value must be exactly that value; an error must have the class, code and issues given (its message may vary).
    if ('value' in expected) expect.soft(actual, label).toEqual(expected);
    else expect.soft(actual, label).toMatchObject(expected);
  }
  expect.soft(printed.map((s) => s.step)).toEqual(expectedSteps.map((s) => s.step));
  expect(result.status, show('node dist/zod-registry.js', result)).toBe(0);
}

describe('the packed packages, installed in a project outside the workspace', () => {
  it("packs every publishable package, and this app's devDependencies name them all (so turbo builds them first)", () => {
    expect([...tarballs.keys()].sort()).toEqual(publishable.map((m) => m.name).sort());
    const devDependencies = Object.keys(readJson<Manifest>(join(repo, 'apps/consumer-check/package.json')).devDependencies ?? {});
    expect(devDependencies.filter((name) => name.startsWith('@scoped-lmdb/')).sort()).toEqual(publishable.map((m) => m.name).sort());
  });

  it('installs one copy of core: no package got one of its own (core is a peer)', () => {
    const nested = publishable.map((m) => join(moduleDir(m.name), 'node_modules/@scoped-lmdb/core')).filter((dir) => existsSync(dir));
    expect(nested.map((dir) => relative(project, dir))).toEqual([]);
  });

  it('tsc type-checks and compiles the README quick start and the zod + registry program (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, nodenext)', async () => {
    expect(await typeErrors(['-p', '.'])).toEqual([]);
  });

  it('(a) the README quick start runs and prints what it says', async () => {
    const result = await run(process.execPath, ['dist/quick-start.js'], { cwd: project });
    expect(result.status, show('node dist/quick-start.js', result)).toBe(0);
    expect(result.stdout).toContain("{ item: 'tea', qty: 2 }");
    expect(result.stdout).toContain("{ item: 'coffee', qty: 1 }");
    expect(result.stdout).toMatch(/^1$/m);
  });

  it('npx scoped-lmdb --help runs the packed CLI, and the CLI reads the quick start env', async () => {
    const help = await run('npx', ['--no-install', 'scoped-lmdb', '--help'], { cwd: project });
    expect(help.status, show('npx scoped-lmdb --help', help)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: scoped-lmdb /m);
    expect(help.stdout).toMatch(/^ {2}scopes \[options\] <path>/m);
    const databases = await run('npx', ['--no-install', 'scoped-lmdb', 'databases', join(root, 'quick-start-data'), '--json'], {
      cwd: project,
    });
    expect(databases.status, show('npx scoped-lmdb databases', databases)).toBe(0);
    expect(JSON.parse(databases.stdout)).toEqual([expect.objectContaining({ name: 'orders', keyCodec: 'string', valueCodec: 'json' })]);
  });

  it('(b) zod + registry without Redis: parsed values, VALIDATION with issues, listScopes, prune', async () => {
    await checkZodRegistryProgram();
  });

  it('CommonJS: require() of every package throws an Error that says to use import(); import() loads core', async () => {
    // A package's root, or each of its entries when it has none (@scoped-lmdb/test-suite): what a user would require.
    const entriesOf = (m: Manifest) => {
      const paths = Object.keys(m.exports ?? {}).filter((path) => path !== './package.json');
      return paths.includes('.') ? [m.name] : paths.map((path) => `${m.name}${path.slice(1)}`);
    };
    const expectedMessage = (m: Manifest) =>
      `${m.name} is ESM only (it uses top-level await): from CommonJS, load it with ${entriesOf(m)
        .map((entry) => `\`await import('${entry}')\``)
        .join(' or ')}.`;
    const names = publishable.flatMap(entriesOf);
    const result = await run(process.execPath, ['commonjs.cjs', names.join(','), '@scoped-lmdb/core'], { cwd: project });
    expect(result.status, show('node commonjs.cjs', result)).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; require?: { code?: string; message?: string }; import?: string[] });
    for (const manifest of publishable) {
      for (const name of entriesOf(manifest)) {
        expect.soft(lines.find((l) => l.name === name && l.require)?.require, name).toEqual({
          code: 'ERR_REQUIRE_ESM',
          message: expectedMessage(manifest),
        });
      }
    }
    expect(lines.find((l) => l.import)?.import).toEqual(
      expect.arrayContaining(['Scope', 'ScopedDbError', 'codecs', 'scopedDatabaseOptions']),
    );
  });

  it('publint --strict and attw --profile esm-only accept every tarball', async () => {
    const jobs = [...tarballs].flatMap(([name, tgz]) => [
      async () => ({
        name,
        tool: 'publint --strict',
        result: await run(join(repo, 'node_modules/.bin/publint'), ['run', tgz, '--strict'], { cwd: root }),
      }),
      async () => ({
        name,
        tool: 'attw --profile esm-only',
        result: await run(join(repo, 'node_modules/.bin/attw'), [tgz, '--profile', 'esm-only', '--format', 'ascii', '--no-color'], {
          cwd: root,
        }),
      }),
    ]);
    for (const { name, tool, result } of await inPairs(jobs)) {
      expect.soft(result.status, `${tool} ${name}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
  });

  describe('(c) with a second copy of core nested under the registry', () => {
    const nested = () => moduleDir('@scoped-lmdb/core', moduleDir('@scoped-lmdb/registry'));

    beforeAll(async () => {
      // What npm installs when the registry's core range and the project's part ways: the registry gets a
      // core of its own (here the same files as a later patch version) and the project keeps its own.
      cpSync(moduleDir('@scoped-lmdb/core'), nested(), { recursive: true });
      const manifest = readJson<Manifest>(join(nested(), 'package.json'));
      writeJson(join(nested(), 'package.json'), { ...manifest, version: '0.1.1' });
      const probe = join(moduleDir('@scoped-lmdb/registry'), 'resolve-core.mjs');
      writeFileSync(probe, "console.log(import.meta.resolve('@scoped-lmdb/core'));\n");
      const resolved = await run(process.execPath, [probe], { cwd: project });
      rmSync(probe);
      if (!fileURLToPath(resolved.stdout.trim()).startsWith(nested()))
        throw new Error(`the registry does not load its own core: ${show('resolve', resolved)}`);
    });

    afterAll(() => {
      rmSync(join(moduleDir('@scoped-lmdb/registry'), 'node_modules'), { recursive: true, force: true });
    });

    it('tsc still type-checks the zod + registry program', async () => {
      expect(await typeErrors(['-p', '.', '--noEmit'])).toEqual([]);
    });

    it('the program still works and every error keeps its class and code', async () => {
      await checkZodRegistryProgram();
    });
  });
});
