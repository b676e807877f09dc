import { describe, expect, it } from 'vitest';
import { RejectionLog, redactedTarget, type RejectionInput } from '../../../src/observability/rejections.js';
import { mintToken } from '../../../src/tokens/mint.js';

const TOKEN = mintToken({ key: 'k', secret: 'not-shown-secret-value', algorithm: 'HS256' });

const input = (over: Partial<RejectionInput> = {}): RejectionInput => ({
  status: 401, reason: 'no_token', method: 'GET', rawPath: '/api', rawQuery: '', route: { label: 'api' },
  consumer: undefined, requestId: 'rid-1', allRoutes: undefined, ...over,
});

describe('RejectionLog', () => {
  it('keeps the last N refusals, newest first, and counts all of them', () => {
    let t = 1000;
    const log = new RejectionLog(3, () => t++);
    for (let i = 1; i <= 5; i++) log.record(input({ requestId: `r${i}` }));
    expect(log.list().map((e) => e.requestId)).toEqual(['r5', 'r4', 'r3']);
    expect(log.list().map((e) => e.at)).toEqual([1004, 1003, 1002]);
    expect(log.total).toBe(5);
  });

  it('is empty before any refusal, and a capacity of 0 records nothing', () => {
    expect(new RejectionLog(4).list()).toEqual([]);
    const none = new RejectionLog(0);
    none.record(input());
    expect(none.list()).toEqual([]);
  });

  it('keeps route label, consumer name and status; never a token in the path or the query', () => {
    const log = new RejectionLog(10, () => 0);
    log.record(input({
      status: 403, reason: 'claims_scope', rawPath: `/verify/${TOKEN}`, rawQuery: `jwt=${TOKEN}&access_token=${TOKEN}&page=2&tok=abc`,
      route: { label: 'ns/orders', auth: { config: { uriParamNames: ['tok'] } } }, consumer: { id: 'c-1', username: 'alice' },
    }));
    const [e] = log.list();
    expect(e).toMatchObject({ status: 403, reason: 'claims_scope', route: 'ns/orders', consumer: 'alice', method: 'GET' });
    expect(e!.target).toBe('/verify/REDACTED?jwt=REDACTED&access_token=REDACTED&page=2&tok=REDACTED');
    expect(JSON.stringify(log.list())).not.toContain(TOKEN.split('.')[2]!);
  });

  it("redacts every live route's uri_param_names on a request no route matched", () => {
    const all = [{ label: 'a', auth: { config: { uriParamNames: ['secret_param'] } } }];
    expect(redactedTarget('/nowhere', 'secret_param=abc&x=1', undefined, all)).toBe('/nowhere?secret_param=REDACTED&x=1');
  });

  it('cuts long targets (after redaction) so the ring stays small', () => {
    const log = new RejectionLog(1);
    log.record(input({ rawPath: `/${'a'.repeat(1000)}`, consumer: { id: 'only-id' } }));
    expect(log.list()[0]!.target).toHaveLength(200);
    expect(log.list()[0]!.target.endsWith('…')).toBe(true);
    expect(log.list()[0]!.consumer).toBe('only-id');
  });
});
