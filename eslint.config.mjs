// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.data/**',
      'coverage/**',
      'test-artifacts/**',
      '.stryker-tmp/**',
      'bench/results/**',
      'db/migrations/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': [
        'error',
        {
          // docs/ARCHITECTURE.md (House rules): configuration is parsed once, in lib/config.ts.
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through lib/config.ts, not process.env.',
        },
      ],
    },
  },
  {
    // Places that legitimately touch the process environment: the config parser, the CLI
    // provisioning (PATH, cache dir, child env), scripts and tests that set up child processes.
    files: [
      'lib/config.ts',
      'lib/temporal-cli.ts',
      'lib/temporal-server.ts',
      'lib/prod-stack.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Workflow code is replayed: it must be deterministic and free of I/O (docs/ARCHITECTURE.md, House rules).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code must not use Node built-ins.' },
            {
              group: ['../activities', '../activities/*'],
              allowTypeImports: true,
              message: 'Import activities as types only.',
            },
            {
              group: ['../db/*', '../lib/*', '../api/*', 'pg', 'nodemailer', 'drizzle-orm', 'drizzle-orm/*'],
              message: 'No I/O in workflow code.',
            },
          ],
          paths: ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'timers'].map((name) => ({
            name,
            message: 'Workflow code must not use Node built-ins.',
          })),
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() or condition() from @temporalio/workflow.' },
      ],
    },
  },
  {
    // Every API schema is built from api/http/zod.ts, whose text builders carry the storable-text
    // check: a field declared with zod's own z.string() would let a NUL through to a workflow.
    files: ['api/**/*.ts'],
    ignores: ['api/http/zod.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'zod',
              message: "Build schemas with { z } from 'api/http/zod' (its strings refuse text that cannot be stored).",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    ...tseslint.configs.disableTypeChecked,
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node }, parserOptions: { projectService: false, program: null } },
  },
);
