import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../src/config.js'
import { createDb, migrateToLatest } from '../../src/db/index.js'
import type { Database } from '../../src/domain/database.js'
import { buildApp } from '../../src/http/app.js'
import { SCHEMA_FILE, typesFor } from './openapi-types.js'

// `npm run gen:api`: the server's OpenAPI document, from the app itself on a throw-away
// in-memory database, turned into web/src/api/schema.d.ts.
const db = await createDb<Database>({ dataDir: 'memory://' })
await migrateToLatest(db)
const app = await buildApp({ config: loadConfig({}), db, secretKey: randomBytes(32) })
try {
  const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
  if (response.statusCode !== 200) throw new Error(`openapi.json answered ${response.statusCode}`)
  await writeFile(SCHEMA_FILE, await typesFor(response.json()))
  console.log(`wrote ${fileURLToPath(SCHEMA_FILE)}`)
} finally {
  await app.close()
  await db.destroy()
}
