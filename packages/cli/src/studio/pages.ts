/**
 * The studio's pages, rendered on the server from what the store service returns. Every string
 * goes through `html` (html.ts), so nothing a store holds can become markup. Links are built from
 * `URLSearchParams`, never by pasting text into a URL. The pages carry no inline script or style
 * (the Content-Security-Policy forbids both): studio.js and studio.css are separate files, and
 * the write buttons carry what they act on in `data-*` attributes.
 */
import type { DatabaseInfo, ScanEntry, ScopeRef, ScopeRow, ScopeSort, WalkUnderWay } from '../service.js';
import { html, type SafeHtml } from './html.js';

/** What every page shows in its header. */
export interface PageContext {
  /** `lmdb` or `redis`. */
  backend: string;
  /** The env path or Redis URL. */
  location: string;
  /** True when write actions are offered (and accepted). */
  write: boolean;
}

/** One step of the breadcrumb trail: a label, and a link unless it is the current page. */
export interface Crumb {
  /** What it shows. */
  label: string;
  /** Where it leads; absent for the current page. */
  href?: string;
}

/** A URL of the studio: `path` with the given query parameters (undefined ones left out). */
export function link(path: string, params: Record<string, string | number | undefined | null> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null) query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The query parameters that name a scope: `scope=<name>`, none for the default scope. */
export function scopeParams(scope: ScopeRef): { scope?: string } {
  return scope === null ? {} : { scope };
}

const number = (n: number): string => n.toLocaleString('en');

