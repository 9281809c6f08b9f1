import { Type } from '@fastify/type-provider-typebox'
import { PASSWORD_MAX_LENGTH, signup } from '../../domain/accounts/index.js'
import { problems, UserJson, userJson } from '../api-schemas.js'
import { setSessionCookies } from '../plugins/auth.js'
import type { App, RouteDeps } from '../types.js'

const SignupBody = Type.Object(
  {
    companyName: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
)

export function accountRoutes(app: App, deps: RouteDeps): void {
  app.post(
    '/api/v1/signup',
    {
      schema: {
        summary: 'Create a company and its first user, who becomes its Admin (R1)',
        description:
          'Limited per client address and in total (S12): past the limit, 429 `rate_limited` with `Retry-After` in seconds.',
        tags: ['accounts'],
        body: SignupBody,
        response: {
          201: Type.Object({
            company: Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() }),
            user: UserJson,
            token: Type.String(),
            csrfToken: Type.String(),
          }),
          ...problems(400, 429),
        },
      },
    },
    async (req, reply) => {
      const ctx = deps.anonymous(req)
      await deps.signupLimiter.consume(ctx.db, ctx.meta.ip, ctx.now)
      const result = await signup(ctx, req.body)
      setSessionCookies(reply, result)
      const { id, slug, name } = result.company
      return reply.code(201).send({
        company: { id, slug, name },
        user: userJson(result.user),
        token: result.token,
        csrfToken: result.csrfToken,
      })
    },
  )
}
