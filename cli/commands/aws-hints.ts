/** One-line hints for the commands that call AWS (replay, evidence, rules verify). */

/**
 * One line saying what to do when cordon cannot reach AWS at all (no credentials, or no emulator at the endpoint),
 * instead of the SDK's multi-line error; undefined for any other error.
 */
export function awsAccessHint(error: unknown, endpoint: string | undefined): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = 'code' in error ? error.code : undefined;
  if (endpoint !== undefined && (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(error.message))) {
    return `nothing answers at ${endpoint}: start the emulator first (e.g. moto_server -p 5000), or leave out --endpoint to replay against AWS`;
  }
  if (error.name === 'CredentialsProviderError' || /Could not load credentials/i.test(error.message)) {
    return 'no AWS credentials: set AWS_PROFILE (or the AWS_* variables) for the security account, or pass --endpoint http://127.0.0.1:5000 to replay against a local emulator such as moto';
  }
  return undefined;
}