/** Bytes as people read them (`12.3 kB`); `—` when the backend keeps no byte counts. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** A whole page: header with the trail and the mode, the main part, the script. */
export function layout(context: PageContext, title: string, crumbs: Crumb[], main: SafeHtml): SafeHtml {
  const trail = crumbs.map((crumb) =>
    crumb.href === undefined
      ? html`<li aria-current="page">${crumb.label}</li>`
      : html`<li><a href="${crumb.href}" data-nav="">${crumb.label}</a></li>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · scoped-lmdb studio</title>
<link rel="stylesheet" href="/static/studio.css">
<script src="/static/studio.js" defer></script>
</head>
<body data-write="${context.write ? 'true' : 'false'}">
<header>
<div class="brand">scoped-lmdb <b>studio</b></div>
<div class="where"><span class="backend">${context.backend}</span> <code class="location">${context.location}</code>
<span class="mode ${context.write ? 'mode-write' : 'mode-read'}">${context.write ? 'read-write' : 'read-only'}</span></div>
</header>
<nav aria-label="Breadcrumb"><ol class="crumbs">${trail}</ol></nav>
<p id="status" role="status" aria-live="polite"></p>
<main id="main" data-title="${title} · scoped-lmdb studio">
${main}
</main>
</body>
</html>
`;
}

/** The first page: every scoped database with its kind, codecs and totals. */
export function databasesPage(context: PageContext, databases: DatabaseInfo[]): SafeHtml {
  const rows = databases.map(
    (db) => html`<tr data-db="${db.name}">
<td><a class="db-link" href="${link('/scopes', { db: db.name })}" data-nav="">${db.name}</a></td>
<td>${db.kind ?? '—'}</td><td><code>${db.keyCodec}</code></td><td><code>${db.valueCodec}</code></td>
<td>${[db.stats ? 'stats' : '', db.registry ? 'registry' : '', db.unnamedForDefault ? 'unnamed default' : ''].filter(Boolean).join(', ') || '—'}</td>
<td class="num">${db.totals ? number(db.totals.entries) : '—'}</td><td class="num">${formatBytes(db.totals?.bytes)}</td>
</tr>`,
  );
  const main = html`<h1>Databases</h1>
<p class="hint">${databases.length === 0 ? 'This store has no scoped databases.' : `${number(databases.length)} scoped database${databases.length === 1 ? '' : 's'}. Totals are shown for databases that keep stats.`}</p>
<table class="grid" id="databases">
<thead><tr><th scope="col">Database</th><th scope="col">Kind</th><th scope="col">Key codec</th><th scope="col">Value codec</th><th scope="col">Features</th><th scope="col" class="num">Entries</th><th scope="col" class="num">Bytes</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
  return layout(context, 'Databases', [{ label: 'Databases' }], main);
}

/** What the scopes page was asked for. */
export interface ScopesQuery {
  /** The database. */
  db: string;
  /** The order. */
  sort: ScopeSort;
  /** The name prefix filter ('' for none). */
  prefix: string;
  /** Rows per page. */
  limit: number;
  /** The cursor this page started after. */
  after?: string;
  /** The cursors of the pages before this one (for Previous), oldest first. */
  trail: string[];
}

/** The most cursors a scopes page remembers for Previous; deeper than this, Previous goes to the oldest one kept. */
export const MAX_TRAIL = 20;

/** How far a walk a page needs has come (see `ScopePage.counting`). */
export type Counting = WalkUnderWay;

/** How long a page showing a count under way waits before it asks again (studio.js reloads it in place). */
const REFRESH_MS = 700;
/** The attributes of a note that makes its page ask again (see studio.js). */
const REFRESHING = html`role="status" data-refresh="${String(REFRESH_MS)}"`;

/** The note shown while a walk the page needs is under way; the page reloads itself until it is made. */
function countingNote(counting: Counting, what: string): SafeHtml {
  const percent = counting.total === 0 ? 100 : Math.min(99, Math.floor((counting.done / counting.total) * 100));
  const attributes = html`class="counting" ${REFRESHING}`;
  if (counting.task === 'unnamed') {
    return html`<p ${attributes}>Looking for data under ids that no scope name owns, which come after the named scopes: ${number(counting.done)} of ${number(counting.total)} ids (${String(percent)} %). That takes one pass over every id, made once until the next write; this page shows ${what} as soon as it is done.</p>`;
  }
  return html`<p ${attributes}>Counting the entries of each scope for ${what}: ${number(counting.done)} of ${number(counting.total)} keys (${String(percent)} %). This database keeps no counts (it was not created with <code>.withStats()</code>), so they take a walk of its keys, made once until the next write; this page shows ${what} as soon as it is done.</p>`;
}

/** An inline SVG bar chart of scopes by one count, largest first; no script and no style attribute. */
export function barChart(rows: ScopeRow[], by: 'bytes' | 'entries', counting?: Counting): SafeHtml {
  if (counting)
    return html`<figure class="chart"><figcaption>Largest scopes by ${by}</figcaption>${countingNote(counting, 'the chart')}</figure>`;
  const value = (row: ScopeRow): number => (by === 'bytes' ? (row.bytes ?? 0) : row.entries);
  const shown = rows.filter((row) => value(row) > 0);
  if (shown.length === 0) return html``;
  const max = Math.max(...shown.map(value));
  const labelWidth = 190;
  const barWidth = 420;
  const rowHeight = 22;
  const height = shown.length * rowHeight + 4;
  const bars = shown.map((row, i) => {
    const width = Math.max(1, Math.round((value(row) / max) * barWidth));
    const y = i * rowHeight + 2;
    const label = row.label.length > 28 ? `${row.label.slice(0, 27)}…` : row.label;
    return html`<g class="bar"><title>${row.label}: ${by === 'bytes' ? formatBytes(value(row)) : `${number(value(row))} entries`}</title>
<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${label}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${width}" height="${rowHeight - 6}" rx="2"></rect>
<text class="value" x="${labelWidth + width + 6}" y="${y + 15}">${by === 'bytes' ? formatBytes(value(row)) : number(value(row))}</text></g>`;
  });
  return html`<figure class="chart"><figcaption>Largest scopes by ${by}${by === 'entries' ? ' (this database keeps no byte counts)' : ''}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Largest scopes by ${by}" width="${labelWidth + barWidth + 90}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 90} ${height}">${bars}</svg></figure>`;
}

