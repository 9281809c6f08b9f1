import {
  Type,
  TypeBoxValidatorCompiler,
  type TArrayOptions,
  type TSchema,
} from '@fastify/type-provider-typebox'
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify'
import { Compile } from 'typebox/compile'
import { compareOps, conditionLimits, conditionOversize, fieldLevels } from '../authz/index.js'
import { orgUnitKinds } from '../domain/org-units/index.js'
import { AppError, type ErrorDetail } from '../errors.js'
import { Id } from './api-schemas.js'

// The policy model (authz/model.ts, authz/condition.ts) as API schemas: one set of named shapes
// (Grant, Restriction, Scope, Condition, …) for request bodies, responses and
// /api/v1/openapi.json, where each becomes a component a client generator can name. They check
// the shape only; the engine (compilePolicy) stays the judge of meaning and answers with a path.
// They are shared schemas (`$id` = name, added by plugins/openapi.ts) that route schemas refer
// to with `policyRef('Grant')`: fast-json-stringify and the OpenAPI document resolve those, and
// a route whose body has them validates it with `policyBody` (the definitions in reach).

const strict = { additionalProperties: false } as const

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])
const Actions = Type.Array(
  Type.String({
    minLength: 3,
    maxLength: 100,
    description: '`resource.action` or `resource.*`, from GET /api/v1/permissions',
  }),
  { minItems: 1, maxItems: 500 },
)
const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM' })
const pair = (item: TSchema, options: TArrayOptions = {}) =>
  Type.Array(item, { ...options, minItems: 2, maxItems: 2 })

const definitions = {
  Reference: Type.Object(
    {
      ref: Type.String({
        pattern: '^(resource|subject|env)\\.',
        maxLength: 200,
        description: '`resource.<attr>`, `subject.<attr>` or `env.<name>`',
      }),
    },
    { ...strict, description: 'A value read from the record, the caller or the request' },
  ),
  Operand: Type.Union([Scalar, Type.Ref('Reference')], { description: 'A plain value or a {ref}' }),
  Condition: Type.Object(
    {
      ...Object.fromEntries(
        compareOps.map((op) => [op, Type.Optional(pair(Type.Ref('Operand')))] as const),
      ),
      in: Type.Optional(
        pair(Type.Union([Type.Ref('Operand'), Type.Array(Scalar, { maxItems: 1000 })]), {
          description: '[operand, list of values or a {ref} to a list]',
        }),
      ),
      and: Type.Optional(Type.Array(Type.Ref('Condition'))),
      or: Type.Optional(Type.Array(Type.Ref('Condition'))),
      not: Type.Optional(Type.Ref('Condition')),
      timeOfDay: Type.Optional(
        Type.Object(
          { from: Clock, to: Clock },
          {
            ...strict,
            description: "[from, to) in the company's zone; wraps past midnight when from > to",
          },
        ),
      ),
      weekday: Type.Optional(
        Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
          maxItems: 7,
          description: 'ISO weekdays, 1 (Monday) … 7 (Sunday)',
        }),
      ),
      ipIn: Type.Optional(
        Type.Array(Type.String({ maxLength: 64 }), {
          maxItems: 100,
          description: 'CIDR ranges',
        }),
      ),
    },
    {
      ...strict,
      minProperties: 1,
      maxProperties: 1,
      description:
        `Exactly one operator (docs/authorization.md); at most ${conditionLimits.depth} ` +
        `levels deep and ${conditionLimits.nodes} operators in all`,
    },
  ),
  Scope: Type.Union(
    [
      Type.Union(
        (['own', 'team', 'subtree', 'project', 'company'] as const).map((s) => Type.Literal(s)),
      ),
      Type.Object({ subtree: Id }, strict),
      Type.Object({ record: Id }, strict),
    ],
    { description: 'Which records a rule reaches (P3, P10)' },
  ),
  FieldRules: Type.Record(
    Type.String({ maxLength: 60 }),
    Type.Union(fieldLevels.map((l) => Type.Literal(l))),
    { description: 'field name (or `*`) → level (P4)' },
  ),
  Limits: Type.Object(
    {
      perDay: Type.Optional(Type.Integer({ minimum: 0 })),
      concurrent: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { ...strict, description: 'Limits the decision reports for the caller to enforce (P8, P9)' },
  ),
  Grant: Type.Object(
    {
      actions: Actions,
      scope: Type.Ref('Scope'),
      when: Type.Optional(Type.Ref('Condition')),
      fields: Type.Optional(Type.Ref('FieldRules')),
      limits: Type.Optional(Type.Ref('Limits')),
      audit: Type.Optional(Type.Boolean({ description: 'G2: audit every use' })),
      reasonRequired: Type.Optional(
        Type.Boolean({ description: 'the person must give a reason (x-tessera-reason)' }),
      ),
      approvalRequired: Type.Optional(
        Type.Boolean({ description: 'W2/W3: the action needs approval first' }),
      ),
      label: Type.Optional(Type.String({ maxLength: 200 })),
    },
    { ...strict, description: 'An allow rule: actions on a data scope, under a condition' },
  ),
  RoleRestriction: Type.Object(
    {
      id: Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'names the restriction in decisions and explanations',
      }),
      actions: Actions,
      scope: Type.Optional(Type.Ref('Scope')),
      when: Type.Optional(Type.Ref('Condition')),
      fields: Type.Optional(Type.Ref('FieldRules')),
      label: Type.Optional(Type.String({ maxLength: 200 })),
    },
    {
      ...strict,
      description:
        'A deny rule of a role, for its holders; with `fields` it caps those fields instead',
    },
  ),
  Restriction: Type.Object(
    {
      id: Id,
      actions: Actions,
      appliesTo: Type.Optional(
        Type.Object(
          {
            roles: Type.Optional(Type.Array(Id, { maxItems: 200 })),
            users: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
          },
          strict,
        ),
      ),
      scope: Type.Optional(Type.Ref('Scope')),
      when: Type.Optional(Type.Ref('Condition')),
      fields: Type.Optional(Type.Ref('FieldRules')),
      label: Type.Optional(Type.String({ maxLength: 200 })),
    },
    {
      ...strict,
      description:
        'A deny rule that overrides every allow; with `fields` it caps those fields instead',
    },
  ),
}

