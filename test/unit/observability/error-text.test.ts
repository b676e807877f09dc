import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorText } from '../../../src/observability/error-text.js';
import { describeError } from '../../../src/sources/kube/watcher.js';

/**
 * Errors are logged as one line that never quotes input: V8's JSON.parse messages quote the text
 * they fail on, so a Secret list response cut short (a proxy, a dropped connection) would put
 * Secret data into the "list failed" warning.
 */
const MARKER = 'Qx7SecretMarkerInData';

describe('describeError / errorText never quote unparsable input', () => {
  let server: http.Server;
  let kc: KubeConfig;
  beforeAll(async () => {
    // Not an API server: a socket answering a Secret list whose body is cut in the middle of a
    // value, which a real API server cannot be made to send.
    server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(`{"kind":"SecretList","apiVersion":"v1","items":[{"metadata":{"name":"s"},"data":{"secret":${MARKER}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a Secret list that does not parse', async () => {
    const err = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'demo' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message, 'the raw error quotes the body').toContain(MARKER.slice(0, 5));
    expect(describeError(err)).not.toContain(MARKER.slice(0, 5));
    expect(describeError(err)).toBe('SyntaxError: the input could not be parsed');
  });

  it.each([
    ['JSON.parse of a Secret', () => JSON.parse(`{"data":{"secret":${MARKER}}}`)],
    ['JSON.parse of a bare value', () => JSON.parse(MARKER)],
  ])('%s', (_name, fail) => {
    let err: unknown;
    try {
      fail();
    } catch (e) {
      err = e;
    }
    expect(errorText(err)).not.toContain(MARKER.slice(0, 5));
    expect(describeError(err)).not.toContain(MARKER.slice(0, 5));
  });

  it('other errors keep their first line and the HTTP status', () => {
    const apiError = Object.assign(new Error('HTTP-Code: 422\nMessage: Unprocessable\nBody: {"data":"x"}'), { code: 422 });
    expect(describeError(apiError)).toBe('HTTP 422: HTTP-Code: 422');
    expect(errorText(new TypeError('fetch failed'))).toBe('fetch failed');
    expect(errorText('plain')).toBe('plain');
  });
});
