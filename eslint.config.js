// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // package on first use (≈0.1–0.4 s each at cold start). Types cost nothing and stay allowed. The local-only
    // modules (emulator setup) are exempt: no Lambda bundle reaches them (test/pipeline/build.test.ts checks).
    files: ['functions/**/*.ts'],
    ignores: ['functions/lib/aws/sdk.ts', 'functions/lib/store/table.ts'],
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
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
