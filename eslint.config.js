import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'

const projectImportsOutsideAuthz = [
  '../db/*',
  '../domain/*',
  '../http/*',
  '../config.js',
  '../main.js',
]

// docs/resources.md: a module's repository (`src/domain/<m>/<m>.repo.ts`) is private to it. Only
// a file in the same folder may import it (`./x.repo.js`); anything else (another module,
// domain/context.ts, the CLI, tests, benches) calls the module's services through its index.ts.
// test/private-repos.test.ts also refuses an index.ts that re-exports from its repository.
const privateRepos = {
  regex: '^(?!\\./[^/]+\\.repo(\\.[jt]s)?$).*\\.repo(\\.[jt]s)?$',
  message: "A repository is private to its module: call the module's service through its index.ts.",
}

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'dist', 'coverage', 'web/dist', 'web/src/api/schema.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an as-const object and a derived union.' },
        { selector: 'ExportDefaultDeclaration', message: 'No default exports.' },
      ],
    },
  },
  {
    // The web console (web/): React's rules of hooks and the React Compiler's checks.
    files: ['web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    // The console reads the server's API only through the generated, typed client.
    files: ['web/src/**/*.{ts,tsx}'],
    ignores: ['web/src/api/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'Use the typed client (web/src/api/client.ts).' },
      ],
    },
  },
  {
    // Tool configuration files must default-export their config.
    files: ['*.config.js', '*.config.ts', 'web/*.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // config.ts is the one reader of the environment (STYLE.md, Config and wiring).
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts', 'src/authz/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Take it from Config (config.ts).' },
      ],
    },
  },
  {
    // The engine is pure: no IO, no clock, no globals, nothing from the rest of the project.
    files: ['src/authz/**/*.ts'],
    ignores: ['src/authz/**/*.test.ts', 'src/authz/**/*.case.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'net'],
              message: 'authz is pure: no IO.',
            },
            { group: ['kysely', 'fastify', 'pg', '@electric-sql/*'], message: 'authz is pure.' },
            {
              group: projectImportsOutsideAuthz,
              message: 'authz imports nothing from the project but errors.ts.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time is an input.' },
        { object: 'Math', property: 'random', message: 'The engine is deterministic.' },
        { object: 'process', property: 'env', message: 'Config is an input.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Time is an input.',
        },
        { selector: 'TSEnumDeclaration', message: 'Use an as-const object and a derived union.' },
      ],
    },
  },
  {
    // Other modules import the engine through its front door only.
    files: ['src/**/*.ts'],
    ignores: ['src/authz/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'authz/(?!index\\.js$|conformance\\.case\\.js$).+',
              message: "Import from 'authz/index.js'.",
            },
            privateRepos,
          ],
        },
      ],
    },
  },
  {
    // Outside src/ (tests, benches, scripts): repositories are private there too.
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: ['src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [privateRepos] }] },
  },
)
