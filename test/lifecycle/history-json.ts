/**
 * Reads a history JSON file (as written by `temporal workflow show --output json` or the Web UI)
 * into the History message the replayer takes.
 *
 * Why not `historyFromJSON` from @temporalio/common: in this install npm could not dedupe
 * protobufjs (grpc's proto-loader pins 7.x at the top level), so @temporalio/common and
 * @temporalio/proto each carry their own 8.x copy, and common's protojson refuses proto's types
 * ("type must be a Type"). Loading protojson from the copy that @temporalio/proto uses avoids
 * the mismatch. Delete this once `npm ls protobufjs` shows one 8.x copy shared by both.
 */
import fs from 'node:fs';
import path from 'node:path';

/* eslint-disable @typescript-eslint/no-require-imports */
type ProtoJson = { fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown };

export function loadHistoryJSON(file: string): unknown {
  const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
  const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(r: unknown): { lookupType(n: string): unknown } };
  const type = patchProtobufRoot(require('@temporalio/proto')).lookupType('temporal.api.history.v1.History');
  return protojson.fromJson(type, JSON.parse(fs.readFileSync(file, 'utf8')), { ignoreUnknownFields: true });
}
