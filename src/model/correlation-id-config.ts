import { z } from 'zod';

/**
 * Kong's correlation-id plugin configuration (docs/correlation-id.md), camelCase as in the Route
 * CRD (`spec.plugins.correlationId`); kong.yml spells them header_name, generator, echo_downstream.
 */

export const CORRELATION_GENERATORS = ['uuid', 'uuid#counter', 'tracker'] as const;
export type CorrelationGenerator = (typeof CORRELATION_GENERATORS)[number];

/** RFC 9110 token characters, without "_" (docs/request-hygiene.md: names with "_" are dropped). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^`|~-]+$/;

/**
 * Headers the gateway computes itself or that frame the message: a correlation id there would be
 * overwritten or break the exchange. X-Request-ID is allowed (docs/correlation-id.md#x-request-id).
 */
export const RESERVED_CORRELATION_HEADERS: ReadonlySet<string> = new Set([
  'host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive',
  'upgrade', 'te', 'trailer', 'expect', 'proxy-connection', 'authorization', 'cookie', 'set-cookie', 'via', 'forwarded',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-path',
  'x-forwarded-prefix', 'x-real-ip', 'x-consumer-id', 'x-consumer-custom-id', 'x-consumer-username',
  'x-credential-identifier', 'x-anonymous-consumer', 'x-consumer-groups', 'x-authenticated-groups', 'server', 'date', 'location',
]);

export const correlationIdConfigSchema = z
  .strictObject({
    headerName: z
      .string()
      .min(1, 'must not be empty')
      .max(128)
      .regex(HEADER_NAME, 'must be an HTTP header name (letters, digits and !#$%&\'*+.^`|~-; no "_")')
      .refine((n) => !RESERVED_CORRELATION_HEADERS.has(n.toLowerCase()) && !n.toLowerCase().startsWith('grpc-'), {
        message: 'is set or removed by the gateway itself and cannot carry a correlation id',
      })
      .default('Kong-Request-ID')
      .describe('The request header that carries the correlation id. Default Kong-Request-ID.'),
    generator: z
      .enum(CORRELATION_GENERATORS)
      .default('uuid#counter')
      .describe('How a missing id is made: uuid (a random UUID per request), uuid#counter (one UUID per process, then "#" and a counter; the default), tracker (server address-server port-pid-connection serial-requests on the connection-epoch seconds with milliseconds).'),
    echoDownstream: z.boolean().default(false).describe('Also send the id back to the client in the response, under the same header. Default false.'),
  })
  .describe(
    "Kong's correlation-id plugin (docs/correlation-id.md): a request without the header gets a generated id, sent upstream (and back to the client with echoDownstream); a client's non-empty value is kept.",
  );

export type CorrelationIdConfig = z.output<typeof correlationIdConfigSchema>;
export type CorrelationIdConfigInput = z.input<typeof correlationIdConfigSchema>;
