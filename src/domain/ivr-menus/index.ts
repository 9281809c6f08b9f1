// The IVR menus module's public face: its repository stays private (docs/resources.md).
export * from './ivr-menus.js'
export {
  createIvrMenu,
  deleteIvrMenu,
  getIvrMenu,
  ivrMenuRecords,
  ivrMenuResource,
  listIvrMenus,
  normaliseIvrMenu,
  updateIvrMenu,
  type IvrMenuListFilter,
  type IvrMenuView,
} from './ivr-menus.service.js'
