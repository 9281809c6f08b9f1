import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: './data',
      secretKey: undefined,
      trustProxy: false,
      logLevel: 'info',
      requestLogRate: 1,
      migrateOnStart: true,
      queueSweepMs: 5000,
    })
  })

  it('reads every documented variable and freezes the result', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u@h/db',
      TESSERA_DATA_DIR: '/tmp/x',
      TESSERA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      TRUST_PROXY: '1',
      TESSERA_MIGRATE: 'false',
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: '0.25',
      TESSERA_QUEUE_SWEEP_MS: '250',
    })
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u@h/db',
      dataDir: '/tmp/x',
      secretKey: Buffer.alloc(32, 7),
      trustProxy: 1,
      logLevel: 'warn',
      requestLogRate: 0.25,
      migrateOnStart: false,
      queueSweepMs: 250,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('fails at load on a bad port or database url', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/)
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/)
    expect(() => loadConfig({ TESSERA_MIGRATE: 'maybe' })).toThrow(/TESSERA_MIGRATE/)
  })

  it('takes 0 as the queue sweep off, and refuses a sweep interval that is not whole ms, or too short', () => {
    expect(loadConfig({ TESSERA_QUEUE_SWEEP_MS: '0' }).queueSweepMs).toBe(0)
    for (const bad of ['-5', '1.5', 'often', '5', '86400001'])
      expect(() => loadConfig({ TESSERA_QUEUE_SWEEP_MS: bad })).toThrow(/TESSERA_QUEUE_SWEEP_MS/)
  })

  it('fails at load on a secret key that is not 32 bytes of base64 (S15)', () => {
    expect(() => loadConfig({ TESSERA_SECRET_KEY: 'short' })).toThrow(/TESSERA_SECRET_KEY/)
    const long = Buffer.alloc(33).toString('base64')
    expect(() => loadConfig({ TESSERA_SECRET_KEY: long })).toThrow(/32 bytes/)
    expect(() => loadConfig({ TESSERA_SECRET_KEY: `${'a'.repeat(43)}!` })).toThrow(/base64/)
  })
})
