/**
 * The console bundled into the `console` function: the generated module is up to date with console/, and the
 * HTML shell needs nothing that the strict Content-Security-Policy forbids.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, renderConsoleModule } from '../../console/build.js';
import { CONSOLE_ASSETS } from '../../functions/lib/console/assets.generated.js';
import { consoleCsp } from '../../functions/lib/api/http.js';

describe('Console: bundled assets', () => {
  it('is rebuilt from console/ (run `npx tsx console/build.ts` after editing the console)', async () => {
    // Act
    const fresh = await renderConsoleModule();

    // Assess
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(fresh);
  });

  it('has no inline script, inline style or event-handler attribute in the HTML shell', () => {
    // Prepare
    const html = CONSOLE_ASSETS['/index.html']?.body ?? '';

    // Assess
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(CONSOLE_ASSETS['/assets/app.js']?.body).not.toMatch(
      /innerHTML\s*=|insertAdjacentHTML|document\.write/,
    );
  });

  it('allows only itself, and the token endpoint for sign-in, in the policy', () => {
    // Act
    const csp = consoleCsp('https://cordon.auth.eu-west-1.amazoncognito.com/oauth2/token');

    // Assess
    expect(csp).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self' https://cordon.auth.eu-west-1.amazoncognito.com; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
  });
});
