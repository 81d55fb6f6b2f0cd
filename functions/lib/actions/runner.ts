/**
 * The action runner: the lifecycle every isolation action shares, so that an action only says what is its own.
 *
 * An action is declared with {@link defineRunnableAction} from its manifest (resource type, parameters,
 * permissions: manifest.ts) and its implementation: the zod schema of the before-state it records, the AWS error
 * names that mean its resource is gone, and its apply and release stages (see steps.ts). The runner then, for
 * every action alike:
 * - refuses a resource of another type with {@link WrongResourceTypeError}, before any AWS call;
 * - parses the parameters with the action's schema (defaults filled in);
 * - on apply, checks the guards with the finding's data and returns a `skipped` refusal with the earlier
 *   state untouched (live tags are checked again by the action's first step);
 * - on release, parses the recorded before-state with the action's schema, failing with
 *   {@link BeforeStateError} rather than acting on a record it cannot read;
 * - runs the stages with {@link runSteps}, the action's "gone" errors ending the run `skipped`.
 *
 * The step names the contract lists (`steps.apply`, `steps.release`, for docs and the UI timeline) are derived
 * from the stages, so they cannot drift from what runs.
 */
import type { z } from 'zod';
import { CordonError } from '../errors.js';
import type { Resource, ResourceType } from '../findings/model.js';
import type {
  ActionContext,
  ActionDefinition,
  ActionResult,
  ActionState,
  GuardSettings,
} from './contract.js';
import { checkGuards } from './guards.js';
import type { TypedActionManifest } from './manifest.js';
import { runSteps, type StageSpec } from './steps.js';

/** The resource variant of one type. */
export type ResourceOf<T extends ResourceType> = Extract<Resource, { type: T }>;

/** An action was handed a resource it does not apply to (a bug upstream: policy evaluation matches types). */
export class WrongResourceTypeError extends CordonError {
  constructor(message: string) {
    super(message, { code: 'WRONG_RESOURCE_TYPE' });
  }
}

/** The recorded before-state does not match the action's schema: release refuses to guess. */
export class BeforeStateError extends CordonError {
  constructor(action: string, cause: z.ZodError) {
    super(`${action}: the recorded before-state is malformed: ${cause.issues[0]?.message ?? ''}`, {
      code: 'BEFORE_STATE_INVALID',
      cause,
    });
  }
}

/** The parameters of an apply or a release could not be parsed with the action's schema. */
export class ActionParamsError extends CordonError {
  constructor(action: string, cause: z.ZodError) {
    super(`${action}: invalid parameters: ${cause.issues[0]?.message ?? ''}`, {
      code: 'ACTION_PARAMS_INVALID',
      cause,
    });
  }
}

/** What builds the working data of one apply run. */
export interface ApplyRun<P, R> {
  ctx: ActionContext;
  resource: R;
  params: P;
  previous?: ActionState;
}

/** What builds the working data of one release run; `before` is the recorded state, parsed. */
export interface ReleaseRun<P, R, B> {
  ctx: ActionContext;
  resource: R;
  params: P;
  state: ActionState;
  before: B;
}

/**
 * The stages of one operation. They depend on the parameters and the guard settings only, never on the live
 * resource, so the runner can list their step names without running anything; per-run data goes in `work`.
 */
export type StageBuilder<P, W> = (params: P, guard: GuardSettings) => readonly StageSpec<W>[];

/** The implementation half of an action: what the worker runs (its manifest says what the action is). */
export interface RunnableActionSpec<S extends z.ZodType, T extends ResourceType, B, AW, RW> {
  /** What this action does NOT cut off (contract.ts). */
  limitations: readonly string[];
  /** Further shape check of the resource (e.g. an EC2 instance id); a returned reason is a wrong resource. */
  checkResource?: (resource: ResourceOf<T>) => string | undefined;
  /** zod schema of the before-state apply records; release parses the stored state with it. */
  before: z.ZodType<B>;
  /** AWS error names meaning the resource itself is gone: the step and the run end `skipped`. */
  goneErrors?: readonly string[];
  apply: {
    stages: StageBuilder<z.output<S>, AW>;
    work: (run: ApplyRun<z.output<S>, ResourceOf<T>>) => AW;
    /** Adjusts the result with what the steps left in `work` (e.g. the class of a containment failure). */
    finish?: (result: ActionResult, work: AW) => ActionResult;
  };
  release: {
    stages: StageBuilder<z.output<S>, RW>;
    work: (run: ReleaseRun<z.output<S>, ResourceOf<T>, B>) => RW;
  };
}

