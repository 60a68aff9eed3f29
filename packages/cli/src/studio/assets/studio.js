// The studio's only script (no framework, no build step). It does three things the server-rendered
// pages cannot: it follows links and search forms marked data-nav by fetching the next page and
// swapping its <main> in (the address bar and Back follow along), it runs the write buttons
// (data-action) after a confirmation, with fetch() POST, updating the page in place, and it asks
// again for a page that shows a count under way (data-refresh) until the count is made.
// Nothing from the store is ever inserted as HTML here: swapped-in pages come from the server's
// escaping templates (parsed by DOMParser, which runs no script), and messages are set as text.

const status = () => document.getElementById('status');

function say(text, kind) {
  const element = status();
  if (!element) return;
  element.textContent = text;
  element.className = kind || '';
}

async function navigate(url, push, refresh) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
  const text = await response.text();
  const next = new DOMParser().parseFromString(text, 'text/html');
  const main = next.getElementById('main');
  const nav = next.querySelector('nav.crumbs, nav[aria-label="Breadcrumb"]');
  if (!main) {
    window.location.assign(url);
    return;
  }
  document.getElementById('main').replaceWith(document.adoptNode(main));
  const crumbs = document.querySelector('nav[aria-label="Breadcrumb"]');
  if (nav && crumbs) crumbs.replaceWith(document.adoptNode(nav));
  document.title = next.title;
  if (push) history.pushState({ studio: true }, '', response.url || url);
  say('', '');
  if (!refresh) window.scrollTo(0, 0);
  scheduleRefresh();
}

let refreshTimer;

// A page showing a count under way reloads its <main> in place, as long as it is still the page shown.
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const note = document.querySelector('#main [data-refresh]');
  if (!note) return;
  const url = window.location.href;
  refreshTimer = setTimeout(() => {
    if (window.location.href === url) navigate(url, false, true).catch(() => window.location.reload());
  }, Number(note.dataset.refresh) || 1000);
}

scheduleRefresh();

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const target = event.target instanceof Element ? event.target : null;
  const anchor = target?.closest('a[data-nav]');
  if (anchor) {
    event.preventDefault();
    navigate(anchor.href, true).catch(() => window.location.assign(anchor.href));
    return;
  }
  const button = target?.closest('button[data-action]');
  if (button) {
    event.preventDefault();
    act(button).catch((error) => say(`Failed: ${error.message}`, 'error'));
  }
});

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-nav')) return;
  event.preventDefault();
  const url = new URL(form.action, window.location.href);
  for (const [name, value] of new FormData(form)) if (value !== '') url.searchParams.set(name, String(value));
  navigate(url.href, true).catch(() => window.location.assign(url.href));
});

window.addEventListener('popstate', () => {
  navigate(window.location.href, false).catch(() => window.location.reload());
});

const ACTIONS = {
  'delete-key': {
    question: (b) => `Delete the key ${b.dataset.label} from ${scopeName(b)} in ${b.dataset.db}?`,
    body: (b) => ({ db: b.dataset.db, scope: scopeOf(b), key: b.dataset.key }),
    done: (b, result) => {
      b.closest('tr')?.remove();
      return result.deleted ? `Deleted ${b.dataset.label}.` : `${b.dataset.label} was already gone.`;
    },
  },
  'clear-scope': {
    question: (b) => `Remove every entry of ${scopeName(b)} in ${b.dataset.db}? This cannot be undone.`,
    body: (b) => ({ db: b.dataset.db, scope: scopeOf(b) }),
    done: (b, result) => {
      const row = b.closest('tr');
      for (const cell of row ? row.querySelectorAll('td.entries') : []) cell.textContent = '0';
      for (const cell of row ? row.querySelectorAll('td.bytes') : []) cell.textContent = cell.textContent === '—' ? '—' : '0 B';
      return `Cleared ${scopeName(b)} in ${b.dataset.db}: ${result.removed} entries removed.`;
    },
  },
  'drop-scope': {
    question: (b) => `Drop ${scopeName(b)} in every database? Its entries are removed and its name is freed. This cannot be undone.`,
    body: (b) => ({ scope: b.dataset.scope }),
    done: (b) => {
      b.closest('tr')?.remove();
      return `Dropped ${scopeName(b)}.`;
    },
  },
};

const scopeOf = (b) => (b.dataset.default === 'true' ? null : b.dataset.scope);
const scopeName = (b) => (b.dataset.default === 'true' ? 'the default scope' : `scope ${b.dataset.scopeLabel ?? b.dataset.label}`);

async function act(button) {
  const action = ACTIONS[button.dataset.action];
  if (!action || !window.confirm(action.question(button))) return;
  button.disabled = true;
  try {
    const response = await fetch(`/api/${button.dataset.action}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(action.body(button)),
    });
    const result = await response.json();
    if (!response.ok) throw new Error(result.error || `HTTP ${response.status}`);
    say(action.done(button, result), 'ok');
  } finally {
    button.disabled = false;
  }
}
