/**
 * The request form's Name lookup: when the resource field of a kind the deployment can look up (`nameLookupTypes`
 * in `/config.json`) holds a Name rather than an id, the form asks `GET /resources/instances` and shows what the
 * name means: one match to confirm, several to pick from, or none. Only a click on "Use" puts an instance id in
 * the field; the form never submits a name, and never picks a match for the person.
 */
import {
  InstanceMatchesView,
  type InstanceMatchView,
  MAX_INSTANCE_MATCHES,
} from '../../functions/lib/api/contract.js';
import { apiParsed } from './api.js';
import { h, replace } from './dom.js';
import { dl, errorBox, setFieldError } from './widgets.js';

/** Tag keys worth showing beside the Name to tell instances apart (owner and team by common conventions). */
const SHOWN_TAGS = ['Owner', 'owner', 'Team', 'team', 'Environment', 'environment', 'Application', 'app'];

export interface NameLookup {
  /** The region that shows the matches (placed under the resource field). */
  element: HTMLElement;
  /** Look `name` up in the account and region, and show the result. */
  lookUp(name: string, accountId: string, region: string): Promise<void>;
  /** Forget the shown matches (the field was edited). */
  clear(): void;
}

/**
 * @param input the resource field: "Use" writes the chosen instance id into it
 */
export function nameLookup(input: HTMLInputElement): NameLookup {
  const element = h('div', { id: 'name-matches', 'aria-live': 'polite' });
  /** The lookup whose answer is still awaited: an older answer arriving late is dropped. */
  let latest = 0;

  const use = (match: InstanceMatchView): void => {
    input.value = match.instanceId;
    setFieldError(input.id, undefined);
    replace(
      element,
      h(
        'p',
        { class: 'alert alert-ok', id: 'name-resolved' },
        `Resource: ${match.instanceId} (Name “${match.name}”, ${match.state}${match.vpcId ? `, ${match.vpcId}` : ''}).`,
      ),
    );
    input.focus();
  };

  const card = (match: InstanceMatchView): HTMLElement => {
    const tags = SHOWN_TAGS.filter((k) => match.tags[k] !== undefined).map((k): [string, string] => [
      k,
      match.tags[k] ?? '',
    ]);
    return h(
      'li',
      { class: 'instance-match', 'data-instance-id': match.instanceId },
      dl([
        ['Instance', match.instanceId],
        ['Name', match.name],
        ['State', match.state],
        ['VPC', match.vpcId ?? 'none (EC2-Classic or not in a VPC)'],
        ['Private IP', match.privateIpAddress ?? ''],
        ...tags,
      ]),
      h(
        'button',
        { type: 'button', class: 'use-instance', onclick: () => use(match) },
        `Use ${match.instanceId}`,
      ),
    );
  };

  const lookUp = async (name: string, accountId: string, region: string): Promise<void> => {
    const ticket = ++latest;
    replace(
      element,
      h('p', { class: 'hint' }, `Looking up instances named “${name}” in ${accountId} ${region}…`),
    );
    const query = new URLSearchParams({ account: accountId, region, name });
    try {
      const found = await apiParsed(InstanceMatchesView, 'GET', `/resources/instances?${query.toString()}`);
      if (ticket !== latest) return;
      const where = `in account ${found.accountId}, ${found.region}`;
      if (found.instances.length === 0) {
        replace(
          element,
          h(
            'p',
            { class: 'alert alert-warn', id: 'name-none' },
            `No instance is named “${found.name}” ${where} (terminated instances are not listed). ` +
              'Check the account and region, or enter the instance id.',
          ),
        );
        return;
      }
      const one = found.instances.length === 1;
      replace(
        element,
        h(
          'p',
          { id: 'name-summary' },
          one
            ? `One instance is named “${found.name}” ${where}. Check it is the one you mean, then use it:`
            : `${found.instances.length} instances are named “${found.name}” ${where}. Pick the one you mean:`,
        ),
        found.truncated
          ? h('p', { class: 'alert alert-warn' }, `Only the first ${MAX_INSTANCE_MATCHES} are listed.`)
          : null,
        h('ul', { class: 'instance-matches' }, ...found.instances.map(card)),
      );
    } catch (error) {
      if (ticket !== latest) return;
      replace(element, h('div', { id: 'name-error' }, errorBox(error)));
    }
  };

  return {
    element,
    lookUp,
    clear: () => {
      latest += 1;
      replace(element);
    },
  };
}
