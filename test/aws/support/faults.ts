/**
 * Test support: inject AWS faults (throttling, AccessDenied, a 500) into real SDK clients talking to moto.
 * The middleware sits inside the SDK's retry loop (finalizeRequest step, low priority), so the SDK's
 * adaptive retry sees the injected error exactly as it would see AWS's.
 */
import type { InstrumentableClient } from '../../../functions/lib/aws/command-recorder.js';

export const FAULT_KINDS = ['throttling', 'access-denied', 'server-error'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

interface PlannedFault {
  command: string;
  /** Recorded in {@link FaultInjector.raised}: the fault kind, or the custom error's name. */
  label: string;
  remaining: number;
  make: (service: string, command: string) => Error;
}

/** An error shaped like the SDK's service exceptions (name, $fault, $metadata), for one service. */
export function awsFault(kind: FaultKind, service: string, command: string): Error {
  const iamAction = `${service === 'EC2' ? 'ec2' : service.toLowerCase()}:${command}`;
  const specs: Record<
    FaultKind,
    { name: string; status: number; fault: 'client' | 'server'; message: string }
  > = {
    throttling: {
      name: service === 'EC2' ? 'RequestLimitExceeded' : 'Throttling',
      status: service === 'EC2' ? 503 : 400,
      fault: 'client',
      message: 'Rate exceeded',
    },
    'access-denied': {
      name: service === 'EC2' ? 'UnauthorizedOperation' : 'AccessDenied',
      status: 403,
      fault: 'client',
      message: `User: arn:aws:sts::123456789012:assumed-role/cordon-member/cordon-test is not authorized to perform: ${iamAction} because no identity-based policy allows the ${iamAction} action`,
    },
    'server-error': {
      name: service === 'EC2' ? 'InternalError' : 'ServiceFailure',
      status: 500,
      fault: 'server',
      message: 'We encountered an internal error. Please try again.',
    },
  };
  const spec = specs[kind];
  const error = new Error(spec.message);
  error.name = spec.name;
  Object.assign(error, {
    $fault: spec.fault,
    $metadata: { httpStatusCode: spec.status, requestId: 'injected-fault' },
  });
  return error;
}

/** Fails chosen commands of the clients it is attached to. */
export class FaultInjector {
  readonly #faults: PlannedFault[] = [];
  /** Faults actually raised, as `<Command>:<kind>`. */
  readonly raised: string[] = [];

  /** Fail the next `times` calls (attempts, including SDK retries) of `command` (e.g. `PutUserPolicy`). */
  inject(command: string, kind: FaultKind, times = 1): this {
    this.#faults.push({
      command,
      label: kind,
      remaining: times,
      make: (service, name) => awsFault(kind, service, name),
    });
    return this;
  }

  /** Fail the next `times` calls of `command` with a specific AWS error (e.g. IAM's LimitExceeded). */
  injectError(command: string, error: () => Error, times = 1): this {
    this.#faults.push({ command, label: error().name, remaining: times, make: error });
    return this;
  }

  /** Remove every planned fault. */
  clear(): void {
    this.#faults.length = 0;
  }

  attach<C extends InstrumentableClient>(client: C): C {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const service = (context.clientName ?? '').replace(/Client$/, '');
        const command = (context.commandName ?? '').replace(/Command$/, '');
        const fault = this.#faults.find((f) => f.command === command && f.remaining > 0);
        if (fault) {
          fault.remaining -= 1;
          this.raised.push(`${command}:${fault.label}`);
          throw fault.make(service, command);
        }
        return next(args);
      },
      {
        step: 'finalizeRequest',
        priority: 'low',
        name: `cordonFaultInjector${Math.random().toString(36).slice(2)}`,
      },
    );
    return client;
  }
}