/**
 * Guard settings used only to list step names: stage layouts may depend on the guard settings (see
 * isolate-iam-user), and the documented order is the one of a policy without protected ARNs.
 */
const LISTING_GUARD: GuardSettings = {
  exemptionTag: { key: 'cordon:exempt' },
  protectedArns: [],
  cordonResourcePrefix: 'cordon',
  memberRoleName: 'cordon-member',
};

/** Step names of each stage, in order (steps of one stage run in parallel). */
export function stageNames<W>(stages: readonly StageSpec<W>[]): string[][] {
  return stages.map((stage) => stage.steps.map((step) => step.name));
}

/** The result of an apply refused by the guards: `skipped`, the reason, the earlier state untouched. */
export function refusedResult(reason: string, previous?: ActionState): ActionResult {
  return {
    outcome: 'skipped',
    steps: previous?.steps ?? [],
    before: previous?.before ?? {},
    warnings: [],
    detail: `refused: ${reason}`,
  };
}

/** Build the {@link ActionDefinition} the worker runs from an action's manifest and steps (see the module comment). */
export function defineRunnableAction<S extends z.ZodType, T extends ResourceType, B, AW, RW>(
  manifest: TypedActionManifest<S, T>,
  spec: RunnableActionSpec<S, T, B, AW, RW>,
): ActionDefinition<S> {
  const { resourceType } = manifest;
  const { checkResource, before, goneErrors, apply, release, limitations } = spec;

  const resourceOf = (resource: Resource): ResourceOf<T> => {
    if (!isOfType(resource, resourceType)) {
      throw new WrongResourceTypeError(
        `${manifest.name} applies to ${resourceType} resources, not ${resource.type}`,
      );
    }
    const problem = checkResource?.(resource);
    if (problem !== undefined) throw new WrongResourceTypeError(`${manifest.name}: ${problem}`);
    return resource;
  };
  const paramsOf = (params: unknown): z.output<S> => {
    const parsed = manifest.params.safeParse(params);
    if (!parsed.success) throw new ActionParamsError(manifest.name, parsed.error);
    return parsed.data;
  };
  const defaults = paramsOf({});

  return {
    ...manifest,
    limitations,
    steps: {
      apply: stageNames(apply.stages(defaults, LISTING_GUARD)).flat(),
      release: stageNames(release.stages(defaults, LISTING_GUARD)).flat(),
    },
    async apply(ctx, resource, rawParams, previous) {
      const target = resourceOf(resource);
      const params = paramsOf(rawParams);
      // Cheap first check with the finding's data, before any AWS call; the first step checks live tags again.
      const verdict = checkGuards(target, ctx.guard);
      if (!verdict.allowed) return refusedResult(verdict.reason, previous);
      const work = apply.work({ ctx, resource: target, params, ...(previous ? { previous } : {}) });
      const result = await runSteps({
        ctx,
        stages: apply.stages(params, ctx.guard),
        work,
        ...(previous ? { previous } : {}),
        ...(goneErrors ? { vanishedErrors: goneErrors } : {}),
      });
      return apply.finish ? apply.finish(result, work) : result;
    },
    async release(ctx, resource, rawParams, state) {
      const target = resourceOf(resource);
      const params = paramsOf(rawParams);
      const parsed = before.safeParse(state.before);
      if (!parsed.success) throw new BeforeStateError(manifest.name, parsed.error);
      const work = release.work({ ctx, resource: target, params, state, before: parsed.data });
      return runSteps({
        ctx,
        stages: release.stages(params, ctx.guard),
        work,
        previous: state,
        ...(goneErrors ? { vanishedErrors: goneErrors } : {}),
      });
    },
  };
}

function isOfType<T extends ResourceType>(resource: Resource, type: T): resource is ResourceOf<T> {
  return resource.type === type;
}
