export { evaluateKubernetes, globMatches, judgeKubeRequest, type KubeDecision } from './evaluate';
export { type KubectlRequest, kubectlRequests, type ManifestObject, resourcePath, resourceType } from './kubectl';
export {
  describeKubeRequest,
  KUBE_READ_VERBS,
  KUBE_VERBS,
  type KubeRequest,
  type KubeVerb,
  parseKubeRequest,
  queryValues,
  resourceLabel,
} from './request';
export { LAST_APPLIED, REDACTED, redactAppliedConfiguration, SecretRedactError, SecretRedactor } from './secret-redactor';
