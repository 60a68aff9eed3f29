/**
 * The studio's only way to make HTML. Every template is an `html` tagged template: each value put
 * into it is escaped by `escapeHtml` unless it is itself the output of `html` (a `SafeHtml`), so a
 * key, value, scope or database name (all attacker-controlled) can only ever appear as text. The
 * escaping covers text and quoted attribute values alike (`&`, `<`, `>`, `"`, `'`), and templates
 * quote every attribute.
 */

/** HTML that `html` built (its interpolations escaped): put into another template as it is. */
export class SafeHtml {
  /** The markup. */
  readonly markup: string;
  /** Wraps markup that is known to be safe; only this module and `html` create one. */
  constructor(markup: string) {
    this.markup = markup;
  }
  /** The markup, so a `SafeHtml` can be written to a response as it is. */
  toString(): string {
    return this.markup;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` with every character that means something in HTML or in a quoted attribute replaced by its entity. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** What a template takes: text (escaped), numbers, safe HTML, lists of them; null, undefined and false add nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The tagged template every page is written with: the literal parts as they are, each value escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i++) out += render(values[i] as HtmlValue) + (strings[i + 1] as string);
  return new SafeHtml(out);
}
