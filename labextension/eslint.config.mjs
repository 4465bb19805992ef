// ESLint: typescript-eslint's recommended rules and the Jupyter plugin's conventions
// (command ids, plugin ids and descriptions, signal cleanup, disposables, translations).
import jupyterModule from '@jupyter/eslint-plugin';
import tseslint from 'typescript-eslint';

const jupyter = jupyterModule.default ?? jupyterModule;

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '../nb2pkg/**', 'jest.config.js', 'style/**'] },
  ...tseslint.configs.recommended,
  { plugins: { jupyter } },
  ...jupyter.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-namespace': 'off',
      // The extension's strings are English only for now: no translator bundle yet.
      'jupyter/no-untranslated-string': 'off',
      // One small chunk: splitting it would only delay the first badges.
      'jupyter/prefer-lazy-imports': 'off'
    }
  }
);
