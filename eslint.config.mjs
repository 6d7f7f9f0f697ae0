// Lint: typescript-eslint's recommended rules with type information, plus the project's own rules (ARCHITECTURE.md): no floating
// promises, no imports of another package's src/ (import the package), no generated or built files.
// Only the project's own sources are linted: the files its tsconfigs include (lint uses their type information, so a
// .ts file outside every tsconfig, such as a topology a user adds to try something, would only fail to parse).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import tseslint from 'typescript-eslint';

/** Globs of the .ts files each of the project's tsconfigs includes (every tsconfig.json up to three levels down). */
function projectSources(root) {
  const globs = [];
  const visit = (dir, depth) => {
    const config = path.join(root, dir, 'tsconfig.json');
    if (dir && existsSync(config)) {
      // tsconfig allows comments; ours have none, and a parse error here should be loud.
      for (const inc of JSON.parse(readFileSync(config, 'utf8')).include ?? [])
        globs.push(inc.includes('*') ? `${dir}/${inc}` : `${dir}/${inc}/**/*.ts`);
    }
    if (depth === 3) return;
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory() && !['node_modules', 'dist', '.git'].includes(e.name) && !e.name.startsWith('.'))
        visit(dir ? `${dir}/${e.name}` : e.name, depth + 1);
    }
  };
  visit('', 0);
  return globs;
}

const SOURCES = projectSources(import.meta.dirname);

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/generated/**',
      'packages/*/scripts/**',
      'scripts/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: SOURCES })),
  {
    files: SOURCES,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite', 'before', 'after'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@squall/*/src', '@squall/*/src/*', '../../*/src/*'],
              message: "import the package, not another package's src/",
            },
          ],
        },
      ],
    },
  },
);
