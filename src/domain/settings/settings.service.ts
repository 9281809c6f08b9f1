/**
 * Settings sections (P1, R1 [004]: "Supervisor = Admin minus finance, KPI and security
 * settings"; issue 10 item 4). A section is one document per company, not a list of records, so
 * it has no read seam of its own (nothing to list, filter or count): each read and each write
 * is decided by the engine on the section as a record of its type (`financeSettings`,
 * `kpiSettings`, `securitySettings`, id = the section's name), with the decision's obligations,
 * and each change is audited before → after.
 *
 * A caller the engine refuses gets 403, not 404: every company has these three sections (the
 * permission catalog and the API name them), so their existence tells nobody anything, and a
 * 403 tells the console to show the section locked (R7) rather than missing.
 *
 * Storage: the company's `settings` document (`finance`, `kpi`, and for security the
 * `loginRestrictions` login already reads), written under a lock on the company's row.
 */
import type { Action, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { readLoginRestrictions, type LoginRestrictions } from '../accounts/index.js'
import { authorize } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { companyById, lockedCompanySettings, mergeCompanySettings } from '../companies/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { unstorableText } from '../storable-text.js'
import {
  sectionTypes,
  settingsDefaults,
  settingsLimits,
  type FinanceSettings,
  type KpiSettings,
  type SecuritySettings,
  type SettingsDocuments,
  type SettingsSection,
} from './settings.js'

/** The section as the engine sees it: a record of the section's type, named by the section. */
function sectionResource(section: SettingsSection): Resource {
  return { type: sectionTypes[section], id: section, attrs: { id: section } }
}

/** `<type>.<verb>` on the section, obligations enforced; refused → 403 (see above). */
async function gate(tx: TenantCtx, section: SettingsSection, verb: 'view' | 'edit') {
  const action = `${sectionTypes[section]}.${verb}` as Action
  try {
    await authorize(tx, action, sectionResource(section), { recorded: verb === 'edit' })
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') {
      throw new AppError('forbidden', `not allowed: ${action}`)
    }
    throw error
  }
}

const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the settings are not valid', { errors })

// --- stored document ↔ section -------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The section as stored in the company's settings, defaults where nothing (usable) is stored. */
function sectionOf<S extends SettingsSection>(
  settings: Record<string, unknown>,
  section: S,
): SettingsDocuments[S] {
  const defaults = settingsDefaults[section]
  if (section === 'security') {
    const stored = readLoginRestrictions(settings['loginRestrictions'])
    // a malformed document (written outside this service) makes login fail closed: show it
    // empty here; the next PUT replaces it
    return { loginRestrictions: stored ?? {} } as SettingsDocuments[S]
  }
  const stored = settings[section]
  if (!isObject(stored)) return defaults
  const out: Record<string, unknown> = { ...defaults }
  for (const key of Object.keys(defaults)) if (key in stored) out[key] = stored[key]
  return out as unknown as SettingsDocuments[S]
}

/** The company settings' keys that hold this section. */
function entriesOf<S extends SettingsSection>(
  section: S,
  doc: SettingsDocuments[S],
): Record<string, unknown> {
  if (section === 'security') {
    return { loginRestrictions: (doc as SecuritySettings).loginRestrictions }
  }
  return { [section]: doc }
}

// --- validation (the routes' schemas check shapes; these the meaning) ---------------------------

const currencies = new Set(Intl.supportedValuesOf('currency'))

function checkFinance(doc: FinanceSettings): FinanceSettings {
  const errors: ErrorDetail[] = []
  if (!currencies.has(doc.currency)) {
    errors.push({ path: 'body/currency', message: 'an ISO 4217 currency code, such as EUR' })
  }
  const t = doc.refundApprovalThreshold
  if (t !== null && (!Number.isInteger(t) || t < 0 || t > settingsLimits.refundApprovalThreshold)) {
    errors.push({
      path: 'body/refundApprovalThreshold',
      message: 'a whole amount in minor units, 0 or more, or null',
    })
  }
  if (errors.length > 0) throw invalid(errors)
  return { currency: doc.currency, refundApprovalThreshold: t }
}

