import { randomUUID } from 'node:crypto'
import cookie from '@fastify/cookie'
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import type { Kysely } from 'kysely'
import { systemClock, type Clock } from '../clock.js'
import type { Config } from '../config.js'
import { OneLinePerRequest } from '../logging.js'
import { pingDb } from '../db/index.js'
import type { Database } from '../domain/database.js'
import { offerWidened, startQueueSweep } from '../domain/calls/index.js'
import { CallerCache, followPolicyChanges, PolicyCache } from '../domain/access/index.js'
import { createAuditSigner } from '../domain/audit/index.js'
import {
  createLoginLimiter,
  createSecretBox,
  createSignupLimiter,
  type LoginLimiter,
  type SignupLimiter,
} from '../domain/accounts/index.js'
import { declareAuth, installAuth, requestMeta, requireActor } from './plugins/auth.js'
import { answerFrameworkError, clientRequestId, installHardening } from './plugins/hardening.js'
import { installConsole } from './plugins/console.js'
import { installOpenApi } from './plugins/openapi.js'
import { installProblemDetails } from './plugins/problem-details.js'
import { accountRoutes } from './routes/accounts.routes.js'
import { apiKeysRoutes } from './routes/api-keys.routes.js'
import { approvalsRoutes } from './routes/approvals.routes.js'
import { auditRoutes } from './routes/audit.routes.js'
import { authRoutes, sessionRoutes } from './routes/auth.routes.js'
import { authzRoutes, catalogRoutes } from './routes/authz.routes.js'
import { customersRoutes } from './routes/customers.routes.js'
import { ticketsRoutes } from './routes/tickets.routes.js'
import { notificationsRoutes } from './routes/notifications.routes.js'
import { reportsRoutes } from './routes/reports.routes.js'
import { qaRoutes } from './routes/qa.routes.js'
import { scriptsRoutes } from './routes/scripts.routes.js'
import { ivrMenusRoutes } from './routes/ivr-menus.routes.js'
import { shiftsRoutes } from './routes/shifts.routes.js'
import { settingsRoutes } from './routes/settings.routes.js'
import { salesRoutes } from './routes/sales.routes.js'
import { campaignsRoutes } from './routes/campaigns.routes.js'
import { dialersRoutes } from './routes/dialers.routes.js'
import { queuesRoutes } from './routes/queues.routes.js'
import { numberPoolsRoutes } from './routes/number-pools.routes.js'
import { blacklistRoutes } from './routes/blacklist.routes.js'
import { callsRoutes } from './routes/calls.routes.js'
import { chatsRoutes } from './routes/chats.routes.js'
import { healthRoutes } from './routes/health.routes.js'
import { orgUnitsRoutes } from './routes/org-units.routes.js'
import { projectsRoutes } from './routes/projects.routes.js'
import { policyRoutes, policySchemaRoutes } from './routes/policy.routes.js'
import { previewsRoutes } from './routes/previews.routes.js'
import { rolesRoutes } from './routes/roles.routes.js'
import { positionsRoutes } from './routes/positions.routes.js'
import { sharesRoutes } from './routes/shares.routes.js'
import { usersRoutes } from './routes/users.routes.js'
import type { RouteDeps } from './types.js'

export interface AppDeps {
  readonly config: Config
  readonly db: Kysely<Database>
  /** Defaults to the system clock; tests pass one they can move. */
  readonly clock?: Clock
  /** Fastify's logger option; off unless given (main.ts turns it on). */
  readonly logger?: FastifyServerOptions['logger']
  /** Login attempts per key and minute; defaults to createLoginLimiter()'s. */
  readonly loginLimiter?: LoginLimiter
  /** S12: sign-ups per client address and in total; defaults to createSignupLimiter()'s. */
  readonly signupLimiter?: SignupLimiter
  /** S15: the 32-byte key sealing TOTP secrets; serve.ts reads it with loadSecretKey(). */
  readonly secretKey: Buffer
  /**
   * How often the queue sweep hands on waiting calls that time made takeable (domain/calls
   * sweep.ts), in ms; off when absent or 0 (tests turn it on; serve.ts passes the config's).
   */
  readonly queueSweepMs?: number
}

/** Secrets never reach the log, whatever a serializer is later taught to include. */
const redact = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-csrf-token"]',
    'res.headers["set-cookie"]',
    '*.password',
    '*.token',
    '*.totp',
  ],
  censor: '[redacted]',
}

/**
 * Config's setting as Fastify's typings take it: a mutable list, and a hop count as the function
 * Fastify itself makes of one (trust the nearest `hops` peers).
 */
function fastifyTrustProxy(setting: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting
  return typeof setting === 'object' ? [...setting] : setting
}

