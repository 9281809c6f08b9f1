import type { Kysely } from 'kysely'
import type { Database } from './domain/database.js'
import { PolicyCache } from './domain/access/index.js'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { Ctx } from './domain/context.js'
import { exportPolicy, importPolicy } from './domain/policy/index.js'
import { readPolicyDocument } from './http/policy-document.js'
import { loadConfig, type Config } from './config.js'
import { createDb, migrateToLatest } from './db/index.js'
import { signup } from './domain/accounts/index.js'
import { createAuditSigner, verifyAuditChain } from './domain/audit/index.js'
import { companyIdBySlug } from './domain/companies/index.js'
import { seedScale } from './scale.js'
import { loadSecretKey } from './secret-key.js'
import { serve } from './serve.js'

const usage = `usage: tessera <command>
  serve                      run the server (default)
  migrate                    bring the database schema up to date
  create-company --name <company> --admin-name <name> --admin-email <email>
                 --admin-password <password> [--timezone <IANA zone>]
  verify-audit <slug>        re-compute a company's audit hash chain (exit 1 when broken)
  seed-scale [--tickets 1000000] [--customers 200000] [--teams 100]
                             a new company at contact-center scale (npm run seed:scale)
  policy-export <slug>       print the company's access setup as YAML (docs/policy-as-code.md)
  policy-import <slug> <file.yaml> [--dry-run]
                             apply a policy document as the company's first Admin; prints the
                             changes and the users they affect as JSON`

async function withDb<T>(config: Config, fn: (db: Kysely<Database>) => Promise<T>) {
  const db = await createDb<Database>(config)
  try {
    await migrateToLatest(db)
    return await fn(db)
  } finally {
    await db.destroy()
  }
}

/**
 * The CLI acts as the company's first Admin (by when they got the role): every change goes
 * through the same services, rules and audit as over HTTP, attributed to that person.
 */
async function companyAdminCtx(db: Kysely<Database>, slug: string): Promise<Ctx | undefined> {
  const companyId = await companyIdBySlug(db, slug)
  if (companyId === undefined) return undefined
  const admin = await db
    .selectFrom('user_roles as ur')
    .innerJoin('roles as r', 'r.id', 'ur.role_id')
    .select('ur.user_id')
    .where('ur.company_id', '=', companyId)
    .where('r.kind', '=', 'builtin')
    .where('r.name', '=', 'Admin')
    .orderBy('ur.created_at')
    .orderBy('ur.user_id')
    .executeTakeFirst()
  if (admin === undefined) return undefined
  return {
    db,
    now: new Date(),
    meta: { ip: null, userAgent: 'tessera-cli', requestId: null },
    policies: new PolicyCache(),
    actor: { userId: admin.user_id, companyId, sessionId: 'cli', roleIds: [] },
  }
}

async function run(argv: string[]): Promise<number> {
  const config = loadConfig()
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'admin-name': { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-password': { type: 'string' },
      timezone: { type: 'string' },
      tickets: { type: 'string' },
      customers: { type: 'string' },
      teams: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command = 'serve', ...rest] = positionals
  if (values.help) {
    console.log(usage)
    return 0
  }
  switch (command) {
    case 'serve':
      await serve(config)
      return -1
    case 'migrate': {
      const db = await createDb<Database>(config)
      try {
        const applied = await migrateToLatest(db)
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date')
      } finally {
        await db.destroy()
      }
      return 0
    }
    case 'create-company': {
      const { name, timezone } = values
      const adminName = values['admin-name']
      const email = values['admin-email']
      const password = values['admin-password']
      if (!name || !adminName || !email || !password) {
        console.error(usage)
        return 2
      }
      const result = await withDb(config, (db) =>
        signup(
          {
            db,
            now: new Date(),
            meta: { ip: null, userAgent: 'tessera-cli', requestId: null },
            policies: new PolicyCache(),
          },
          { companyName: name, name: adminName, email, password, timezone },
        ),
      )
      console.log(`company ${result.company.slug} (${result.company.id}) created`)
      console.log(`admin ${result.user.email}; bearer token (12 h): ${result.token}`)
      return 0
    }
    case 'verify-audit': {
      const slug = rest[0]
      if (!slug) {
        console.error(usage)
        return 2
      }
      const signer = createAuditSigner(await loadSecretKey(config))
      const result = await withDb(config, async (db) => {
        const companyId = await companyIdBySlug(db, slug)
        return companyId === undefined ? undefined : verifyAuditChain(db, companyId, signer)
      })
      if (result === undefined) {
        console.error(`no company with slug "${slug}"`)
        return 2
      }
      console.log(JSON.stringify(result))
      return result.ok ? 0 : 1
    }
    case 'seed-scale': {
      const count = (value: string | undefined, fallback: number) => {
        const n = value === undefined ? fallback : Number(value)
        if (!Number.isInteger(n) || n < 0) throw new Error(`not a count: ${value}`)
        return n
      }
      const company = await withDb(config, (db) =>
        seedScale(db, {
          tickets: count(values.tickets, 1_000_000),
          customers: count(values.customers, 200_000),
          teams: count(values.teams, 100),
        }),
      )
      console.log(
        `company "${company.slug}"; every password is ${company.password}; log in as ` +
          `${company.adminEmail}, ${company.leadEmail} (team 0), ${company.agentEmail} or ` +
          `${company.analystEmail} (exports branch 1's customers, masked)`,
      )
      return 0
    }
    case 'policy-export':
    case 'policy-import': {
      const [slug, file] = rest
      if (!slug || (command === 'policy-import' && !file)) {
        console.error(usage)
        return 2
      }
      const text = file === undefined ? '' : await readFile(file, 'utf8')
      const out = await withDb(config, async (db) => {
        const ctx = await companyAdminCtx(db, slug)
        if (ctx === undefined) return undefined
        if (command === 'policy-export') return exportPolicy(ctx)
        const result = await importPolicy(ctx, readPolicyDocument(text), {
          dryRun: values['dry-run'] === true,
        })
        return `${JSON.stringify(result, null, 2)}\n`
      })
      if (out === undefined) {
        console.error(`no company with slug "${slug}" (or it has no Admin)`)
        return 2
      }
      process.stdout.write(out)
      return 0
    }
    default:
      console.error(usage)
      return 2
  }
}

try {
  const code = await run(process.argv.slice(2))
  if (code >= 0) process.exit(code)
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
