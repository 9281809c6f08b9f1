/**
 * The compile ⇔ plan property (issue 6, item 2): whatever `compilePolicy` accepts, the planner
 * can plan. Random RAW JSON conditions — valid ones, and invalid ones of every sort (unknown
 * operators, undeclared or secret attribute names, literals of the wrong kind, ordered
 * comparisons on strings, attributes of two kinds compared, lists read from the resource,
 * nesting past `conditionLimits`, values nested thousands deep, list-valued subject attributes
 * where a value belongs), in a grant, a deny or a field cap, on random resource types and
 * actions of the catalog (plus a few action names the catalog's prototype answers to):
 * - compilePolicy either accepts or throws PolicyError, never anything else;
 * - when it accepts, planFilter never throws for any action of the rule, for random subjects and
 *   environments, and names only declared attributes (with values of their kind);
 * - decide never throws on random records, and the plan selects a record exactly when decide
 *   allows it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  allActions,
  attributesOf,
  bindSubject,
  catalog,
  compareOps,
  compilePolicy,
  decide,
  evaluatePlan,
  PolicyError,
  planFilter,
  resourceOf,
  type Action,
  type AttrKind,
  type CompiledPolicy,
  type Env,
  type PlanCondition,
  type Policy,
  type Resource,
  type ResourceType,
  type Scope,
  type Subject,
} from './index.js'
import { conditionLimits } from './condition-size.js'

const types = Object.keys(catalog) as ResourceType[]
const orgUnits: Policy['orgUnits'] = { u1: null, u2: 'u1', u3: 'u2', u4: null }
const projects = ['p1', 'p2', 'p3']
const strings = ['open', 'closed', 'senior', 'novice', 'u1', 'u2', 'u3', 'u4', 'p1', 'p2', 'x', '']

/** Names no condition may read: secrets stored beside records, snake_case columns, junk. */
const undeclared = [
  'passwordHash',
  'password_hash',
  'mfaSecret',
  'mfa_secret',
  'email',
  'org_unit_id',
  'company_id',
  'companyId',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'Status',
  'id.x',
]
const subjectNames = [
  'id',
  'orgUnitId',
  'projectIds',
  'roles',
  'level',
  'position',
  'managerId',
  'score',
  'flag',
  'tags',
  'missing',
  '$subtree',
]
const badOps = ['like', 'regex', 'EQ', 'exists', 'contains', 'between', '__proto__', 'constructor']

/** A list nested `n` deep: error messages that print a value must not recurse without bound. */
function nested(n: number): unknown {
  let x: unknown = 'v'
  for (let i = 0; i < n; i++) x = [x]
  // fast-check prints counterexamples recursively too: give it a short name
  return Object.assign(x as object, { [fc.toStringMethod]: () => `nested(${n})` })
}

function wrapNot(c: unknown, n: number): unknown {
  let x = c
  for (let i = 0; i < n; i++) x = { not: x }
  return x
}

const literal = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...strings) },
  { weight: 3, arbitrary: fc.integer({ min: -2, max: 6 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -5, max: 5 }) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 3, arbitrary: fc.constant(null) },
)

const badLiteral = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  {},
  [],
  ['a'],
  { value: 1 },
  { ref: 5 },
  { ref: 'resource' },
  { ref: 'resource.' },
  { ref: 'elsewhere.id' },
  { ref: '' },
)

function operandFor(type: ResourceType): fc.Arbitrary<unknown> {
  const declared = Object.keys(attributesOf(type))
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...declared).map((n) => ({ ref: `resource.${n}` })) },
    { weight: 6, arbitrary: literal },
    {
      weight: 3,
      arbitrary: fc.constantFrom(...subjectNames).map((n) => ({ ref: `subject.${n}` })),
    },
    {
      // list-valued subject attributes where a single value belongs
      weight: 2,
      arbitrary: fc
        .constantFrom('projectIds', 'roles', 'tags')
        .map((n) => ({ ref: `subject.${n}` })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('now', 'ip', 'other').map((n) => ({ ref: `env.${n}` })),
    },
    { weight: 2, arbitrary: fc.constantFrom(...undeclared).map((n) => ({ ref: `resource.${n}` })) },
    { weight: 1, arbitrary: badLiteral },
  )
}