/** The name of one policy definition: its `$id`, and its component in /api/v1/openapi.json. */
export type PolicyDefinition = keyof typeof definitions

/** A reference to a policy definition, from a route schema. */
export const policyRef = (name: PolicyDefinition) => Type.Ref(name)

/** Every definition with its `$id`, for `app.addSchema` (responses, OpenAPI components). */
export const policySchemas: readonly TSchema[] = Object.entries(definitions).map(
  ([$id, schema]) => ({ ...schema, $id }),
)

/**
 * Validates a route's body with the policy definitions in reach of its `policyRef`s (the
 * TypeBox compiler of the app sees only the schema it is given); other parts as the app does.
 */
const policyValidatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  if (route.httpPart !== 'body') return TypeBoxValidatorCompiler(route)
  const validator = Compile(definitions, route.schema)
  return (value) => (validator.Check(value) ? { value } : { error: validator.Errors(value) })
}

/**
 * `preValidation` for any route whose body carries conditions (`when`, at any place): a
 * condition too deep or too large is refused with 400 validation_failed before the recursive
 * schema or the engine walks it (an unbounded one would overflow the stack: a 500).
 */
async function refuseOversizeConditions(req: FastifyRequest): Promise<void> {
  const errors = oversizeConditions(req.body)
  if (errors.length > 0)
    throw new AppError('validation_failed', 'a condition is too large', { errors })
}

export function oversizeConditions(body: unknown): ErrorDetail[] {
  const errors: ErrorDetail[] = []
  const pending: { value: unknown; at: string }[] = [{ value: body, at: 'body' }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, at } = next
    if (typeof value !== 'object' || value === null) continue
    for (const [key, child] of Object.entries(value)) {
      if (key !== 'when' || Array.isArray(value)) {
        pending.push({ value: child, at: `${at}/${key}` })
        continue
      }
      const problem = conditionOversize(child, 'when')
      if (problem !== undefined)
        errors.push({
          path: `${at}/${problem.path.replace(/\[(\d+)\]/g, '.$1').replace(/\./g, '/')}`,
          message: problem.message,
        })
    }
  }
  return errors
}

/** Route options for a body that carries grants or conditions (`{ ...policyBody, schema }`). */
export const policyBody = {
  preValidation: refuseOversizeConditions,
  validatorCompiler: policyValidatorCompiler,
}

// Policy as code (docs/policy-as-code.md) -------------------------------------------------------

