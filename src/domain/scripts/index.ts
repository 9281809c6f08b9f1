// The scripts module's public face: its repository stays private (docs/resources.md).
export * from './scripts.js'
export {
  countScripts,
  createScript,
  deleteScript,
  getScript,
  listScripts,
  normaliseScript,
  publishScript,
  publishScriptIn,
  scriptRecords,
  scriptResource,
  submitScript,
  submitScriptIn,
  scriptViewIn,
  withdrawScriptIn,
  updateScript,
  type ScriptListFilter,
  type ScriptView,
  type ScriptWrite,
} from './scripts.service.js'