/** Random raw conditions for one type: mostly well-formed, often invalid in one place. */
function conditionFor(type: ResourceType): fc.Arbitrary<unknown> {
  const operand = operandFor(type)
  const list = fc.oneof(
    { weight: 6, arbitrary: fc.array(literal, { maxLength: 4 }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('projectIds', 'roles', '$subtree', 'tags', 'level', 'missing')
        .map((n) => ({ ref: `subject.${n}` })),
    },
    { weight: 1, arbitrary: fc.constant({ ref: 'resource.id' }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('p1', 3, null, [[1]], [{}], { a: 1 }) },
  )
  // operands partial evaluation folds away (subject, environment, literal): plan constants
  const known = fc.oneof(
    fc.constantFrom(...subjectNames, 'projectIds', 'tags').map((n) => ({ ref: `subject.${n}` })),
    fc.constantFrom('now', 'ip').map((n) => ({ ref: `env.${n}` })),
    literal,
  )
  const leaf = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...compareOps), known, known)
        .map(([op, a, b]) => ({ [op]: [a, b] })),
    },
    {
      weight: 10,
      arbitrary: fc
        .tuple(fc.constantFrom(...compareOps), operand, operand)
        .map(([op, a, b]) => ({ [op]: [a, b] })),
    },
    { weight: 4, arbitrary: fc.tuple(operand, list).map(([a, l]) => ({ in: [a, l] })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...badOps), operand, operand)
        .map(([op, a, b]) => ({ [op]: [a, b] })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        { eq: [{ ref: 'resource.id' }] },
        { eq: [{ ref: 'resource.id' }, 'a', 'b'] },
        { eq: 'x' },
        { in: [{ ref: 'resource.id' }] },
        { eq: [1, 1], ne: [1, 2] },
        {},
        null,
        'eq',
        [],
        42,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        { timeOfDay: { from: '08:00', to: '18:00' } },
        { timeOfDay: { from: '22:00', to: '06:00' } },
        { timeOfDay: { from: '8:00', to: '18:00' } },
        { timeOfDay: null },
        { weekday: [1, 2, 3, 4, 5] },
        { weekday: [0, 8] },
        { ipIn: ['10.0.0.0/8', '2001:db8::/32'] },
        { ipIn: ['not a range'] },
        { ipIn: 'x' },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        // nested lists where a value or a reference belongs (printed in error messages)
        { eq: [nested(6000), 1] },
        { eq: [{ ref: nested(6000) }, 1] },
        { in: [{ ref: 'resource.id' }, { ref: nested(6000) }] },
        { timeOfDay: { from: nested(6000), to: '10:00' } },
        { ipIn: [nested(6000)] },
      ),
    },
  )
  const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'c' },
      { weight: 5, arbitrary: leaf },
      { weight: 1, arbitrary: fc.array(tie('tree'), { maxLength: 3 }).map((xs) => ({ and: xs })) },
      { weight: 1, arbitrary: fc.array(tie('tree'), { maxLength: 3 }).map((xs) => ({ or: xs })) },
      { weight: 1, arbitrary: tie('tree').map((x) => ({ not: x })) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>({ and: 'x' }, { or: {} }, { not: [] }) },
    ),
  }))
  return fc.oneof(
    { weight: 12, arbitrary: tree },
    {
      // past the depth limit (and just under it)
      weight: 1,
      arbitrary: fc
        .tuple(tree, fc.integer({ min: conditionLimits.depth - 3, max: conditionLimits.depth + 8 }))
        .map(([c, n]) => wrapNot(c, n)),
    },
    {
      // past the size limit
      weight: 1,
      arbitrary: leaf.map((c) => ({ and: Array.from({ length: conditionLimits.nodes }, () => c) })),
    },
  )
}

function scopesFor(type: ResourceType): Scope[] {
  const s = catalog[type].scope as { owner?: string; orgUnit?: string; project?: string }
  return [
    'company',
    { record: 'r1' },
    ...(s.owner ? (['own'] as const) : []),
    ...(s.orgUnit ? (['team', 'subtree', { subtree: 'u2' }] as const) : []),
    ...(s.project ? (['project'] as const) : []),
  ]
}

