// The chats module's public face: its repository stays private (docs/resources.md).
export * from './chats.js'
export {
  chatExportColumns,
  chatRecords,
  chatResource,
  closeChatById,
  countChats,
  exportChats,
  getChat,
  listChats,
  openChat,
  removeChat,
  replyToChat,
  setChatNotes,
  type ChatListFilter,
  type ChatView,
  type OpenChatInput,
} from './chats.service.js'
