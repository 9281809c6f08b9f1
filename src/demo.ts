import type { Kysely } from 'kysely'
import { positionDefaults, presetRoles } from './authz/index.js'
import { withCompany } from './db/index.js'
import type { Database } from './domain/database.js'
import { PolicyCache } from './domain/access/index.js'
import { hashPassword, signup } from './domain/accounts/index.js'
import { createOrgUnit } from './domain/org-units/index.js'
import { assignRole } from './domain/roles/index.js'
import { insertUser } from './domain/users/index.js'

export const demoPassword = 'Demo-Password-2026'
const demoCompany = 'Demo Contact Center'

const levels: Record<string, 'novice' | 'senior' | 'lead' | 'admin'> = {
  'novice-agent': 'novice',
  'senior-agent': 'senior',
  'team-lead': 'lead',
}

/**
 * `npm run demo`: a demo company with an org tree and one user per preset position (R2), each
 * holding that position's default roles (R8). Idempotent: a second run only prints the logins.
 */
export async function seedDemo(
  db: Kysely<Database>,
  now: Date,
): Promise<{ slug: string; logins: { email: string; position: string }[] }> {
  const existing = await db
    .selectFrom('companies')
    .select(['id', 'slug'])
    .where('name', '=', demoCompany)
    .executeTakeFirst()
  const positions = presetRoles.map((r) => r.id)
  const logins = [
    { email: 'admin@demo.test', position: 'admin' },
    ...positions.map((p) => ({ email: `${p}@demo.test`, position: p })),
  ]
  if (existing) return { slug: existing.slug, logins }
  const ctx = {
    db,
    now,
    meta: { ip: null, userAgent: 'tessera-demo', requestId: null },
    policies: new PolicyCache(),
  }
  const admin = await signup(ctx, {
    companyName: demoCompany,
    name: 'Demo Admin',
    email: 'admin@demo.test',
    password: demoPassword,
    timezone: 'Asia/Shanghai',
  })
  const company = admin.company
  // The org tree goes through the service as the new Admin: authorized and audited like any other.
  const asAdmin = {
    ...ctx,
    actor: {
      userId: admin.user.id,
      companyId: company.id,
      sessionId: admin.sessionId,
      roleIds: [],
    },
  }
  const region = await createOrgUnit(asAdmin, { parentId: null, kind: 'region', name: 'North' })
  const branch = await createOrgUnit(asAdmin, {
    parentId: region.id,
    kind: 'branch',
    name: 'Beijing',
  })
  const team = await createOrgUnit(asAdmin, { parentId: branch.id, kind: 'team', name: 'Team A' })
  const passwordHash = await hashPassword(demoPassword)
  await withCompany(db, company.id, async (trx) => {
    const roles = await trx
      .selectFrom('roles')
      .select(['id', 'definition'])
      .where('company_id', '=', company.id)
      .execute()
    const rolesOf = (position: string) =>
      (positionDefaults[position] ?? []).flatMap((key) =>
        roles.filter((r) => (r.definition as { preset?: string }).preset === key).map((r) => r.id),
      )
    for (const position of positions) {
      const user = await insertUser(
        trx,
        company.id,
        {
          email: `${position}@demo.test`,
          name: position.replace(/-/g, ' '),
          passwordHash,
          position,
          level: levels[position] ?? 'novice',
          orgUnitId: team.id,
        },
        now,
      )
      for (const roleId of rolesOf(position))
        await assignRole(trx, company.id, user.id, roleId, now)
    }
  })
  return { slug: company.slug, logins }
}