/** One database's scopes: sortable, filtered by prefix, paged by cursor, with a chart of the largest. */
export function scopesPage(
  context: PageContext,
  query: ScopesQuery,
  rows: ScopeRow[],
  next: string | undefined,
  chart: { rows: ScopeRow[]; by: 'bytes' | 'entries'; counting?: Counting },
  counting?: Counting,
  stale = false,
): SafeHtml {
  const base = { db: query.db, prefix: query.prefix || undefined, limit: query.limit === 100 ? undefined : query.limit };
  const sortLink = (sort: ScopeSort, label: string) => {
    const current = query.sort === sort;
    return html`<th scope="col" class="${sort === 'name' ? '' : 'num'}" aria-sort="${current ? (sort === 'name' ? 'ascending' : 'descending') : 'none'}"><a class="sort" data-sort="${sort}" href="${link('/scopes', { ...base, sort: sort === 'name' ? undefined : sort })}" data-nav="">${label}${current ? (sort === 'name' ? ' ▲' : ' ▼') : ''}</a></th>`;
  };
  const body = rows.map((row) => {
    const own = row.databases[query.db];
    const name =
      row.kind === 'unnamed'
        ? html`<span class="unnamed">${row.label}</span>`
        : html`<a class="scope-link" href="${link('/entries', { db: query.db, ...scopeParams(row.name) })}" data-nav="">${row.label}</a>`;
    const actions = context.write
      ? html`<td class="actions">${
          row.kind === 'unnamed'
            ? ''
            : html`<button type="button" class="danger" data-action="clear-scope" data-db="${query.db}" data-scope="${row.name === null ? '' : row.name}" data-default="${row.kind === 'default' ? 'true' : 'false'}" data-label="${row.label}">Clear</button>`
        }${row.kind === 'named' ? html` <button type="button" class="danger" data-action="drop-scope" data-scope="${row.name as string}" data-label="${row.label}">Drop</button>` : ''}</td>`
      : '';
    return html`<tr data-scope-label="${row.label}" data-kind="${row.kind}">
<td>${name}</td><td>${row.kind}</td><td><code>${row.id ?? '—'}</code></td>
<td class="num entries">${number(own?.entries ?? 0)}</td><td class="num bytes">${formatBytes(own ? own.bytes : null)}</td>${actions}
</tr>`;
  });
  const pager: SafeHtml[] = [];
  if (query.after !== undefined) {
    const previous = query.trail.at(-1);
    pager.push(html`<a class="page-first" href="${link('/scopes', { ...base, sort: sortParam(query.sort) })}" data-nav="">« First</a>`);
    pager.push(
      html`<a class="page-prev" href="${link('/scopes', { ...base, sort: sortParam(query.sort), after: previous, trail: trailParam(query.trail.slice(0, -1)) })}" data-nav="">‹ Previous</a>`,
    );
  }
  if (next !== undefined) {
    const trail = query.after === undefined ? [] : [...query.trail, query.after].slice(-MAX_TRAIL);
    pager.push(
      html`<a class="page-next" href="${link('/scopes', { ...base, sort: sortParam(query.sort), after: next, trail: trailParam(trail) })}" data-nav="">Next ›</a>`,
    );
  }
  const main = html`<h1>Scopes of <span class="name">${query.db}</span></h1>
<form class="filter" method="get" action="/scopes" data-nav="">
<input type="hidden" name="db" value="${query.db}">${query.sort === 'name' ? '' : html`<input type="hidden" name="sort" value="${query.sort}">`}
<label>Name starts with <input type="search" name="prefix" value="${query.prefix}" placeholder="prefix"></label>
<button type="submit">Filter</button>${query.prefix ? html` <a href="${link('/scopes', { db: query.db, sort: sortParam(query.sort) })}" data-nav="">clear filter</a>` : ''}
</form>
${barChart(chart.rows, chart.by, chart.counting)}
${query.sort === 'bytes' && chart.by === 'entries' ? html`<p class="hint">This database keeps no byte counts, so its order by bytes is the order by name.</p>` : ''}
${counting ? countingNote(counting, 'this page') : ''}
${stale ? html`<p class="counting stale" ${REFRESHING}>These counts are from a moment ago: the database changed while they were being made, and a count of now is under way. This page reloads itself until it has one.</p>` : ''}
<table class="grid" id="scopes">
<thead><tr>${sortLink('name', 'Scope')}<th scope="col">Kind</th><th scope="col">Id</th>${sortLink('entries', 'Entries')}${sortLink('bytes', 'Bytes')}${context.write ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${body}</tbody>
</table>
${rows.length === 0 && !counting ? html`<p class="empty">No scopes${query.prefix ? html` whose name starts with <code>${query.prefix}</code>` : ''}.</p>` : ''}
<nav class="pager" aria-label="Pages">${pager}</nav>`;
  return layout(context, `Scopes of ${query.db}`, [{ label: 'Databases', href: '/' }, { label: query.db }], main);
}

