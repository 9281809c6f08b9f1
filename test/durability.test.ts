import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { Database } from '../src/domain/database.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { createDb, DataDirInUse, migrateToLatest } from '../src/db/index.js'
import { createAuditSigner, verifyAuditChain } from '../src/domain/audit/index.js'
import { buildApp } from '../src/http/app.js'
import { logIn, signUp } from './test-app.js'

const key = randomBytes(32)
const dir = await mkdtemp(join(tmpdir(), 'tessera-durability-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

async function open() {
  const db = await createDb<Database>({ dataDir: dir })
  await migrateToLatest(db)
  const app = await buildApp({
    config: loadConfig({ TESSERA_DATA_DIR: dir }),
    db,
    secretKey: key,
  })
  return { db, app, close: async () => (await app.close(), await db.destroy()) }
}

describe('PGlite data folder', () => {
  it('keeps what was committed across a close and a reopen', async () => {
    const first = await open()
    const co = await signUp(first.app, { companyName: 'Durable Co' })
    // while it is open, the folder is this process's: another process (the CLI here) is refused
    // before PGlite touches it, and so is a second handle in this process
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], {
      env: { ...process.env, TESSERA_DATA_DIR: dir },
      encoding: 'utf8',
    })
    expect(cli.status).toBe(1)
    expect(cli.stderr).toContain(`is in use by process ${process.pid}`)
    await expect(createDb<Database>({ dataDir: dir })).rejects.toThrow(DataDirInUse)
    await first.close()

    const second = await open()
    try {
      expect(await migrateToLatest(second.db)).toEqual([])
      const login = await logIn(second.app, { company: co.slug, email: co.email })
      expect(login.statusCode).toBe(200)
      expect(await verifyAuditChain(second.db, co.companyId, createAuditSigner(key))).toMatchObject(
        { ok: true },
      )
    } finally {
      await second.close()
    }
    // two PGlite clusters made from nothing (initdb in WebAssembly) and migrated: slow on a
    // loaded machine, so this one test waits longer than the default
  }, 180_000)
})