/** Composes the HTTP application; never listens (main.ts does, tests use inject()). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock
  const logger = deps.logger === undefined || deps.logger === false ? false : deps.logger
  const app = Fastify({
    // ids longer than the schemas allow must reach validation (400 problem+json), not a bare 414
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: answerFrameworkError,
    logger: logger === true ? { redact } : logger && { redact, ...logger },
    // one log line per request, for the configured share of requests (src/logging.ts)
    logController: new OneLinePerRequest(deps.config.requestLogRate),
    // S22: the request id is always ours; a client's x-request-id is kept as clientRequestId.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    // S20: X-Forwarded-For/-Proto count only from the proxies the configuration trusts.
    trustProxy: fastifyTrustProxy(deps.config.trustProxy),
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>()

  // A cross-site form can post text/plain without a CORS preflight; we take only JSON.
  app.removeContentTypeParser('text/plain')
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id)
  })
  installProblemDetails(app)
  installHardening(app)
  await app.register(cookie)
  await installOpenApi(app)

  const policies = new PolicyCache()
  const callers = new CallerCache()
  const meta = (req: FastifyRequest) => ({
    ...requestMeta(req),
    clientRequestId: clientRequestId(req),
  })
  // Other processes' policy changes drop or rewarm this cache at once (LISTEN/NOTIFY).
  const following = await followPolicyChanges(deps.db, policies, (error) =>
    app.log.warn({ err: error }, 'policy change notices'),
  )
  app.addHook('onClose', async () => following.close())
  const routeDeps: RouteDeps = {
    anonymous: (req) => ({ db: deps.db, now: clock.now(), meta: meta(req), policies, callers }),
    ctx: (req) => ({
      db: deps.db,
      policies,
      callers,
      actor: requireActor(req),
      now: clock.now(),
      meta: meta(req),
      ...(req.requestTx !== null && { requestTx: req.requestTx }),
      // a change that widened anyone's rights hands waiting calls on before it commits
      onRightsChanged: offerWidened,
      log: req.log,
    }),
    limiter: deps.loginLimiter ?? createLoginLimiter(),
    signupLimiter: deps.signupLimiter ?? createSignupLimiter(),
    secrets: createSecretBox(deps.secretKey),
    auditSigner: createAuditSigner(deps.secretKey),
    ping: () => pingDb(deps.db),
  }
  declareAuth(app)
  healthRoutes(app, routeDeps)
  accountRoutes(app, routeDeps)
  authRoutes(app, routeDeps)
  catalogRoutes(app)
  policySchemaRoutes(app)
  // Everything else needs a caller: one encapsulated scope whose gate reads them (and opens the
  // request's transaction); routes state their exceptions in `config` (plugins/auth.ts).
  await app.register(
    async (scope) => {
      const authed = scope.withTypeProvider<TypeBoxTypeProvider>()
      installAuth(authed, routeDeps)
      sessionRoutes(authed, routeDeps)
      auditRoutes(authed, routeDeps)
      usersRoutes(authed, routeDeps)
      orgUnitsRoutes(authed, routeDeps)
      projectsRoutes(authed, routeDeps)
      rolesRoutes(authed, routeDeps)
      positionsRoutes(authed, routeDeps)
      authzRoutes(authed, routeDeps)
      previewsRoutes(authed, routeDeps)
      apiKeysRoutes(authed, routeDeps)
      customersRoutes(authed, routeDeps)
      ticketsRoutes(authed, routeDeps)
      sharesRoutes(authed, routeDeps)
      notificationsRoutes(authed, routeDeps)
      reportsRoutes(authed, routeDeps)
      qaRoutes(authed, routeDeps)
      scriptsRoutes(authed, routeDeps)
      ivrMenusRoutes(authed, routeDeps)
      shiftsRoutes(authed, routeDeps)
      settingsRoutes(authed, routeDeps)
      salesRoutes(authed, routeDeps)
      queuesRoutes(authed, routeDeps)
      dialersRoutes(authed, routeDeps)
      campaignsRoutes(authed, routeDeps)
      numberPoolsRoutes(authed, routeDeps)
      blacklistRoutes(authed, routeDeps)
      callsRoutes(authed, routeDeps)
      chatsRoutes(authed, routeDeps)
      approvalsRoutes(authed, routeDeps)
      policyRoutes(authed, routeDeps)
    },
    { prefix: '/api/v1' },
  )
  installConsole(app)
  if (deps.queueSweepMs !== undefined && deps.queueSweepMs > 0) {
    const sweep = startQueueSweep(
      deps.queueSweepMs,
      () => ({
        db: deps.db,
        policies,
        now: clock.now(),
        meta: { ip: null, userAgent: null, requestId: null },
        log: app.log,
      }),
      (error, companyId) => app.log.error({ err: error, companyId }, 'queue sweep failed'),
    )
    app.addHook('onClose', async () => sweep.stop())
  }
  await app.ready()
  return app
}
