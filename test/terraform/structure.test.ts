import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../functions/lib/api/config.js';
import { CONSOLE_ROUTE_KEYS, routeKeyMatches } from '../../functions/lib/console/handler.js';
import {
  ROOT,
  TERRAFORM_DIR,
  allResources,
  at,
  blockAt,
  loadTerraform,
  locals,
  resource,
  single,
  str,
  variables,
  type Block,
  type TerraformConfig,
} from './hcl.js';

const MODULES = readdirSync(path.join(TERRAFORM_DIR, 'modules')).sort();
const ENVIRONMENTS = ['dev', 'test', 'prod'];
/** The per-region root of the regional forwarder (terraform/envs/regional), beside the three environments. */
const ALL_DIRS = [
  ...MODULES.map((m) => `terraform/modules/${m}`),
  ...ENVIRONMENTS.map((e) => `terraform/envs/${e}`),
  'terraform/envs/regional',
];
/** Arguments of a module block that are not input variables. */
const META_ARGUMENTS = new Set(['source', 'version', 'providers', 'depends_on', 'count', 'for_each']);

/** The module blocks of an environment root, by name. */
function moduleCalls(config: TerraformConfig): Record<string, Block> {
  const calls = at(config.root, 'module');
  const out: Record<string, Block> = {};
  if (typeof calls !== 'object' || calls === null) return out;
  for (const [name, list] of Object.entries(calls)) out[name] = blockAt(list, 0);
  return out;
}

/** An environment's module argument, as a literal (the environments pass literals for what differs). */
async function cordonArgument(environment: string, name: string): Promise<unknown> {
  const config = await loadTerraform(`terraform/envs/${environment}`);
  return moduleCalls(config)['cordon']?.[name];
}

