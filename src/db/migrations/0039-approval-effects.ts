import { sql, type Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// W3 (issue 11): approval requests whose effect is a change rather than a grant — a customer's
// tags (`customerTags`), numbers added to a pool beyond the day's quota (`poolNumbers`). The
// change is applied by the approval, in the decision's transaction, and what it did is kept in
// `effect`: an approved request has a grant (temporaryGrant) or an effect (the others), never
// neither. Exactly once as before: the row lock and the one conditional UPDATE that closes a
// pending request (migration 0028).
//
// The two 0028 checks replaced here were created without names: they are found by their
// definition (`type IN ('temporaryGrant')`, `status <> 'approved' OR grant_id IS NOT NULL`).

const statements = [
  `ALTER TABLE approval_requests ADD COLUMN effect jsonb`,
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_type
    CHECK (type IN ('temporaryGrant', 'customerTags', 'poolNumbers'))`,
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_approved_applied
    CHECK (status <> 'approved' OR (CASE WHEN type = 'temporaryGrant'
      THEN grant_id IS NOT NULL ELSE effect IS NOT NULL END))`,
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_grant_of_grants
    CHECK (type = 'temporaryGrant' OR grant_id IS NULL)`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  const checks = await sql<{ name: string; definition: string }>`
    SELECT conname AS name, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint
    WHERE conrelid = 'approval_requests'::regclass AND contype = 'c'`.execute(db)
  const compact = (s: string) => s.replace(/[()\s]|::text/g, '')
  let dropped = 0
  for (const check of checks.rows) {
    const def = compact(check.definition)
    const old =
      def.includes("type='temporaryGrant'") ||
      (def.includes("status<>'approved'") && def.includes('grant_idISNOTNULL'))
    if (!old) continue
    await sql.raw(`ALTER TABLE approval_requests DROP CONSTRAINT "${check.name}"`).execute(db)
    dropped++
  }
  if (dropped !== 2) throw new Error(`0039: found ${dropped} of the two 0028 checks to replace`)
  await runStatements(db, statements)
}