const EntryName = Type.String({ minLength: 1, maxLength: 100 })
const EntryDescription = Type.String({ maxLength: 1000 })

/** How deep the org-unit tree of a document may be, and how many units it may hold in all. */
export const policyOrgUnitLimits = { depth: 20, units: 5000 } as const

const OrgUnitName = Type.String({ minLength: 1, maxLength: 200 })

/** An org unit's stable key (migration 0054): a slug, unique in a company. */
export const OrgUnitKey = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: "an org unit's stable key, unique in a company (the export writes it)",
})

/**
 * The document's own definitions beside the policy ones: an org unit holds the units under it;
 * a scope names a unit by its path (or key) rather than by an id that means nothing in another
 * company. Not API components (no route takes them): only the document's validator and its
 * JSON Schema.
 */
const documentDefinitions = {
  ...definitions,
  Scope: Type.Union(
    [
      Type.Union(
        (['own', 'team', 'subtree', 'project', 'company'] as const).map((s) => Type.Literal(s)),
      ),
      Type.Object(
        {
          subtree: Type.Union([
            Type.Object(
              {
                path: Type.Array(OrgUnitName, {
                  minItems: 1,
                  maxItems: policyOrgUnitLimits.depth,
                  description: "the unit's path of names from the root (the export writes this)",
                }),
              },
              strict,
            ),
            Type.Object({ key: OrgUnitKey }, strict),
            Type.String({
              minLength: 1,
              maxLength: 100,
              description: "a unit's id (means something in this company only)",
            }),
          ]),
        },
        strict,
      ),
      Type.Object(
        {
          record: Type.Union([
            Type.Object(
              { email: Type.String({ format: 'email', maxLength: 254 }) },
              { ...strict, description: 'a person (user.* actions), by login email' },
            ),
            Type.Object(
              { key: OrgUnitKey },
              { ...strict, description: 'an org unit (orgUnit.* actions), by its key' },
            ),
            Type.Object(
              { name: Type.String({ minLength: 1, maxLength: 200 }) },
              {
                ...strict,
                description:
                  'a project, role, permission group or number pool (its actions), by name',
              },
            ),
            Type.String({
              minLength: 1,
              maxLength: 100,
              description:
                "a record's id: a record of another type (customer, ticket, …), or one the exporter may not view",
            }),
          ]),
        },
        strict,
      ),
    ],
    {
      description:
        'Which records a rule reaches (P3, P10); one org unit by `{ subtree: { path: [...] } }`, ' +
        'one record by `{ record: { email | key | name } }`',
    },
  ),
  PolicyOrgUnit: Type.Object(
    {
      name: OrgUnitName,
      key: Type.Optional(OrgUnitKey),
      kind: Type.Union(orgUnitKinds.map((k) => Type.Literal(k))),
      units: Type.Optional(
        Type.Array(Type.Ref('PolicyOrgUnit'), {
          maxItems: 1000,
          description: 'the units under this one, by name',
        }),
      ),
    },
    {
      ...strict,
      description:
        `An org unit (P3) and the units under it; known by its path of names from the root ` +
        `(at most ${policyOrgUnitLimits.depth} levels, ${policyOrgUnitLimits.units} units)`,
    },
  ),
}

