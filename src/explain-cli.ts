/**
 * `npm run explain -- <policy.json> <request.json>`: evaluate a policy file and explain one
 * decision, without a server or a database. The policy file is a `Policy` (policy as code);
 * the built-in and preset roles are added unless it sets `"presets": false`.
 */
import { readFile } from 'node:fs/promises'
import {
  bindSubject,
  builtinRoles,
  compilePolicy,
  explain,
  isAction,
  PolicyError,
  presetRoles,
  type Policy,
} from './authz/index.js'

async function main(argv: string[]): Promise<number> {
  const [policyPath, requestPath] = argv
  if (!policyPath || !requestPath) {
    console.error('usage: npm run explain -- <policy.json> <request.json>')
    return 2
  }
  const file = JSON.parse(await readFile(policyPath, 'utf8')) as Policy & { presets?: boolean }
  const request = JSON.parse(await readFile(requestPath, 'utf8'))
  const policy: Policy = {
    ...file,
    roles: [
      ...(file.presets === false ? [] : [...builtinRoles, ...presetRoles]),
      ...(file.roles ?? []),
    ],
  }
  try {
    const engine = compilePolicy(policy)
    if (!isAction(String(request.action)))
      throw new Error(`unknown action ${JSON.stringify(request.action)}`)
    const me = bindSubject(engine, request.subject)
    const now = request.env?.now === undefined ? Date.now() : Date.parse(request.env.now)
    console.log(
      JSON.stringify(
        explain(me, request.action, request.resource, { ...request.env, now }),
        null,
        2,
      ),
    )
    return 0
  } catch (err) {
    if (err instanceof PolicyError) {
      for (const p of err.problems) console.error(`${policyPath}: ${p.path}: ${p.message}`)
      return 1
    }
    throw err
  }
}

process.exitCode = await main(process.argv.slice(2))
