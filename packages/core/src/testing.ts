// @hoop/core/testing: fixtures for the tests of the web, the gateway and the browser: sessions recorded as the gateway
// stores them (hashed and chained), and the reviews and events the dashboard counts. Not for production code.
export { type FixtureEvent, type FixtureSession, recordSession, sqlSessionEvents, terminalSessionEvents } from './session/session-fixtures';
export { deniedCommand, deniedStatement, type FixtureReview, maskedStatement, recordReview, sessionClose } from './dashboard/dashboard-fixtures';
export { type AuthzOrg, seedAuthzOrg, TABLE_ROLES } from './authz-fixtures';
