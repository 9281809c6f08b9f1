/**
 * Exports (P2, G2): every record the caller's list would show, under the same filter, scope and
 * masks, streamed as CSV a batch at a time, so memory stays flat in the row count. An export is
 * traced before any row leaves: the gate (reason, approval, per-day limit) and an audit event
 * `<type>.export.started` are committed first; the rows follow in a second transaction that ends
 * with `<type>.exported` and the row count (or `<type>.export.aborted` with the rows sent, when the
 * client goes away or a read fails).
 */
import { PassThrough, type Readable } from 'node:stream'
import type { Action, ResourceType } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { decisionFor, enforceObligations, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx } from '../context.js'
import type { Database } from '../database.js'
import type { ListFilter, ResourceSeam } from './define-resource.js'

type Table = keyof Database & string

export interface ExportSpec<TB extends Table, Item extends { id: string }> {
  readonly seam: ResourceSeam<ResourceType, TB, Item>
  readonly action: Action
  readonly filter: ListFilter<TB, Item>
  /** The columns, in order: item fields (a hidden one exports as an empty cell). */
  readonly columns: readonly (keyof Item & string)[]
  /** What the audit events say the filter was (no secrets: the query as the caller sent it). */
  readonly described: Readonly<Record<string, unknown>>
  /** A reason given in the request (else the reason header). */
  readonly reason?: string | null | undefined
}

/** A cell a spreadsheet would not run as a formula (`=`, `@`, or a `+`/`-` that is not a number). */
function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text = Array.isArray(value) ? value.join(';') : String(value)
  if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !/^[+-][\d\s().-]*$/.test(text))) {
    text = `'${text}`
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Resolves when `out` can take more, or is gone (a client that left never drains). */
const drained = (out: PassThrough) =>
  new Promise<void>((resolve) => {
    if (out.destroyed) return resolve()
    const done = () => {
      out.off('drain', done)
      out.off('close', done)
      resolve()
    }
    out.on('drain', done)
    out.on('close', done)
  })

export const csvLine = (values: readonly unknown[]) => `${values.map(cell).join(',')}\r\n`

/**
 * Starts an export: refuses (403, 400 `reason_required`, 409 `approval_required`, 429
 * `quota_exceeded`) before anything is written to the response, records the start, and answers
 * the CSV stream.
 */
export async function exportCsv<TB extends Table, Item extends { id: string }>(
  ctx: Ctx,
  spec: ExportSpec<TB, Item>,
): Promise<Readable> {
  const type = spec.seam.spec.type
  const reason = spec.reason ?? ctx.meta.reason ?? undefined
  const gated = await inCompany(ctx, async (tx) => {
    const decision = await decisionFor(tx, spec.action)
    if (
      !decision.allowed &&
      (decision.reason === 'not_granted' || decision.reason === 'restricted')
    )
      throw new AppError('forbidden', `not allowed: ${spec.action} (${decision.reason})`)
    const me = await subjectOf(tx)
    // The obligations of the caller's export grants, once for the whole export.
    await enforceObligations(
      tx,
      spec.action,
      { ...decision, allowed: true },
      { type },
      me.policy.timeZone,
      { recorded: true, reason },
    )
    await recordAudit(tx, {
      action: `${type}.export.started`,
      targetType: type,
      targetId: null,
      before: null,
      after: {
        filter: spec.described,
        columns: spec.columns,
        ...(reason ? { reason } : {}),
      },
    })
    return decision.obligations
  })
  const out = new PassThrough()
  let sent = 0
  let withheld = 0
  const finishedOk = async () => {
    await inCompany(ctx, async (tx) => {
      out.write(csvLine(spec.columns))
      await spec.seam.each(tx, spec.action, spec.filter, async (kept) => {
        for (const found of kept) {
          if (out.destroyed) break
          const o = found.decision.obligations
          // A record whose own obligations were not met by the gate stays out (counted).
          const unmet =
            (o.approvalRequired && !gated.approvalRequired) ||
            (o.reasonRequired && !gated.reasonRequired && !reason)
          if (unmet) {
            withheld += 1
            continue
          }
          const view = spec.seam.view(found) as Record<string, unknown>
          if (!out.write(csvLine(spec.columns.map((c) => view[c])))) await drained(out)
          sent += 1
        }
        return out.destroyed
      })
      if (out.destroyed) throw new Error('the client went away')
      await recordAudit(tx, {
        action: `${type}.exported`,
        targetType: type,
        targetId: null,
        before: null,
        after: { filter: spec.described, rows: sent, ...(withheld > 0 ? { withheld } : {}) },
      })
    })
  }
  finishedOk().then(
    () => out.end(),
    async (error: unknown) => {
      await inCompany(ctx, (tx) =>
        recordAudit(tx, {
          action: `${type}.export.aborted`,
          targetType: type,
          targetId: null,
          before: null,
          after: { filter: spec.described, rowsSent: sent, error: String(error) },
        }),
      ).catch(() => {})
      out.destroy(error instanceof Error ? error : new Error(String(error)))
    },
  )
  return out
}