interface Case {
  readonly type: ResourceType
  readonly records?: readonly Resource[]
  readonly actions: readonly string[]
  readonly scope: Scope
  readonly when: unknown
  /** where the condition sits: a grant, a role restriction (deny) or a field cap */
  readonly place: 'grant' | 'deny' | 'cap'
}

function policyOf(c: Case): Policy {
  const rule = { actions: c.actions, scope: c.scope, when: c.when }
  const fields = Object.keys(catalog[c.type].fields)
  const grants =
    c.place === 'grant'
      ? [rule]
      : [
          { actions: c.actions, scope: 'company' },
          { actions: c.actions, scope: c.scope },
        ]
  const restrictions =
    c.place === 'grant'
      ? []
      : [
          {
            ...rule,
            id: 'x1',
            ...(c.place === 'cap' ? { fields: { [fields[0] ?? '*']: 'masked' } } : {}),
          },
        ]
  return {
    version: 1,
    timeZone: 'Asia/Shanghai',
    orgUnits,
    roles: [
      { id: 'r', name: 'Random', kind: 'custom', grants, restrictions },
    ] as unknown as Policy['roles'],
  }
}

const valueOf = (kind: AttrKind): fc.Arbitrary<string | number | boolean | null> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 4,
      arbitrary:
        kind === 'string'
          ? fc.constantFrom(...strings, 'r1', 'me')
          : kind === 'number'
            ? fc.integer({ min: -2, max: 6 })
            : fc.boolean(),
    },
  )

function recordArb(type: ResourceType): fc.Arbitrary<Resource> {
  const attrs = attributesOf(type)
  return fc
    .record(Object.fromEntries(Object.entries(attrs).map(([n, k]) => [n, valueOf(k)])))
    .map((a) => {
      const id = typeof a['id'] === 'string' && a['id'] !== '' ? a['id'] : 'r1'
      return { type, id, companyId: 'c1', attrs: { ...a, id } }
    })
}

const conditions = new Map(types.map((t) => [t, conditionFor(t)]))

const caseArb: fc.Arbitrary<Case> = fc.constantFrom(...types).chain((type) => {
  const verbs = catalog[type].actions as readonly string[]
  return fc.record({
    type: fc.constant(type),
    actions: fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .subarray([...verbs], { minLength: 1 })
          .map((vs) => vs.map((v) => `${type}.${v}`)),
      },
      { weight: 2, arbitrary: fc.constant([`${type}.*`]) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(
            'constructor.view',
            '__proto__.*',
            'toString.view',
            `${type}.constructor`,
            `${type}.fly`,
            type,
            '',
          )
          .map((junk) => [`${type}.${verbs[0]}`, junk]),
      },
    ),
    scope: fc.constantFrom(...scopesFor(type)),
    when: conditions.get(type) as fc.Arbitrary<unknown>,
    place: fc.constantFrom<Case['place']>('grant', 'grant', 'deny', 'cap'),
    records: fc.array(recordArb(type), { minLength: 3, maxLength: 6 }),
  })
})

const subjectArb: fc.Arbitrary<Subject> = fc.record({
  id: fc.constantFrom('me', 'u1', 'r1'),
  companyId: fc.constant('c1'),
  orgUnitId: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'gone', null),
  projectIds: fc.subarray(projects),
  roles: fc.constant(['r']),
  attrs: fc.record({
    level: fc.constantFrom('senior', 'novice', null),
    position: fc.constantFrom('agent', 'senior', null),
    managerId: fc.constantFrom('u1', null),
    score: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constant(null)),
    flag: fc.boolean(),
    tags: fc.subarray(['open', 'p1', 'x', 'senior']),
  }),
})

const envArb: fc.Arbitrary<Env> = fc.record(
  {
    now: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
    ip: fc.constantFrom('10.1.2.3', '203.0.113.9', '2001:db8::1', 'garbage'),
  },
  { requiredKeys: ['now'] },
)