const sortParam = (sort: ScopeSort): string | undefined => (sort === 'name' ? undefined : sort);
const trailParam = (trail: string[]): string | undefined => (trail.length === 0 ? undefined : trail.join('.'));

/** What the entries page was asked for. */
export interface EntriesQuery {
  /** The database. */
  db: string;
  /** The scope. */
  scope: ScopeRef;
  /** Its label. */
  label: string;
  /** The key codec's name (for the search hint). */
  keyCodec: string;
  /** Key prefix ('' for none). */
  prefix: string;
  /** Range start ('' for none). */
  start: string;
  /** Range end ('' for none). */
  end: string;
  /** Entries per page. */
  limit: number;
}

/** How a shown value is cut in the table (the viewer shows all of it). */
const CELL_CHARS = 160;

function cell(text: string): string {
  return text.length > CELL_CHARS ? `${text.slice(0, CELL_CHARS - 1)}…` : text;
}

/** One scope's entries in one database: search by prefix or range, paged both ways, each value one click from the viewer. */
export function entriesPage(
  context: PageContext,
  query: EntriesQuery,
  entries: ScanEntry[],
  cursors: { before?: string; after?: string; first: boolean },
  error?: string,
): SafeHtml {
  const search = {
    db: query.db,
    ...scopeParams(query.scope),
    prefix: query.prefix || undefined,
    start: query.start || undefined,
    end: query.end || undefined,
    limit: query.limit === 50 ? undefined : query.limit,
  };
  const rows = entries.map((entry) => {
    const keyHex = entry.key.hex as string;
    const viewer = link('/value', { db: query.db, ...scopeParams(query.scope), key: keyHex });
    return html`<tr data-key-hex="${keyHex}">
<td class="key ${entry.key.decoded ? '' : 'hex'}"><a class="value-link" href="${viewer}">${cell(entry.key.text)}</a></td>
<td class="value ${entry.value.decoded ? '' : 'hex'}">${cell(entry.value.text)}</td>
<td class="num">${formatBytes(entry.value.size)}</td>${
      context.write
        ? html`<td class="actions"><button type="button" class="danger" data-action="delete-key" data-db="${query.db}" data-scope="${query.scope ?? ''}" data-default="${query.scope === null ? 'true' : 'false'}" data-key="${keyHex}" data-label="${cell(entry.key.text)}" data-scope-label="${query.label}">Delete</button></td>`
        : ''
    }
</tr>`;
  });
  const pager: SafeHtml[] = [];
  if (!cursors.first) {
    pager.push(html`<a class="page-first" href="${link('/entries', search)}" data-nav="">« First</a>`);
    if (cursors.before !== undefined) {
      pager.push(html`<a class="page-prev" href="${link('/entries', { ...search, before: cursors.before })}" data-nav="">‹ Previous</a>`);
    }
  }
  if (cursors.after !== undefined) {
    pager.push(html`<a class="page-next" href="${link('/entries', { ...search, after: cursors.after })}" data-nav="">Next ›</a>`);
  }
  const scopeCrumb = query.label;
  const main = html`<h1><span class="name">${query.label}</span> in <span class="name">${query.db}</span></h1>
<form class="filter" method="get" action="/entries" data-nav="">
<input type="hidden" name="db" value="${query.db}">${query.scope === null ? '' : html`<input type="hidden" name="scope" value="${query.scope}">`}
<label>Key prefix <input type="search" name="prefix" value="${query.prefix}"></label>
<span class="or">or</span>
<label>From <input type="search" name="start" value="${query.start}" placeholder="first key"></label>
<label>to <input type="search" name="end" value="${query.end}" placeholder="end (exclusive)"></label>
<button type="submit">Search</button>${search.prefix || search.start || search.end ? html` <a href="${link('/entries', { db: query.db, ...scopeParams(query.scope) })}" data-nav="">clear search</a>` : ''}
</form>
<p class="hint">Keys are typed as the <code>${query.keyCodec}</code> key codec reads them: ${
    query.keyCodec === 'string' ? 'plain text' : /bytes/.test(query.keyCodec) ? 'hex digits' : 'JSON (42, "a", [2026, 1]) or plain text'
  }; <code>hex:…</code> gives stored bytes.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<table class="grid" id="entries">
<thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col" class="num">Size</th>${context.write ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
<tbody>${rows}</tbody>
</table>
${entries.length === 0 && !error ? html`<p class="empty">No entries here.</p>` : ''}
<nav class="pager" aria-label="Pages">${pager}</nav>`;
  return layout(
    context,
    `${query.label} in ${query.db}`,
    [{ label: 'Databases', href: '/' }, { label: query.db, href: link('/scopes', { db: query.db }) }, { label: scopeCrumb }],
    main,
  );
}

