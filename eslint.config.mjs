// ESLint for the whole repository (flat config). The TypeScript rules are type-aware: they read the
// types through test/tsconfig.json, which covers lib/, nodes/, bin/, test/, bench/ and scripts/.
// What matters most here is the house rule "nothing rejects unobserved" (Node-RED exits on an
// unhandled rejection, and the suites run with --unhandled-rejections=strict):
// no-floating-promises and no-misused-promises are errors everywhere.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'build/**', 'prebuilds/**', 'node_modules/**', 'coverage/**', 'fuzz-artifacts/**', '.demo-userdir/**', 'tmp/**'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: ['./test/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The house rule: every promise is awaited, returned, .catch()ed or explicitly `void`ed
      // (void only where the promise cannot reject or rejects into a handler of its own).
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true, ignoreIIFE: false }],
      // An async function where a callback's result is ignored (a socket 'message' listener, a
      // timer, Node-RED's 'input' handler) turns a throw into an unobserved rejection.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: true, attributes: false, properties: true, returns: true, variables: true } },
      ],
      '@typescript-eslint/require-await': 'off', // async for a uniform Promise-returning API is fine
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'], // a rejection inside try is caught only if awaited
      // Rejecting with what a catch caught (unknown) is passing an error on, not making one up.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Noise for this code base: Node-RED's and the native addon's typings are loose, and the
      // native module is loaded with require() on purpose (native-loader.ts tries several paths).
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Node-RED's own idiom: `const node = this` in a node's constructor function.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
      eqeqeq: ['error', 'smart'],
      'no-control-regex': 'off', // parsers match control characters on purpose
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Tests throw and reject odd values on purpose (robustness checks), use empty callbacks as
    // stand-ins and `any` for Node-RED's loosely typed test nodes.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  {
    // node-red-node-test-helper's typings declare startServer()/stopServer() as returning void;
    // they return promises (node_modules/node-red-node-test-helper/index.js: async), and the
    // tests and benches await them. The class is not exported, so its typing cannot be amended.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/await-thenable': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  {
    // Editor-side code embedded in nodes/*.html is not linted (ESLint reads no HTML); the
    // browser scripts that exist as files (resources/ is served to the editor) run in the editor.
    files: ['nodes/**/*.js', 'icons/**/*.js', 'resources/**/*.js'],
    languageOptions: { globals: { ...globals.browser, RED: 'readonly', $: 'readonly' } },
  },
);
