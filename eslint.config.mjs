// ESLint (flat config): @eslint/js and typescript-eslint recommended rules, without type
// information (fast). Formatting is prettier's job (`prettier --check .` in `npm run lint`), and the
// layout rules are dependency-cruiser's (.dependency-cruiser.js).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Browser globals the static pages use (web/ is plain scripts, no bundler). */
const browser = Object.fromEntries(
  [
    'window',
    'document',
    'location',
    'history',
    'navigator',
    'fetch',
    'URL',
    'URLSearchParams',
    'FormData',
    'sessionStorage',
    'localStorage',
    'crypto',
    'console',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'requestAnimationFrame',
    'Intl',
  ].map((name) => [name, 'readonly']),
);

/** Node's CommonJS globals, for the plain .js scripts. */
const nodeCommonJs = Object.fromEntries(
  ['require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', 'Buffer', 'setTimeout', 'clearTimeout'].map((name) => [
    name,
    'readonly',
  ]),
);

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', '.data/', '.tools/', '.cache/', 'bench/.work/', 'test/e2e/artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_reply`, `_err`: a parameter the signature needs but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { sourceType: 'script', globals: browser },
  },
  {
    files: ['scripts/**/*.js', 'cli/bin.js', '.dependency-cruiser.js'],
    languageOptions: { sourceType: 'commonjs', globals: nodeCommonJs },
    // plain CommonJS run by node itself: require() is how it imports
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['cli/**/*.ts'],
    // each command require()s what it needs when it runs, so `dsar status` does not load the worker or the API
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
