import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Browser globals the web app (web/src) uses. TypeScript checks names in .ts/.tsx files already (typescript-eslint
// turns `no-undef` off for them); this list keeps plain-JS rules and future .js files in web/src honest.
const browserGlobals = Object.fromEntries(
  [
    'window', 'document', 'navigator', 'location', 'history', 'console', 'fetch', 'Request', 'Response', 'Headers',
    'URL', 'URLSearchParams', 'FormData', 'File', 'FileList', 'Blob', 'XMLHttpRequest', 'EventSource', 'MessageEvent',
    'Event', 'AbortController', 'AbortSignal', 'DOMException', 'HTMLElement', 'HTMLInputElement',
    'HTMLSelectElement', 'HTMLButtonElement', 'HTMLHeadingElement', 'HTMLDivElement', 'HTMLParagraphElement',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'requestAnimationFrame', 'cancelAnimationFrame',
    'sessionStorage', 'localStorage', 'Intl',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['node_modules/', '.bench/', 'data/', 'dist/', 'coverage/', 'test-artifacts/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // the web app runs in the browser, not in Node
    files: ['web/src/**/*.{ts,tsx,js,jsx}'],
    languageOptions: {
      globals: { ...browserGlobals, process: 'off' },
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
  },
);
