import { Type } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import {
  PASSWORD_MAX_LENGTH,
  confirmMfa,
  disableMfa,
  forceOffline,
  forceOfflineGroup,
  listMySessions,
  login,
  logout,
  regenerateRecoveryCodes,
  revokeMySession,
  startMfaEnrolment,
} from '../../domain/accounts/index.js'
import { Id, problems, Timestamp, UserJson, userJson } from '../api-schemas.js'
import { clearSessionCookies, setSessionCookies } from '../plugins/auth.js'
import type { App, RouteDeps } from '../types.js'

const LoginBody = Type.Object(
  {
    company: Type.String({ minLength: 1, maxLength: 100, description: 'the company slug' }),
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    totp: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'TOTP or recovery code' }),
    ),
  },
  { additionalProperties: false },
)

const CodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
)

const RecoveryCodes = Type.Object({ recoveryCodes: Type.Array(Type.String()) })

const SessionJson = Type.Object({
  id: Type.String(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
})

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['auth']

export function authRoutes(app: App, deps: RouteDeps): void {
  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        summary: 'Log in with company slug, email, password and, when MFA is on, a code',
        tags,
        body: LoginBody,
        response: {
          200: Type.Object({
            token: Type.String(),
            csrfToken: Type.String(),
            expiresAt: Timestamp,
            user: UserJson,
            mfaEnrolmentRequired: Type.Boolean(),
          }),
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (req, reply) => {
      const result = await login(
        { ...deps.anonymous(req), limiter: deps.limiter, secrets: deps.secrets },
        req.body,
      )
      setSessionCookies(reply, result)
      return {
        token: result.token,
        csrfToken: result.csrfToken,
        expiresAt: result.expiresAt.toISOString(),
        user: userJson(result.user),
        mfaEnrolmentRequired: result.mfaEnrolmentRequired,
      }
    },
  )
}

/** The caller's own sessions and second factor (`session: true`: not for API keys). */
export function sessionRoutes(app: App, deps: RouteDeps): void {
  const mfaCtx = (req: FastifyRequest) => ({ ...deps.ctx(req), secrets: deps.secrets })
  app.post(
    '/auth/logout',
    {
      config: { session: true, mfaEnrolment: true, inPreview: true },
      schema: { summary: 'End my current session', tags, security, response: problems(401) },
    },
    async (req, reply) => {
      await logout(deps.ctx(req))
      clearSessionCookies(reply)
      return reply.code(204).send()
    },
  )

  app.get(
    '/auth/sessions',
    {
      config: { session: true },
      schema: {
        summary: 'My sessions that are still live',
        tags,
        security,
        response: { 200: Type.Object({ items: Type.Array(SessionJson) }), ...problems(401) },
      },
    },
    async (req) => {
      const sessions = await listMySessions(deps.ctx(req))
      return {
        items: sessions.map((s) => ({
          ...s,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
          expiresAt: s.expiresAt.toISOString(),
        })),
      }
    },
  )

  app.delete(
    '/auth/sessions/:id',
    {
      config: { session: true },
      schema: {
        summary: 'Revoke one of my sessions',
        tags,
        security,
        params: Type.Object({ id: Id }),
        response: problems(401, 404),
      },
    },
    async (req, reply) => {
      await revokeMySession(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  app.post(
    '/users/:id/force-offline',
    {
      schema: {
        summary: 'End every session of a user (G5)',
        tags: ['users'],
        security,
        params: Type.Object({ id: Id }),
        response: { 200: Type.Object({ revoked: Type.Integer() }), ...problems(401, 403, 404) },
      },
    },
    async (req) => forceOffline(deps.ctx(req), req.params.id),
  )

  app.post(
    '/sessions/revoke',
    {
      schema: {
        summary: 'Force a role or a team offline: end the sessions of its people (G5)',
        description:
          'With `roleId`: every holder of the role; with `orgUnitId`: every member of that org ' +
          'unit (not the units under it). Only the people I may force offline ' +
          '(`user.forceOffline` on each) are affected, never myself; the others are left as ' +
          'they are and not counted. Needs `user.forceOffline`; a role or unit not of my ' +
          'company is 404 on the field. Audited once (`sessions.forced_offline`) with the count.',
        tags: ['users'],
        security,
        body: Type.Union([
          Type.Object({ roleId: Id }, { additionalProperties: false }),
          Type.Object({ orgUnitId: Id }, { additionalProperties: false }),
        ]),
        response: {
          200: Type.Object({
            users: Type.Integer({ minimum: 0, description: 'people whose sessions ended' }),
            revoked: Type.Integer({ minimum: 0, description: 'sessions ended' }),
          }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => forceOfflineGroup(deps.ctx(req), req.body),
  )

  app.post(
    '/auth/mfa/enrol',
    {
      config: { session: true, mfaEnrolment: true },
      schema: {
        summary: 'Start TOTP enrolment: a secret to add to an authenticator app (G10)',
        tags,
        security,
        response: {
          200: Type.Object({ secret: Type.String(), otpauthUrl: Type.String() }),
          ...problems(401, 409),
        },
      },
    },
    async (req) => startMfaEnrolment(mfaCtx(req)),
  )

  app.post(
    '/auth/mfa/confirm',
    {
      config: { session: true, mfaEnrolment: true },
      schema: {
        summary: 'Confirm enrolment with a code; MFA is on and recovery codes are shown once',
        tags,
        security,
        body: CodeBody,
        response: { 200: RecoveryCodes, ...problems(400, 401, 409) },
      },
    },
    async (req) => confirmMfa(mfaCtx(req), req.body.code),
  )

  app.post(
    '/auth/mfa/disable',
    {
      config: { session: true },
      schema: {
        summary: 'Turn MFA off with a current code or a recovery code',
        tags,
        security,
        body: CodeBody,
        response: problems(400, 401, 403, 409),
      },
    },
    async (req, reply) => {
      await disableMfa(mfaCtx(req), req.body.code)
      return reply.code(204).send()
    },
  )

  app.post(
    '/auth/mfa/recovery-codes',
    {
      config: { session: true },
      schema: {
        summary: 'Replace my recovery codes',
        tags,
        security,
        body: CodeBody,
        response: { 200: RecoveryCodes, ...problems(400, 401, 409) },
      },
    },
    async (req) => regenerateRecoveryCodes(mfaCtx(req), req.body.code),
  )
}