describe('Terraform: module layout', () => {
  it.each(MODULES)('gives module %s main.tf, variables.tf, outputs.tf and versions.tf', async (module) => {
    // Prepare
    const dir = `terraform/modules/${module}`;

    // Act
    const config = await loadTerraform(dir);
    const terraform = blockAt(config.root, 'terraform', 0);
    const providers = blockAt(terraform, 'required_providers', 0);

    // Assess
    expect(config.files).toEqual(expect.arrayContaining(['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']));
    expect(str(terraform['required_version'], 'required_version')).toMatch(/^>= 1\./);
    expect(at(providers, 'aws', 'source')).toBe('hashicorp/aws');
    expect(str(at(providers, 'aws', 'version'), 'aws version')).toMatch(/^>= 5\./);
    // `npm run build` writes the Lambda zips: `terraform init` needs the AWS provider and nothing else.
    expect(Object.keys(providers)).toEqual(['aws']);
    expect(allResources(config, 'data').filter((r) => r.type === 'archive_file')).toEqual([]);
  });

  it.each(ENVIRONMENTS)('requires only the AWS provider in environment %s', async (env) => {
    // Prepare
    const config = await loadTerraform(`terraform/envs/${env}`);

    // Act
    const providers = blockAt(config.root, 'terraform', 0, 'required_providers', 0);

    // Assess
    expect(Object.keys(providers)).toEqual(['aws']);
    expect(at(providers, 'aws', 'source')).toBe('hashicorp/aws');
  });

  it.each(ALL_DIRS)('gives %s plan tests against a mocked AWS provider', (dir) => {
    // Prepare
    const testsDir = path.join(ROOT, dir, 'tests');

    // Act
    const files = existsSync(testsDir) ? readdirSync(testsDir).filter((f) => f.endsWith('.tftest.hcl')) : [];
    const texts = files.map((f) => readFileSync(path.join(testsDir, f), 'utf8'));

    // Assess: run by terraform/ci.sh (from .ci/run); each file mocks AWS and only plans.
    expect(files.length, `${dir}/tests/*.tftest.hcl`).toBeGreaterThan(0);
    for (const [i, text] of texts.entries()) {
      expect(text, files[i]).toMatch(/^mock_provider "aws"/m);
      expect(text, files[i]).toMatch(/^\s*assert \{|^\s*expect_failures/m);
      expect(text, files[i]).not.toMatch(/command\s*=\s*apply/);
      for (const run of text.split(/^run "/m).slice(1)) expect(run, files[i]).toMatch(/command\s*=\s*plan/);
    }
  });

  it.each(ALL_DIRS)('types and describes every variable and output of %s', async (dir) => {
    // Prepare
    const config = await loadTerraform(dir);

    // Act
    const vars = Object.entries(variables(config));
    const outputs = Object.entries(blockAt(config.root, 'output'));

    // Assess
    expect(vars.length).toBeGreaterThan(0);
    for (const [name, variable] of vars) {
      expect(str(variable['type'], `${dir} variable ${name} type`)).toMatch(/^\$\{[\s\S]+\}$/);
      expect(str(variable['description'], `${dir} variable ${name} description`).length, name).toBeGreaterThan(10);
    }
    for (const [name, list] of outputs) {
      expect(str(at(list, 0, 'description'), `${dir} output ${name} description`).length).toBeGreaterThan(10);
    }
  });

  it.each(MODULES)('names the singleton resources of module %s `this`', async (module) => {
    // Prepare
    const config = await loadTerraform(`terraform/modules/${module}`);

    // Act
    const byType = new Map<string, { name: string; block: Block }[]>();
    for (const r of allResources(config)) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
    const misnamed = [...byType.entries()]
      .filter(([, list]) => list.length === 1)
      .filter(([, [only]]) => only && only.block['for_each'] === undefined && only.block['count'] === undefined)
      .filter(([, [only]]) => only?.name !== 'this')
      .map(([type, [only]]) => `${type}.${only?.name ?? ''}`);

    // Assess
    expect(misnamed).toEqual([]);
  });
});

describe('Terraform: CI', () => {
  it('checks formatting, then inits, validates and tests every Terraform directory after the build in .ci/run', () => {
    // Prepare
    const script = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    const ci = readFileSync(path.join(TERRAFORM_DIR, 'ci.sh'), 'utf8');

    // Act
    const lines = script.split('\n').map((line) => line.trim());

    // Assess
    expect(lines).toContain('terraform fmt -check -recursive terraform');
    expect(lines.indexOf('terraform/ci.sh')).toBeGreaterThan(lines.indexOf('npm run build'));
    expect(lines.indexOf('npm run build')).toBeGreaterThan(-1);
    expect(ci).toContain('dirs=(terraform/envs/*/ terraform/modules/*/)');
    expect(ci).toContain('terraform init -backend=false -plugin-dir="$TF_PLUGIN_DIR"');
    expect(ci).toContain('terraform validate');
    expect(ci).toContain('terraform test');
    expect(ci).toMatch(/TF_PLUGIN_DIR=\/opt\/tf-plugins/);
    expect(ci).toContain('skip "terraform is not installed');
    expect(ci).toContain('skip "no provider mirror');
  });
});

describe('Terraform: environments', () => {
  it.each(ENVIRONMENTS)('passes every required variable of the modules %s calls, and no unknown one', async (env) => {
    // Prepare
    const config = await loadTerraform(`terraform/envs/${env}`);
    const calls = Object.entries(moduleCalls(config));

    // Act & Assess
    expect(calls.map(([name]) => name).sort()).toEqual(['cordon', 'member_roles']);
    for (const [name, call] of calls) {
      const source = path.resolve(TERRAFORM_DIR, 'envs', env, str(call['source'], `${name}.source`));
      expect(existsSync(source), `${env}: module ${name} source ${source}`).toBe(true);
      const moduleVars = variables(await loadTerraform(source));
      const required = Object.entries(moduleVars)
        .filter(([, v]) => !('default' in v))
        .map(([n]) => n);
      const passed = Object.keys(call).filter((k) => !META_ARGUMENTS.has(k));
      for (const variable of required) expect(passed, `${env}: module ${name} needs ${variable}`).toContain(variable);
      for (const argument of passed) expect(Object.keys(moduleVars), `${env}: ${name}.${argument}`).toContain(argument);
    }
  });

  it.each(ENVIRONMENTS)('sets every required variable of %s in its example terraform.tfvars', async (env) => {
    // Prepare
    const dir = `terraform/envs/${env}`;
    const config = await loadTerraform(dir);
    const { parse } = await import('@cdktf/hcl2json');

    // Act
    const tfvars = await parse('terraform.tfvars', readFileSync(path.join(ROOT, dir, 'terraform.tfvars'), 'utf8'));
    const vars = variables(config);

    // Assess
    for (const [name, variable] of Object.entries(vars)) {
      if (!('default' in variable)) expect(Object.keys(tfvars), `${env} terraform.tfvars sets ${name}`).toContain(name);
    }
    for (const name of Object.keys(tfvars)) expect(Object.keys(vars), `${env} declares ${name}`).toContain(name);
  });

  it.each(ENVIRONMENTS)('gives %s a backend with placeholders, a pinned account and the repository paths', async (env) => {
    // Prepare
    const dir = path.join(TERRAFORM_DIR, 'envs', env);
    const config = await loadTerraform(dir);

    // Act
    const backend = blockAt(config.root, 'terraform', 0, 'backend', 's3', 0);
    const provider = blockAt(config.root, 'provider', 'aws', 0);
    const cordon = moduleCalls(config)['cordon'] ?? {};
    const resolve = (value: unknown) =>
      path.resolve(dir, str(value, 'path').replace('${path.root}', '.'));

    // Assess
    expect(str(backend['bucket'], 'bucket')).toMatch(/REPLACE/);
    expect(backend['key']).toBe(`cordon/${env}/terraform.tfstate`);
    expect(backend['encrypt']).toBe(true);
    expect(provider['allowed_account_ids']).toEqual(['${var.security_account_id}']);
    expect(cordon['environment']).toBe(env);
    expect(resolve(cordon['rules_dir'])).toBe(path.join(ROOT, 'rules'));
    // The zips `npm run build` writes (scripts/build.ts zipDir).
    expect(resolve(cordon['dist_dir'])).toBe(path.join(ROOT, 'dist', 'lambda'));
  });

  it('makes prod stricter on purpose: deletion protection, longer retention, faster and lower alarms', async () => {
    // Prepare
    const get = (name: string) => Promise.all(ENVIRONMENTS.map((env) => cordonArgument(env, name)));

    // Act
    const [dev, test, prod] = await get('table_deletion_protection');
    const retention = (await get('log_retention_days')) as number[];
    const errors = (await get('function_errors_threshold')) as number[];
    const periods = (await get('alarm_period_seconds')) as number[];
    const [, , prodUserPool] = await get('cognito_deletion_protection');

    // Assess
    expect([dev, test, prod]).toEqual([false, false, true]);
    expect(prodUserPool).toBe(true);
    expect(retention[2]).toBeGreaterThan(Math.max(retention[0] ?? 0, retention[1] ?? 0));
    expect(errors[2]).toBeLessThan(Math.min(errors[0] ?? 0, errors[1] ?? 0));
    expect(periods[2]).toBeLessThan(Math.min(periods[0] ?? 0, periods[1] ?? 0));
  });

  it('deploys the member roles with the worker role and role name of the same environment', async () => {
    for (const env of ENVIRONMENTS) {
      // Prepare
      const config = await loadTerraform(`terraform/envs/${env}`);

      // Act
      const members = moduleCalls(config)['member_roles'] ?? {};

      // Assess
      expect(members['worker_role_arn']).toBe('${module.cordon.worker_role_arn}');
      expect(members['role_name']).toBe('${module.cordon.member_role_name}');
      expect(members['external_id']).toBe('${var.member_external_id}');
      expect(moduleCalls(config)['cordon']?.['member_external_id']).toBe('${var.member_external_id}');
      expect(members['organization_id']).toBe('${var.organization_id}');
    }
  });
});

describe('Terraform: API', () => {
  it('protects the API routes with a JWT authorizer and logs and throttles the stage', async () => {
    // Prepare
    const config = await loadTerraform('terraform/modules/cordon');

    // Act
    const authorizer = resource(config, 'aws_apigatewayv2_authorizer', 'this');
    const route = resource(config, 'aws_apigatewayv2_route', 'protected');
    const stage = resource(config, 'aws_apigatewayv2_stage', 'this');
    const jwt = single(authorizer, 'jwt_configuration');
    const settings = single(stage, 'default_route_settings');

    // Assess
    expect(authorizer['authorizer_type']).toBe('JWT');
    expect(jwt).toEqual({ issuer: '${local.jwt_issuer}', audience: '${local.jwt_audience}' });
    expect(route['authorization_type']).toBe('JWT');
    expect(route['authorizer_id']).toBe('${aws_apigatewayv2_authorizer.this.id}');
    expect(single(stage, 'access_log_settings')['destination_arn']).toBe('${aws_cloudwatch_log_group.api_access.arn}');
    expect(settings['throttling_burst_limit']).toBe('${var.api_throttling_burst_limit}');
    expect(settings['throttling_rate_limit']).toBe('${var.api_throttling_rate_limit}');
  });

  it('routes the console paths to the console function and everything else to the api function', async () => {
    // Prepare
    const config = await loadTerraform('terraform/modules/cordon');
    const env = locals(config);

    // Act
    // `toset([...])` stays an expression in hcl2json: read its string literals.
    const routeSet = (name: string) => [...str(env[name], name).matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
    const consoleRoutes = routeSet('console_routes');
    const protectedRoutes = routeSet('protected_routes');
    const consoleRoute = resource(config, 'aws_apigatewayv2_route', 'console');
    const consoleIntegration = resource(config, 'aws_apigatewayv2_integration', 'console');
    const apiIntegration = resource(config, 'aws_apigatewayv2_integration', 'this');
    const permission = resource(config, 'aws_lambda_permission', 'console');

    // Assess: the same routes as the code (and the sandbox) use, to the console's own integration, public.
    expect(str(env['console_routes'], 'console_routes')).toMatch(/^\$\{toset\(\[/);
    expect(consoleRoutes).toEqual([...CONSOLE_ROUTE_KEYS]);
    expect(protectedRoutes).toContain('GET /me');
    expect(consoleRoute['for_each']).toBe('${local.console_routes}');
    expect(consoleRoute['route_key']).toBe('${each.value}');
    expect(consoleRoute['target']).toBe('integrations/${aws_apigatewayv2_integration.console.id}');
    expect(consoleRoute['authorization_type']).toBeUndefined();
    expect(consoleIntegration['integration_uri']).toBe('${aws_lambda_function.this["console"].invoke_arn}');
    expect(consoleIntegration['payload_format_version']).toBe('2.0');
    expect(permission['function_name']).toBe('${aws_lambda_function.this["console"].function_name}');
    expect(permission['principal']).toBe('apigateway.amazonaws.com');
    // The rest stays on the api function: the $default route and every protected route.
    expect(apiIntegration['integration_uri']).toBe('${aws_lambda_function.this["api"].invoke_arn}');
    expect(resource(config, 'aws_apigatewayv2_route', 'public')['target']).toBe(
      'integrations/${aws_apigatewayv2_integration.this.id}',
    );
    expect(resource(config, 'aws_apigatewayv2_route', 'protected')['target']).toBe(
      'integrations/${aws_apigatewayv2_integration.this.id}',
    );
    for (const key of protectedRoutes) {
      const [method = '', route = ''] = key.split(' ');
      const path = route.replace('{proxy+}', 'x');
      expect(CONSOLE_ROUTE_KEYS.some((c) => routeKeyMatches(c, method === 'ANY' ? 'GET' : method, path)), key).toBe(false);
    }
  });

  it('creates the Cognito user pool, client and the groups the API authorises by default', async () => {
    // Prepare
    const config = await loadTerraform('terraform/modules/cordon');
    const apiDefaults = loadApiConfig({ CORDON_COGNITO_USER_POOL_ID: 'eu-west-1_Example1', CORDON_AUTH_CLIENT_ID: 'c' });

    // Act
    const groups = blockAt(variables(config)['group_names'], 'default');
    const pool = resource(config, 'aws_cognito_user_pool', 'this');
    const client = resource(config, 'aws_cognito_user_pool_client', 'this');

    // Assess
    expect(groups).toEqual({
      requesters: apiDefaults.groups.requesters,
      approvers: apiDefaults.groups.approvers,
      viewers: apiDefaults.groups.viewers,
    });
    expect(groups).toEqual({
      requesters: 'cordon-requesters',
      approvers: 'cordon-approvers',
      viewers: 'cordon-viewers',
    });
    expect(pool['count']).toBe('${local.create_user_pool ? 1 : 0}');
    expect(client['generate_secret']).toBe(false);
    expect(client['allowed_oauth_flows']).toEqual(['code']);
    expect(variables(config)['jwt_issuer']?.['default']).toBeNull();
  });
});
