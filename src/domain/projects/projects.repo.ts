import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Project } from './projects.js'
import type { ProjectRow } from './projects.table.js'

type Db = Kysely<Database>

export async function insertProject(
  db: Db,
  companyId: string,
  project: { name: string; description?: string },
  now: Date,
): Promise<Project> {
  const row = await db
    .insertInto('projects')
    .values({
      id: randomUUID(),
      company_id: companyId,
      name: project.name,
      description: project.description ?? '',
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return projectRowToProject(row)
}

export async function findProject(db: Db, companyId: string, id: string) {
  const row = await db
    .selectFrom('projects')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && projectRowToProject(row)
}

export async function deleteProject(db: Db, companyId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('projects')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Sets a project's description; undefined when there is no such project. */
export async function updateProject(
  db: Db,
  companyId: string,
  id: string,
  patch: { description: string },
): Promise<Project | undefined> {
  const row = await db
    .updateTable('projects')
    .set({ description: patch.description })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : projectRowToProject(row)
}

export async function addProjectMember(
  db: Db,
  companyId: string,
  projectId: string,
  userId: string,
  now: Date,
) {
  await db
    .insertInto('project_members')
    .values({ company_id: companyId, project_id: projectId, user_id: userId, created_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
    .execute()
}

export async function removeProjectMember(
  db: Db,
  companyId: string,
  projectId: string,
  userId: string,
) {
  const result = await db
    .deleteFrom('project_members')
    .where('company_id', '=', companyId)
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function listProjectMemberIds(db: Db, companyId: string, projectId: string) {
  const rows = await db
    .selectFrom('project_members')
    .select('user_id')
    .where('company_id', '=', companyId)
    .where('project_id', '=', projectId)
    .orderBy('user_id')
    .execute()
  return rows.map((r) => r.user_id)
}

/** The projects a user belongs to: the membership side of P10. */
export async function listUserProjectIds(db: Db, companyId: string, userId: string) {
  const rows = await db
    .selectFrom('project_members')
    .select('project_id')
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .orderBy('project_id')
    .execute()
  return rows.map((r) => r.project_id)
}

export function projectRowToProject(row: ProjectRow): Project {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at,
  }
}
