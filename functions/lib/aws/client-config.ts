/**
 * The ONE place where cordon configures AWS SDK clients: region, optional endpoint override (the emulator,
 * VPC endpoints), credentials and the retry strategy. Every SDK client cordon builds takes its config from
 * {@link awsClientConfig}, so throttling behaviour and endpoint overrides cannot drift between modules.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigurationError } from '../errors.js';

/** Default bound on attempts per AWS call (1 call + 3 retries). */
export const DEFAULT_MAX_ATTEMPTS = 4;
/** Upper bound we accept: more retries only delay the failure report during an incident. */
export const MAX_MAX_ATTEMPTS = 10;

export interface AwsClientConfigOptions {
  region: string;
  /** Endpoint override, e.g. `http://127.0.0.1:5000` for moto. Absent: the SDK's regional endpoint. */
  endpoint?: string;
  /** Static credentials or a provider; absent: the SDK's default chain (the Lambda's role). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call including the first, 1..10 (default {@link DEFAULT_MAX_ATTEMPTS}). */
  maxAttempts?: number;
}

/** Config object accepted by every AWS SDK v3 client constructor. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts: number;
  /**
   * The SDK's own adaptive retry strategy: exponential backoff with jitter plus a client-side rate limiter
   * that slows down after throttling responses. We never hand-roll backoff.
   */
  retryMode: 'adaptive';
}

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/**
 * Build the SDK client configuration for one region.
 * @throws ConfigurationError on a malformed region, endpoint or attempt bound.
 */
export function awsClientConfig(options: AwsClientConfigOptions): AwsClientConfig {
  const { region, endpoint, credentials } = options;
  if (!REGION_PATTERN.test(region)) {
    throw new ConfigurationError(`Invalid AWS region "${region}": expected a region name such as eu-west-1.`);
  }
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS) {
    throw new ConfigurationError(
      `Invalid maxAttempts ${String(maxAttempts)}: expected an integer from 1 to ${MAX_MAX_ATTEMPTS}.`,
    );
  }
  const config: AwsClientConfig = { region, maxAttempts, retryMode: 'adaptive' };
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch (error) {
      throw new ConfigurationError(`Invalid AWS endpoint override "${endpoint}": not a URL.`, {
        cause: error,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigurationError(`Invalid AWS endpoint override "${endpoint}": expected http(s).`);
    }
    config.endpoint = endpoint;
  }
  if (credentials !== undefined) config.credentials = credentials;
  return config;
}
