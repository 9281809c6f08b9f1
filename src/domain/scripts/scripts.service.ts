/**
 * Call scripts ([000] 话术, W3, issue 10), written the way docs/resources.md says: the read seam
 * (attributes ↔ columns, search on title and body), the shared write helpers, and only what is
 * the script's own here: its versions and their workflow.
 *
 * - `script.view` is the maintainers' read: every version in scope, drafts included.
 * - `script.use` is the agent's read during a call: published versions only, whatever the
 *   grant says (a `use` grant never reaches a draft, a pending or an archived version).
 * - draft → pending (`submit`, `script.edit`) → published (`publish`, `script.approve`, never by
 *   anyone who wrote the version: 403 `own_request`) → archived (when a newer version of the
 *   same script is published).
 * - An edit of a published version is a NEW draft version beside it (`script.edit` on the
 *   published one, decided again on the draft as it would be): the published one stays in use
 *   until the new one is published, which archives it. An archived version never changes.
 */
import type { Action, AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { uneditableFields } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { recordAudit, recordSystemAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Page, PageRequest } from '../page.js'
import { projectRecords } from '../projects/projects.service.js'
import {
  auditSafe,
  changedFields,
  createThrough,
  defineResource,
  deleteThrough,
  updateThrough,
  writeProblem,
  type Found,
  type Narrow,
} from '../seam/index.js'
import { unstorableText } from '../storable-text.js'
import { scriptLimits, type Script, type ScriptInput, type ScriptStatus } from './scripts.js'
import {
  deleteScriptRow,
  insertScript,
  lastVersion,
  scriptRowToScript,
  seriesRows,
  updateScriptRow,
  type ScriptChanges,
} from './scripts.repo.js'

/** A script version as the caller may see it: hidden fields absent, masked ones listed. */
export type ScriptView = Projected<Script>

/** The scripts read seam: the catalog's attributes from their columns; `q` searches title, body. */
export const scriptRecords = defineResource({
  type: 'script',
  table: 'scripts',
  toItem: scriptRowToScript,
  columns: { id: 'id', authorId: 'author_id', projectId: 'project_id', status: 'status' },
  search: { title: 'title', body: 'body' },
})

/** A script as the engine sees one: the same attributes the seam reads from the row. */
export function scriptResource(s: Pick<Script, 'id' | AttrOf<'script'>>): Resource {
  const attrs: Record<AttrOf<'script'>, string | null> = {
    id: s.id,
    authorId: s.authorId,
    projectId: s.projectId,
    status: s.status,
  }
  return { type: 'script', id: s.id, attrs }
}

const noSuchScript = () => new AppError('not_found', 'no such script')

/**
 * Issue 11: what runs before any read or write of scripts, in its transaction — the approvals
 * module registers the settling of expired `scriptChange` requests here (a version whose
 * request expired undecided goes back to a draft when scripts are next touched; no job runs).
 * A hook, because the approvals module depends on this one and not the other way round.
 */
const settlers: ((tx: TenantCtx) => Promise<void>)[] = []

/** Registers `settle` to run before every script read or write (the approvals module's). */
export function beforeScriptAccess(settle: (tx: TenantCtx) => Promise<void>): void {
  if (!settlers.includes(settle)) settlers.push(settle)
}

/** Runs the registered settlers in the caller's transaction. */
export async function settleScripts(tx: TenantCtx): Promise<void> {
  for (const settle of settlers) await settle(tx)
}

/** inCompany for script reads and writes: the settlers run first. */
const inScripts = <T>(ctx: Ctx, fn: (tx: TenantCtx) => Promise<T>): Promise<T> =>
  inCompany(ctx, async (tx) => {
    await settleScripts(tx)
    return fn(tx)
  })
const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the script is not valid', { errors })

/** Who writes: a user's id or `apikey:<id>` (the four-eyes rule compares these). */
const writerOf = (tx: TenantCtx) => tx.actor.userId
/** The author column (a user): null when an API key writes. */
const authorOf = (tx: TenantCtx) => (tx.actor.apiKeyId === undefined ? tx.actor.userId : null)

// --- input ---------------------------------------------------------------------------------------

/** Title trimmed and not blank, body not blank, both within their limits and storable. */
export function normaliseScript(input: ScriptInput): ScriptInput {
  const errors: ErrorDetail[] = []
  const out: { title?: string; body?: string; projectId?: string | null } = {}
  if (input.title !== undefined) {
    const title = input.title.trim()
    if (title === '') errors.push({ path: 'body/title', message: 'must not be blank' })
    else if (title.length > scriptLimits.title) {
      errors.push({ path: 'body/title', message: `at most ${scriptLimits.title} characters` })
    }
    out.title = title
  }
  if (input.body !== undefined) {
    if (input.body.trim() === '') errors.push({ path: 'body/body', message: 'must not be blank' })
    else if (input.body.length > scriptLimits.body) {
      errors.push({ path: 'body/body', message: `at most ${scriptLimits.body} characters` })
    }
    out.body = input.body
  }
  for (const key of ['title', 'body'] as const) {
    const text = input[key]
    const problem = text === undefined ? null : unstorableText(text)
    if (problem !== null) errors.push({ path: `body/${key}`, message: problem })
  }
  if (input.projectId !== undefined) out.projectId = input.projectId
  if (errors.length > 0) throw invalid(errors)
  return out
}

/** A project named must be one the caller may view (404 on `body/projectId` otherwise). */
async function checkProject(tx: TenantCtx, projectId: string | null | undefined): Promise<void> {
  if (typeof projectId !== 'string') return
  if ((await projectRecords.visible(tx, projectId, 'project.view')) === undefined) {
    throw new AppError('not_found', 'no such project', {
      errors: [{ path: 'body/projectId', message: 'no such project' }],
    })
  }
}

const projectPaths = ['body/projectId']

// --- reads ---------------------------------------------------------------------------------------

/**
 * The version if the caller may `action` on it (no obligations yet: the write that follows
 * enforces them once), or the right refusal: 404 when the caller may not know it exists
 * (neither `script.view` nor `script.use` of a published version reaches it), else 403.
 */
async function reach(tx: TenantCtx, id: string, action: Action): Promise<Found<Script>> {
  const found = await scriptRecords.visible(tx, id, action)
  if (found !== undefined) return found
  if (!(await knows(tx, id))) throw noSuchScript()
  const d = await decisionFor(tx, action)
  throw new AppError('forbidden', `not allowed: ${action} (${d.allowed ? 'denied' : d.reason})`)
}

/** May the caller know this version exists: `script.view` on it, or `use` of a published one. */
async function knows(tx: TenantCtx, id: string): Promise<boolean> {
  if ((await scriptRecords.visible(tx, id, 'script.view')) !== undefined) return true
  const usable = await scriptRecords.visible(tx, id, 'script.use')
  return usable !== undefined && usable.item.status === 'published'
}

/**
 * One version: through `script.view` (any status), else through `script.use` when it is
 * published; otherwise 404, as an id never issued (an agent never learns of a draft).
 */
export async function getScript(ctx: Ctx, id: string): Promise<ScriptView> {
  return inScripts(ctx, async (tx) => {
    if ((await scriptRecords.visible(tx, id, 'script.view')) !== undefined) {
      return scriptRecords.view(await scriptRecords.get(tx, id, 'script.view', noSuchScript))
    }
    const usable = await scriptRecords.visible(tx, id, 'script.use')
    if (usable === undefined || usable.item.status !== 'published') throw noSuchScript()
    return scriptRecords.view(await scriptRecords.get(tx, id, 'script.use', noSuchScript))
  })
}

/** What a script list may be narrowed by, besides the caller's scope. */
export interface ScriptListFilter {
  /** Part of the title or the body, where the caller reads it in clear. */
  readonly q?: string | undefined
  readonly status?: ScriptStatus | undefined
  readonly projectId?: string | undefined
  readonly seriesId?: string | undefined
  /**
   * `view`: the maintainers' list (every status); `use`: the published scripts the caller may
   * use. Unset: `view` when the caller holds `script.view` at all, else `use`.
   */
  readonly purpose?: 'view' | 'use' | undefined
}

async function listAction(tx: TenantCtx, filter: ScriptListFilter): Promise<Action> {
  if (filter.purpose !== undefined) return `script.${filter.purpose}`
  const d = await decisionFor(tx, 'script.view')
  return d.allowed || (d.reason !== 'not_granted' && d.reason !== 'restricted')
    ? 'script.view'
    : 'script.use'
}

function listFilter(filter: ScriptListFilter, action: Action) {
  const parts: Narrow<'scripts'>[] = []
  // `use` reaches published versions only, whatever the grant says
  if (action === 'script.use') parts.push((eb) => eb('scripts.status', '=', 'published'))
  const { status, projectId, seriesId } = filter
  if (status !== undefined) parts.push((eb) => eb('scripts.status', '=', status))
  if (projectId !== undefined) parts.push((eb) => eb('scripts.project_id', '=', projectId))
  if (seriesId !== undefined) parts.push((eb) => eb('scripts.series_id', '=', seriesId))
  const where: Narrow<'scripts'> | undefined =
    parts.length === 0 ? undefined : (eb) => eb.and(parts.map((p) => p(eb)))
  return { q: filter.q, where }
}

/** The versions the caller may view (or use: published only), filtered, one page by id. */
export async function listScripts(
  ctx: Ctx,
  filter: ScriptListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<ScriptView>> {
  return inScripts(ctx, async (tx) => {
    const action = await listAction(tx, filter)
    return scriptRecords.list(tx, action, {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter, action),
    })
  })
}

/** How many versions `listScripts` would show with this filter, over all pages. */
export async function countScripts(ctx: Ctx, filter: ScriptListFilter = {}): Promise<number> {
  return inScripts(ctx, async (tx) => {
    const action = await listAction(tx, filter)
    return scriptRecords.countMatching(tx, action, listFilter(filter, action))
  })
}

/** The version as the caller may view it now (after a write): projected, or only the id. */
async function viewNow(tx: TenantCtx, script: Script): Promise<ScriptView> {
  const decision: Decision = await decisionFor(tx, 'script.view', scriptResource(script))
  return decision.allowed ? scriptRecords.view({ item: script, decision }) : { id: script.id }
}

// --- writes --------------------------------------------------------------------------------------

/**
 * A new script: version 1, a draft authored by the caller. `script.create` is decided on the
 * script as it would be (its project, its author): nobody creates one outside their reach.
 */
export async function createScript(
  ctx: Ctx,
  request: ScriptInput & { title: string; body: string },
): Promise<ScriptView> {
  return inScripts(ctx, async (tx) => {
    const input = normaliseScript(request) as ScriptInput & { title: string; body: string }
    const wouldBe = {
      id: '',
      authorId: authorOf(tx),
      projectId: input.projectId ?? null,
      status: 'draft' as const,
    }
    const record = scriptResource(wouldBe)
    const created = await createThrough(tx, {
      type: 'script',
      record: { type: 'script', attrs: { ...record.attrs, id: null } },
      fields: Object.keys(input),
      checkReferences: () => checkProject(tx, input.projectId),
      insert: async () => {
        try {
          return await insertScript(
            tx.db,
            tx.actor.companyId,
            {
              version: 1,
              title: input.title,
              body: input.body,
              projectId: input.projectId ?? null,
              authorId: wouldBe.authorId,
              editorIds: [writerOf(tx)],
            },
            tx.now,
          )
        } catch (error) {
          throw writeProblem(error, 'the project named', projectPaths)
        }
      },
    })
    return viewNow(tx, created)
  })
}

/** The version after a change, and whether the change opened a new version (201). */
export interface ScriptWrite {
  readonly script: ScriptView
  readonly newVersion: boolean
}

/**
 * Changes a script's title, body or project (`script.edit`, on the version as it is and as it
 * would be). A draft changes in place; a pending one changes back to a draft (the submission was
 * of the old text); a published one is not touched: the change becomes a new draft version of
 * the same script (409 while another draft or pending version of it is open); an archived one
 * never changes (409).
 */
export async function updateScript(
  ctx: Ctx,
  id: string,
  request: ScriptInput,
): Promise<ScriptWrite> {
  return inScripts(ctx, (tx) => updateScriptIn(tx, id, request))
}

/** updateScript in the caller's transaction (the approvals module closes a request with it). */
export async function updateScriptIn(
  tx: TenantCtx,
  id: string,
  request: ScriptInput,
): Promise<ScriptWrite> {
  const patch = normaliseScript(request)
  const found = await reach(tx, id, 'script.edit')
  const current = found.item
  if (current.status === 'archived') {
    throw new AppError('conflict', 'an archived script version does not change', {
      errors: [{ path: 'body', message: 'edit the published version instead' }],
    })
  }
  if (current.status === 'published') {
    const asIs = await scriptRecords.get(tx, id, 'script.edit', noSuchScript, { recorded: true })
    return revise(tx, asIs, patch)
  }
  const writer = writerOf(tx)
  const { after } = await updateThrough(tx, {
    seam: scriptRecords,
    id,
    missing: noSuchScript,
    patch: patch as Readonly<Record<string, unknown>>,
    actionFor: () => 'script.edit',
    resourceOf: scriptResource,
    checkReferences: (changes) => checkProject(tx, changes['projectId'] as string | null),
    // the writer joins the version's editors; an edit of a pending version withdraws it
    workflow: ['status'],
    expect: (now) => {
      if (now.status !== current.status) raced()
    },
    derive: async (changes) => ({
      ...(('title' in changes || 'body' in changes) &&
        !current.editorIds.includes(writer) && { editorIds: [...current.editorIds, writer] }),
      ...(current.status === 'pending' && { status: 'draft', submittedAt: null }),
    }),
    update: async (changes) => {
      try {
        return await updateScriptRow(
          tx.db,
          tx.actor.companyId,
          id,
          changes as ScriptChanges,
          tx.now,
          current.status,
        ).then((moved) => moved ?? raced())
      } catch (error) {
        throw writeProblem(error, 'the project named', projectPaths)
      }
    },
  })
  return { script: await viewNow(tx, after), newVersion: false }
}

const raced = (): never => {
  throw new AppError('conflict', 'the script changed meanwhile; read it and try again')
}

/**
 * An edit of a published version: a new draft version of the same script, authored by the
 * writer, with the published text changed by `patch`. Needs `script.edit` on the published
 * version (field rights on what changes) and on the draft as it would be (a delegation check:
 * a writer opens a version only where they could have it).
 */
async function revise(
  tx: TenantCtx,
  found: Found<Script>,
  patch: ScriptInput,
): Promise<ScriptWrite> {
  const published = found.item
  const changes = changedFields(published, patch as Readonly<Record<string, unknown>>)
  // nothing changes: no new version
  if (Object.keys(changes).length === 0) {
    return { script: scriptRecords.view(found), newVersion: false }
  }
  const locked = uneditableFields(found.decision, changes)
  if (locked.length > 0) {
    throw new AppError('forbidden', `not allowed to change: ${locked.join(', ')}`, {
      errors: locked.map((f) => ({ path: `body/${f}`, message: 'you may not change this field' })),
    })
  }
  const open = await seriesRows(tx.db, tx.actor.companyId, published.seriesId, ['draft', 'pending'])
  if (open[0] !== undefined) {
    throw new AppError('conflict', 'this script already has an open version: edit that one', {
      errors: [{ path: 'body', message: `open version: ${open[0].id}` }],
    })
  }
  const draft = {
    title: patch.title ?? published.title,
    body: patch.body ?? published.body,
    projectId: patch.projectId === undefined ? published.projectId : patch.projectId,
    authorId: authorOf(tx),
  }
  const will = scriptResource({ id: published.id, ...draft, status: 'draft' })
  if (!(await decisionFor(tx, 'script.edit', will)).allowed) {
    throw new AppError(
      'forbidden',
      'the new version would be out of your script.edit scope (a delegation)',
      {
        errors: Object.keys(changes)
          .filter((k) => k === 'projectId')
          .map((k) => ({
            path: `body/${k}`,
            message: 'you may not edit a script with this value',
          })),
      },
    )
  }
  await checkProject(tx, changes['projectId'] as string | null | undefined)
  const version = (await lastVersion(tx.db, tx.actor.companyId, published.seriesId)) + 1
  const saved = await insertScript(
    tx.db,
    tx.actor.companyId,
    { ...draft, seriesId: published.seriesId, version, editorIds: [writerOf(tx)] },
    tx.now,
  ).catch((error: unknown) => {
    throw writeProblem(error, 'an open version of this script', projectPaths)
  })
  await recordAudit(tx, {
    action: 'script.revised',
    targetType: 'script',
    targetId: saved.id,
    before: auditSafe('script', published),
    after: auditSafe('script', saved),
  })
  return { script: await viewNow(tx, saved), newVersion: true }
}

/** A version moved along the workflow by `action`, from `from` only (409 otherwise). */
async function move(
  tx: TenantCtx,
  id: string,
  action: Action,
  from: ScriptStatus,
  changes: ScriptChanges,
): Promise<Script> {
  const { after } = await updateThrough(tx, {
    seam: scriptRecords,
    id,
    missing: noSuchScript,
    patch: changes as Readonly<Record<string, unknown>>,
    actionFor: () => action,
    resourceOf: scriptResource,
    workflow: ['status'],
    expect: (now) => {
      if (now.status !== from) raced()
    },
    update: async (c) =>
      (await updateScriptRow(tx.db, tx.actor.companyId, id, c as ScriptChanges, tx.now, from)) ??
      raced(),
  })
  return after
}

const wrongStatus = (status: ScriptStatus, verb: string, from: ScriptStatus) =>
  new AppError('conflict', `a ${status} script cannot be ${verb}`, {
    errors: [{ path: 'status', message: `only a ${from} version is ${verb}` }],
  })

/** The author asks for publication: a draft becomes pending (`script.edit` on it). */
export async function submitScript(ctx: Ctx, id: string): Promise<ScriptView> {
  return inScripts(ctx, async (tx) => viewNow(tx, await submitScriptIn(tx, id)))
}

/**
 * submitScript in the caller's transaction (W3: the approvals module opens the `scriptChange`
 * request for it in the same one). Answers the version, now pending.
 */
export async function submitScriptIn(tx: TenantCtx, id: string): Promise<Script> {
  const { item } = await reach(tx, id, 'script.edit')
  if (item.status !== 'draft') throw wrongStatus(item.status, 'submitted', 'draft')
  return move(tx, id, 'script.edit', 'draft', { status: 'pending', submittedAt: tx.now })
}

/**
 * W3: a submission withdrawn — its approval request rejected or cancelled — takes a pending
 * version back to a draft (audited `script.updated`). The authority was checked on the request
 * (the approver's `script.approve`, or the requester's own submission): none is asked here. A
 * version no longer pending (edited back to a draft meanwhile, deleted) is left as it is.
 * `expired`: the request expired undecided — nobody withdrew it, the clock did — so the event
 * is the system's (`recordSystemAudit`: no actor, whoever's request noticed it is not named),
 * its `after` saying `how: "expired"` and which request. Answers whether it was withdrawn.
 */
export async function withdrawScriptIn(
  tx: TenantCtx,
  id: string,
  expired?: { readonly approvalId: string },
): Promise<boolean> {
  const before = await scriptRecords.findRow(tx, id)
  if (before === undefined) return false
  const script = scriptRowToScript(before)
  if (script.status !== 'pending') return false
  const after = await updateScriptRow(
    tx.db,
    tx.actor.companyId,
    id,
    { status: 'draft', submittedAt: null },
    tx.now,
    'pending',
  )
  if (after === undefined) return false
  const change = {
    action: 'script.updated',
    targetType: 'script',
    targetId: id,
    before: auditSafe('script', script),
  }
  if (expired === undefined) {
    await recordAudit(tx, { ...change, after: auditSafe('script', after) })
  } else {
    const how = { how: 'expired', approvalId: expired.approvalId }
    await recordSystemAudit(tx, { ...change, after: { ...auditSafe('script', after), ...how } })
  }
  return true
}

/**
 * Publishes a pending version (`script.approve`, the engine's decision). The four-eyes rule:
 * nobody who wrote the version publishes it (403 `own_request`). The script's published version
 * until now, if any, is archived in the same transaction (the caller must be allowed to approve
 * on it too), so agents switch from one version to the next at once.
 */
export async function publishScript(ctx: Ctx, id: string): Promise<ScriptView> {
  return inScripts(ctx, async (tx) => viewNow(tx, (await publishScriptIn(tx, id)).script))
}

/** The version as the caller may view it now (after a write elsewhere in the transaction). */
export async function scriptViewIn(tx: TenantCtx, id: string): Promise<ScriptView> {
  const found = await scriptRecords.findRow(tx, id)
  if (found === undefined) throw noSuchScript()
  return viewNow(tx, scriptRowToScript(found))
}

/**
 * publishScript in the caller's transaction (W3: approving a `scriptChange` request publishes
 * it, as the approver). Answers the version published and the ids of the versions archived.
 */
export async function publishScriptIn(
  tx: TenantCtx,
  id: string,
): Promise<{ script: Script; archivedIds: string[] }> {
  const { item } = await reach(tx, id, 'script.approve')
  if (item.status !== 'pending') throw wrongStatus(item.status, 'published', 'pending')
  if (item.editorIds.includes(writerOf(tx))) {
    throw new AppError('own_request', 'you wrote this script version: someone else publishes it')
  }
  const archivedIds: string[] = []
  for (const row of await seriesRows(tx.db, tx.actor.companyId, item.seriesId, ['published'])) {
    const old = scriptRowToScript(row)
    if (!(await decisionFor(tx, 'script.approve', scriptResource(old))).allowed) {
      throw new AppError('forbidden', 'you may not replace the published version of this script')
    }
    const archived =
      (await updateScriptRow(
        tx.db,
        tx.actor.companyId,
        old.id,
        { status: 'archived' },
        tx.now,
        'published',
      )) ?? raced()
    archivedIds.push(old.id)
    await recordAudit(tx, {
      action: 'script.archived',
      targetType: 'script',
      targetId: old.id,
      before: auditSafe('script', old),
      after: auditSafe('script', archived),
    })
  }
  const script = await move(tx, id, 'script.approve', 'pending', {
    status: 'published',
    publishedAt: tx.now,
    publishedBy: authorOf(tx),
  })
  return { script, archivedIds }
}

/** Deletes a version (`script.delete`, audited). */
export async function deleteScript(ctx: Ctx, id: string): Promise<void> {
  await inScripts(ctx, async (tx) => {
    // an agent who uses the published version knows it exists: 403, not 404
    await reach(tx, id, 'script.delete')
    await deleteThrough(tx, {
      seam: scriptRecords,
      id,
      missing: noSuchScript,
      remove: () => deleteScriptRow(tx.db, tx.actor.companyId, id),
    })
  })
}
