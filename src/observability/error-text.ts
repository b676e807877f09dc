/**
 * One line describing an unexpected error, for logs, that never quotes input. A SyntaxError's
 * message quotes the text it could not parse (JSON.parse: `Unexpected token 'x', "…" is not valid
 * JSON`), and that text can be a Secret from an API response or a configuration file: only the
 * error's name is kept. Other messages keep their first line (API errors put bodies further down).
 */
export function errorText(err: unknown): string {
  if (err instanceof SyntaxError) return `${err.name}: the input could not be parsed`;
  if (err instanceof Error) return err.message.split('\n')[0]!;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message).split('\n')[0]!;
  return String(err);
}
