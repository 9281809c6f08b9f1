import type { Kysely, Transaction } from 'kysely'
import type { Subject } from '../authz/index.js'
import { withCompany, type Database } from '../db/index.js'
import type { PolicyCache } from './access/policy-cache.js'

/** Who is calling: set by the HTTP auth plugin from a session (bearer token or cookie). */
export interface Actor {
  readonly userId: string
  readonly companyId: string
  readonly sessionId: string
  /** The user's role ids, read from user_roles on this request (never cached). */
  readonly roleIds: readonly string[]
  /** Set for API keys (their subject is the key's role, not a person's); else read per request. */
  readonly subject?: Subject
  /** Set when the caller is an API key (then `userId` and `sessionId` are `apikey:<id>`). */
  readonly apiKeyId?: string
  /**
   * G10: a role of the user requires MFA and they have not enrolled yet; read per request. Such
   * a session reaches only the enrolment routes, logout and `me` (http/plugins/auth.ts).
   */
  readonly mfaEnrolmentRequired?: boolean
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
}

/** A Ctx whose `db` is a transaction bound to the actor's company (RLS in force). */
export interface TenantCtx extends Ctx {
  readonly db: Transaction<Database>
}

/** Runs `fn` in one transaction of the actor's company: the unit of a request's work. */
export function inCompany<T>(ctx: Ctx, fn: (tx: TenantCtx) => Promise<T>): Promise<T> {
  return withCompany(ctx.db, ctx.actor.companyId, (trx) => fn({ ...ctx, db: trx }))
}

/** A Ctx before anyone is logged in (sign-up, login). */
export type AnonymousCtx = Omit<Ctx, 'actor'>
