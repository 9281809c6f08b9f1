import type { Kysely, RawBuilder } from 'kysely'
import type { Policy, Role } from '../../authz/index.js'
import type { Database } from '../database.js'
import * as repo from './policy.repo.js'

// What other modules read and write of the engine's inputs: a company's policy and its
// version, a person as the engine sees them, a stored role as the engine's Role. The SQL is in
// policy.repo.ts (private to this module); these are the module's public operations on it.

type Db = Kysely<Database>

export type { LoadedSubject, StoredDefinition, SubjectRow, Versions } from './policy.repo.js'
/** W5: a share is read with the person as a temporary grant whose id these name. */
export { allowedOnlyByShares, isShareGrant, shareGrantId } from './policy.repo.js'

/** A company's whole setup (org units, roles, groups, restrictions), as the engine takes it. */
export function loadPolicy(db: Db, companyId: string): Promise<Policy> {
  return repo.loadPolicy(db, companyId)
}

/**
 * The person as the engine sees them, read fresh in one query (roles, groups, projects and the
 * temporary grants active at `now`), with their status; undefined for an unknown user.
 */
export function loadSubject(
  db: Db,
  companyId: string,
  userId: string,
  now: Date,
): Promise<repo.LoadedSubject | undefined> {
  return repo.loadSubject(db, companyId, userId, now)
}

/**
 * Moves the company's policy version, in the caller's transaction, after a change of what the
 * policy is read from (org units, or roles stored directly): caches drop the compiled policy
 * when it commits. Roles and groups written through their service use policyChanged instead.
 */
export function bumpPolicyVersion(db: Db, companyId: string): Promise<number> {
  return repo.bumpPolicyVersion(db, companyId)
}

/**
 * Whose rights the caller's transaction has changed so far (roles, groups, projects, grants, a
 * person's status, team, level, position or manager: their ids; the policy or a team share:
 * `'everyone'`), noted by the database as it changed them; undefined when none.
 */
export function rightsChangedHere(db: Db): Promise<'everyone' | string[] | undefined> {
  return repo.rightsChangedHere(db)
}

/** A stored role (its row's name, kind, definition) as the engine's Role; built-ins from code. */
export function storedRole(
  id: string,
  name: string,
  kind: Role['kind'],
  def: repo.StoredDefinition,
  mfaRequired: boolean,
): Role {
  return repo.storedRole(id, name, kind, def, mfaRequired)
}

/**
 * The select list of a subject for the users row aliased `u`, for a statement of another module
 * that reads a caller and their subject at once (a session, an API key); map its row with
 * subjectOfRow.
 */
export function subjectColumns(now: Date): RawBuilder<repo.SubjectRow> {
  return repo.subjectColumns(now)
}

/** A row selected with subjectColumns as the engine's subject, with status and counters. */
export function subjectOfRow(row: repo.SubjectRow): repo.LoadedSubject {
  return repo.subjectOfRow(row)
}

/** The company's counters alone, outside any transaction (one round trip, no tenant binding). */
export function readVersions(db: Db, companyId: string): Promise<repo.Versions | undefined> {
  return repo.readVersions(db, companyId)
}

/**
 * The company's counters, and the transaction bound to the company as `appRole`, in one
 * statement (context.ts: the first statement of a request).
 */
export function bindAndReadVersions(
  db: Db,
  companyId: string,
  appRole: string,
): Promise<repo.Versions | undefined> {
  return repo.bindAndReadVersions(db, companyId, appRole)
}
