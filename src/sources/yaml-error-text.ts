import type { YAMLError } from 'yaml';

/**
 * A YAML syntax error as position and code only. The parser's own message quotes the offending
 * line (and its neighbours), which may be a Secret's data or a kong.yml `secret:`.
 */
export function yamlErrorText(e: YAMLError): string {
  const pos = e.linePos?.[0];
  const where = pos ? `line ${pos.line}, column ${pos.col}` : `offset ${e.pos[0]}`;
  return `syntax error (${e.code}) at ${where}`;
}
