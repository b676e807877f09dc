import { describe, expect, it } from 'vitest';
import { modifyHeaders } from '../../../src/proxy/gateway-rule.js';
import { corsAnswerHeaders, withCors } from '../../../src/proxy/cors.js';
import { echoCorrelationId } from '../../../src/proxy/kong-plugins.js';

const cors = { set: [['access-control-allow-origin', 'https://a.example'] as [string, string]], add: [['vary', 'Origin'] as [string, string]], remove: [] };

describe('cors headers in the proxy', () => {
  it('on a relayed response: ACAO replaces the upstream one, Vary is appended after the upstream Vary', () => {
    const out = modifyHeaders(['Access-Control-Allow-Origin', '*', 'Vary', 'Accept-Encoding', 'x-a', '1'], withCors(undefined, cors));
    expect(out).toEqual(['Vary', 'Accept-Encoding', 'x-a', '1', 'access-control-allow-origin', 'https://a.example', 'vary', 'Origin']);
  });

  it('a no-match modifier removes the upstream ACAO', () => {
    const miss = { set: [], add: [['vary', 'Origin'] as [string, string]], remove: ['access-control-allow-origin'] };
    expect(modifyHeaders(['access-control-allow-origin', 'https://x'], miss)).toEqual(['vary', 'Origin']);
  });

  it("composes with correlation-id's echo", () => {
    const both = withCors(echoCorrelationId(undefined, ['kong-request-id', 'id-1']), cors);
    expect(modifyHeaders([], both)).toEqual(['kong-request-id', 'id-1', 'access-control-allow-origin', 'https://a.example', 'vary', 'Origin']);
  });

  it("on the gateway's own answers: the headers join the extra headers", () => {
    expect(corsAnswerHeaders(cors, { 'kong-request-id': 'id-1' })).toEqual({ 'kong-request-id': 'id-1', 'access-control-allow-origin': 'https://a.example', vary: 'Origin' });
    expect(corsAnswerHeaders(cors, undefined)).toEqual({ 'access-control-allow-origin': 'https://a.example', vary: 'Origin' });
  });
});
