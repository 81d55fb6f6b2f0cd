/**
 * The operations the API needs from the pipeline, as a narrow port. The production implementation
 * ({@link pipelineApiService}) delegates to the pipeline service that the Lambdas share; the API adds only
 * authentication, authorisation and validation on top.
 */
import type { IsolationRecord, IsolationStatus, Principal } from '../store/model.js';
import type { IsolationRequestInput } from './validation.js';

export interface ListFilters {
  status?: IsolationStatus;
  account?: string;
  resource?: string;
  limit: number;
  cursor?: string;
}

export interface IsolationPage {
  items: IsolationRecord[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

export interface IsolationApiService {
  request(input: IsolationRequestInput, by: Principal): Promise<IsolationRecord>;
  get(id: string): Promise<IsolationRecord>;
  list(filters: ListFilters): Promise<IsolationPage>;
  approve(id: string, by: Principal, note?: string): Promise<IsolationRecord>;
  reject(id: string, by: Principal, reason: string): Promise<IsolationRecord>;
  release(id: string, by: Principal, reason: string): Promise<IsolationRecord>;
  /** Evaluate a pasted finding event against the policy, without acting. */
  evaluate(event: unknown): Promise<unknown>;
}
