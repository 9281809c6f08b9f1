import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Config } from './config.js'
import { parseSecretKey } from './config.js'

/** The key file of the embedded database, beside its files in TESSERA_DATA_DIR. */
export const SECRET_KEY_FILE = 'tessera-secret.key'

/**
 * S15: the key that seals TOTP secrets. `TESSERA_SECRET_KEY` when set. Otherwise, for the
 * embedded database, a key generated on first start and kept (mode 0600) in its data dir, so it
 * travels with the data it opens (`memory://`: a key for this process, as the data is). For
 * PostgreSQL there is no such place: start-up fails without `TESSERA_SECRET_KEY`, rather than
 * seal secrets under a key the next process would not have.
 */
export async function loadSecretKey(config: Config): Promise<Buffer> {
  if (config.secretKey !== undefined) return config.secretKey
  if (config.databaseUrl !== undefined) {
    throw new Error(
      'TESSERA_SECRET_KEY is required with DATABASE_URL (32 bytes in base64: openssl rand -base64 32)',
    )
  }
  if (config.dataDir.startsWith('memory://')) return randomBytes(32)
  const dir = resolve(config.dataDir)
  const file = join(dir, SECRET_KEY_FILE)
  try {
    return keyFrom(await readFile(file, 'utf8'), file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(dir, { recursive: true })
  const key = randomBytes(32)
  // `wx`: never overwrite a key another process wrote meanwhile; then read back what won.
  await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    },
  )
  return keyFrom(await readFile(file, 'utf8'), file)
}

function keyFrom(text: string, file: string): Buffer {
  let key: Buffer | undefined
  try {
    key = parseSecretKey(text)
  } catch (cause) {
    throw new Error(`${file} does not hold a 32-byte base64 key`, { cause })
  }
  if (key === undefined) throw new Error(`${file} is empty; restore the key or remove the file`)
  return key
}
