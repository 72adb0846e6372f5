export {
  type ConsentCommand,
  type ConsentEvent,
  type ConsentState,
  consentDecider,
  needsConsent,
} from "./consent.ts";
export {
  type ConsentBusEvent,
  type ConsentRecord,
  type ConsentStep,
  consentHead,
  consentState,
  consentView,
  isConsentEvent,
  type RecordedConsent,
  recordConsent,
} from "./record.ts";
