// `node --import` this: every @opentelemetry module the process resolves is reported on stderr as
// "OTEL-LOADED <url>" (docs/tracing.md#cost: tracing off loads none).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (r.url.includes('@opentelemetry')) process.stderr.write('OTEL-LOADED ' + r.url + '\\n');
  return r;
}`),
);
