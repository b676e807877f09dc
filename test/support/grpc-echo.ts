import * as grpc from '@grpc/grpc-js';

/**
 * A real gRPC service for the HTTP/2 tests (@grpc/grpc-js server and client), defined by hand with
 * JSON messages instead of protobuf (gRPC frames any bytes; no .proto or codegen needed).
 * test.Echo/Unary answers {text, metadata}; test.Echo/Count streams `n` messages; test.Echo/Fail
 * ends with the status it is asked for. Every call ends with a custom trailer x-trailer: done.
 */
export interface EchoRequest {
  text?: string;
  n?: number;
  failCode?: number;
}
export interface EchoReply {
  text: string;
  i?: number;
  /** Request metadata the server saw (lower-case names → first value). */
  seen?: Record<string, string>;
}

const json = {
  serialize: (v: unknown): Buffer => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer): never => JSON.parse(b.toString()) as never,
};

export const ECHO_SERVICE: grpc.ServiceDefinition = {
  Unary: {
    path: '/test.Echo/Unary', requestStream: false, responseStream: false,
    requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize,
  },
  Count: {
    path: '/test.Echo/Count', requestStream: false, responseStream: true,
    requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize,
  },
  Fail: {
    path: '/test.Echo/Fail', requestStream: false, responseStream: false,
    requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize,
  },
};

function trailer(): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set('x-trailer', 'done');
  return m;
}

function seenOf(md: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) out[k] = String(v);
  return out;
}

export interface GrpcEchoServer {
  port: number;
  close(): Promise<void>;
}

export async function startGrpcEcho(credentials = grpc.ServerCredentials.createInsecure()): Promise<GrpcEchoServer> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    Unary: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) => {
      cb(null, { text: call.request.text ?? '', seen: seenOf(call.metadata) }, trailer());
    },
    Count: (call: grpc.ServerWritableStream<EchoRequest, EchoReply>) => {
      const n = call.request.n ?? 3;
      for (let i = 0; i < n; i++) call.write({ text: call.request.text ?? '', i });
      call.end(trailer());
    },
    Fail: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) => {
      cb({ code: call.request.failCode ?? grpc.status.NOT_FOUND, details: 'no such thing: ü', metadata: trailer() });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

export const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
export type EchoClientInstance = InstanceType<typeof EchoClient>;

export interface CallResult<T> {
  error?: grpc.ServiceError;
  value?: T;
  status?: grpc.StatusObject;
}

/** A unary call that resolves with its error or value and its final status (trailers included). */
export function unary(client: EchoClientInstance, method: 'Unary' | 'Fail', req: EchoRequest, md = new grpc.Metadata()): Promise<CallResult<EchoReply>> {
  return new Promise((resolve) => {
    const out: CallResult<EchoReply> = {};
    let pending = 2;
    const done = (): void => {
      if (--pending === 0) resolve(out);
    };
    const call = (client[method] as (r: EchoRequest, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v?: EchoReply) => void) => grpc.ClientUnaryCall)(req, md, (err, value) => {
      if (err) out.error = err;
      else out.value = value;
      done();
    });
    call.on('status', (s: grpc.StatusObject) => {
      out.status = s;
      done();
    });
  });
}

/** A server-streaming call: every message, then the final status. */
export function serverStream(client: EchoClientInstance, req: EchoRequest, md = new grpc.Metadata()): Promise<{ messages: EchoReply[]; status: grpc.StatusObject; error?: Error }> {
  return new Promise((resolve) => {
    const messages: EchoReply[] = [];
    let error: Error | undefined;
    const call = (client.Count as (r: EchoRequest, m: grpc.Metadata) => grpc.ClientReadableStream<EchoReply>)(req, md);
    call.on('data', (m: EchoReply) => messages.push(m));
    call.on('error', (e: Error) => (error = e));
    call.on('status', (status: grpc.StatusObject) => setImmediate(() => resolve({ messages, status, ...(error ? { error } : {}) })));
  });
}

export { grpc };
