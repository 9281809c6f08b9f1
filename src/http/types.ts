import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import type { LoginLimiter, SecretBox, SignupLimiter } from '../domain/accounts/index.js'
import type { AuditSigner } from '../domain/audit/index.js'
import type { AnonymousCtx, Ctx } from '../domain/context.js'

/** The Fastify instance with the TypeBox type provider: route schemas type the handlers. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/** What route modules get from app.ts: context builders, never the database itself. */
export interface RouteDeps {
  /** The service context of a logged-in request; throws not_authenticated otherwise. */
  ctx(req: FastifyRequest): Ctx
  /** The service context before login (sign-up, login). */
  anonymous(req: FastifyRequest): AnonymousCtx
  readonly limiter: LoginLimiter
  /** S12: sign-ups per client address and in total, counted in the database. */
  readonly signupLimiter: SignupLimiter
  /** S15: seals and opens TOTP secrets with the server key. */
  readonly secrets: SecretBox
  /** S14: signs and checks audit checkpoints with a key derived from the server key. */
  readonly auditSigner: AuditSigner
  ping(): Promise<void>
}
