import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'
import { loadSecretKey, SECRET_KEY_FILE } from './secret-key.js'

const dir = await mkdtemp(join(tmpdir(), 'tessera-key-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('loadSecretKey (S15)', () => {
  it('takes TESSERA_SECRET_KEY when set', async () => {
    const key = Buffer.alloc(32, 9)
    const config = loadConfig({ TESSERA_SECRET_KEY: key.toString('base64') })
    expect(await loadSecretKey(config)).toEqual(key)
  })

  it('generates a key once in the data dir of the embedded database, then reuses it', async () => {
    const config = loadConfig({ TESSERA_DATA_DIR: dir })
    const first = await loadSecretKey(config)
    expect(first).toHaveLength(32)
    expect(await loadSecretKey(config)).toEqual(first)
    const file = join(dir, SECRET_KEY_FILE)
    expect((await readFile(file, 'utf8')).trim()).toBe(first.toString('base64'))
    expect((await stat(file)).mode & 0o077).toBe(0)
  })

  it('refuses to start on PostgreSQL without TESSERA_SECRET_KEY', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db' })
    await expect(loadSecretKey(config)).rejects.toThrow(/TESSERA_SECRET_KEY is required/)
  })
})
