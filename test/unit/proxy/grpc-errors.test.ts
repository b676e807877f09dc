import { describe, expect, it } from 'vitest';
import { encodeGrpcMessage, grpcMessageOfBody, grpcStatusFor, isGrpcContentType } from '../../../src/proxy/grpc-errors.js';

describe('gRPC statuses of gateway errors (Kong\'s table)', () => {
  it.each([
    [401, 16], [403, 7], [404, 5], [400, 3], [429, 8], [500, 13], [502, 13], [503, 14], [504, 4], [418, 3], [200, 0], [302, 2],
  ])('HTTP %i → gRPC %i', (http, grpc) => {
    expect(grpcStatusFor(http)).toBe(grpc);
  });

  it('takes the JSON body\'s message, else the code\'s name', () => {
    expect(grpcMessageOfBody('{"message":"Unauthorized"}', 16)).toBe('Unauthorized');
    expect(grpcMessageOfBody('{"exp":"token expired"}', 16)).toBe('Unauthenticated');
    expect(grpcMessageOfBody('not json', 7)).toBe('PermissionDenied');
  });

  it('percent-encodes grpc-message outside printable ASCII and "%"', () => {
    expect(encodeGrpcMessage('no Route matched with those values')).toBe('no Route matched with those values');
    expect(encodeGrpcMessage('100% ü\n')).toBe('100%25 %C3%BC%0A');
  });

  it('recognises gRPC content types as Kong does (prefix application/grpc)', () => {
    expect(isGrpcContentType('application/grpc')).toBe(true);
    expect(isGrpcContentType('application/grpc+proto')).toBe(true);
    expect(isGrpcContentType('application/json')).toBe(false);
    expect(isGrpcContentType(undefined)).toBe(false);
  });
});
