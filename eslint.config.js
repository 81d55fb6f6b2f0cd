// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** `../x/**` and `../../x/**`: layer `x` from a layer folder or from a folder inside it (actions/<name>/). */
const up = (...dirs) => dirs.flatMap((d) => [`../${d}/**`, `../../${d}/**`, `../${d}.js`, `../../${d}.js`]);
const HIGHER_THAN_CORE = ['pipeline', 'api', 'console', 'report', 'eventbridge'];

/** `forbidden`: gitignore-style groups, or one regex (a string) over the import path. */
function layer(files, forbidden, message, ignores = []) {
  const pattern =
    typeof forbidden === 'string' ? { regex: forbidden, message } : { group: forbidden, message };
  return { files, ignores, rules: { 'no-restricted-imports': ['error', { patterns: [pattern] }] } };
}

/** Which layer may not import which, as the code stands (test/lint checks each rule bites). */
function layers() {
  return [
    layer(['functions/lib/kernel/**/*.ts'], ['../**'], 'The kernel imports nothing from cordon.'),
    layer(
      ['functions/lib/aws/**/*.ts'],
      up('actions', 'resources', 'findings', 'policy', 'store', 'observability', ...HIGHER_THAN_CORE),
      'aws/ wraps the SDK for everyone: it may import only errors.ts and the kernel.',
    ),
    layer(
      ['functions/lib/observability.ts'],
      ['./actions/**', './resources/**', './store/**', './pipeline/**', './api/**', './report/**'],
      'observability.ts is below every layer that logs: errors.ts and the kernel only.',
    ),
    layer(
      ['functions/lib/report/**/*.ts'],
      up('pipeline', 'api', 'console', 'eventbridge'),
      'report/ is called by the pipeline: declare what it needs (ReportDeps) instead of importing the pipeline.',
    ),
    layer(
      [
        'functions/lib/actions/**/*.ts',
        'functions/lib/resources/**/*.ts',
        'functions/lib/findings/**/*.ts',
        'functions/lib/policy/**/*.ts',
        'functions/lib/store/**/*.ts',
      ],
      up(...HIGHER_THAN_CORE),
      'The core (actions, resources, findings, policy, store) must not import the pipeline, the API, the console, report or eventbridge.',
    ),
    layer(
      ['functions/**/*.ts'],
      ['**/harness/**', '**/scripts/**', '**/bench/**', '**/cli/**'],
      'Lambda code must not import local tooling (harness, scripts, bench, cli).',
      [
        'functions/lib/kernel/**',
        'functions/lib/aws/**',
        'functions/lib/observability.ts',
        'functions/lib/report/**',
        'functions/lib/actions/**',
        'functions/lib/resources/**',
        'functions/lib/findings/**',
        'functions/lib/policy/**',
        'functions/lib/store/**',
      ],
    ),
    layer(
      ['console/src/**/*.ts'],
      '/functions/(?!lib/api/contract\\.js$|lib/store/model\\.js$)',
      'The console imports only the API contract (functions/lib/api/contract.ts) and the store model types.',
    ),
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cordon/', '.venv-moto/', 'test-output/', 'terraform/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // CONTRIBUTING.md: no `any`, no `!` assertions.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Lambda bundles: `import { z }` keeps all of zod in every bundle; the namespace import lets esbuild drop
    // what is unused (scripts/build.ts, ~50 KB per bundle). Type-only imports cost nothing and stay allowed.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='zod'][importKind!='type'] > :matches(ImportSpecifier[imported.name='z'][importKind!='type'], ImportDefaultSpecifier)",
          message: "Use `import * as z from 'zod'`: it keeps the Lambda bundles small (scripts/build.ts).",
        },
      ],
    },
  },
  {
    // Lambda init: no module of the core loads the AWS SDK at import time; functions/lib/aws/sdk.ts imports each
    // client on first use (its modules in functions/lib/aws/clients/ are reached only from there). Types cost nothing and stay allowed. The local-only
    // modules (emulator setup) are exempt: no Lambda bundle reaches them (test/pipeline/build.test.ts checks).
    files: ['functions/**/*.ts'],
    ignores: ['functions/lib/aws/sdk.ts', 'functions/lib/aws/clients/*.ts', 'functions/lib/store/table.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*'],
              allowTypeImports: true,
              message:
                'Import SDK types only (`import type`); load SDK values through functions/lib/aws/sdk.ts, on first use.',
            },
          ],
        },
      ],
    },
  },
  // Layering: a module imports only layers below its own (CONTRIBUTING.md, architecture). `import type` counts
  // too: a type from a higher layer ties the lower one to its shape. The kernel imports nothing from cordon.
  ...layers(),
  {
    // Action manifests are read by every Lambda (registry.ts): they carry no step code, member client or SDK, so
    // that only the worker loads an action's implementation (scripts/build.ts fails a bundle over its budget).
    // This block replaces the SDK rule above for these files, so it repeats it.
    files: ['functions/lib/actions/manifest.ts', 'functions/lib/actions/*/manifest.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@aws-sdk/*',
                '@smithy/*',
                '**/aws/*',
                '**/definition*',
                '**/steps*',
                '**/runner*',
                '**/guards*',
              ],
              allowTypeImports: true,
              message:
                'A manifest is side-effect free: declare data only; steps and AWS calls belong in definition.ts (functions/lib/actions/manifest.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
