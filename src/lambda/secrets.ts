import { getPrivateKey } from '@probot/get-private-key';

/**
 * App secrets at cold start. Each value comes from the environment if set (local dev, serverless-offline), otherwise
 * from SSM Parameter Store `${SSM_PARAMETER_PREFIX}/${NAME}` through the AWS Parameters and Secrets Lambda Extension
 * (a localhost HTTP cache, no SDK in the bundle). Resolving at run time keeps secrets out of the deployed function
 * configuration and lets `serverless package` run offline with no AWS credentials.
 */
export interface AppSecrets {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  /** Optional Google credentials JSON (WIF `external_account` config or service-account key). */
  gcpCredentialsJson?: string;
}

export const REQUIRED_SECRETS = ['APP_ID', 'PRIVATE_KEY', 'WEBHOOK_SECRET'] as const;
export const OPTIONAL_SECRETS = ['GCP_CREDENTIALS_JSON'] as const;
type SecretName = (typeof REQUIRED_SECRETS)[number] | (typeof OPTIONAL_SECRETS)[number];

export type FetchLike = (
  url: string,
  init: { headers: Record<string, string> },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

async function fromExtension(
  env: NodeJS.ProcessEnv,
  name: SecretName,
  fetchImpl: FetchLike,
): Promise<string | undefined> {
  const prefix = env.SSM_PARAMETER_PREFIX?.replace(/\/+$/, '');
  if (!prefix) return undefined;
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT || '2773';
  const url = `http://localhost:${port}/systemsmanager/parameters/get?name=${encodeURIComponent(`${prefix}/${name}`)}&withDecryption=true`;
  const optional = OPTIONAL_SECRETS.includes(name as (typeof OPTIONAL_SECRETS)[number]);
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetchImpl(url, { headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' } });
  } catch (err) {
    // No extension (e.g. serverless-offline with secrets in the shell): an optional secret is simply absent.
    if (optional) return undefined;
    throw new Error(
      `SSM parameter ${prefix}/${name}: Parameters and Secrets extension unreachable (${(err as Error).message})`,
    );
  }
  if (!res.ok) {
    if (optional) return undefined;
    // The status only; the extension's error body could echo the parameter path, never a value, but keep it short.
    throw new Error(`SSM parameter ${prefix}/${name} could not be read (HTTP ${res.status})`);
  }
  const body = (await res.json()) as { Parameter?: { Value?: string } };
  return body.Parameter?.Value;
}

export async function loadSecrets(
  env: NodeJS.ProcessEnv = process.env,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
): Promise<AppSecrets> {
  const values = {} as Record<SecretName, string | undefined>;
  await Promise.all(
    [...REQUIRED_SECRETS, ...OPTIONAL_SECRETS].map(async (name) => {
      values[name] = env[name] || (await fromExtension(env, name, fetchImpl));
    }),
  );
  const missing = REQUIRED_SECRETS.filter((n) => !values[n]);
  if (missing.length) throw new Error(`missing secrets: ${missing.join(', ')} (set them or SSM_PARAMETER_PREFIX)`);
  return {
    appId: values.APP_ID!,
    // Accepts PEM with real or `\n`-escaped newlines, or base64 of the PEM.
    privateKey: getPrivateKey({ env: { PRIVATE_KEY: values.PRIVATE_KEY } as NodeJS.ProcessEnv }) ?? values.PRIVATE_KEY!,
    webhookSecret: values.WEBHOOK_SECRET!,
    gcpCredentialsJson: values.GCP_CREDENTIALS_JSON,
  };
}