/** Every field a plan condition names, with the value kinds it compares it to. */
function planFields(
  c: PlanCondition,
  out: { field: string; kind: AttrKind | 'field' | null; other?: string }[] = [],
) {
  switch (c.kind) {
    case 'const':
      break
    case 'and':
    case 'or':
      c.items.forEach((i) => planFields(i, out))
      break
    case 'not':
      planFields(c.item, out)
      break
    case 'compare':
      out.push({ field: c.field, kind: c.value === null ? null : (typeof c.value as AttrKind) })
      break
    case 'compareFields':
      out.push({ field: c.field, kind: 'field', other: c.other })
      break
    case 'in':
      for (const v of c.values)
        out.push({ field: c.field, kind: v === null ? null : (typeof v as AttrKind) })
      if (c.values.length === 0) out.push({ field: c.field, kind: null })
      break
  }
  return out
}

function compile(c: Case): { engine: CompiledPolicy } | { error: unknown } {
  try {
    return { engine: compilePolicy(policyOf(c)) }
  } catch (error) {
    return { error }
  }
}

describe('compile ⇔ plan (issue 6, item 2)', () => {
  it('accepts or refuses with PolicyError; whatever it accepts plans, decides and agrees', () => {
    let accepted = 0
    let refused = 0
    let conditional = 0
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.tuple(subjectArb, envArb), { minLength: 1, maxLength: 3 }),
        (c, subjects) => {
          const result = compile(c)
          if ('error' in result) {
            refused++
            // only PolicyError, with every problem at a path inside the policy
            expect(result.error).toBeInstanceOf(PolicyError)
            const problems = (result.error as PolicyError).problems
            expect(problems.length).toBeGreaterThan(0)
            for (const p of problems) expect(p.path).toMatch(/^roles\[0\]\./)
            return
          }
          accepted++
          const declared = attributesOf(c.type)
          const actions = allActions.filter(
            (a) =>
              resourceOf(a) === c.type &&
              (c.actions.includes(a) || c.actions.includes(`${c.type}.*`)),
          )
          const records = c.records ?? []
          for (const [subject, env] of subjects) {
            const me = bindSubject(result.engine, subject)
            for (const action of actions as Action[]) {
              const plan = planFilter(me, action, env)
              if (plan.kind === 'where') {
                conditional++
                for (const f of planFields(plan.condition)) {
                  // S1: the plan names declared attributes only, compared with values of their kind
                  expect(Object.hasOwn(declared, f.field), f.field).toBe(true)
                  if (f.kind === 'field') {
                    expect(Object.hasOwn(declared, f.other as string), f.other).toBe(true)
                    expect(declared[f.other as string]).toBe(declared[f.field])
                  } else if (f.kind !== null) {
                    expect(f.kind).toBe(declared[f.field])
                  }
                }
              }
              decide(me, action, undefined, env)
              for (const record of records) {
                const allowed = decide(me, action, record, env).allowed
                const selected =
                  plan.kind === 'all'
                    ? true
                    : plan.kind === 'none'
                      ? false
                      : evaluatePlan(plan.condition, record.attrs ?? {})
                if (selected !== allowed) {
                  expect.fail(
                    `${action}: plan ${JSON.stringify(plan)} selects ${selected}, decide ${allowed} on ${JSON.stringify(record.attrs)}`,
                  )
                }
              }
            }
          }
        },
      ),
      { numRuns: 500 },
    )
    // the generator is not vacuous: it reaches both answers, and conditional plans
    expect(accepted).toBeGreaterThan(60)
    expect(refused).toBeGreaterThan(60)
    expect(conditional).toBeGreaterThan(30)
  })

  it.each([
    [
      'a secret stored beside the record',
      'user',
      { eq: [{ ref: 'resource.passwordHash' }, 'x'] },
      'when.eq[0]',
    ],
    ['a TOTP secret', 'user', { ne: [{ ref: 'resource.mfaSecret' }, null] }, 'when.ne[0]'],
    ['a personal field', 'user', { in: [{ ref: 'resource.email' }, ['a@b.c']] }, 'when.in[0]'],
    ['a column name', 'user', { eq: [{ ref: 'resource.org_unit_id' }, 'u1'] }, 'when.eq[0]'],
    [
      'an ordered comparison on a string',
      'user',
      { lt: [{ ref: 'resource.level' }, 'senior'] },
      'when.lt',
    ],
    [
      'a literal of another kind',
      'ticket',
      { eq: [{ ref: 'resource.priority' }, 'high'] },
      'when.eq[1]',
    ],
    [
      'a list item of another kind',
      'ticket',
      { in: [{ ref: 'resource.escalated' }, [true, 'no']] },
      'when.in[1][1]',
    ],
    [
      'two attributes of different kinds',
      'ticket',
      { eq: [{ ref: 'resource.priority' }, { ref: 'resource.status' }] },
      'when.eq',
    ],
    [
      'a list read from the resource',
      'ticket',
      { in: ['x', { ref: 'resource.status' }] },
      'when.in[1]',
    ],
    ['an unknown operator', 'ticket', { like: [{ ref: 'resource.status' }, 'x%'] }, 'when'],
    [
      'nesting past the limit',
      'ticket',
      wrapNot({ eq: [1, 1] }, conditionLimits.depth + 1),
      'when',
    ],
    ['a deeply nested operand', 'ticket', { eq: [nested(6000), 1] }, 'when.eq[0]'],
  ] as const)('refuses %s with a PolicyError naming the path', (_name, type, when, path) => {
    const policy = policyOf({
      type,
      actions: [`${type}.view`],
      scope: 'company',
      when,
      place: 'grant',
    })
    let error: unknown
    try {
      compilePolicy(policy)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PolicyError)
    const paths = (error as PolicyError).problems.map((p) => p.path)
    expect(paths.some((p) => p.startsWith(`roles[0].grants[0].${path}`))).toBe(true)
  })

  it.each([
    [
      'an action named after an inherited property',
      { grants: [{ actions: ['constructor.view'], scope: 'company' }] },
      'roles[0].grants[0].actions[0]',
    ],
    [
      'every action of __proto__',
      { grants: [{ actions: ['__proto__.*'], scope: 'company' }] },
      'roles[0].grants[0].actions[0]',
    ],
    [
      'an org unit named after an inherited property',
      { grants: [{ actions: ['user.view'], scope: { subtree: 'toString' } }] },
      'roles[0].grants[0].scope',
    ],
    [
      'a restriction that is not an object',
      { grants: [], restrictions: [null] },
      'roles[0].restrictions[0]',
    ],
    [
      'a scope nested thousands deep',
      { grants: [], restrictions: [{ id: 'x', actions: ['user.view'], scope: nested(6000) }] },
      'roles[0].restrictions[0].scope',
    ],
  ] as const)('refuses %s with a PolicyError naming the path', (_name, role, path) => {
    const policy = {
      version: 1,
      timeZone: 'UTC',
      orgUnits,
      roles: [{ id: 'r', name: 'Raw', kind: 'custom', ...role }],
    } as unknown as Policy
    let error: unknown
    try {
      compilePolicy(policy)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PolicyError)
    expect((error as PolicyError).problems.map((p) => p.path)).toContain(path)
  })

  it.each([
    ['eq', 'projectIds', 'projectIds', false],
    ['ne', 'projectIds', 'projectIds', true],
    ['lt', 'tags', 'projectIds', false],
    ['gte', 'projectIds', 'tags', false],
  ] as const)(
    'a list-valued subject attribute is never a value: %s [subject.%s, subject.%s] is %s in the check as in the plan',
    (op, left, right, expected) => {
      const engine = compilePolicy(
        policyOf({
          type: 'user',
          actions: ['user.view'],
          scope: 'company',
          when: { [op]: [{ ref: `subject.${left}` }, { ref: `subject.${right}` }] },
          place: 'grant',
        }),
      )
      const me = bindSubject(engine, {
        id: 'me',
        companyId: 'c1',
        roles: ['r'],
        projectIds: ['p1'],
        attrs: { tags: ['open'] },
      })
      const env = { now: Date.UTC(2026, 5, 1) }
      const record: Resource = { type: 'user', id: 'u1', companyId: 'c1', attrs: { id: 'u1' } }
      expect(planFilter(me, 'user.view', env).kind).toBe(expected ? 'all' : 'none')
      expect(decide(me, 'user.view', record, env).allowed).toBe(expected)
    },
  )
})
