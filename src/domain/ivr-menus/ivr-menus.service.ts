/**
 * IVR menus ([004] IVR导航, P1, P10, issue 10 item 4), written the way docs/resources.md says:
 * the read seam (a menu's project is its scope; `q` searches the name), the shared write
 * helpers, and here only what is the menu's own: its option tree, validated before anything is
 * written. Among the presets only Admin and Supervisor create and delete menus; the trainer
 * views and edits them ([000]); management views them; agents hold nothing on them, so to an
 * agent a menu does not exist (404), and a role that lets a project's members view its menus
 * still leaves every other project's menus unknown to them (P10).
 */
import type { AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Page, PageRequest } from '../page.js'
import { projectRecords } from '../projects/projects.service.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  updateThrough,
  type Narrow,
} from '../seam/index.js'
import { unstorableText } from '../storable-text.js'
import { ivrLimits, validateIvrOptions, type IvrMenu, type IvrMenuInput } from './ivr-menus.js'
import {
  deleteIvrMenuRow,
  insertIvrMenu,
  ivrMenuRowToMenu,
  updateIvrMenuRow,
} from './ivr-menus.repo.js'

export type IvrMenuView = Projected<IvrMenu>

/** The IVR menus read seam: the catalog's attributes from their columns; `q` searches the name. */
export const ivrMenuRecords = defineResource({
  type: 'ivrMenu',
  table: 'ivr_menus',
  toItem: ivrMenuRowToMenu,
  columns: { id: 'id', projectId: 'project_id' },
  search: { name: 'name' },
})

/** A menu as the engine sees one: the same attributes the seam reads from the row. */
export function ivrMenuResource(m: Pick<IvrMenu, 'id' | AttrOf<'ivrMenu'>>): Resource {
  const attrs: Record<AttrOf<'ivrMenu'>, string | null> = { id: m.id, projectId: m.projectId }
  return { type: 'ivrMenu', id: m.id, attrs }
}

const noSuchMenu = () => new AppError('not_found', 'no such IVR menu')
const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the IVR menu is not valid', { errors })

/** Name trimmed, not blank, storable and bounded; the option tree valid (ivr-menus.ts). */
export function normaliseIvrMenu(input: IvrMenuInput): IvrMenuInput {
  const errors: ErrorDetail[] = []
  const out: { -readonly [K in keyof IvrMenuInput]: IvrMenuInput[K] } = {}
  if (input.name !== undefined) {
    const name = input.name.trim()
    const problem = unstorableText(input.name)
    if (problem !== null) errors.push({ path: 'body/name', message: problem })
    else if (name === '') errors.push({ path: 'body/name', message: 'must not be blank' })
    else if (name.length > ivrLimits.name) {
      errors.push({ path: 'body/name', message: `at most ${ivrLimits.name} characters` })
    }
    out.name = name
  }
  if (input.options !== undefined) {
    const checked = validateIvrOptions(input.options)
    errors.push(...checked.errors)
    out.options = checked.options
  }
  if (input.projectId !== undefined) out.projectId = input.projectId
  if (errors.length > 0) throw invalid(errors)
  return out
}

/** The project named must be one the caller may view (404 on `body/projectId` otherwise). */
async function checkProject(tx: TenantCtx, projectId: string | undefined): Promise<void> {
  if (projectId === undefined) return
  if ((await projectRecords.visible(tx, projectId, 'project.view')) === undefined) {
    throw new AppError('not_found', 'no such project', {
      errors: [{ path: 'body/projectId', message: 'no such project' }],
    })
  }
}

/** The database's refusals as problems: a project gone meanwhile 404, a name taken 409. */
function writeError(error: unknown): unknown {
  const code = (error as { code?: string }).code
  if (code === '23505') {
    return new AppError('conflict', 'this project has a menu of this name', {
      errors: [{ path: 'body/name', message: 'taken in this project' }],
    })
  }
  if (code === '23503') {
    return new AppError('not_found', 'no such project', {
      errors: [{ path: 'body/projectId', message: 'no such project' }],
    })
  }
  return error
}

// --- reads ---------------------------------------------------------------------------------------

export interface IvrMenuListFilter {
  readonly q?: string | undefined
  readonly projectId?: string | undefined
}

/** The menus the caller may view, by project and name, one page by id. */
export async function listIvrMenus(
  ctx: Ctx,
  filter: IvrMenuListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<IvrMenuView>> {
  const { projectId } = filter
  const where: Narrow<'ivr_menus'> | undefined =
    projectId === undefined ? undefined : (eb) => eb('ivr_menus.project_id', '=', projectId)
  return inCompany(ctx, (tx) =>
    ivrMenuRecords.list(tx, 'ivrMenu.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
      where,
    }),
  )
}

export async function getIvrMenu(ctx: Ctx, id: string): Promise<IvrMenuView> {
  return inCompany(ctx, async (tx) =>
    ivrMenuRecords.view(await ivrMenuRecords.get(tx, id, 'ivrMenu.view', noSuchMenu)),
  )
}

async function viewNow(tx: TenantCtx, menu: IvrMenu): Promise<IvrMenuView> {
  const decision: Decision = await decisionFor(tx, 'ivrMenu.view', ivrMenuResource(menu))
  return decision.allowed ? ivrMenuRecords.view({ item: menu, decision }) : { id: menu.id }
}

// --- writes --------------------------------------------------------------------------------------

/** A new menu: `ivrMenu.create` decided on the menu as it would be (its project). Audited. */
export async function createIvrMenu(
  ctx: Ctx,
  request: Required<IvrMenuInput>,
): Promise<IvrMenuView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseIvrMenu(request) as Required<IvrMenuInput>
    const menu = await createThrough(tx, {
      type: 'ivrMenu',
      record: { type: 'ivrMenu', attrs: { id: null, projectId: input.projectId } },
      fields: ['name', 'projectId', 'options'],
      checkReferences: () => checkProject(tx, input.projectId),
      insert: () =>
        insertIvrMenu(tx.db, tx.actor.companyId, input, tx.now).catch((error: unknown) => {
          throw writeError(error)
        }),
    })
    return viewNow(tx, menu)
  })
}

/**
 * Changes a menu (`ivrMenu.edit` on it as it is and as it would be: moving it to a project
 * outside the writer's reach is refused). The options are replaced as a whole. Audited.
 */
export async function updateIvrMenu(
  ctx: Ctx,
  id: string,
  patch: IvrMenuInput,
): Promise<IvrMenuView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseIvrMenu(patch)
    const { after } = await updateThrough(tx, {
      seam: ivrMenuRecords,
      id,
      missing: noSuchMenu,
      patch: input as Readonly<Record<string, unknown>>,
      actionFor: () => 'ivrMenu.edit',
      resourceOf: ivrMenuResource,
      checkReferences: (changes) => checkProject(tx, changes['projectId'] as string | undefined),
      update: (changes) =>
        updateIvrMenuRow(tx.db, tx.actor.companyId, id, changes as IvrMenuInput, tx.now).catch(
          (error: unknown) => {
            throw writeError(error)
          },
        ),
    })
    return viewNow(tx, after)
  })
}

export async function deleteIvrMenu(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: ivrMenuRecords,
      id,
      missing: noSuchMenu,
      remove: () => deleteIvrMenuRow(tx.db, tx.actor.companyId, id),
    }),
  )
}
