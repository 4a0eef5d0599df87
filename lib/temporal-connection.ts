import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from './config';

/** TLS / API-key options shared by the API's client connection and the worker's native connection. */
function tlsOptions(config: Config) {
  const t = config.temporal;
  if (!t.tls) return undefined;
  return {
    clientCertPair:
      t.tls.certPath && t.tls.keyPath
        ? { crt: fs.readFileSync(t.tls.certPath), key: fs.readFileSync(t.tls.keyPath) }
        : undefined,
    serverRootCACertificate: t.tls.caPath ? fs.readFileSync(t.tls.caPath) : undefined,
    serverNameOverride: t.tls.serverName,
  };
}

export function requireTemporalAddress(config: Config): string {
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  return config.temporal.address;
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({
    address: requireTemporalAddress(config),
    tls: tlsOptions(config),
    apiKey: config.temporal.apiKey,
    connectTimeout: '10s',
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function nativeConnectionOptions(config: Config): NativeConnectionOptions {
  return { address: requireTemporalAddress(config), tls: tlsOptions(config), apiKey: config.temporal.apiKey };
}