/** The YAML document of GET /api/v1/policy, as a schema over the same definitions. */
export const PolicyDocumentSchema = Type.Object(
  {
    format: Type.Literal('tessera.policy/v1'),
    referencedRoles: Type.Optional(
      Type.Array(EntryName, {
        maxItems: 200,
        description: 'Built-in and preset roles, by name: for reference; import leaves them',
      }),
    ),
    roles: Type.Array(
      Type.Object(
        {
          name: EntryName,
          description: Type.Optional(EntryDescription),
          mfaRequired: Type.Optional(Type.Boolean()),
          grants: Type.Array(Type.Ref('Grant'), { maxItems: 200 }),
          restrictions: Type.Optional(Type.Array(Type.Ref('RoleRestriction'), { maxItems: 50 })),
        },
        { ...strict, description: 'A custom role (R3)' },
      ),
      { maxItems: 1000 },
    ),
    groups: Type.Array(
      Type.Object(
        {
          name: EntryName,
          description: Type.Optional(EntryDescription),
          grants: Type.Array(Type.Ref('Grant'), { maxItems: 200 }),
        },
        { ...strict, description: 'A permission group (R4)' },
      ),
      { maxItems: 1000 },
    ),
    positions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: EntryName,
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            roles: Type.Optional(
              Type.Array(EntryName, { maxItems: 50, description: 'default roles, by name' }),
            ),
            groups: Type.Optional(
              Type.Array(EntryName, {
                maxItems: 50,
                description: 'default permission groups, by name',
              }),
            ),
          },
          { ...strict, description: 'A position and its defaults (R8)' },
        ),
        {
          maxItems: 1000,
          description: 'All positions; when the key is absent, import leaves positions as they are',
        },
      ),
    ),
    orgUnits: Type.Optional(
      Type.Array(Type.Ref('PolicyOrgUnit'), {
        maxItems: 1000,
        description:
          'The org-unit tree, from the root; when the key is absent, import leaves the units as they are',
      }),
    ),
    projects: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            members: Type.Optional(
              Type.Array(Type.String({ format: 'email', maxLength: 254 }), {
                maxItems: 10000,
                description:
                  'its members, by login email; when the key is absent, import leaves them as they are',
              }),
            ),
          },
          { ...strict, description: 'A project (P10), by name, with its members' },
        ),
        {
          maxItems: 1000,
          description: 'All projects; when the key is absent, import leaves projects as they are',
        },
      ),
    ),
  },
  {
    ...strict,
    description:
      "A company's access setup: custom roles, permission groups, positions, org units and projects, by name",
  },
)

const policyDocumentValidator = Compile(documentDefinitions, PolicyDocumentSchema)

/**
 * An org-unit tree deeper or larger than `policyOrgUnitLimits`, refused before anything walks
 * it recursively (the schema's validator, the import): 400 at the unit that passes the limit.
 */
export function orgUnitTreeErrors(value: unknown): ErrorDetail[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return []
  const pending: { units: unknown; depth: number; at: string }[] = [
    { units: (value as Record<string, unknown>)['orgUnits'], depth: 1, at: 'body/orgUnits' },
  ]
  let count = 0
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (!Array.isArray(next.units)) continue
    for (const [i, unit] of next.units.entries()) {
      const at = `${next.at}/${i}`
      count += 1
      if (count > policyOrgUnitLimits.units)
        return [{ path: at, message: `at most ${policyOrgUnitLimits.units} org units` }]
      if (next.depth > policyOrgUnitLimits.depth)
        return [{ path: at, message: `at most ${policyOrgUnitLimits.depth} levels of org units` }]
      if (typeof unit === 'object' && unit !== null)
        pending.push({
          units: (unit as Record<string, unknown>)['units'],
          depth: next.depth + 1,
          at: `${at}/units`,
        })
    }
  }
  return []
}

interface SchemaIssue {
  keyword?: string
  instancePath?: string
  message?: string
  params?: Record<string, unknown>
}

/** What is wrong with a parsed document against the schema, as `body/…` paths. */
export function policyDocumentErrors(value: unknown): ErrorDetail[] {
  if (policyDocumentValidator.Check(value)) return []
  const issues = [...policyDocumentValidator.Errors(value)] as SchemaIssue[]
  const seen = new Set<string>()
  return issues
    .flatMap((e): ErrorDetail[] => {
      const at = `body${e.instancePath ?? ''}`
      const names = (key: string) => (e.params?.[key] as string[] | undefined) ?? []
      if (e.keyword === 'required')
        return names('requiredProperties').map((p) => ({
          path: `${at}/${p}`,
          message: 'is required',
        }))
      if (e.keyword === 'additionalProperties')
        return names('additionalProperties').map((p) => ({
          path: `${at}/${p}`,
          message: 'is not a known field',
        }))
      if (e.keyword === 'boolean') return []
      return [{ path: at, message: e.message ?? 'is not valid' }]
    })
    .filter((e) => {
      const key = `${e.path} ${e.message}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

/**
 * The published JSON Schema (2020-12) of a policy document: served at GET
 * /api/v1/policy/schema and committed as docs/policy-schema.json. Each shared definition sits
 * in `$defs` under its own `$id`, which the document's `{"$ref": "Grant"}` resolves to.
 */
export function policyJsonSchema(): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'Tessera policy document (tessera.policy/v1)',
      ...PolicyDocumentSchema,
      $defs: Object.fromEntries(
        Object.entries(documentDefinitions).map(([$id, schema]) => [$id, { ...schema, $id }]),
      ),
    }),
  ) as Record<string, unknown>
}
