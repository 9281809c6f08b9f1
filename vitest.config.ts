import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Test files share their worker's module cache instead of re-importing the server (Fastify,
    // Kysely, PGlite, TypeBox schemas) for each file. Measured here on the whole suite on PGlite:
    // 545 s of CPU instead of 1034 s, the same 1051 tests passed. Every file builds its own
    // database, server and clock (test/helpers.ts), so files share no state through modules.
    isolate: false,
    // The files wait on PostgreSQL, the browser, servers and timers more than they compute: with
    // vitest's default (one worker per core) the whole suite on PGlite kept this 2-core machine
    // 39% busy and took 953 s; with 4 workers, 94% busy and 483 s, the same 1334 tests passed.
    // At least 4, more where there are more cores (TESSERA_TEST_WORKERS overrides).
    maxWorkers: Number(process.env['TESSERA_TEST_WORKERS']) || Math.max(4, availableParallelism()),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits up to 5 s (vitest's default is 1 s): a browser page fills its names in
    // after the row (a name read by id shows "…" first), later still on a loaded CI machine
    expect: { poll: { timeout: 5_000 } },
  },
})