/** The most nodes the JSON tree draws; the pretty-printed text below it always has all of it. */
const MAX_NODES = 5_000;

/** A JSON value as nested `<details>` (objects and arrays, the first two levels open; the member's name in the summary) and escaped leaves. */
function jsonTree(value: unknown, budget: { nodes: number }, depth: number, name?: string): SafeHtml {
  budget.nodes++;
  const label = name === undefined ? '' : html`<span class="json-key">${name}</span>: `;
  if (budget.nodes > MAX_NODES) return html`${label}<span class="more">…</span>`;
  if (value === null || typeof value !== 'object') {
    const kind = value === null ? 'null' : typeof value;
    return html`${label}<span class="json-${kind}">${JSON.stringify(value)}</span>`;
  }
  const array = Array.isArray(value);
  const items: [string, unknown][] = array ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  if (items.length === 0) return html`${label}<span class="json-empty">${array ? '[]' : '{}'}</span>`;
  const summary = array
    ? `[ ${items.length} item${items.length === 1 ? '' : 's'} ]`
    : `{ ${items.length} key${items.length === 1 ? '' : 's'} }`;
  const children = items.map(([key, child]) => html`<li>${jsonTree(child, budget, depth + 1, array ? key : JSON.stringify(key))}</li>`);
  return html`<details${depth < 2 ? html` open` : ''}><summary>${label}<span class="json-summary">${summary}</span></summary><ul>${children}</ul></details>`;
}

/** One entry in full: the key, the value as a collapsible JSON tree and pretty-printed, the stored sizes. */
export function valuePage(context: PageContext, query: EntriesQuery, entry: ScanEntry, codecs: { key: string; value: string }): SafeHtml {
  const pretty = JSON.stringify(entry.value.json, null, 2) ?? String(entry.value.json);
  const main = html`<h1>Value of <code class="name">${cell(entry.key.text)}</code></h1>
<dl class="facts">
<dt>Key</dt><dd><code class="key-text">${entry.key.text}</code></dd>
<dt>Key bytes</dt><dd><code>${entry.key.hex ?? ''}</code> (${formatBytes(entry.key.size)}, <code>${codecs.key}</code>)</dd>
<dt>Value</dt><dd>${formatBytes(entry.value.size)}, <code>${codecs.value}</code>${entry.value.decoded ? '' : ' (not decoded: shown as hex)'}</dd>
</dl>
<section class="viewer" id="viewer">
<h2>Tree</h2>
<div class="json-tree">${jsonTree(entry.value.json, { nodes: 0 }, 0)}</div>
<details class="pretty"><summary>Pretty-printed JSON (${number(pretty.length)} characters)</summary><pre id="pretty">${pretty}</pre></details>
</section>`;
  return layout(
    context,
    `Value in ${query.label}`,
    [
      { label: 'Databases', href: '/' },
      { label: query.db, href: link('/scopes', { db: query.db }) },
      { label: query.label, href: link('/entries', { db: query.db, ...scopeParams(query.scope) }) },
      { label: cell(entry.key.text) },
    ],
    main,
  );
}

/** A page saying what went wrong (the message escaped like everything else). */
export function errorPage(context: PageContext, status: number, message: string): SafeHtml {
  return layout(
    context,
    `Error ${status}`,
    [{ label: 'Databases', href: '/' }, { label: `Error ${status}` }],
    html`<h1>Error ${status}</h1><p class="error" role="alert">${message}</p>`,
  );
}
