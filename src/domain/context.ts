import type { ControlledTransaction, Kysely, Transaction } from 'kysely'
import type { Subject } from '../authz/index.js'
import { APP_ROLE, retryDetails, retryTransaction, withCompany } from '../db/index.js'
import type { Database } from './database.js'
import type { CachedCaller, CallerCache } from './access/caller-cache.js'
import type { PolicyCache } from './access/policy-cache.js'
// the service file, not access/index.ts: the access module imports this file (a cycle otherwise)
import {
  bindAndReadVersions,
  readVersions,
  rightsChangedHere,
  type Versions,
} from './access/policy.service.js'

/** Who is calling: set by the HTTP auth plugin from a session (bearer token or cookie). */
export interface Actor {
  readonly userId: string
  readonly companyId: string
  readonly sessionId: string
  /** The user's role ids, read from user_roles on this request (never cached). */
  readonly roleIds: readonly string[]
  /**
   * The engine's subject, read with the session (or key) on this request: a person's roles,
   * groups, projects and active grants, or an API key's one role. Read per request when unset.
   */
  readonly subject?: Subject
  /** The company's policy version, read in the same statement as the subject. */
  readonly policyVersion?: number
  /** The company's subject version (migration 0012), read in the same statement. */
  readonly subjectVersion?: number
  /** Set when the caller is an API key (then `userId` and `sessionId` are `apikey:<id>`). */
  readonly apiKeyId?: string
  /**
   * G10: a role of the user requires MFA and they have not enrolled yet; read per request. Such
   * a session reaches only the enrolment routes, logout and `me` (http/plugins/auth.ts).
   */
  readonly mfaEnrolmentRequired?: boolean
  /**
   * G4: the preview this session has open (read with the session on every request). `subject`
   * stays the caller's own: every decision is then the preview's AND the caller's
   * (domain/access/authorize.ts subjectOf), and every write is refused (http/plugins/auth.ts).
   */
  readonly preview?: Preview
}

/** G4: a read-only preview of one role's or one person's access, opened by a session. */
export interface Preview {
  /** Set for a role preview: the role. */
  readonly roleId: string | null
  /** Set for a person preview: the person. */
  readonly userId: string | null
  /** A role preview's placement (its subject's org unit); a person preview: theirs. */
  readonly orgUnitId: string | null
  readonly startedAt: Date
  /** Over at this time at the latest (or at logout, or when ended). */
  readonly expiresAt: Date
  /** The subject previewed, as the engine takes it. */
  readonly subject: Subject
}

/** Where a request came from; recorded with every audit event. */
export interface RequestMeta {
  readonly ip: string | null
  readonly userAgent: string | null
  /** The server's id for this request, never one a client chose (S22). */
  readonly requestId: string | null
  /**
   * Why the person does this, when they said (header `x-tessera-reason`); a grant with
   * `reasonRequired` refuses the action without one (domain/access/obligations.ts).
   */
  readonly reason?: string | null
  /** The `x-request-id` the client sent, if well-formed: recorded beside ours, never as it. */
  readonly clientRequestId?: string | null
}

/** What every service function takes first. `db` is the root handle; see inCompany(). */
export interface Ctx {
  readonly db: Kysely<Database>
  readonly actor: Actor
  readonly now: Date
  readonly meta: RequestMeta
  /** Compiled policies per company and version (domain/access). */
  readonly policies: PolicyCache
  /** Callers and subjects kept in memory per company counters (domain/access/caller-cache). */
  readonly callers?: CallerCache
  /** The tenant transaction the caller was read in, for the first inCompany() to adopt. */
  readonly requestTx?: RequestTx
  /**
   * What a transaction that changed people's rights does before it commits, in it (the HTTP
   * app: the calls waiting in queues are offered to whoever may take them now, domain/calls
   * `offerWidened`). `who`: the people whose rights changed, or everyone (inCompany).
   */
  readonly onRightsChanged?: (tx: TenantCtx, who: RightsChanged) => Promise<unknown>
  /** Where a transaction run again is told (the request's logger). */
  readonly log?: { warn(details: object, message: string): void }
}

/** Whose rights a transaction changed: these people, or everyone (the policy, a team share). */
export type RightsChanged = 'everyone' | readonly string[]

/** A Ctx whose `db` is a transaction bound to the actor's company (RLS in force). */
export interface TenantCtx extends Ctx {
  readonly db: Transaction<Database>
  /** Runs `fn` once the transaction has committed (never if it rolls back, nor twice). */
  readonly afterCommit?: (fn: () => void) => void
  /**
   * Says the transaction did something outside the database (a telephony request): should it
   * then die in a deadlock, it is not run again (inCompany), since that could not be undone.
   */
  readonly actedOutside?: () => void
  /**
   * Says the transaction recorded a change (an audit event): before it commits, inCompany asks
   * the database whether it changed anyone's rights (`onRightsChanged`). A transaction that
   * records nothing changed nobody's.
   */
  readonly noteChange?: () => void
}

