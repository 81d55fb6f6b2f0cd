/**
 * An SDK client with the aggregated client's methods (`ec2.describeInstances(...)`) built from the modular
 * `XClient` and the `XCommand`s cordon calls, so that a bundle carries those commands only.
 *
 * Why: an aggregated client class (`EC2`, `IAM`) imports every command of its service, and with them the
 * service's whole schema table: loading `@aws-sdk/client-ec2` that way takes ≈0.8 s on the benchmark machine,
 * `EC2Client` and the few commands the isolation sends, bundled and minified, ≈0.08 s (bench/README.md).
 *
 * Callers keep the aggregated type: a method whose command is not in the table is still served, by loading the
 * full package once on first use (at run time, outside the bundle: the Lambda runtime provides it) and sending
 * its command through the same client. That path is correct but slow, so the tables list every command cordon's
 * critical path sends (functions/lib/aws/clients/).
 */
import { CordonError } from '../errors.js';

/** A modular command class (`DescribeInstancesCommand`), seen from here: built from the method's input. */
export type CommandClass = new (input: never) => object;

/** What the proxy needs of a modular client: its `send`. */
interface SendingClient {
  send(command: object, options?: object): Promise<unknown>;
}

/**
 * Names that are AWS operations (`describeInstances`, `putUserPolicy`): only these become commands, so that
 * properties other code probes on any object (`then` when the client is awaited, `toJSON`, `inspect`) stay
 * undefined instead of turning into requests.
 */
const OPERATION =
  /^(accept|add|assign|assume|associate|attach|authorize|batch|cancel|copy|create|delete|deregister|describe|detach|disable|disassociate|enable|enter|execute|exit|get|import|invoke|list|lookup|modify|provision|publish|put|query|register|remove|replace|reset|revoke|scan|search|send|set|start|stop|tag|terminate|transact|unassign|untag|update)(?:[A-Z]|$)/;

/** A method was called whose command is neither in the table nor in the full package. */
export class UnknownOperationError extends CordonError {
  constructor(operation: string, packageName: string) {
    super(`${packageName} has no command for the method ${operation}`);
  }
}

/** `describeInstances` → `DescribeInstancesCommand`. */
function commandName(method: string): string {
  return `${method.charAt(0).toUpperCase()}${method.slice(1)}Command`;
}

/**
 * Wrap `client` so that each operation method sends its command: from `commands` when listed there, otherwise
 * from the full package `packageName`, loaded on first use.
 * @typeParam Full the aggregated client type the callers see (every method of it is served; see the module comment)
 */
export function modularClient<Full extends object>(
  client: SendingClient,
  commands: Readonly<Record<string, CommandClass>>,
  packageName: string,
): Full {
  let full: Promise<Record<string, unknown>> | undefined;
  const fromPackage = async (name: string): Promise<unknown> => {
    // A computed specifier: the bundler leaves it alone, so the full package stays out of the bundle.
    const specifier = packageName;
    full ??= import(specifier).then((m: Record<string, unknown>) => m);
    return (await full)[name];
  };
  const methods = new Map<string, (input?: object, options?: object) => Promise<unknown>>();
  const method = (operation: string) => {
    let send = methods.get(operation);
    if (send === undefined) {
      const name = commandName(operation);
      send = async (input = {}, options) => {
        const Command = commands[name] ?? (await fromPackage(name));
        if (typeof Command !== 'function') throw new UnknownOperationError(operation, packageName);
        const command: object = Reflect.construct(Command, [input]);
        return client.send(command, options);
      };
      methods.set(operation, send);
    }
    return send;
  };
  const proxy = new Proxy(client, {
    get(target, property) {
      if (typeof property === 'string' && !(property in target) && OPERATION.test(property)) {
        return method(property);
      }
      const value: unknown = Reflect.get(target, property, target);
      // The client's own methods (`send`, `destroy`) run on the client itself, never on the proxy.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  // Every operation method of `Full` is served by the trap above; the client's own members are the target's.
  return proxy as unknown as Full;
}
