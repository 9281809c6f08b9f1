import { isIP } from 'node:net'
import { AppError } from './errors.js'

/** Everything the process takes from its environment, parsed once (docs/api.md, Configuration). */
export interface Config {
  readonly port: number
  readonly host: string
  /** `postgres://…` for PostgreSQL; undefined means the embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined
  /** Where PGlite keeps its files; `memory://` keeps them in memory only. */
  readonly dataDir: string
  /**
   * S15: the AES-256-GCM key sealing TOTP secrets (`TESSERA_SECRET_KEY`, 32 bytes in base64).
   * Unset: the embedded database keeps a generated key in its data dir; PostgreSQL refuses to
   * start (src/secret-key.ts).
   */
  readonly secretKey: Buffer | undefined
  /**
   * S20: Fastify's `trustProxy` (`TRUST_PROXY`): false (unset) ignores X-Forwarded-*; `true`
   * trusts any peer; a number trusts that many hops; addresses/CIDRs trust those peers only.
   * It decides `req.ip` (audit, login network rules, rate limits) and `req.protocol` (Secure
   * cookies, HSTS).
   */
  readonly trustProxy: boolean | number | readonly string[]
  /** The server log's level (`LOG_LEVEL`): fatal, error, warn, info (default), debug, trace, silent. */
  readonly logLevel: LogLevel
  /**
   * The share of requests written to the log as one line each (`LOG_REQUESTS`): `all` (1, the
   * default), `none` (0), or a fraction such as `0.01`. Errors are logged whatever it says.
   */
  readonly requestLogRate: number
  /**
   * S21: whether `serve` migrates the database at start (`TESSERA_MIGRATE`, default true). Set
   * `false` when the server logs in with a role that does not own the tables, and run
   * `npm run cli -- migrate` as the owner instead (docs/security.md).
   */
  readonly migrateOnStart: boolean
  /**
   * How often, in ms, the server hands on calls waiting in queues that an agent may take now
   * because of the time (a temporary grant whose start has come), or that a change could not
   * hand on at once (`TESSERA_QUEUE_SWEEP_MS`, default 5000; 0 turns it off).
   */
  readonly queueSweepMs: number
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

type Env = Readonly<Record<string, string | undefined>>

/** Parses the environment into a frozen Config; throws at start-up on a bad value. */
export function loadConfig(env: Env = process.env): Config {
  return Object.freeze({
    port: parsePort(env['PORT']),
    host: nonEmpty(env['HOST']) ?? '127.0.0.1',
    databaseUrl: parseDatabaseUrl(env['DATABASE_URL']),
    dataDir: nonEmpty(env['TESSERA_DATA_DIR']) ?? './data',
    secretKey: parseSecretKey(env['TESSERA_SECRET_KEY']),
    trustProxy: parseTrustProxy(env['TRUST_PROXY']),
    logLevel: parseLogLevel(env['LOG_LEVEL']),
    requestLogRate: parseRequestLogRate(env['LOG_REQUESTS']),
    migrateOnStart: parseBoolean('TESSERA_MIGRATE', env['TESSERA_MIGRATE'], true),
    queueSweepMs: parseQueueSweepMs(env['TESSERA_QUEUE_SWEEP_MS']),
  })
}

function parseQueueSweepMs(value: string | undefined): number {
  const text = nonEmpty(value)
  if (text === undefined) return 5000
  const ms = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(ms) || (ms > 0 && ms < 10) || ms > 86_400_000) {
    throw new AppError(
      'validation_failed',
      `TESSERA_QUEUE_SWEEP_MS must be 0 (off) or a whole number of ms from 10 to 86400000, got "${text}"`,
    )
  }
  return ms
}

function parseLogLevel(value: string | undefined): LogLevel {
  const text = nonEmpty(value)?.toLowerCase()
  if (text === undefined) return 'info'
  const level = logLevels.find((l) => l === text)
  if (level === undefined) {
    throw new AppError('validation_failed', `LOG_LEVEL must be one of ${logLevels.join(', ')}`)
  }
  return level
}

function parseRequestLogRate(value: string | undefined): number {
  const text = nonEmpty(value)?.toLowerCase()
  if (text === undefined || text === 'all') return 1
  if (text === 'none') return 0
  const rate = Number(text)
  if (!/^(0|1|0?\.\d+)$/.test(text) || !(rate >= 0 && rate <= 1)) {
    throw new AppError(
      'validation_failed',
      `LOG_REQUESTS must be all, none or a fraction between 0 and 1, got "${text}"`,
    )
  }
  return rate
}

/** The PostgreSQL server the test suite runs against instead of PGlite, when set. */
export function loadTestDatabaseUrl(env: Env = process.env): string | undefined {
  return parseDatabaseUrl(env['TESSERA_TEST_DATABASE_URL'])
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function parsePort(value: string | undefined): number {
  const text = nonEmpty(value)
  if (text === undefined) return 3000
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new AppError('validation_failed', `PORT must be an integer 0-65535, got "${text}"`)
  }
  return port
}

/** 32 bytes in base64 (or base64url), e.g. from `openssl rand -base64 32`. */
export function parseSecretKey(value: string | undefined): Buffer | undefined {
  const text = nonEmpty(value)
  if (text === undefined) return undefined
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined
  if (key?.length !== 32) {
    throw new AppError(
      'validation_failed',
      'TESSERA_SECRET_KEY must be 32 bytes in base64 (openssl rand -base64 32)',
    )
  }
  return key
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  const text = nonEmpty(value)?.toLowerCase()
  if (text === undefined) return fallback
  if (text === 'true' || text === '1') return true
  if (text === 'false' || text === '0') return false
  throw new AppError('validation_failed', `${name} must be true or false, got "${text}"`)
}

function parseTrustProxy(value: string | undefined): Config['trustProxy'] {
  const text = nonEmpty(value)?.toLowerCase()
  if (text === undefined || text === 'false') return false
  if (text === 'true') return true
  if (/^\d{1,2}$/.test(text)) return Number(text)
  const entries = text.split(',').map((e) => e.trim())
  const isAddressOrCidr = (entry: string) => {
    const [address = '', bits, ...rest] = entry.split('/')
    const version = isIP(address)
    if (version === 0 || rest.length > 0) return false
    if (bits === undefined) return true
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128)
  }
  if (!entries.every(isAddressOrCidr)) {
    throw new AppError(
      'validation_failed',
      `TRUST_PROXY must be true, false, a hop count or a comma-separated list of addresses/CIDRs, got "${text}"`,
    )
  }
  return Object.freeze(entries)
}

function parseDatabaseUrl(value: string | undefined): string | undefined {
  const text = nonEmpty(value)
  if (text === undefined) return undefined
  if (!/^postgres(ql)?:\/\//.test(text)) {
    throw new AppError(
      'validation_failed',
      'DATABASE_URL must start with postgres:// or postgresql://',
    )
  }
  return text
}