/**
 * A tenant transaction opened while resolving the caller (BEGIN, then one statement that reads
 * the session, the subject and the policy version and binds the transaction to the company as
 * `tessera_app`), handed to the request's work so that it runs in the same transaction.
 */
export interface RequestTx {
  /** The transaction, to the first caller only; undefined once adopted or released. */
  adopt(): ControlledTransaction<Database> | undefined
  /** Ends the transaction if nobody adopted it (it holds at most a session touch: committed). */
  release(): Promise<void>
  /**
   * Writes again, in `db`, what reading the caller wrote in the adopted transaction (a session
   * touch): inCompany calls it when that transaction died in a deadlock and the work runs again
   * in a new one, so a retried request keeps it.
   */
  replay(db: Kysely<Database>): Promise<void>
}

/** A caller read at the start of a request, with the open transaction they were read in. */
export interface Authenticated {
  readonly actor: Actor
  readonly tx: RequestTx
}

/** What reading a caller wrote in its transaction, to be written again in a retry's (replay). */
export type Rewrite = (db: Kysely<Database>) => Promise<unknown>

export function requestTx(
  trx: ControlledTransaction<Database>,
  rewrites: readonly Rewrite[] = [],
): RequestTx {
  let open = true
  return {
    async replay(db) {
      for (const rewrite of rewrites) await rewrite(db)
    },
    adopt() {
      if (!open) return undefined
      open = false
      return trx
    },
    async release() {
      if (!open) return
      open = false
      await finish(trx, true)
    },
  }
}

/** No transaction was opened for the request: its work opens one (withCompany) if it needs one. */
export const noRequestTx: RequestTx = {
  adopt: () => undefined,
  release: async () => {},
  replay: async () => {},
}

/**
 * The hot path of a caller kept in memory: reads the company's two counters. When
 * `current(versions)` holds, answers the request's transaction (`tx`). `lazy` (a route that may
 * need no database at all, e.g. the decision API): the counters alone, one statement outside any
 * transaction (on embedded PGlite none while nothing was sent since they were read:
 * policy.repo.ts readVersions), and the work opens its own transaction if it needs one. Otherwise BEGIN and one
 * statement that reads the counters and binds the transaction to the company, sent together in
 * one round trip (db/deferred-begin.ts), which the request's work then adopts. When the counters moved, the open transaction (if any) is handed
 * back as `moved`, for the caller to be read again in it (authenticateIn).
 */
export async function resumeIn(
  db: Kysely<Database>,
  companyId: string,
  lazy: boolean,
  current: (versions: Versions) => boolean,
): Promise<{ tx: RequestTx } | { moved: ControlledTransaction<Database> | undefined }> {
  if (lazy) {
    const versions = await readVersions(db, companyId)
    return versions !== undefined && current(versions) ? { tx: noRequestTx } : { moved: undefined }
  }
  const trx = await db.startTransaction().execute()
  try {
    const versions = await bindAndReadVersions(trx, companyId, APP_ROLE)
    if (versions !== undefined && current(versions)) return { tx: requestTx(trx) }
    return { moved: trx }
  } catch (error) {
    await rollbackQuietly(trx)
    throw error
  }
}

/** Rolls back what is still open, keeping the error that got us here (not the rollback's). */
async function rollbackQuietly(trx: ControlledTransaction<Database>): Promise<void> {
  if (!trx.isCommitted && !trx.isRolledBack)
    await trx
      .rollback()
      .execute()
      .catch(() => {})
}

/**
 * A caller kept in memory under `key` (a session or an API key), resumed when `fresh` still
 * holds for it at `now` and the company's counters have not moved; otherwise dropped, with the
 * transaction resumeIn opened (if any) handed on for the full read (authenticateIn's `open`).
 */
export async function resumeKept(
  ctx: AnonymousCtx,
  key: string,
  fresh: (kept: CachedCaller, now: number) => boolean,
  lazy: boolean,
): Promise<{ resumed: Authenticated } | { open: ControlledTransaction<Database> | undefined }> {
  const kept = ctx.callers?.caller(key)
  let open: ControlledTransaction<Database> | undefined
  if (kept !== undefined) {
    if (fresh(kept, ctx.now.getTime())) {
      const resumed = await resumeIn(
        ctx.db,
        kept.actor.companyId,
        lazy,
        (v) => v.policy === kept.versions.policy && v.subject === kept.versions.subject,
      )
      if ('tx' in resumed) {
        ctx.callers?.counted(true)
        return { resumed: { actor: { ...kept.actor }, tx: resumed.tx } }
      }
      open = resumed.moved
    }
    ctx.callers?.dropCaller(key)
  }
  ctx.callers?.counted(false)
  return { open }
}

/**
 * Reads a caller in a new transaction, kept open for the request's work when `read` finds one;
 * rolled back when it finds none or fails. Sessions and API keys authenticate through it.
 */
