export * from './projects.js'
export {
  addProjectMemberUnchecked,
  createProject,
  deleteProject,
  getProject,
  listProjectMembers,
  listProjects,
  projectResource,
  setProjectMember,
  visibleProject,
} from './projects.service.js'
