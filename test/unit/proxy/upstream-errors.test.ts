import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { classifyUpstreamError } from '../../../src/proxy/upstream-errors.js';

const BAD_GATEWAY = 'An invalid response was received from the upstream server';

describe('classifyUpstreamError: undici errors as undici raises them', () => {
  it('HTTPParserError without a code (what undici 7 raises for llhttp errors) → 502', () => {
    const err = new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol (Expected HTTP/)');
    expect(err.code).toBeUndefined();
    expect(classifyUpstreamError(err)).toEqual({ status: 502, message: BAD_GATEWAY, connectPhase: false });
  });

  it('an error named HTTPParserError from another copy of undici → 502', () => {
    const err = Object.assign(new Error('x'), { name: 'HTTPParserError' });
    expect(classifyUpstreamError(err).status).toBe(502);
  });

  it.each<[string, Error, number]>([
    ['HPE_INVALID_CHUNK_SIZE', Object.assign(new Error('x'), { code: 'HPE_INVALID_CHUNK_SIZE' }), 502],
    ['SocketError', new errors.SocketError('other side closed'), 502],
    ['ResponseContentLengthMismatchError', new errors.ResponseContentLengthMismatchError(), 502],
    ['HeadersOverflowError', new errors.HeadersOverflowError(), 502],
    ['InformationalError', new errors.InformationalError('reset'), 502],
    ['ResponseExceededMaxSizeError', new errors.ResponseExceededMaxSizeError(), 502],
    ['HeadersTimeoutError', new errors.HeadersTimeoutError(), 504],
    ['BodyTimeoutError', new errors.BodyTimeoutError(), 504],
    ['ConnectTimeoutError', new errors.ConnectTimeoutError(), 504],
    ['InvalidArgumentError (the gateway\'s own request)', new errors.InvalidArgumentError('invalid x-consumer-username header'), 500],
    ['NotSupportedError', new errors.NotSupportedError(), 500],
    ['a plain Error', new Error('boom'), 500],
  ])('%s → %i', (_n, err, status) => {
    expect(classifyUpstreamError(err).status).toBe(status);
  });

  // docs/upstream-tls.md: a refused upstream certificate is a bad gateway, retried on another target.
  it.each(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_CHAIN_TOO_LONG', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERROR_IN_CERT_NOT_AFTER_FIELD'])(
    'TLS verification failure %s → 502 in the connect phase',
    (code) => {
      expect(classifyUpstreamError(Object.assign(new Error('x'), { code }))).toEqual({ status: 502, message: 'An invalid response was received from the upstream server', connectPhase: true });
    },
  );
});
