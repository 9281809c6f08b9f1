export {
  currentPreview,
  endIn as endPreviewIn,
  endPreview,
  PREVIEW_DEFAULT_MINUTES,
  PREVIEW_MAX_MINUTES,
  previewView,
  settleExpiredPreview,
  startPreview,
  type PreviewInput,
  type PreviewView,
} from './previews.service.js'
