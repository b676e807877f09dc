import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { TRACING_DEFAULTS, type TracingSettings } from '../../../src/model/tracing-config.js';
import type { RequestTracer } from '../../../src/proxy/request-tracer.js';
import { TracingControl } from '../../../src/runtime/tracing-control.js';

/** The switch between flags, the live configuration and off (docs/tracing.md#turning-it-on); the real SDK is loaded. */
const settings = (endpoint: string, source: string): TracingSettings => ({
  ...TRACING_DEFAULTS, endpoint, headers: { authorization: 'Bearer topsecret' }, resourceAttributes: {}, source,
});

function setup(flags: TracingSettings | undefined) {
  const lines: Array<{ msg: string; endpoint?: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  const slot = { tracer: undefined as RequestTracer | undefined, sets: 0 };
  const control = new TracingControl(flags, { setTracer: (t) => ((slot.tracer = t), slot.sets++) }, createLogger({ level: 'info', destination }));
  return { lines, slot, control };
}

describe('TracingControl', () => {
  it('no flags, no plugin: nothing is loaded or set', async () => {
    const { slot, control } = setup(undefined);
    control.apply(undefined);
    control.apply(undefined);
    await control.settled();
    expect(slot.sets).toBe(0);
  });

  it("the configuration's plugin turns it on, a reload without it off; same settings: no rebuild", async () => {
    const { slot, control, lines } = setup(undefined);
    control.apply(settings('http://127.0.0.1:9/v1/traces', 'kong.yml plugins[0]'));
    await control.settled();
    const first = slot.tracer;
    expect(first).toBeDefined();
    control.apply(settings('http://127.0.0.1:9/v1/traces', 'kong.yml plugins[0]'));
    await control.settled();
    expect(slot.tracer).toBe(first);
    control.apply(undefined);
    await control.settled();
    expect(slot.tracer).toBeUndefined();
    expect(lines.map((l) => l.msg)).toEqual(['tracing on: OTLP/HTTP export', 'tracing off']);
    // The export headers (a token) are never logged.
    expect(JSON.stringify(lines)).not.toContain('topsecret');
    await control.close();
  });

  it('the flags win over the configuration (one warning), and stay on when it drops its plugin', async () => {
    const { slot, control, lines } = setup(settings('http://127.0.0.1:9/v1/traces', '--otel-endpoint'));
    control.apply(settings('http://other:4318/v1/traces', 'kong.yml plugins[0]'));
    control.apply(undefined);
    await control.settled();
    expect(slot.tracer).toBeDefined();
    expect(slot.sets).toBe(1);
    expect(lines.filter((l) => l.msg.includes('ignored'))).toHaveLength(1);
    await control.close();
  });
});
