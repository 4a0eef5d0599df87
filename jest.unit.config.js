/**
 * `npm run test:unit` and the mutation tests: the unit project of jest.config.js as a flat
 * config of its own (no global set-up, no database, no Temporal). Stryker's jest runner wants a
 * flat config, not a list of projects.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config file, loaded by jest as is
const { projects, ...global } = require('./jest.config.js');

module.exports = { ...global, ...projects.find((p) => p.displayName === 'unit') };
