import { Type } from '@fastify/type-provider-typebox'
import { diffPolicy, exportPolicy, importPolicy } from '../../domain/policy/index.js'
import { affectedPeopleShown } from '../../domain/users/index.js'
import { problems } from '../api-schemas.js'
import { policyDocumentLimit, readPolicyDocument } from '../policy-document.js'
import { policyJsonSchema } from '../policy-schemas.js'
import type { App, RouteDeps } from '../types.js'

// Policy as code (docs/policy-as-code.md): the company's custom roles and permission groups as
// one YAML document; export, diff, import (dry run first). Bodies are YAML (`application/yaml`)
// or the same document as JSON.

const tags = ['policy as code']
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml']

const exampleYaml = `format: tessera.policy/v1
referencedRoles:
  - Admin
  - Operator
  - Supervisor
roles:
  - name: Night shift
    description: Agents on the night shift
    mfaRequired: false
    grants:
      - actions:
          - customer.view
        scope: team
        when:
          timeOfDay:
            from: "22:00"
            to: "06:00"
    restrictions: []
groups:
  - name: Dispute desk
    description: ""
    grants:
      - actions:
          - customer.unmask
        fields:
          phone: read
        scope: team
`

const Change = Type.Object({
  type: Type.Union([
    Type.Literal('role'),
    Type.Literal('permissionGroup'),
    Type.Literal('position'),
    Type.Literal('orgUnit'),
    Type.Literal('project'),
  ]),
  name: Type.String({ description: "by name; an org unit's is its path, joined by ` / `" }),
  change: Type.Union([
    Type.Literal('added'),
    Type.Literal('removed'),
    Type.Literal('changed'),
    Type.Literal('moved'),
  ]),
  fields: Type.Optional(Type.Array(Type.String())),
  from: Type.Optional(
    Type.String({ description: 'an org unit moved or renamed: the path it had (` / `)' }),
  ),
})
const Impact = Type.Object({
  userIds: Type.Array(Type.String(), { description: 'affected users you may see' }),
  users: Type.Integer({ description: 'all affected users' }),
  people: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      email: Type.Optional(
        Type.String({ description: 'as GET /users/{id} shows it: absent when hidden' }),
      ),
      maskedFields: Type.Optional(Type.Array(Type.String())),
    }),
    {
      description: `the affected users you may see, by name, at most ${affectedPeopleShown}`,
    },
  ),
  more: Type.Integer({ description: 'affected users not in `people` (beyond it, or unseen)' }),
})
const PlanJson = Type.Object(
  { changes: Type.Array(Change), impact: Impact },
  {
    examples: [
      {
        changes: [
          { type: 'role', name: 'Night shift', change: 'changed', fields: ['grants'] },
          { type: 'permissionGroup', name: 'Dispute desk', change: 'added' },
        ],
        impact: {
          userIds: ['0f9e3c52-7a4b-4c1e-9d2a-2b7f4c1d9e01'],
          users: 2,
          people: [
            {
              id: '0f9e3c52-7a4b-4c1e-9d2a-2b7f4c1d9e01',
              name: 'Ann Lee',
              email: 'ann@example.com',
            },
          ],
          more: 1,
        },
      },
    ],
  },
)
const ImportJson = Type.Object({
  changes: Type.Array(Change),
  impact: Impact,
  dryRun: Type.Boolean(),
  applied: Type.Boolean(),
})

/** GET /api/v1/policy/schema: public, like the permission catalog. */
export function policySchemaRoutes(app: App): void {
  app.get(
    '/api/v1/policy/schema',
    {
      schema: {
        summary: 'The JSON Schema of a policy document (docs/policy-schema.json)',
        tags,
        response: { 200: Type.Unknown() },
      },
    },
    async (_req, reply) => reply.type('application/schema+json').send(policyJsonSchema()),
  )
}

export function policyRoutes(app: App, deps: RouteDeps): void {
  app.addContentTypeParser(
    yamlTypes,
    { parseAs: 'string', bodyLimit: policyDocumentLimit },
    (_req, body, done) => done(null, body),
  )

  app.get(
    '/policy',
    {
      schema: {
        summary: "Export my company's access setup as YAML (role.view + permissionGroup.view)",
        description:
          'Custom roles and permission groups by name, keys sorted, lists by name: the same ' +
          'setup always gives the same bytes. Built-in and preset roles are named only. ' +
          `Example:\n\n\`\`\`yaml\n${exampleYaml}\`\`\``,
        tags,
        security,
        response: { 200: Type.String({ examples: [exampleYaml] }), ...problems(401, 403) },
      },
    },
    async (req, reply) => {
      const text = await exportPolicy(deps.ctx(req))
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', 'attachment; filename="policy.yaml"')
        .serializer((s: unknown) => s as string)
        .send(text)
    },
  )

  app.post(
    '/policy/diff',
    {
      bodyLimit: policyDocumentLimit,
      schema: {
        summary: 'What a policy document would change, and whom it affects; writes nothing',
        description: 'Body: the YAML document (`application/yaml`) or the same as JSON.',
        tags,
        security,
        response: { 200: PlanJson, ...problems(400, 401, 403, 409, 413, 415) },
      },
    },
    async (req) => diffPolicy(deps.ctx(req), readPolicyDocument(req.body)),
  )

  app.post(
    '/policy/import',
    {
      bodyLimit: policyDocumentLimit,
      schema: {
        summary: 'Make the custom roles and groups what a policy document says (all or nothing)',
        description:
          'Each change goes through the roles service: its authorization, delegation (403 ' +
          'forbidden for a grant you do not hold) and audit; one transaction. `dryRun=true` ' +
          'does all of it and rolls back.',
        tags,
        security,
        querystring: Type.Object(
          { dryRun: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false },
        ),
        response: { 200: ImportJson, ...problems(400, 401, 403, 409, 413, 415) },
      },
    },
    async (req) =>
      importPolicy(deps.ctx(req), readPolicyDocument(req.body), {
        dryRun: req.query.dryRun === true,
      }),
  )
}
