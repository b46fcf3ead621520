// The simple BibTeX of references.bib: @type{key, field = {value} or "value" or number, ...}, braces
// nested, % comments between entries. No @string macros or # concatenation: the file does not use them,
// and an entry that does is refused by name rather than misread.

export interface BibEntry {
  type: string;
  key: string;
  /** Field names in lower case; values with their outer braces or quotes removed, inner braces kept. */
  fields: Record<string, string>;
}

/** Every entry of `text`, in file order; a malformed entry is named with its line. */
export function parseBibtex(text: string): BibEntry[] {
  const entries: BibEntry[] = [];
  let i = 0;
  const line = (at: number) => text.slice(0, at).split('\n').length;
  const fail = (what: string, at: number): never => { throw new Error(`references.bib line ${line(at)}: ${what}`); };
  const skipSpace = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  while (i < text.length) {
    const at = text.indexOf('@', i);
    if (at < 0) break;
    // Text outside entries is a comment only if every line of it starts with %.
    const between = text.slice(i, at).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('%'));
    if (between.length) fail(`text outside an entry: '${between[0]}'`, i);
    i = at + 1;
    const type = /^[A-Za-z]+/.exec(text.slice(i))?.[0] ?? fail('an entry type after @', i);
    i += type.length;
    skipSpace();
    if (text[i] !== '{') fail(`'{' after @${type}`, i);
    i++;
    const key = /^[^\s,{}]+/.exec(text.slice(i))?.[0] ?? fail(`a key in @${type}`, i);
    i += key.length;
    const fields: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (text[i] === '}') { i++; break; }
      if (text[i] !== ',') fail(`',' or '}' in entry ${key}, got '${text[i] ?? 'end of file'}'`, i);
      i++;
      skipSpace();
      if (text[i] === '}') { i++; break; }
      const name = /^[A-Za-z][\w-]*/.exec(text.slice(i))?.[0] ?? fail(`a field name in entry ${key}`, i);
      i += name.length;
      skipSpace();
      if (text[i] !== '=') fail(`'=' after field ${name} of entry ${key}`, i);
      i++;
      skipSpace();
      let value: string;
      if (text[i] === '{' || text[i] === '"') {
        const close = text[i] === '{' ? '}' : '"';
        const start = ++i;
        let depth = 0;
        while (i < text.length && !(depth === 0 && text[i] === close)) {
          if (text[i] === '{') depth++;
          else if (text[i] === '}') { depth--; if (depth < 0) fail(`unbalanced '}' in field ${name} of entry ${key}`, i); }
          i++;
        }
        if (i >= text.length) fail(`field ${name} of entry ${key} is not closed`, start);
        value = text.slice(start, i);
        i++;
      } else {
        value = /^\d+/.exec(text.slice(i))?.[0] ?? fail(`field ${name} of entry ${key}: a value in braces, quotes or digits (no macros)`, i);
        i += value.length;
      }
      skipSpace();
      if (text[i] === '#') fail(`field ${name} of entry ${key}: '#' concatenation is not supported`, i);
      const lower = name.toLowerCase();
      if (lower in fields) fail(`entry ${key} has field ${name} twice`, i);
      fields[lower] = value.replace(/\s+/g, ' ').trim();
    }
    if (entries.some((e) => e.key === key)) fail(`key ${key} is defined twice`, at);
    entries.push({ type: type.toLowerCase(), key, fields });
  }
  return entries;
}

const ACCENTS: Record<string, string> = { "'": '\u0301', '`': '\u0300', '"': '\u0308', '^': '\u0302', '~': '\u0303', c: '\u0327' };

/** A field as text: LaTeX accents ({\'e}) as letters, grouping braces gone, -- as an en dash. */
export function bibText(value: string): string {
  return value
    .replace(/\{?\\([`'"^~c])\s*\{?([A-Za-z])\}?\}?/g, (_, accent: string, letter: string) => (letter + ACCENTS[accent]).normalize('NFC'))
    .replace(/[{}]/g, '')
    .replace(/--/g, '–');
}
