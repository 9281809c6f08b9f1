// The scripts table, private to this module: only scripts.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../database.js'
import type { Script, ScriptStatus } from './scripts.js'
import type { ScriptRow, ScriptsTable } from './scripts.table.js'

type Db = Kysely<Database>

export function scriptRowToScript(row: ScriptRow): Script {
  return {
    id: row.id,
    seriesId: row.series_id,
    version: row.version,
    title: row.title,
    body: row.body,
    projectId: row.project_id,
    authorId: row.author_id,
    editorIds: row.editor_ids,
    status: row.status,
    submittedAt: row.submitted_at,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The columns of a change (domain names → columns), for the keys it holds. */
export interface ScriptChanges {
  readonly title?: string
  readonly body?: string
  readonly projectId?: string | null
  readonly editorIds?: readonly string[]
  readonly status?: ScriptStatus
  readonly submittedAt?: Date | null
  readonly publishedAt?: Date | null
  readonly publishedBy?: string | null
}

function columnsOf(c: ScriptChanges): Updateable<ScriptsTable> {
  return {
    ...(c.title !== undefined && { title: c.title }),
    ...(c.body !== undefined && { body: c.body }),
    ...(c.projectId !== undefined && { project_id: c.projectId }),
    ...(c.editorIds !== undefined && { editor_ids: [...c.editorIds] }),
    ...(c.status !== undefined && { status: c.status }),
    ...(c.submittedAt !== undefined && { submitted_at: c.submittedAt }),
    ...(c.publishedAt !== undefined && { published_at: c.publishedAt }),
    ...(c.publishedBy !== undefined && { published_by: c.publishedBy }),
  }
}

/** A new draft: version 1 of a new series, or the next version of `seriesId`. */
export async function insertScript(
  db: Db,
  companyId: string,
  input: {
    seriesId?: string
    version: number
    title: string
    body: string
    projectId: string | null
    authorId: string | null
    /** Who writes this version's text (a user id or `apikey:<id>`). */
    editorIds: readonly string[]
  },
  now: Date,
): Promise<Script> {
  const id = randomUUID()
  const row = await db
    .insertInto('scripts')
    .values({
      id,
      company_id: companyId,
      series_id: input.seriesId ?? id,
      version: input.version,
      title: input.title,
      body: input.body,
      project_id: input.projectId,
      author_id: input.authorId,
      editor_ids: [...input.editorIds],
      status: 'draft',
      submitted_at: null,
      published_at: null,
      published_by: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return scriptRowToScript(row)
}

/**
 * Changes one version; with `from`, only while it still has that status (a concurrent move
 * makes it answer undefined rather than move the row twice).
 */
export async function updateScriptRow(
  db: Db,
  companyId: string,
  id: string,
  changes: ScriptChanges,
  now: Date,
  from?: ScriptStatus,
): Promise<Script | undefined> {
  const row = await db
    .updateTable('scripts')
    .set({ ...columnsOf(changes), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .$if(from !== undefined, (q) => q.where('status', '=', from as ScriptStatus))
    .returningAll()
    .executeTakeFirst()
  return row && scriptRowToScript(row)
}

export async function deleteScriptRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('scripts')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}

/** The versions of a series with one of `statuses`, locked (a publication or an edit follows). */
export async function seriesRows(
  db: Db,
  companyId: string,
  seriesId: string,
  statuses: readonly ScriptStatus[],
): Promise<ScriptRow[]> {
  return db
    .selectFrom('scripts')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('series_id', '=', seriesId)
    .where('status', 'in', [...statuses])
    .orderBy('version')
    .forUpdate()
    .execute()
}

/** The highest version number of a series (0 when it has none). */
export async function lastVersion(db: Db, companyId: string, seriesId: string): Promise<number> {
  const row = await db
    .selectFrom('scripts')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('company_id', '=', companyId)
    .where('series_id', '=', seriesId)
    .executeTakeFirst()
  return Number(row?.v ?? 0)
}
