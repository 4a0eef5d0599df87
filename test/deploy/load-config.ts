import { loadConfigOrExit, type Mode } from '../../lib/config';

/** Spawned by config.test.ts: what an entry point does first. Prints OK when the config loads. */
loadConfigOrExit((process.argv[2] ?? 'service') as Mode);
process.stdout.write('CONFIG OK\n');