export async function authenticateIn(
  db: Kysely<Database>,
  read: (
    trx: ControlledTransaction<Database>,
    /** `read` wrote something: `rewrite` writes it again should the request's work be retried. */
    wrote: (rewrite: Rewrite) => void,
  ) => Promise<Actor | null>,
  /** A transaction already open (resumeIn's `moved`): the caller is read again in it. */
  open?: ControlledTransaction<Database>,
): Promise<Authenticated | null> {
  const trx = open ?? (await db.startTransaction().execute())
  try {
    const rewrites: Rewrite[] = []
    const actor = await read(trx, (rewrite) => void rewrites.push(rewrite))
    if (actor !== null) return { actor, tx: requestTx(trx, rewrites) }
    await trx.rollback().execute()
    return null
  } catch (error) {
    await rollbackQuietly(trx)
    throw error
  }
}

/** The caller behind `authenticated`, its transaction ended (for callers outside HTTP). */
export async function releasedActor(
  authenticated: Promise<Authenticated | null>,
): Promise<Actor | null> {
  const found = await authenticated
  if (found === null) return null
  await found.tx.release()
  return found.actor
}

/** Commits (or rolls back); a failed commit still rolls back, which releases the connection. */
async function finish(trx: ControlledTransaction<Database>, commit: boolean): Promise<void> {
  if (!commit) {
    await trx.rollback().execute()
    return
  }
  try {
    await trx.commit().execute()
  } catch (error) {
    await trx
      .rollback()
      .execute()
      .catch(() => {})
    throw error
  }
}

/**
 * Runs `fn` in one transaction of the actor's company: the unit of a request's work. The first
 * call of a request adopts the transaction its caller was read in (no second BEGIN, no second
 * read of the caller); later calls, and calls outside HTTP, open their own.
 *
 * On PostgreSQL, a transaction that dies in a deadlock (40P01) or a serialization failure
 * (40001) is run again from the start in a new transaction, `fn` reading everything again, up to
 * three times after short jittered pauses (db/retry.ts), unless `fn` acted outside the database
 * (`actedOutside`); each run again is logged (`ctx.log`: the attempt and the SQLSTATE). What
 * `afterCommit` was given runs once, after the run that committed; a run that rolled back leaves
 * nothing behind (its audit events are rows of that transaction). When the run that died was in
 * the request's own transaction, what reading the caller wrote there (a session touch) is written
 * again in the new one (`RequestTx.replay`).
 *
 * A run that recorded a change (an audit event, `noteChange`) asks the database, before it
 * commits, whether it changed anyone's rights (migration 0055: roles, groups, projects, grants,
 * a person's status, team or position, the policy); when it did, `ctx.onRightsChanged` runs in
 * the same transaction (the HTTP app's: waiting calls are offered to whoever may now take them).
 */
export async function inCompany<T>(ctx: Ctx, fn: (tx: TenantCtx) => Promise<T>): Promise<T> {
  let outside = false
  let committed: (() => void)[] = []
  // the request's transaction was adopted and died: what reading the caller wrote in it is lost
  let adoptedLost = false
  const result = await retryTransaction(
    async () => {
      outside = false
      committed = []
      let changed = false
      const run: (() => void)[] = committed
      const tenant = (db: Transaction<Database>): TenantCtx => ({
        ...ctx,
        db,
        afterCommit: (f) => void run.push(f),
        actedOutside: () => {
          outside = true
        },
        noteChange: () => {
          changed = true
        },
      })
      // the work, then (when it recorded a change that changed anyone's rights) what the change
      // asks for, in the same transaction
      const work = async (tx: TenantCtx): Promise<T> => {
        const value = await fn(tx)
        if (changed && ctx.onRightsChanged !== undefined) {
          const who = await rightsChangedHere(tx.db)
          if (who !== undefined) await ctx.onRightsChanged(tx, who)
        }
        return value
      }
      const adopted = ctx.requestTx?.adopt()
      if (adopted === undefined) {
        return withCompany(ctx.db, ctx.actor.companyId, async (trx) => {
          if (adoptedLost) await ctx.requestTx?.replay(trx)
          return work(tenant(trx))
        })
      }
      let value: T
      try {
        value = await work(tenant(adopted))
      } catch (error) {
        adoptedLost = true
        await finish(adopted, false).catch(() => {})
        throw error
      }
      try {
        await finish(adopted, true)
      } catch (error) {
        adoptedLost = true
        throw error
      }
      return value
    },
    {
      mayRetry: () => !outside,
      onRetry: (error, attempt) =>
        ctx.log?.warn(
          { attempt: attempt + 1, ...retryDetails(error) },
          'transaction run again after a deadlock or serialization failure',
        ),
    },
  )
  for (const f of committed) f()
  return result
}

/** A Ctx before anyone is logged in (sign-up, login). */
export type AnonymousCtx = Omit<Ctx, 'actor'>
