export { acceptPostgres, type FrontAuth, type FrontDoorOptions, type FrontDoorResult, type StartupInfo } from './front-door';
export {
  type CertificateAuthority,
  certificateCovers,
  type GeneratedTls,
  generateCertificateAuthority,
  generateServerTls,
  issuedBy,
  issueServerCertificate,
  type ServerCertificate,
} from './tls-cert';
