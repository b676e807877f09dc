import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASONS, type Reason, type ReasonInfo } from '../../../src/model/reasons.js';

/**
 * The reasons table (src/model/reasons.ts) against the code and the docs: every reason is produced
 * where the table says, and docs/status-reasons.md shows the table as it is.
 * UPDATE_GOLDEN=1 rewrites the table in the doc.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const TABLE_FILE = join('src', 'model', 'reasons.ts');
const DOC = join(root, 'docs', 'status-reasons.md');
const BEGIN = '<!-- reasons table: generated from src/model/reasons.ts by test/unit/model/reasons.test.ts -->';
const END = '<!-- end of reasons table -->';

function sourcesUnder(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !p.endsWith(TABLE_FILE))
    .map((p) => ({ path: p, text: readFileSync(p, 'utf8') }));
}

const REASON_NAMES = Object.keys(REASONS) as Reason[];
const info = (reason: Reason): ReasonInfo => REASONS[reason];

describe('reasons table', () => {
  const src = sourcesUnder('src');

  it.each(REASON_NAMES)('%s is produced where the table says', (reason) => {
    const literal = `'${reason}'`;
    const { by } = info(reason);
    expect(by.length, 'a reason no producer uses is removed from the table').toBeGreaterThan(0);
    for (const folder of by) {
      const prefix = join(root, 'src', folder);
      const files = src.filter((f) => f.path.startsWith(prefix + '/') && f.text.includes(literal)).map((f) => f.path);
      expect(files, `${literal} in src/${folder}`).not.toEqual([]);
    }
  });

  it.each(REASON_NAMES)('%s: severities and condition agree', (reason) => {
    const { severities, condition } = info(reason);
    expect(severities.length).toBeGreaterThan(0);
    // Only errors flip a condition: a warning-only reason sets none, an error reason sets one.
    expect(condition === 'none').toBe(!severities.includes('error'));
  });
});

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function renderTable(): string {
  const rows = REASON_NAMES.map((reason) => {
    const { severities, condition, by, message } = info(reason);
    const sets =
      condition === 'none' ? 'neither' : `${condition}=False${condition === 'Accepted' ? ' (and Programmed=False)' : ''}${severities.includes('warning') ? ', as an error' : ''}`;
    return `| \`${reason}\` | ${severities.join(', ')} | ${sets} | ${by.map((f) => `\`${f}\``).join(', ')} | \`${cell(message)}\` |`;
  });
  return ['| Reason | Severity | An error sets | Reported by (`src/`) | Message |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

describe('docs/status-reasons.md', () => {
  it('lists the reasons table as it is', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, `${BEGIN} in the doc`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const expected = `${doc.slice(0, start + BEGIN.length)}\n${renderTable()}\n${doc.slice(end)}`;
    if (process.env['UPDATE_GOLDEN'] === '1') return writeFileSync(DOC, expected);
    expect(doc).toBe(expected);
  });

  it('is linked from docs/architecture.md', () => {
    expect(readFileSync(join(root, 'docs', 'architecture.md'), 'utf8')).toContain('(status-reasons.md)');
  });
});
