/**
 * The API's answers, built as the contract (contract.ts) declares them: `/config.json` with the requestable
 * actions and their parameters derived from each action's zod schema, `/me`, and the isolation view.
 */
import * as z from 'zod';
import type { ActionManifest } from '../actions/contract.js';
import { ACTIONS } from '../actions/registry.js';
import { isSamePerson } from '../pipeline/service.js';
import type { IsolationRecord, Principal } from '../store/model.js';
import type { ApiPrincipal } from './auth.js';
import type { ApiConfig } from './config.js';
import { KINDS } from '../resources/registry.js';
import { EC2_INSTANCE } from '../resources/ec2-instance.js';
import {
  type ActionParamView,
  type ActionView,
  type AllowedView,
  type ConfigView,
  type IsolationView,
  type MeView,
  type RequestableKindView,
} from './contract.js';
import { AWS_REGIONS } from './regions.js';

/** The principal as recorded on isolations and Security Hub notes: issuer + subject, and username. */
export function recordPrincipal(principal: ApiPrincipal): Principal {
  return { type: principal.kind, id: principal.id, name: principal.username };
}

/**
 * Four eyes: whether the caller requested this record. Records written before identities carried the issuer
 * name the bare subject; those are compared on the subject alone, which can only refuse more, never less.
 */
export function isRequester(record: IsolationRecord, principal: ApiPrincipal): boolean {
  return (
    isSamePerson(record.requester, recordPrincipal(principal)) ||
    (record.requester.type === 'user' && record.requester.id === principal.sub)
  );
}

/** What the caller may do with this record (the console shows only these buttons). */
export function allowedActions(record: IsolationRecord, principal: ApiPrincipal): AllowedView {
  const approver = principal.roles.has('approver');
  const own = isRequester(record, principal);
  return {
    approve: approver && !own && record.status === 'PENDING_APPROVAL',
    reject: approver && record.status === 'PENDING_APPROVAL',
    release: approver && ['ISOLATED', 'FAILED', 'RELEASE_FAILED'].includes(record.status),
    retry: approver && record.status === 'FAILED',
  };
}

export function isolationView(record: IsolationRecord, principal: ApiPrincipal): IsolationView {
  return { ...record, allowed: allowedActions(record, principal) };
}

export function meView(principal: ApiPrincipal): MeView {
  return {
    id: principal.id,
    sub: principal.sub,
    username: principal.username,
    groups: principal.groups,
    roles: [...principal.roles].sort(),
  };
}

/** One property of a JSON Schema, as zod renders a parameter schema (`z.toJSONSchema`). */
const JsonSchemaProperty = z.looseObject({
  type: z.string().optional(),
  enum: z.array(z.unknown()).optional(),
  default: z.unknown().optional(),
  description: z.string().optional(),
});
const JsonSchemaObject = z.looseObject({ properties: z.record(z.string(), JsonSchemaProperty).default({}) });

function paramKind(property: z.infer<typeof JsonSchemaProperty>): Pick<ActionParamView, 'kind' | 'options'> {
  const options = property.enum?.filter((v): v is string => typeof v === 'string');
  if (options && options.length > 0 && options.length === property.enum?.length)
    return { kind: 'enum', options };
  if (property.type === 'boolean') return { kind: 'boolean' };
  if (property.type === 'string') return { kind: 'string' };
  if (property.type === 'number' || property.type === 'integer') return { kind: 'number' };
  // Anything richer (lists, objects, unions) is entered as JSON; the action's schema still validates it.
  return { kind: 'json' };
}

/**
 * An action's parameters as the request form shows them, read from its zod schema (input side, so defaults are
 * listed), so a new parameter reaches the console without a console change.
 */
export function actionParams(
  action: Pick<ActionManifest, 'params' | 'irreversibleParams'>,
): ActionParamView[] {
  const schema = JsonSchemaObject.parse(
    z.toJSONSchema(action.params, { io: 'input', unrepresentable: 'any' }),
  );
  const irreversible = action.irreversibleParams ?? [];
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    ...paramKind(property),
    ...(property.default === undefined ? {} : { default: property.default }),
    ...(property.description === undefined ? {} : { description: property.description }),
    irreversible: irreversible.includes(name),
  }));
}

export function actionView(action: ActionManifest): ActionView {
  return {
    name: action.name,
    description: action.description,
    resourceTypes: [...action.resourceTypes],
    irreversibleParams: [...(action.irreversibleParams ?? [])],
    params: actionParams(action),
  };
}

/** The resource kinds the API can request, as the request form shows and checks them (registry order). */
export function requestableKindViews(): RequestableKindView[] {
  return KINDS.flatMap(({ type, label, request }) =>
    request
      ? [
          {
            type,
            label,
            resourceHint: request.hint,
            idPattern: request.idPattern.source,
            idMessage: request.idMessage,
            needsUserName: request.needsUserName ?? false,
          },
        ]
      : [],
  );
}

/** Computed once per process: the registries do not change at run time. */
let actionViews: ActionView[] | undefined;
let kindViews: RequestableKindView[] | undefined;

export function configView(config: ApiConfig): ConfigView {
  actionViews ??= [...ACTIONS.values()].map(actionView);
  kindViews ??= requestableKindViews();
  return {
    sandbox: config.sandbox,
    region: config.region,
    auth: config.consoleAuth ?? null,
    actions: actionViews,
    regions: [...AWS_REGIONS],
    requestableKinds: kindViews,
    nameLookupTypes: config.instanceLookupRole === undefined ? [] : [EC2_INSTANCE],
  };
}