function checkKpi(doc: KpiSettings): KpiSettings {
  const errors: ErrorDetail[] = []
  const percent = (v: number | null, key: string) => {
    if (v !== null && !(Number.isFinite(v) && v >= 0 && v <= 100)) {
      errors.push({ path: `body/${key}`, message: 'a percentage from 0 to 100, or null' })
    }
  }
  percent(doc.satisfactionTarget, 'satisfactionTarget')
  percent(doc.connectRateTarget, 'connectRateTarget')
  const aht = doc.handleTimeTargetSec
  if (
    aht !== null &&
    !(Number.isInteger(aht) && aht >= 1 && aht <= settingsLimits.handleTimeTargetSec)
  ) {
    errors.push({ path: 'body/handleTimeTargetSec', message: 'whole seconds, 1 to 86400, or null' })
  }
  if (errors.length > 0) throw invalid(errors)
  return {
    satisfactionTarget: doc.satisfactionTarget,
    handleTimeTargetSec: aht,
    connectRateTarget: doc.connectRateTarget,
  }
}

function checkSecurity(doc: SecuritySettings): SecuritySettings {
  const r = doc.loginRestrictions
  const errors: ErrorDetail[] = []
  for (const [i, range] of (r.ipRanges ?? []).entries()) {
    const problem = unstorableText(range)
    if (problem !== null)
      errors.push({ path: `body/loginRestrictions/ipRanges/${i}`, message: problem })
  }
  if ((r.ipRanges ?? []).length > settingsLimits.ipRanges) {
    errors.push({
      path: 'body/loginRestrictions/ipRanges',
      message: `at most ${settingsLimits.ipRanges} ranges`,
    })
  }
  // the engine reads it as login will (domain/accounts/login-restrictions.ts): what it cannot
  // read would refuse every login, so it is refused here instead
  if (errors.length === 0 && readLoginRestrictions(r) === null) {
    errors.push({
      path: 'body/loginRestrictions',
      message: 'hours are HH:MM with days 0 (Sunday) to 6; ranges are IP addresses or CIDRs',
    })
  }
  if (errors.length > 0) throw invalid(errors)
  const out: { hours?: LoginRestrictions['hours']; ipRanges?: string[] } = {}
  if (r.hours !== undefined) {
    out.hours = {
      start: r.hours.start,
      end: r.hours.end,
      ...(r.hours.days !== undefined && { days: [...new Set(r.hours.days)].sort() }),
    }
  }
  if (r.ipRanges !== undefined) out.ipRanges = r.ipRanges.map((x) => x.trim())
  return { loginRestrictions: out }
}

function check<S extends SettingsSection>(
  section: S,
  doc: SettingsDocuments[S],
): SettingsDocuments[S] {
  const checked =
    section === 'finance'
      ? checkFinance(doc as FinanceSettings)
      : section === 'kpi'
        ? checkKpi(doc as KpiSettings)
        : checkSecurity(doc as SecuritySettings)
  return checked as SettingsDocuments[S]
}

// --- the service ---------------------------------------------------------------------------------

/** The section (`<type>.view`); defaults where nothing was set. */
export async function getSettings<S extends SettingsSection>(
  ctx: Ctx,
  section: S,
): Promise<SettingsDocuments[S]> {
  return inCompany(ctx, async (tx) => {
    await gate(tx, section, 'view')
    const company = await companyById(tx.db, tx.actor.companyId)
    return sectionOf(company?.settings ?? {}, section)
  })
}

/**
 * Replaces the section (`<type>.edit`) with `doc`, checked first (400, nothing written).
 * Audited `<type>.updated` before → after; an unchanged document writes nothing.
 */
export async function putSettings<S extends SettingsSection>(
  ctx: Ctx,
  section: S,
  doc: SettingsDocuments[S],
): Promise<SettingsDocuments[S]> {
  return inCompany(ctx, async (tx) => {
    await gate(tx, section, 'edit')
    const after = check(section, doc)
    const settings = await lockedCompanySettings(tx.db, tx.actor.companyId)
    const before = sectionOf(settings, section)
    if (JSON.stringify(before) === JSON.stringify(after)) return after
    await mergeCompanySettings(tx.db, tx.actor.companyId, entriesOf(section, after))
    const type = sectionTypes[section]
    await recordAudit(tx, {
      action: `${type}.updated`,
      targetType: type,
      targetId: section,
      before,
      after,
    })
    return after
  })
}
