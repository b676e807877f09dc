// A gRPC server process for tests whose upstream must run elsewhere (a network namespace, see
// test/harness/netns.ts): node grpc-echo-server.mjs HOST PORT NAME. test.Echo/Unary answers
// {text, name, seen} with JSON messages, as test/support/grpc-echo.ts does in-process.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const [host, port, name] = process.argv.slice(2);
const json = { serialize: (v) => Buffer.from(JSON.stringify(v)), deserialize: (b) => JSON.parse(b.toString()) };
const server = new grpc.Server();
server.addService(
  {
    Unary: {
      path: '/test.Echo/Unary', requestStream: false, responseStream: false,
      requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize,
    },
  },
  {
    Unary: (call, cb) => {
      const seen = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) seen[k] = String(v);
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', 'done');
      cb(null, { text: call.request.text ?? '', name, seen }, trailer);
    },
  },
);
server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log('ready');
});
