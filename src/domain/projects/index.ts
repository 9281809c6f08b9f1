export * from './projects.js'
export {
  addProjectMemberUnchecked,
  createProject,
  createProjectIn,
  deleteProject,
  deleteProjectIn,
  getProject,
  listProjectMembers,
  listProjects,
  projectRecords,
  projectResource,
  setProjectMember,
  setProjectMemberIn,
  updateProjectIn,
  visibleProject,
} from './projects.service.js'
