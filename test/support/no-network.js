/**
 * Preloaded (NODE_OPTIONS=--require) into a run of the unit layer by unit-layer.test.ts: any
 * attempt to open a TCP or Unix socket throws, so a unit test that reaches for Postgres,
 * Temporal, SMTP or the network fails instead of quietly depending on it. Jest's own workers
 * talk over IPC pipes, which this leaves alone.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- preloaded with node --require, before any transpiler
const net = require('node:net');

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function blockedConnect(...args) {
  const target =
    typeof args[0] === 'object' && args[0] !== null
      ? JSON.stringify({ host: args[0].host, port: args[0].port, path: args[0].path })
      : String(args[0]);
  throw new Error(`the unit layer opens no sockets (tried ${target})`);
};
net.Socket.prototype.connect.original = connect;
