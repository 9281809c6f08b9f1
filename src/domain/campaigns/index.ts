// The campaigns module's public face: its repository stays private (docs/resources.md).
export * from './campaigns.js'
export {
  campaignRecords,
  campaignResource,
  countCampaigns,
  createCampaign,
  deleteCampaign,
  endCampaign,
  getCampaign,
  launchCampaign,
  listCampaigns,
  normaliseCampaign,
  pauseCampaign,
  updateCampaign,
  type CampaignListFilter,
  type CampaignView,
} from './campaigns.service.js'
export {
  addCampaignContacts,
  contactLimits,
  listCampaignContacts,
  removeCampaignContact,
  runCampaign,
  type CampaignContact,
  type RunOutcome,
} from './contacts.service.js'
